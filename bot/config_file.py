"""`AIG_CONFIG`: a TOML file of routes (gateway → channel, sampled how and when).

Parsed with the standard library's `tomllib`; see examples/routes.toml and the README. A route
is a table `[routes.<name>]`; keys it leaves out come from `[defaults]`, then from the values
the single-gateway variables give (`AIG_SAMPLE_SIZE`, `AIG_SAMPLE_CRON`,
`AIG_SAMPLE_INTERVAL_SECONDS`, `AIG_TIMEZONE`, `CLOUDFLARE_API_BASE_URL`). API tokens never
live in the file: a route names the environment variable holding its token (`api_token_env`,
default `CLOUDFLARE_API_TOKEN`).

Every problem is collected, named by file, route and key, for `bot.config` to raise at once.
Reads the file it is given and nothing else; environment values come in as a mapping.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.gateway import MetadataValue
from bot.routes import (
    LogFilters,
    QuietHours,
    Route,
    SamplingPlan,
    Strategy,
)
from bot.sampling.scheduler import crontab_problem

DEFAULT_TOKEN_ENV = "CLOUDFLARE_API_TOKEN"  # noqa: S105 - the variable's name, not a token
MAX_SIZE = 20
MAX_WINDOW = timedelta(days=90)
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_ACCOUNT_ID = re.compile(r"^[0-9a-f]{32}$")
_GATEWAY_ID = re.compile(r"^[a-z0-9_]+(?:-[a-z0-9_]+)*$")
_ROUTE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DURATION = re.compile(r"(\d+)\s*([smhdw])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")

ROUTE_KEYS = frozenset(
    (
        *("account_id", "gateway_id", "channel", "api_token_env", "api_base_url", "size"),
        *("cron", "interval", "timezone", "window", "strategy", "stratify_by", "max_strata"),
        *("skip_rated", "quiet_hours", "business_days", "holidays", "filters"),
    )
)
FILTER_KEYS = frozenset(("success", "model", "provider", "metadata", "min_cost", "min_tokens"))


class Invalid(Exception):
    """A value that does not fit its key; the message is the sentence a person needs."""


@dataclass(frozen=True, slots=True)
class Fallbacks:
    """What a key missing from both the route and `[defaults]` falls back to."""

    size: int = 5
    cron: str = "0 10,15 * * 1-5"
    interval_seconds: float | None = None
    timezone: str = "UTC"
    api_base_url: str = "https://api.cloudflare.com/client/v4"


def read_routes(
    path: Path,
    *,
    env: Mapping[str, str],
    fallbacks: Fallbacks,
    need_tokens: bool,
    problems: list[str],
) -> tuple[Route, ...]:
    """The routes in the file at `path`; every problem found is appended to `problems`."""
    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(f"AIG_CONFIG: no such file {where}")
        return ()
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"AIG_CONFIG: cannot read {where}: {exc}")
        return ()
    except tomllib.TOMLDecodeError as exc:
        problems.append(f"{where}: not valid TOML: {exc}")
        return ()
    return parse_routes(
        data, source=where, env=env, fallbacks=fallbacks, need_tokens=need_tokens, problems=problems
    )


def parse_routes(
    data: Mapping[str, Any],
    *,
    source: str,
    env: Mapping[str, str],
    fallbacks: Fallbacks,
    need_tokens: bool,
    problems: list[str],
) -> tuple[Route, ...]:
    """Routes from the parsed TOML document (see `read_routes`)."""
    problems.extend(
        f"{source}: unknown top-level table or key {key!r}{_hint(key, ('defaults', 'routes'))}"
        for key in sorted(set(data) - {"defaults", "routes"})
    )
    defaults = data.get("defaults", {})
    if not isinstance(defaults, Mapping):
        problems.append(f"{source}: [defaults] must be a table")
        defaults = {}
    _unknown_keys(defaults, ROUTE_KEYS, f"{source}: [defaults]", problems)
    routes = data.get("routes")
    if not isinstance(routes, Mapping) or not routes:
        problems.append(f"{source}: no routes; add at least one [routes.<name>] table")
        return ()
    out: list[Route] = []
    for name, table in routes.items():
        where = f"{source}: route {name!r}"
        if not _ROUTE_NAME.match(name):
            problems.append(f"{where}: a route name is letters, digits, '-', '_' or '.'")
        if not isinstance(table, Mapping):
            problems.append(f"{where}: must be a table ([routes.{name}])")
            continue
        _unknown_keys(table, ROUTE_KEYS, where, problems)
        reader = _Reader(table, defaults, where, problems)
        route = _route(name, reader, env=env, fallbacks=fallbacks, need_tokens=need_tokens)
        if route is not None:
            out.append(route)
    return tuple(out)


class _Reader:
    """Typed reads of one route's keys, falling back to `[defaults]`; problems are collected."""

    def __init__(
        self,
        table: Mapping[str, Any],
        defaults: Mapping[str, Any],
        where: str,
        problems: list[str],
    ) -> None:
        self.table = table
        self.defaults = defaults
        self.where = where
        self.problems = problems
        self.failed = False

    def raw(self, key: str) -> tuple[Any, str] | None:
        """The value and where it was found, or None when neither table sets it."""
        if key in self.table:
            return self.table[key], self.where
        if key in self.defaults:
            return self.defaults[key], self.where.split(":")[0] + ": [defaults]"
        return None

    def problem(self, where: str, key: str, message: str) -> None:
        self.problems.append(f"{where}: {key}: {message}")
        self.failed = True

    def get(self, key: str, parse: Callable[[Any], Any], default: Any) -> Any:
        found = self.raw(key)
        if found is None:
            return default
        value, where = found
        return self.parse(value, where, key, parse, default)

    def parse(
        self, value: Any, where: str, key: str, parse: Callable[[Any], Any], default: Any
    ) -> Any:
        try:
            return parse(value)
        except Invalid as exc:
            self.problem(where, key, str(exc))
            return default

    def required(self, key: str, parse: Callable[[Any], Any]) -> Any:
        if self.raw(key) is None:
            self.problem(self.where, key, "is required")
            return None
        return self.get(key, parse, None)


def _route(
    name: str,
    reader: _Reader,
    *,
    env: Mapping[str, str],
    fallbacks: Fallbacks,
    need_tokens: bool,
) -> Route | None:
    account = reader.required(
        "account_id", _matching(_ACCOUNT_ID, "the 32-character hex account ID")
    )
    gateway = reader.required("gateway_id", _gateway_id)
    channel = reader.required(
        "channel", _matching(_CHANNEL_ID, "a channel ID like C0123ABCD (not a #name)")
    )
    if reader.raw("api_token") is not None:
        reader.problem(
            reader.where,
            "api_token",
            "tokens do not go in this file; put the token in an environment variable and "
            'name it with api_token_env = "CF_TOKEN_…"',
        )
    token_env = reader.get(
        "api_token_env", _matching(_ENV_NAME, "an environment variable name"), DEFAULT_TOKEN_ENV
    )
    token = env.get(token_env, "").strip() if token_env else ""
    if need_tokens and token_env and not token:
        reader.problem(
            reader.where, "api_token_env", f"the environment variable {token_env} is not set"
        )
    base_url = reader.get("api_base_url", _url, fallbacks.api_base_url)
    timezone = reader.get("timezone", _timezone, fallbacks.timezone)
    plan = _plan(reader, fallbacks, timezone)
    if reader.failed or plan is None:
        return None
    return Route(
        name=name,
        account_id=account,
        gateway_id=gateway,
        api_token=token,
        api_base_url=base_url.rstrip("/"),
        channel=channel,
        plan=plan,
    )


def _plan(reader: _Reader, fallbacks: Fallbacks, timezone: str) -> SamplingPlan | None:
    cron, interval = _schedule(reader, fallbacks, ZoneInfo(timezone))
    strategy = reader.get("strategy", _choice(Strategy), Strategy.UNIFORM)
    plan = SamplingPlan(
        size=reader.get("size", _whole(1, MAX_SIZE), fallbacks.size),
        cron=cron,
        interval_seconds=interval,
        timezone=timezone,
        window=reader.get("window", _window, SamplingPlan().window),
        strategy=strategy,
        stratify_by=reader.get("stratify_by", _one_of("model", "provider"), "model"),
        max_strata=reader.get("max_strata", _whole(1, 20), SamplingPlan().max_strata),
        filters=reader.get("filters", _filters, LogFilters()),
        skip_rated=reader.get("skip_rated", _boolean, False),
        quiet_hours=reader.get("quiet_hours", _quiet_hours, ()),
        business_days=reader.get("business_days", _boolean, False),
        holidays=reader.get("holidays", _holidays, frozenset()),
    )
    return None if reader.failed else plan


def _schedule(reader: _Reader, fallbacks: Fallbacks, tz: ZoneInfo) -> tuple[str, float | None]:
    """The route's own `cron` or `interval`, else that of `[defaults]`, else the fallbacks'."""
    defaults_where = reader.where.split(":")[0] + ": [defaults]"
    for where, table in ((reader.where, reader.table), (defaults_where, reader.defaults)):
        if "cron" in table and "interval" in table:
            reader.problem(where, "interval", "set either cron or interval, not both")
            return fallbacks.cron, None
        if "cron" in table:
            return reader.parse(table["cron"], where, "cron", _crontab(tz), fallbacks.cron), None
        if "interval" in table:
            return fallbacks.cron, reader.parse(
                table["interval"], where, "interval", _interval, None
            )
    return fallbacks.cron, fallbacks.interval_seconds


# --- value parsers: raise Invalid with the sentence a person needs -------------------------


def _matching(pattern: re.Pattern[str], what: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if not isinstance(value, str) or not pattern.match(value.strip()):
            raise Invalid(f"must be {what}, got {value!r}")
        return value.strip()

    return parse


def _gateway_id(value: Any) -> str:
    if not isinstance(value, str) or len(value) > 64 or not _GATEWAY_ID.match(value):
        raise Invalid(f"must be a gateway ID like 'my-gateway', got {value!r}")
    return value


def _url(value: Any) -> str:
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise Invalid(f"must be an http(s) URL, got {value!r}")
    return value


def _timezone(value: Any) -> str:
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(f"{value!r} is not a known IANA timezone (e.g. Europe/Paris)") from None
    return str(value)


def _crontab(tz: ZoneInfo) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if not isinstance(value, str):
            raise Invalid(f"must be a crontab string like '0 10,15 * * 1-5', got {value!r}")
        problem = crontab_problem(value, tz)
        if problem is not None:
            raise Invalid(f"{value!r} is not a valid crontab: {problem}")
        return value

    return parse


def _duration(value: Any) -> timedelta:
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str) and value.strip():
        text = value.strip().lower()
        parts = _DURATION.findall(text)
        if not parts or _DURATION.sub("", text).strip():
            raise Invalid(f"must be a duration like '30m', '24h' or '7d', got {value!r}")
        seconds = float(sum(int(n) * _UNITS[unit] for n, unit in parts))
    else:
        raise Invalid(f"must be a duration like '30m', '24h' or '7d', got {value!r}")
    if seconds <= 0:
        raise Invalid("must be longer than zero")
    return timedelta(seconds=seconds)


def _interval(value: Any) -> float:
    span = _duration(value)
    if span < timedelta(seconds=1):
        raise Invalid("must be at least 1 second")
    return span.total_seconds()


def _window(value: Any) -> timedelta:
    span = _duration(value)
    if not timedelta(minutes=1) <= span <= MAX_WINDOW:
        raise Invalid("must be between 1 minute and 90 days")
    return span


def _whole(low: int, high: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise Invalid(f"must be a whole number from {low} to {high}, got {value!r}")
        return value

    return parse


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"must be true or false, got {value!r}")
    return value


def _choice(kind: type[Strategy]) -> Callable[[Any], Strategy]:
    def parse(value: Any) -> Strategy:
        for member in kind:
            if value == member.value:
                return member
        names = ", ".join(member.value for member in kind)
        raise Invalid(f"must be one of {names}, got {value!r}")

    return parse


def _one_of(*allowed: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if value not in allowed:
            raise Invalid(f"must be one of {', '.join(allowed)}, got {value!r}")
        return str(value)

    return parse


def _quiet_hours(value: Any) -> tuple[QuietHours, ...]:
    spans = [value] if isinstance(value, str) else value
    if not isinstance(spans, list):
        raise Invalid(f"must be a span like '22:00-07:00' or a list of them, got {value!r}")
    out: list[QuietHours] = []
    for span in spans:
        start, sep, end = str(span).partition("-")
        bounds = [_CLOCK.match(part.strip()) for part in (start, end)]
        if not (isinstance(span, str) and sep and bounds[0] and bounds[1]):
            raise Invalid(f"{span!r} is not a span like '22:00-07:00' (24-hour clock)")
        first, last = (time(int(m.group(1)), int(m.group(2))) for m in bounds if m)
        if first == last:
            raise Invalid(f"{span!r} starts and ends at the same minute")
        out.append(QuietHours(first, last))
    return tuple(out)


def _holidays(value: Any) -> frozenset[date]:
    if not isinstance(value, list):
        raise Invalid(f"must be a list of dates like [2026-12-25], got {value!r}")
    out: set[date] = set()
    for item in value:
        if isinstance(item, date) and not hasattr(item, "hour"):
            out.add(item)
            continue
        try:
            out.add(date.fromisoformat(str(item)))
        except ValueError:
            raise Invalid(f"{item!r} is not a date like 2026-12-25") from None
    return frozenset(out)


def _filters(value: Any) -> LogFilters:
    if not isinstance(value, Mapping):
        raise Invalid("must be a table ([routes.<name>.filters])")
    problems: list[str] = []
    unknown = sorted(set(value) - FILTER_KEYS)
    problems += [f"unknown filter {key!r}{_hint(key, FILTER_KEYS)}" for key in unknown]

    def pick(key: str, check: Callable[[Any], bool], what: str) -> Any:
        if key not in value:
            return None
        if not check(value[key]):
            problems.append(f"{key} must be {what}, got {value[key]!r}")
            return None
        return value[key]

    success = pick("success", lambda v: isinstance(v, bool), "true or false")
    model = pick("model", lambda v: isinstance(v, str) and bool(v), "a model name")
    provider = pick("provider", lambda v: isinstance(v, str) and bool(v), "a provider name")
    min_cost = pick("min_cost", lambda v: _number(v) and v >= 0, "a number of USD ≥ 0")
    min_tokens = pick(
        "min_tokens",
        lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1,
        "a whole number ≥ 1",
    )
    metadata: list[tuple[str, MetadataValue]] = []
    raw_metadata = value.get("metadata", {})
    if not isinstance(raw_metadata, Mapping):
        problems.append('metadata must be a table like { team = "support" }')
    else:
        for key, item in raw_metadata.items():
            if isinstance(item, str | int | float | bool):
                metadata.append((str(key), item))
            else:
                problems.append(f"metadata.{key} must be a string, number or boolean")
    if problems:
        raise Invalid("; ".join(problems))
    return LogFilters(
        success=success,
        model=model,
        provider=provider,
        metadata=tuple(metadata),
        min_cost=float(min_cost) if min_cost is not None else None,
        min_tokens=min_tokens,
    )


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _unknown_keys(
    table: Mapping[str, Any], known: frozenset[str], where: str, problems: list[str]
) -> None:
    problems.extend(
        f"{where}: unknown key {key!r}{_hint(key, known)}"
        for key in sorted(set(table) - known - {"api_token"})
    )


def _hint(key: str, known: frozenset[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, sorted(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""

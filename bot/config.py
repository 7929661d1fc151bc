"""Settings from the environment (and a `.env` file in the working directory).

The only module that reads environment variables. Every problem is collected and reported
in one `ConfigError`, so a person fixing a deployment sees all of them at once.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from bot.config_file import Fallbacks, read_routes
from bot.routes import DEFAULT_ROUTE, Route, SamplingPlan
from bot.sampling.scheduler import crontab_problem  # checks crontabs the way they will run

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_CLOUDFLARE_API_BASE_URL = "https://api.cloudflare.com/client/v4"

_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_RATER_ID = re.compile(r"^[UWS][A-Z0-9]{2,}$")
_ACCOUNT_ID = re.compile(r"^[0-9a-f]{32}$")
_GATEWAY_ID = re.compile(r"^[a-z0-9_]+(?:-[a-z0-9_]+)*$")
_REASON_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_SLUG_GAPS = re.compile(r"[^a-z0-9]+")

# The "Why 👎?" modal's choices, as `key:Label` (the key is what is stored and exported).
DEFAULT_REASON_CATEGORIES = (
    ("wrong", "Wrong or hallucinated"),
    ("unsafe", "Unsafe"),
    ("unhelpful", "Unhelpful"),
    ("formatting", "Formatting"),
    ("slow", "Too slow"),
    ("other", "Other"),
)
MAX_REASON_CATEGORIES = 10  # a radio button group holds at most 10 options


class ConfigError(Exception):
    """The configuration is incomplete or invalid; `problems` lists every issue found."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the bot is configured with. Secrets are kept out of `repr`."""

    slack_bot_token: str = field(repr=False)
    cloudflare_api_token: str = field(repr=False)
    cloudflare_account_id: str
    cloudflare_gateway_id: str
    feedback_channel: str
    slack_signing_secret: str = field(default="", repr=False)
    slack_app_token: str = field(default="", repr=False)
    slack_api_url: str = DEFAULT_SLACK_API_URL
    cloudflare_api_base_url: str = DEFAULT_CLOUDFLARE_API_BASE_URL
    sample_size: int = 5
    sample_cron: str = "0 10,15 * * 1-5"
    sample_interval_seconds: float | None = None
    timezone: str = "UTC"
    database_url: str = "sqlite:///aig-feedback.db"
    allowed_raters: frozenset[str] = frozenset()
    port: int = 3000
    gateway_budget: int = 600
    lookup_channels: frozenset[str] = frozenset()
    redact: bool = True
    redact_patterns: tuple[
        str, ...
    ] = ()  # extra regular expressions, from AIG_REDACT_PATTERNS_FILE
    write_score: bool = False
    write_metadata: bool = False
    reason_categories: tuple[tuple[str, str], ...] = DEFAULT_REASON_CATEGORIES  # (key, label)
    digest_cron: str = "0 9 * * 1"
    config_file: str | None = None
    routes: tuple[Route, ...] = ()  # from AIG_CONFIG; empty means the single-gateway variables

    def route_list(self) -> tuple[Route, ...]:
        """The configured routes: those of AIG_CONFIG, or one built from the variables."""
        if self.routes:
            return self.routes
        return (
            Route(
                name=DEFAULT_ROUTE,
                account_id=self.cloudflare_account_id,
                gateway_id=self.cloudflare_gateway_id,
                api_token=self.cloudflare_api_token,
                api_base_url=self.cloudflare_api_base_url,
                channel=self.feedback_channel,
                plan=SamplingPlan(
                    size=self.sample_size,
                    cron=self.sample_cron,
                    interval_seconds=self.sample_interval_seconds,
                    timezone=self.timezone,
                ),
            ),
        )

    @property
    def socket_mode_available(self) -> bool:
        """Whether an app-level token makes Socket Mode possible."""
        return bool(self.slack_app_token)

    @property
    def tz(self) -> ZoneInfo:
        """The timezone crontabs are read in."""
        return ZoneInfo(self.timezone)


def read_environment(cwd: Path | None = None) -> dict[str, str]:
    """The process environment over the `.env` file in `cwd`: the real environment wins."""
    env_file = (cwd or Path.cwd()) / ".env"
    merged: dict[str, str] = {}
    if env_file.is_file():
        merged.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    merged.update(os.environ)
    return merged


def load_settings(
    env: Mapping[str, str] | None = None,
    *,
    need_signing_secret: bool = False,
    need_slack: bool = True,
    need_cloudflare: bool = True,
) -> Settings:
    """Parse and validate settings; raise ConfigError naming every problem."""
    env = read_environment() if env is None else env
    problems: list[str] = []

    def get(name: str, default: str = "") -> str:
        return env.get(name, default).strip()

    def required(name: str, needed: bool = True) -> str:
        value = get(name)
        if needed and not value:
            problems.append(f"{name} is required but not set")
        return value

    def integer(name: str, default: int, low: int, high: int) -> int:
        raw = get(name)
        if not raw:
            return default
        try:
            value = int(raw)
        except ValueError:
            problems.append(f"{name} must be a whole number, got {raw!r}")
            return default
        if not low <= value <= high:
            problems.append(f"{name} must be between {low} and {high}, got {value}")
            return default
        return value

    def switch(name: str, default: bool) -> bool:
        raw = get(name).lower()
        if not raw:
            return default
        if raw in {"on", "true", "1", "yes"}:
            return True
        if raw in {"off", "false", "0", "no"}:
            return False
        problems.append(f"{name} must be 'on' or 'off', got {raw!r}")
        return default

    def id_list(name: str, pattern: re.Pattern[str], what: str) -> frozenset[str]:
        items = {item.strip() for item in get(name).split(",") if item.strip()}
        bad = sorted(item for item in items if not pattern.match(item))
        if bad:
            problems.append(f"{name} must list {what}; not valid: {', '.join(bad)}")
        return frozenset(items - set(bad))

    bot_token = required("SLACK_BOT_TOKEN", need_slack)
    if bot_token and not bot_token.startswith("xoxb-"):
        problems.append("SLACK_BOT_TOKEN must be a bot token starting with 'xoxb-'")
    app_token = get("SLACK_APP_TOKEN")
    if app_token and not app_token.startswith("xapp-"):
        problems.append("SLACK_APP_TOKEN must be an app-level token starting with 'xapp-'")
    signing_secret = required("SLACK_SIGNING_SECRET", need_signing_secret)

    config_file = get("AIG_CONFIG") or None
    single = config_file is None  # AIG_CONFIG's routes replace the single-gateway variables
    cf_token = required("CLOUDFLARE_API_TOKEN", need_cloudflare and single)
    account = required("CLOUDFLARE_ACCOUNT_ID", need_cloudflare and single)
    if account and not _ACCOUNT_ID.match(account):
        problems.append("CLOUDFLARE_ACCOUNT_ID must be the 32-character hex account ID")
    gateway = required("CLOUDFLARE_GATEWAY_ID", need_cloudflare and single)
    if gateway and not (len(gateway) <= 64 and _GATEWAY_ID.match(gateway)):
        problems.append("CLOUDFLARE_GATEWAY_ID must be a gateway ID like 'my-gateway'")
    channel = required("AIG_FEEDBACK_CHANNEL", need_slack and single)
    if channel and not _CHANNEL_ID.match(channel):
        problems.append(
            "AIG_FEEDBACK_CHANNEL must be a channel ID like C0123ABCD (not a #name); "
            "find it in the channel's details in Slack"
        )

    slack_api_url = get("SLACK_API_URL", DEFAULT_SLACK_API_URL) or DEFAULT_SLACK_API_URL
    cf_base = get("CLOUDFLARE_API_BASE_URL", DEFAULT_CLOUDFLARE_API_BASE_URL)
    for name, url in (("SLACK_API_URL", slack_api_url), ("CLOUDFLARE_API_BASE_URL", cf_base)):
        if not url.startswith(("http://", "https://")):
            problems.append(f"{name} must be an http(s) URL, got {url!r}")

    sample_size = integer("AIG_SAMPLE_SIZE", 5, 1, 20)
    timezone = get("AIG_TIMEZONE", "UTC") or "UTC"
    try:
        tz = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(
            f"AIG_TIMEZONE {timezone!r} is not a known IANA timezone (e.g. Europe/Paris)"
        )
        tz = ZoneInfo("UTC")
        timezone = "UTC"
    crons = {}
    for name, default in (("AIG_SAMPLE_CRON", "0 10,15 * * 1-5"), ("AIG_DIGEST_CRON", "0 9 * * 1")):
        crons[name] = get(name, default) or default
        problem = crontab_problem(crons[name], tz)
        if problem is not None:
            problems.append(f"{name} {crons[name]!r} is not a valid crontab: {problem}")
    interval: float | None = None
    raw_interval = get("AIG_SAMPLE_INTERVAL_SECONDS")
    if raw_interval:
        try:
            interval = float(raw_interval)
        except ValueError:
            problems.append(
                f"AIG_SAMPLE_INTERVAL_SECONDS must be a number of seconds, got {raw_interval!r}"
            )
        else:
            if interval <= 0:
                problems.append("AIG_SAMPLE_INTERVAL_SECONDS must be greater than 0")
                interval = None

    database_url = (
        get("AIG_DATABASE_URL", "sqlite:///aig-feedback.db") or "sqlite:///aig-feedback.db"
    )
    if not database_url.startswith(("sqlite:///", "postgresql://", "postgres://")):
        problems.append("AIG_DATABASE_URL must start with sqlite:/// or postgresql://")

    redact_patterns = read_patterns(get("AIG_REDACT_PATTERNS_FILE"), problems)

    routes: tuple[Route, ...] = ()
    if config_file is not None:
        fallbacks = Fallbacks(
            size=sample_size,
            cron=crons["AIG_SAMPLE_CRON"],
            interval_seconds=interval,
            timezone=timezone,
            api_base_url=cf_base.rstrip("/"),
        )
        routes = read_routes(
            Path(config_file),
            env=env,
            fallbacks=fallbacks,
            need_tokens=need_cloudflare,
            problems=problems,
        )
        if routes:  # what reads the single-gateway settings sees the first route
            first = routes[0]
            cf_token, account = cf_token or first.api_token, account or first.account_id
            gateway, channel = gateway or first.gateway_id, channel or first.channel

    settings = Settings(
        slack_bot_token=bot_token,
        slack_signing_secret=signing_secret,
        slack_app_token=app_token,
        slack_api_url=slack_api_url,
        cloudflare_api_token=cf_token,
        cloudflare_account_id=account,
        cloudflare_gateway_id=gateway,
        cloudflare_api_base_url=cf_base.rstrip("/"),
        feedback_channel=channel,
        sample_size=sample_size,
        sample_cron=crons["AIG_SAMPLE_CRON"],
        sample_interval_seconds=interval,
        timezone=timezone,
        database_url=database_url,
        allowed_raters=id_list(
            "AIG_ALLOWED_RATERS", _RATER_ID, "Slack user IDs (U…) or user-group IDs (S…)"
        ),
        port=integer("PORT", 3000, 0, 65535),
        gateway_budget=integer("AIG_GATEWAY_BUDGET", 600, 10, 1200),
        lookup_channels=id_list("AIG_LOOKUP_CHANNELS", _CHANNEL_ID, "channel IDs (C…)"),
        redact=switch("AIG_REDACT", True),
        redact_patterns=redact_patterns,
        write_score=switch("AIG_WRITE_SCORE", False),
        write_metadata=switch("AIG_WRITE_METADATA", False),
        reason_categories=reason_categories(get("AIG_REASON_CATEGORIES"), problems),
        digest_cron=crons["AIG_DIGEST_CRON"],
        config_file=config_file,
        routes=routes,
    )
    if problems:
        raise ConfigError(problems)
    return settings


def reason_categories(raw: str, problems: list[str]) -> tuple[tuple[str, str], ...]:
    """`AIG_REASON_CATEGORIES`: a comma list of `key:Label` or bare labels (the key is then the
    label in lower case with dashes); empty means the defaults. Problems are appended."""
    if not raw:
        return DEFAULT_REASON_CATEGORIES
    reported = len(problems)
    out: dict[str, str] = {}
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        key, sep, label = item.partition(":")
        if not (sep and _REASON_KEY.match(key.strip())):  # a bare label, colons and all
            key, label = _SLUG_GAPS.sub("-", item.lower())[:40].strip("-"), item
        key, label = key.strip(), label.strip()
        if not _REASON_KEY.match(key) or not label or len(label) > 75:
            problems.append(
                f"AIG_REASON_CATEGORIES: {item[:80]!r} must be `key:Label` or a label of at "
                "most 75 characters (keys: lower-case letters, digits, '-' or '_')"
            )
        elif key in out:
            problems.append(f"AIG_REASON_CATEGORIES names {key!r} twice")
        else:
            out[key] = label
    if len(problems) == reported and not 1 <= len(out) <= MAX_REASON_CATEGORIES:
        problems.append(f"AIG_REASON_CATEGORIES must list 1 to {MAX_REASON_CATEGORIES} categories")
    return tuple(out.items()) or DEFAULT_REASON_CATEGORIES


def read_patterns(path: str, problems: list[str]) -> tuple[str, ...]:
    """Extra redaction patterns: one regular expression a line; blank lines and lines starting
    with `#` are skipped. Each problem (missing file, bad expression) is added to `problems`."""
    if not path:
        return ()
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        problems.append(f"AIG_REDACT_PATTERNS_FILE {path!r} cannot be read: {exc.strerror}")
        return ()
    patterns: list[str] = []
    for number, line in enumerate(lines, start=1):
        pattern = line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        try:
            re.compile(pattern)
        except re.error as exc:
            problems.append(
                f"AIG_REDACT_PATTERNS_FILE line {number}: {pattern!r} is not valid: {exc}"
            )
            continue
        patterns.append(pattern)
    return tuple(patterns)

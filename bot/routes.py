"""Routes: which gateway's logs go to which channel, sampled how and when.

With environment-only configuration there is one route, "default". `AIG_CONFIG` names a TOML
file with several (see `bot.config`). At run time every route has its own gateway client; all
of them share one budget, because Cloudflare's limit is per token and `AIG_GATEWAY_BUDGET`
covers all the bot's work together.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.gateway import Budget, Filter, FilterSupport, GatewayClient, Log, MetadataValue

DEFAULT_ROUTE = "default"
DEFAULT_WINDOW = timedelta(hours=24)
DEFAULT_MAX_STRATA = 6


class Strategy(enum.Enum):
    """How a run chooses logs from the window."""

    UNIFORM = "uniform"  # every log in the window equally likely
    STRATIFIED = "stratified"  # an equal quota per model (or provider), then uniform within
    RECENT = "recent"  # the newest first


@dataclass(frozen=True, slots=True)
class LogFilters:
    """Which logs a route samples at all. Unset fields do not filter."""

    success: bool | None = None
    model: str | None = None
    provider: str | None = None
    metadata: tuple[tuple[str, MetadataValue], ...] = ()  # every pair must be on the log
    min_cost: float | None = None  # more than this, in USD
    min_tokens: int | None = None  # at least this many tokens in and out together

    def to_filters(self) -> tuple[Filter, ...]:
        """The list operation's filters for these conditions."""
        out: list[Filter] = []
        if self.success is not None:
            out.append(Filter("success", "eq", (self.success,)))
        if self.model is not None:
            out.append(Filter("model", "eq", (self.model,)))
        if self.provider is not None:
            out.append(Filter("provider", "eq", (self.provider,)))
        for key, value in self.metadata:
            out += [Filter("metadata.key", "eq", (key,)), Filter("metadata.value", "eq", (value,))]
        if self.min_cost is not None:
            out.append(Filter("cost", "gt", (self.min_cost,)))
        if self.min_tokens is not None:
            out.append(Filter("tokens", "gt", (self.min_tokens - 1,)))
        return tuple(out)

    def admits(self, log: Log) -> bool:
        """The conditions the list operation cannot state exactly: each metadata pair as a pair
        (the API filters keys and values separately)."""
        return all(_same(log.metadata.get(key), value) for key, value in self.metadata)

    def describe(self) -> str:
        """The filters in words, for logs and dry runs ("" when there are none)."""
        return ", ".join(str(condition) for condition in self.to_filters())


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A daily span, in the route's timezone, when nothing is posted; may cross midnight."""

    start: time
    end: time

    def __contains__(self, moment: time) -> bool:
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True, slots=True)
class SamplingPlan:
    """How a route is sampled: what, how many, and when."""

    size: int = 5
    cron: str = "0 10,15 * * 1-5"
    interval_seconds: float | None = None
    timezone: str = "UTC"
    window: timedelta = DEFAULT_WINDOW
    strategy: Strategy = Strategy.UNIFORM
    stratify_by: str = "model"  # or "provider"
    max_strata: int = DEFAULT_MAX_STRATA
    filters: LogFilters = field(default_factory=LogFilters)
    skip_rated: bool = False  # also ask the API for logs without feedback (`feedback eq 0`)
    quiet_hours: tuple[QuietHours, ...] = ()
    business_days: bool = False  # scheduled runs only Monday to Friday
    holidays: frozenset[date] = frozenset()  # and never on these dates

    @property
    def tz(self) -> ZoneInfo:
        """The timezone the schedule, quiet hours and days are read in."""
        return ZoneInfo(self.timezone)

    def closed(self, moment: datetime) -> str | None:
        """Why a scheduled run at `moment` must not post (quiet hours, weekend, holiday), or
        None when it may."""
        local = moment.astimezone(self.tz)
        for quiet in self.quiet_hours:
            if local.time() in quiet:
                return f"{local:%H:%M} is inside quiet hours {quiet} ({self.timezone})"
        if self.business_days and local.weekday() >= 5:
            return f"{local:%A} is not a business day ({self.timezone})"
        if local.date() in self.holidays:
            return f"{local:%Y-%m-%d} is a holiday"
        return None

    def describe(self) -> str:
        """The strategy and window in words."""
        how = self.strategy.value
        if self.strategy is Strategy.STRATIFIED:
            how += f" by {self.stratify_by}"
        return f"{how} over the last {_span(self.window)}"


@dataclass(frozen=True, slots=True)
class Route:
    """One gateway, routed to one channel."""

    name: str
    account_id: str
    gateway_id: str
    api_token: str = field(repr=False)
    api_base_url: str
    channel: str
    plan: SamplingPlan = field(default_factory=SamplingPlan)


class Gateways:
    """A gateway client per route, sharing one budget."""

    def __init__(
        self,
        routes: tuple[Route, ...],
        budget: Budget,
        clients: Mapping[str, GatewayClient] | None = None,
    ) -> None:
        if not routes:
            raise ValueError("at least one route is needed")
        self.routes = {route.name: route for route in routes}
        self.default = routes[0].name
        self.budget = budget
        self._clients = dict(clients or {})
        support = FilterSupport()  # routes on one gateway learn its filter encoding once
        for route in routes:
            if route.name not in self._clients:
                self._clients[route.name] = GatewayClient(
                    base_url=route.api_base_url,
                    account_id=route.account_id,
                    gateway_id=route.gateway_id,
                    token=route.api_token,
                    budget=budget,
                    filter_support=support,
                )

    def client(self, route: str | None = None) -> GatewayClient:
        """The client for a route; the first route's for unknown or missing names."""
        return self._clients.get(route or self.default) or self._clients[self.default]

    def for_channel(self, channel: str) -> list[str]:
        """Route names to try for a channel: those posting there first, then the rest."""
        names = list(self.routes)
        return sorted(names, key=lambda name: self.routes[name].channel != channel)

    def __iter__(self) -> Iterator[tuple[str, GatewayClient]]:
        return iter(self._clients.items())

    @property
    def calls(self) -> int:
        """Requests made by every client together."""
        return sum(client.calls for client in self._clients.values())

    async def aclose(self) -> None:
        """Close every client."""
        for client in self._clients.values():
            await client.aclose()


def _same(found: MetadataValue | None, wanted: MetadataValue) -> bool:
    if found is None:
        return False
    if isinstance(found, bool) or isinstance(wanted, bool):
        return found is wanted
    return found == wanted or str(found) == str(wanted)


def _span(window: timedelta) -> str:
    seconds = int(window.total_seconds())
    if seconds % 86400 == 0 and seconds >= 2 * 86400:
        return f"{seconds // 86400} days"
    for unit, size in ((" h", 3600), (" min", 60)):
        if seconds % size == 0 and seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds} s"

"""Routes: which gateway's logs go to which channel, sampled how and when.

With environment-only configuration there is one route, "default". `AIG_CONFIG` names a TOML
file with several (see `bot.config`). At run time every route has its own gateway client; all
of them share one budget, because Cloudflare's limit is per token and `AIG_GATEWAY_BUDGET`
covers all the bot's work together.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from bot.gateway import Budget, GatewayClient

DEFAULT_ROUTE = "default"
DEFAULT_WINDOW = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class SamplingPlan:
    """How a route is sampled."""

    size: int = 5
    cron: str = "0 10,15 * * 1-5"
    interval_seconds: float | None = None
    timezone: str = "UTC"
    window: timedelta = DEFAULT_WINDOW


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
        for route in routes:
            if route.name not in self._clients:
                self._clients[route.name] = GatewayClient(
                    base_url=route.api_base_url,
                    account_id=route.account_id,
                    gateway_id=route.gateway_id,
                    token=route.api_token,
                    budget=budget,
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

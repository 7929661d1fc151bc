"""A MockTransport handler serving the list operation over in-memory logs, for sampler tests
that need exact control of models and counts (the loopback sandbox scans every log for each
filtered list, which is slow at scale). Filters come as the SDK's dots/repeat encoding or as
the deprecated simple params; `reject_filters` answers the former with 400, like a server
that does not know them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bot.gateway import Budget, GatewayClient, format_time

ACCOUNT = "0123456789abcdef0123456789abcdef"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def make_logs(counts: dict[str, int], *, provider: str = "openai") -> list[dict[str, Any]]:
    """Logs with the given model counts, interleaved over the last day, newest first."""
    models = [model for model, n in counts.items() for _ in range(n)]
    # spread each model evenly through time: sort by (rank within model / model count)
    seen: dict[str, int] = {}
    keyed = []
    for model in models:
        seen[model] = seen.get(model, 0) + 1
        keyed.append((seen[model] / counts[model], model))
    keyed.sort()
    total = len(keyed)
    out = []
    for position, (_, model) in enumerate(keyed):
        created = NOW - timedelta(seconds=(position + 1) * 86_000 / (total + 1))
        out.append(
            {
                "id": f"L{position:07d}",
                "created_at": format_time(created),
                "provider": provider,
                "model": model,
                "path": "chat/completions",
                "duration": 100,
                "success": position % 10 != 0,
                "cached": False,
                "tokens_in": 10,
                "tokens_out": 10,
            }
        )
    return out


@dataclass
class ListingGateway:
    """The list operation over `logs` (newest first); records each request's query pairs."""

    logs: list[dict[str, Any]]
    reject_filters: bool = False
    requests: list[list[tuple[str, str]]] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        pairs = list(request.url.params.multi_items())
        self.requests.append(pairs)
        names = {name for name, _ in pairs}
        if self.reject_filters and any(n.startswith("filters.") for n in names):
            return httpx.Response(
                400,
                json={"errors": [{"message": "unknown parameter"}], "result": {}, "success": False},
            )
        params = request.url.params
        conditions = list(
            zip(
                params.get_list("filters.key"),
                params.get_list("filters.operator"),
                [value.lower() for value in params.get_list("filters.value")],
                strict=True,
            )
        )
        conditions += [
            (n, "eq", params[n].lower()) for n in ("model", "provider", "success") if n in params
        ]
        matching = [log for log in self.logs if _matches(log, conditions)]
        page, per_page = int(params.get("page", "1")), int(params.get("per_page", "20"))
        start = (page - 1) * per_page
        info = {"page": page, "per_page": per_page, "total_count": len(matching)}
        items = matching[start : start + per_page]
        return httpx.Response(
            200,
            json={"result": items, "result_info": info | {"count": len(items)}, "success": True},
        )

    def client(self) -> GatewayClient:
        """A client wired to this fake."""
        return GatewayClient(
            base_url="https://api.example.test/client/v4",
            account_id=ACCOUNT,
            gateway_id="gw",
            token="t",
            budget=Budget(10_000),
            transport=httpx.MockTransport(self),
        )


def _matches(log: dict[str, Any], conditions: list[tuple[str, str, str]]) -> bool:
    for key, operator, value in conditions:
        actual = str(log.get(key, 0 if key == "feedback" else None)).lower()
        if (operator == "eq") != (actual == value):
            return False
    return True

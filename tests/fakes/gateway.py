"""A stateful httpx MockTransport handler playing the gateway for unit tests (no sockets)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import httpx

from bot.gateway import Budget, GatewayClient
from bot.routes import Gateways, Route

ACCOUNT = "0123456789abcdef0123456789abcdef"
_LOG_PATH = re.compile(r"/logs/(?P<id>[^/]+)(?P<rest>/request|/response)?$")


@dataclass
class FakeGateway:
    """Holds feedback per log; `script` answers the next calls with given statuses first."""

    report_feedback: bool = True
    calls: list[tuple[str, str]] = field(default_factory=list)
    feedback: dict[str, int] = field(default_factory=dict)
    script: list[httpx.Response] = field(default_factory=list)
    missing: set[str] = field(default_factory=set)
    lie_about_feedback: int | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        match = _LOG_PATH.search(request.url.path)
        log_id = match["id"] if match else ""
        self.calls.append((request.method, log_id))
        if self.script:
            return self.script.pop(0)
        if log_id in self.missing:
            return httpx.Response(
                404, json={"errors": [{"code": 7002, "message": "Not Found"}], "success": False}
            )
        if request.method == "PATCH":
            self.feedback[log_id] = json.loads(request.content)["feedback"]
            return httpx.Response(200, json={"result": {}, "success": True})
        result: dict[str, object] = {
            "id": log_id,
            "created_at": "2026-11-27T10:00:00.000Z",
            "provider": "openai",
            "model": "gpt-4o-mini",
            "path": "/v1/chat/completions",
            "duration": 10,
            "success": True,
            "cached": False,
            "tokens_in": 1,
            "tokens_out": 1,
        }
        if self.report_feedback and log_id in self.feedback:
            reported = self.feedback[log_id]
            result["feedback"] = (
                reported if self.lie_about_feedback is None else self.lie_about_feedback
            )
        return httpx.Response(200, json={"result": result, "success": True})

    def methods(self) -> list[str]:
        """The HTTP methods called, in order."""
        return [method for method, _ in self.calls]

    def gateways(self) -> Gateways:
        """One default route whose client is wired to this fake."""
        route = Route(
            name="default",
            account_id=ACCOUNT,
            gateway_id="gw",
            api_token="t",
            api_base_url="https://api.example.test/client/v4",
            channel="C1",
        )
        client = self.client()
        return Gateways((route,), client.budget, {"default": client})

    def client(self) -> GatewayClient:
        """A GatewayClient wired to this fake."""
        return GatewayClient(
            base_url="https://api.example.test/client/v4",
            account_id=ACCOUNT,
            gateway_id="gw",
            token="t",
            budget=Budget(1000),
            transport=httpx.MockTransport(self),
        )


def error(status: int, code: int, message: str, retry_after: str | None = None) -> httpx.Response:
    """A Cloudflare error answer."""
    headers = {"Retry-After": retry_after} if retry_after else {}
    return httpx.Response(
        status,
        headers=headers,
        json={"errors": [{"code": code, "message": message}], "success": False},
    )

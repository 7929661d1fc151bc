"""The gateway client's requests and its translation of Cloudflare's answers, via MockTransport."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from bot.gateway import (
    BadRequest,
    Budget,
    GatewayClient,
    ListQuery,
    NotFound,
    PermissionDenied,
    RateLimited,
    Unavailable,
)

ACCOUNT = "0123456789abcdef0123456789abcdef"
PREFIX = f"/client/v4/accounts/{ACCOUNT}/ai-gateway/gateways/gw-1"
LOG = {
    "id": "01JADMCQQQBWH3NXZ5GCRN98DP",
    "created_at": "2026-11-27T10:00:00.123Z",
    "provider": "openai",
    "model": "gpt-4o-mini",
    "path": "/v1/chat/completions",
    "duration": 812,
    "success": True,
    "cached": False,
    "tokens_in": None,
    "tokens_out": 12,
    "cost": 0.00012,
    "metadata": '{"team": "support", "user": 12, "nested": {"x": 1}}',
    "brand_new_field": [1, 2],
}


def client_with(handler: Callable[[httpx.Request], httpx.Response]) -> GatewayClient:
    return GatewayClient(
        base_url="https://api.example.test/client/v4",
        account_id=ACCOUNT,
        gateway_id="gw-1",
        token="secret-token",
        budget=Budget(100),
        transport=httpx.MockTransport(handler),
    )


async def test_list_sends_documented_params_and_parses_page() -> None:
    """list_logs sends page/per_page/order and dates, and reads total_count without total_pages."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200,
            json={
                "result": [LOG],
                "result_info": {"page": 3, "per_page": 50, "count": 1, "total_count": 101},
                "success": True,
            },
        )

    client = client_with(handler)
    page = await client.list_logs(ListQuery(page=3, per_page=500))
    request = seen[0]
    assert request.url.path == PREFIX + "/logs"
    assert request.headers["authorization"] == "Bearer secret-token"
    assert request.url.params["per_page"] == "50"  # clamped to the API's maximum
    assert request.url.params["order_by_direction"] == "desc"
    assert page.total_count == 101 and page.page_count == 3
    log = page.logs[0]
    assert log.tokens_in is None and log.tokens_out == 12
    assert dict(log.metadata) == {"team": "support", "user": 12}
    assert log.feedback is None


async def test_get_reads_feedback_when_reported() -> None:
    """get_log exposes feedback when the gateway includes it."""

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == PREFIX + "/logs/01JADMCQQQBWH3NXZ5GCRN98DP"
        return httpx.Response(200, json={"result": {**LOG, "feedback": -1}, "success": True})

    log = await client_with(handler).get_log("01JADMCQQQBWH3NXZ5GCRN98DP")
    assert log.feedback == -1 and log.model == "gpt-4o-mini"


async def test_patch_sends_only_feedback() -> None:
    """patch_log sends a JSON body with just the feedback value."""
    bodies: list[object] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.method == "PATCH"
        bodies.append(json.loads(request.content))
        return httpx.Response(200, json={"result": {}, "success": True})

    await client_with(handler).patch_log("L1", feedback=1)
    assert bodies == [{"feedback": 1}]


async def test_patch_rejects_values_outside_the_three_documented() -> None:
    """Only -1, 0 and 1 are ever sent as feedback."""
    client = client_with(lambda r: httpx.Response(200, json={"result": {}, "success": True}))
    with pytest.raises(ValueError, match="feedback"):
        await client.patch_log("L1", feedback=2)


async def test_log_ids_are_escaped_in_paths() -> None:
    """A log ID cannot change the path it is put in."""
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.raw_path.decode())
        return httpx.Response(200, json={"result": {**LOG, "id": "x"}, "success": True})

    await client_with(handler).get_log("../../x?y")
    assert paths[0].endswith("/logs/..%2F..%2Fx%3Fy")


async def test_bodies_are_raw_and_missing_ones_are_none() -> None:
    """Request/response bodies come back unwrapped; a 404 body means 'not stored'."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/request"):
            return httpx.Response(200, json={"messages": [{"role": "user", "content": "hi"}]})
        return httpx.Response(
            404, json={"errors": [{"code": 7002, "message": "Not Found"}], "success": False}
        )

    request, response = await client_with(handler).bodies("L1")
    assert request is not None and request.data["messages"][0]["content"] == "hi"
    assert response is None


@pytest.mark.parametrize(
    ("status", "envelope", "error"),
    [
        (404, {"errors": [{"code": 7002, "message": "Not Found"}], "success": False}, NotFound),
        (
            403,
            {"errors": [{"code": 10000, "message": "Authentication error"}], "success": False},
            PermissionDenied,
        ),
        (
            401,
            {"errors": [{"code": 9109, "message": "Invalid access token"}], "success": False},
            PermissionDenied,
        ),
        (400, {"errors": [{"message": "bad"}], "result": {}, "success": False}, BadRequest),
        (500, {"errors": [{"code": 10001, "message": "Internal"}], "success": False}, Unavailable),
        (502, None, Unavailable),
    ],
)
async def test_error_envelopes_become_our_exceptions(
    status: int, envelope: object, error: type[Exception]
) -> None:
    """Cloudflare's error answers map onto the gateway's exception hierarchy."""

    def handler(request: httpx.Request) -> httpx.Response:
        if envelope is None:
            return httpx.Response(status, text="<html>bad gateway</html>")
        return httpx.Response(status, json=envelope)

    with pytest.raises(error):
        await client_with(handler).get_log("L1")


async def test_429_carries_retry_after_and_pauses_the_budget() -> None:
    """A 429 raises RateLimited with Retry-After and pauses every later call."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            429,
            headers={"Retry-After": "42"},
            json={"errors": [{"code": 971, "message": "Please wait"}], "success": False},
        )

    client = client_with(handler)
    with pytest.raises(RateLimited) as caught:
        await client.patch_log("L1", feedback=1)
    assert caught.value.retry_after == 42 and caught.value.code == 971
    assert 40 < client.budget.paused_for() <= 42


async def test_429_without_retry_after_waits_five_minutes() -> None:
    """Without Retry-After the documented five-minute block is assumed."""
    client = client_with(lambda r: httpx.Response(429, json={"success": False, "errors": []}))
    with pytest.raises(RateLimited) as caught:
        await client.get_log("L1")
    assert caught.value.retry_after == 300


async def test_timeouts_and_connection_errors_are_unavailable() -> None:
    """Network failures become Unavailable (retryable)."""

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("slow", request=request)

    with pytest.raises(Unavailable) as caught:
        await client_with(handler).get_log("L1")
    assert caught.value.retryable


async def test_token_never_in_repr() -> None:
    """The client's repr names the gateway, never the token."""
    client = client_with(lambda r: httpx.Response(200))
    assert "secret-token" not in repr(client)


async def test_verify_token_asks_the_user_endpoint_first() -> None:
    """verify_token reads GET /user/tokens/verify, outside the gateway's path prefix."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        assert request.headers["authorization"] == "Bearer secret-token"
        result = {"id": "t1", "status": "active", "expires_on": "2027-01-01T00:00:00Z"}
        return httpx.Response(200, json={"result": result, "success": True, "errors": []})

    status = await client_with(handler).verify_token()
    assert seen == ["/client/v4/user/tokens/verify"]
    assert status.active and status.owner == "user" and status.expires_on is not None


async def test_verify_token_falls_back_to_the_account_endpoint() -> None:
    """An account-owned token, rejected by /user/tokens/verify, is verified per account."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/client/v4/user/"):
            errors = [{"code": 1000, "message": "Invalid API Token"}]
            return httpx.Response(401, json={"success": False, "errors": errors})
        assert request.url.path == f"/client/v4/accounts/{ACCOUNT}/tokens/verify"
        return httpx.Response(200, json={"result": {"id": "t2", "status": "disabled"}})

    status = await client_with(handler).verify_token()
    assert status.owner == "account" and status.status == "disabled" and not status.active


async def test_verify_token_raises_the_user_endpoints_error_when_both_reject() -> None:
    """A token both endpoints reject surfaces as PermissionDenied with the first code."""

    def handler(request: httpx.Request) -> httpx.Response:
        code = 9109 if "/user/" in request.url.path else 10000
        errors = [{"code": code, "message": "Invalid access token"}]
        return httpx.Response(403, json={"success": False, "errors": errors})

    with pytest.raises(PermissionDenied) as caught:
        await client_with(handler).verify_token()
    assert caught.value.code == 9109
    assert "secret-token" not in str(caught.value)


async def test_an_unreadable_body_is_none_but_a_rate_limit_still_stops() -> None:
    """A body answering 500 is shown as missing; a 429 on a body is raised, pausing the budget."""

    def failing(status: int) -> Callable[[httpx.Request], httpx.Response]:
        def handler(request: httpx.Request) -> httpx.Response:
            return httpx.Response(
                status, json={"success": False, "errors": [{"code": 971, "message": "x"}]}
            )

        return handler

    assert await client_with(failing(500)).bodies("L1") == (None, None)
    with pytest.raises(RateLimited):
        await client_with(failing(429)).bodies("L1")

"""The gateway sandbox's behaviour: seeded data, logs API semantics, faults and limits."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.sandbox import GatewaySandbox, LogSource, build_logs
from bot.sandbox._seed_bodies import request_body, response_body
from bot.sandbox.seed import SeedLog, ulid_ms

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
REPO_ROOT = Path(__file__).resolve().parents[2]
ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def sandbox() -> AsyncIterator[GatewaySandbox]:
    async with GatewaySandbox(logs=build_logs(120, now=NOW)) as running:
        yield running


@pytest.fixture
async def client(sandbox: GatewaySandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with connect(sandbox) as http:
        yield http


def connect(sandbox: GatewaySandbox, **kwargs: Any) -> httpx.AsyncClient:
    """A client for the sandbox's gateway: request `logs…` relative to it."""
    kwargs.setdefault("headers", {"Authorization": f"Bearer {sandbox.token}"})
    return httpx.AsyncClient(base_url=sandbox.logs_url.removesuffix("/logs"), **kwargs)


def logs_of(source: LogSource) -> list[SeedLog]:
    return [source.log(index) for index in range(source.count)]


def first(source: LogSource, **want: Any) -> SeedLog:
    """The oldest log with the wanted attribute values (`shape` is its variant's)."""
    for log in logs_of(source):
        values = {f.name: getattr(log, f.name) for f in dataclasses.fields(log)}
        values |= {"shape": log.variant.shape, "success": log.success}
        if all(values[key] == value for key, value in want.items()):
            return log
    raise AssertionError(f"no seeded log with {want}")


# --- seeded logs ---------------------------------------------------------------------------------


def test_seed_is_deterministic() -> None:
    """The same seed gives the same logs and bodies; another seed gives other logs."""
    one, two = build_logs(50, now=NOW), build_logs(50, now=NOW)
    other = build_logs(50, now=NOW, seed=8)
    assert logs_of(one) == logs_of(two)
    assert [request_body(log) for log in logs_of(one)] == [
        request_body(log) for log in logs_of(two)
    ]
    assert {log.id for log in logs_of(one)}.isdisjoint(log.id for log in logs_of(other))


def test_seed_spreads_logs_uniformly_over_the_window() -> None:
    """10,000 logs fall inside [now - window, now), about equally in each tenth of it."""
    window = timedelta(hours=6)
    source = build_logs(10_000, now=NOW, window=window)
    start_ms = int((NOW - window).timestamp() * 1000)
    tenth = int(window.total_seconds() * 100)
    buckets = Counter((source.created_ms(i) - start_ms) // tenth for i in range(source.count))
    assert set(buckets) == set(range(10))
    assert all(990 <= count <= 1010 for count in buckets.values())
    assert source.created_ms(0) >= start_ms
    assert source.created_ms(source.count - 1) < int(NOW.timestamp() * 1000)


def test_seed_covers_providers_models_and_request_shapes() -> None:
    """Several providers, their models and both OpenAI API shapes all appear."""
    logs = logs_of(build_logs(500, now=NOW))
    assert {log.variant.provider for log in logs} == {
        "openai",
        "anthropic",
        "workers-ai",
        "google-ai-studio",
    }
    assert {log.variant.model for log in logs} == {
        "gpt-4o-mini",
        "gpt-4.1",
        "claude-sonnet-4-20250514",
        "@cf/meta/llama-3.1-8b-instruct",
        "gemini-2.5-flash",
    }
    assert {log.variant.path for log in logs if log.variant.provider == "openai"} == {
        "chat/completions",
        "responses",
    }
    assert len({log.prompt for log in logs}) > 30


def test_ids_are_time_sortable_ulids() -> None:
    """IDs are 26-char Crockford ULIDs whose time part is created_at, so they sort by time."""
    source = build_logs(2_000, now=NOW)
    ids = [source.id_at(i) for i in range(source.count)]
    assert all(ULID.match(log_id) for log_id in ids)
    assert sorted(ids) == ids
    assert len(set(ids)) == len(ids)
    assert all(ulid_ms(ids[i]) == source.created_ms(i) for i in range(0, 2_000, 97))
    assert source.index_of(ids[1234]) == 1234
    assert source.index_of("01JADMCQQQBWH3NXZ5GCRN98DP") is None
    assert source.index_of("not-a-log-id") is None


def test_a_million_logs_store_nothing_per_log() -> None:
    """Seeding and serving 1,000,000 logs keeps a handful of numbers, not a million records."""
    tracemalloc.start()
    try:
        source = build_logs(1_000_000, now=NOW)
        sandbox = GatewaySandbox(logs=source)
        newest = sandbox.log_ids[0]
        oldest = sandbox.log_ids[-1]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(dataclasses.fields(source)) == 5
    assert peak < 500_000
    assert len(sandbox.log_ids) == 1_000_000
    assert source.index_of(newest) == 999_999
    assert source.index_of(oldest) == 0


def test_bodies_use_each_providers_wire_shape() -> None:
    """Each provider's request and response bodies carry the prompt and answer where it puts them."""
    source = build_logs(400, now=NOW)

    def pair(shape: str) -> tuple[SeedLog, Any, Any]:
        log = first(source, shape=shape, success=True, streamed=False, turns=())
        return log, json.loads(request_body(log)), json.loads(response_body(log)[0])

    log, request, response = pair("openai-chat")
    assert request["messages"][0]["role"] == "system"
    assert request["messages"][-1] == {"role": "user", "content": log.prompt}
    assert response["choices"][0]["message"]["content"] == log.answer
    log, request, response = pair("openai-responses")
    assert request["instructions"] == log.system
    assert response["output"][-1]["content"][0]["text"] == log.answer
    log, request, response = pair("anthropic")
    assert request["messages"][-1]["content"] == [{"type": "text", "text": log.prompt}]
    assert response["content"] == [{"type": "text", "text": log.answer}]
    log, request, response = pair("workers-ai-messages")
    assert request["messages"][-1]["content"] == log.prompt
    assert response["result"]["response"] == log.answer
    assert response["success"] is True
    log, request, response = pair("workers-ai-prompt")
    assert request["prompt"].endswith(log.prompt)
    log, request, response = pair("gemini")
    assert request["contents"][-1] == {"role": "user", "parts": [{"text": log.prompt}]}
    assert response["candidates"][0]["content"]["parts"][0]["text"] == log.answer


def test_failures_carry_provider_errors_and_null_tokens() -> None:
    """Failed logs have 429/5xx statuses, null tokens, no cost and the provider's error body."""
    failed = [log for log in logs_of(build_logs(600, now=NOW)) if not log.success]
    assert 10 <= len(failed) <= 60
    assert {log.status_code for log in failed} >= {429, 500}
    assert all(log.tokens_in is None and log.tokens_out is None and log.cost == 0 for log in failed)
    for log in failed:
        body = json.loads(response_body(log)[0])
        assert "error" in body or body.get("success") is False


def test_some_successful_logs_have_null_tokens() -> None:
    """Workers AI sometimes reports no usage: tokens are null on some successful logs."""
    logs = logs_of(build_logs(600, now=NOW))
    assert any(log.success and log.tokens_in is None for log in logs)


def test_metadata_is_flat_and_small() -> None:
    """Request-time metadata has at most 5 flat entries and is sometimes absent."""
    logs = logs_of(build_logs(300, now=NOW))
    assert any(not log.metadata for log in logs)
    assert all(len(log.metadata) <= 5 for log in logs)
    values = [value for log in logs for value in log.metadata.values()]
    assert all(isinstance(value, str | int | float | bool) for value in values)
    assert any({"team", "feature", "user"} <= set(log.metadata) for log in logs)


def test_streamed_logs_are_server_sent_events() -> None:
    """A streamed OpenAI log's response is SSE whose deltas join into the answer."""
    log = first(build_logs(800, now=NOW), streamed=True)
    body, content_type = response_body(log)
    assert content_type == "text/event-stream"
    events = [line.removeprefix("data: ") for line in body.decode().split("\n\n") if line]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(event) for event in events[:-1]]
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert text == log.answer


async def test_huge_body_option_serves_ten_megabytes() -> None:
    """With huge_body_every, the newest log's response is ~10 MB and GET shows a truncated head."""
    big = GatewaySandbox(logs=build_logs(30, now=NOW, huge_body_every=1000))
    async with big, connect(big) as http:
        log_id = big.log_ids[0]
        response = await http.get(f"logs/{log_id}/response")
        detail = (await http.get(f"logs/{log_id}")).json()["result"]
    assert 9_000_000 < len(response.content) <= 10_000_000
    assert json.loads(response.content)["choices"][0]["message"]["content"].startswith("ticket_id")
    assert detail["response_size"] == len(response.content)
    assert detail["response_head_complete"] is False
    assert len(detail["response_head"]) == 1024


async def test_log_without_payload_answers_empty_bodies() -> None:
    """A log collected without its payload answers {} for both bodies and shows no heads."""
    source = build_logs(400, now=NOW)
    log = first(source, has_payload=False)
    async with GatewaySandbox(logs=source) as running, connect(running) as http:
        assert (await http.get(f"logs/{log.id}/request")).json() == {}
        assert (await http.get(f"logs/{log.id}/response")).json() == {}
        detail = (await http.get(f"logs/{log.id}")).json()["result"]
    assert "request_head" not in detail


# --- the logs API ----------------------------------------------------------------------------------


async def test_list_pages_cover_every_log_newest_first(
    client: httpx.AsyncClient, sandbox: GatewaySandbox
) -> None:
    """Paging through the list yields every log once, newest first; past the end is empty."""
    seen: list[str] = []
    for page in range(1, 4):
        body = (await client.get("logs", params={"page": page, "per_page": 50})).json()
        assert body["result_info"]["total_count"] == 120
        seen += [item["id"] for item in body["result"]]
    assert seen == list(sandbox.log_ids)
    assert seen == sorted(seen, reverse=True)
    beyond = (await client.get("logs", params={"page": 4, "per_page": 50})).json()
    assert beyond["result"] == []
    assert beyond["result_info"]["count"] == 0


async def test_list_orders_by_direction_and_field(client: httpx.AsyncClient) -> None:
    """order_by_direction=asc gives oldest first; order_by=provider groups by provider."""
    ascending = (await client.get("logs", params={"order_by_direction": "asc"})).json()["result"]
    assert [item["id"] for item in ascending] == sorted(item["id"] for item in ascending)
    params = {"order_by": "provider", "order_by_direction": "asc", "per_page": 50}
    by_provider = (await client.get("logs", params=params)).json()["result"]
    providers = [item["provider"] for item in by_provider]
    assert providers == sorted(providers)


async def test_date_window_selects_exactly_the_logs_inside(
    client: httpx.AsyncClient, sandbox: GatewaySandbox
) -> None:
    """start_date and end_date (inclusive) select the logs created between them."""
    start, end = NOW - timedelta(hours=6), NOW - timedelta(hours=2)
    params = {"start_date": start.isoformat(), "end_date": end.isoformat(), "per_page": 50}
    body = (await client.get("logs", params=params)).json()
    source = sandbox.logs
    inside = [
        i
        for i in range(source.count)
        if start.timestamp() * 1000 <= source.created_ms(i) <= end.timestamp() * 1000
    ]
    assert body["result_info"]["total_count"] == len(inside)
    assert {item["id"] for item in body["result"]} == {source.id_at(i) for i in inside}


async def test_filters_narrow_the_list(client: httpx.AsyncClient, sandbox: GatewaySandbox) -> None:
    """Simple params, dots-encoded filters and JSON filters all narrow the list."""

    async def ids(params: Any) -> set[str]:
        response = await client.get("logs", params=params)
        assert response.status_code == 200, response.text
        return {item["id"] for item in response.json()["result"]}

    source = sandbox.logs
    anthropic = {log.id for log in logs_of(source) if log.variant.provider == "anthropic"}
    failed = {log.id for log in logs_of(source) if not log.success}
    params = {"provider": "anthropic", "per_page": 50}
    assert await ids(params) == anthropic
    assert await ids({"success": "false", "per_page": 50}) == failed
    dots = [("filters.key", "provider"), ("filters.operator", "eq"), ("filters.value", "anthropic")]
    assert await ids([*dots, ("per_page", "50")]) == anthropic
    encoded = json.dumps([{"key": "success", "operator": "eq", "value": [False]}])
    assert await ids({"filters": encoded, "per_page": 50}) == failed
    rated = sandbox.log_ids[3]
    await client.patch(f"logs/{rated}", json={"feedback": 1, "metadata": {"reviewed": "yes"}})
    assert await ids({"feedback": 1}) == {rated}
    assert await ids(
        [("filters.key", "metadata.key"), ("filters.operator", "eq"), ("filters.value", "reviewed")]
    ) == {rated}
    bad = await client.get("logs", params={"filters": json.dumps([{"key": "nope"}])})
    assert bad.status_code == 400


async def test_patch_feedback_is_stored_and_reported(
    client: httpx.AsyncClient, sandbox: GatewaySandbox
) -> None:
    """PATCH replaces feedback and score; GET reports them; 0 and null clear them."""
    log_id = sandbox.log_ids[0]
    assert sandbox.feedback_of(log_id) is None
    await client.patch(f"logs/{log_id}", json={"feedback": -1, "score": 20})
    result = (await client.get(f"logs/{log_id}")).json()["result"]
    assert (result["feedback"], result["score"]) == (-1, 20)
    assert (sandbox.feedback_of(log_id), sandbox.score_of(log_id)) == (-1, 20)
    assert sandbox.log(log_id).feedback == -1
    await client.patch(f"logs/{log_id}", json={"feedback": 0})
    assert sandbox.feedback_of(log_id) == 0
    await client.patch(f"logs/{log_id}", json={"feedback": None, "score": None})
    assert (sandbox.feedback_of(log_id), sandbox.score_of(log_id)) == (None, None)
    listed = (await client.get("logs", params={"per_page": 1})).json()["result"][0]
    assert "feedback" not in listed


async def test_feedback_can_be_left_out_of_get() -> None:
    """With report_feedback=False, GET one omits feedback and score even after a PATCH."""
    quiet = GatewaySandbox(logs=build_logs(5, now=NOW), report_feedback=False)
    async with quiet, connect(quiet) as http:
        log_id = quiet.log_ids[0]
        await http.patch(f"logs/{log_id}", json={"feedback": 1})
        result = (await http.get(f"logs/{log_id}")).json()["result"]
    assert "feedback" not in result
    assert "score" not in result
    assert quiet.feedback_of(log_id) == 1


async def test_patch_metadata_merges_and_keeps_five_entries(
    client: httpx.AsyncClient, sandbox: GatewaySandbox
) -> None:
    """PATCHed metadata merges into the log's; new keys win and the total stays at most 5."""
    log = next(log for log in logs_of(sandbox.logs) if len(log.metadata) == 5)
    await client.patch(f"logs/{log.id}", json={"metadata": {"slack_vote": "up", "team": "ml"}})
    merged = sandbox.metadata_of(log.id)
    assert len(merged) == 5
    assert merged["slack_vote"] == "up"
    assert merged["team"] == "ml"
    shown = (await client.get(f"logs/{log.id}")).json()["result"]["metadata"]
    assert json.loads(shown) == merged
    await client.patch(f"logs/{log.id}", json={"metadata": {f"k{i}": i for i in range(7)}})
    assert sandbox.metadata_of(log.id) == {f"k{i}": i for i in range(5)}


async def test_delete_removes_the_oldest_logs(
    client: httpx.AsyncClient, sandbox: GatewaySandbox
) -> None:
    """DELETE with a limit removes the oldest logs; they then 404 and leave the list."""
    oldest = list(sandbox.log_ids[-10:])
    newest = sandbox.log_ids[0]
    assert (await client.delete("logs", params={"limit": 10})).json() == {"success": True}
    assert len(sandbox.log_ids) == 110
    assert (await client.get(f"logs/{oldest[0]}")).status_code == 404
    assert sandbox.log_ids[-1] not in oldest
    body = (await client.get("logs", params={"order_by_direction": "asc", "per_page": 5})).json()
    assert body["result_info"]["total_count"] == 110
    assert not {item["id"] for item in body["result"]} & set(oldest)
    dots = [("filters.key", "id"), ("filters.operator", "eq"), ("filters.value", newest)]
    await client.delete("logs", params=dots)
    assert sandbox.log_ids[0] != newest


async def test_calls_are_recorded_in_order(
    client: httpx.AsyncClient, sandbox: GatewaySandbox
) -> None:
    """Every request is recorded with its operation, log ID, query, JSON body and status."""
    log_id = sandbox.log_ids[0]
    await client.get("logs", params={"per_page": 5})
    await client.patch(f"logs/{log_id}", json={"feedback": 1})
    await client.get(f"logs/{log_id}")
    await client.get(f"logs/{log_id}/request")
    await client.get(f"logs/{log_id}/response")
    await client.get("/client/v4/zones")
    operations = [call.operation for call in sandbox.calls]
    assert operations == ["list", "patch", "get", "request", "response", "other"]
    assert sandbox.calls[0].query == {"per_page": ["5"]}
    (patch,) = sandbox.calls_for("patch", log_id)
    assert (patch.json, patch.status, patch.log_id) == ({"feedback": 1}, 200, log_id)
    assert sandbox.calls[-1].status == 404
    assert [call.at for call in sandbox.calls] == sorted(call.at for call in sandbox.calls)


async def test_escaped_log_ids_are_decoded(
    client: httpx.AsyncClient, sandbox: GatewaySandbox
) -> None:
    """A percent-escaped log ID is looked up decoded, and 404s as a log, not as a route."""
    response = await client.get("logs/not%2Fa%2Fid")
    assert response.json()["errors"] == [{"code": 7002, "message": "Not Found"}]
    assert sandbox.calls[-1].log_id == "not/a/id"
    assert sandbox.calls[-1].operation == "get"


async def test_a_million_logs_are_served_by_position() -> None:
    """With 1,000,000 logs, a date-window page, the last page and a lookup all work."""
    source = build_logs(1_000_000, now=NOW)
    async with GatewaySandbox(logs=source) as running, connect(running) as http:
        params = {"start_date": (NOW - timedelta(hours=1)).isoformat(), "per_page": 50}
        recent = (await http.get("logs", params=params)).json()
        last_page = 1_000_000 // 50
        oldest = (await http.get("logs", params={"page": last_page, "per_page": 50})).json()
        found = await http.get(f"logs/{running.log_ids[500_000]}")
    assert 41_000 < recent["result_info"]["total_count"] < 42_500
    assert oldest["result"][-1]["id"] == source.id_at(0)
    assert found.status_code == 200


async def test_token_verify_answers_for_the_sandbox_token(sandbox: GatewaySandbox) -> None:
    """GET /user/tokens/verify says the sandbox token is active, and refuses others."""
    good = {"Authorization": f"Bearer {sandbox.token}"}
    async with httpx.AsyncClient() as http:
        verified = await http.get(f"{sandbox.url}/user/tokens/verify", headers=good)
        refused = await http.get(
            f"{sandbox.url}/user/tokens/verify", headers={"Authorization": "Bearer nope"}
        )
    assert verified.json()["result"]["status"] == "active"
    assert refused.status_code == 403


# --- faults, latency, limits, auth -----------------------------------------------------------------


async def test_fail_next_counts_and_shapes_failures(
    client: httpx.AsyncClient, sandbox: GatewaySandbox
) -> None:
    """fail_next(2) fails exactly the next two requests with 503 and code 10001, then recovers."""
    sandbox.fail_next(2)
    responses = [await client.get("logs") for _ in range(3)]
    assert [r.status_code for r in responses] == [503, 503, 200]
    assert responses[0].json()["errors"][0]["code"] == 10001
    assert "Retry-After" not in responses[0].headers


async def test_fail_next_429_carries_retry_after(
    client: httpx.AsyncClient, sandbox: GatewaySandbox
) -> None:
    """A 429 fault has code 971 and Retry-After in whole seconds, rounded up."""
    sandbox.fail_next(1, status=429, retry_after=2.5)
    response = await client.get("logs")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"
    assert response.json()["errors"] == [
        {"code": 971, "message": "Please wait and consider throttling your request speed"}
    ]


async def test_fail_next_can_target_one_operation(
    client: httpx.AsyncClient, sandbox: GatewaySandbox
) -> None:
    """A fault scoped to PATCH leaves other operations alone."""
    log_id = sandbox.log_ids[0]
    sandbox.fail_next(1, status=502, operation="patch")
    assert (await client.get(f"logs/{log_id}")).status_code == 200
    assert (await client.patch(f"logs/{log_id}", json={"feedback": 1})).status_code == 502
    assert sandbox.feedback_of(log_id) is None
    assert (await client.patch(f"logs/{log_id}", json={"feedback": 1})).status_code == 200
    with pytest.raises(ValueError, match="unknown operation"):
        sandbox.fail_next(1, operation="post")


async def test_latency_delays_every_answer(
    client: httpx.AsyncClient, sandbox: GatewaySandbox
) -> None:
    """latency adds that many seconds to each answer."""
    sandbox.latency = 0.2
    started = time.monotonic()
    response = await client.get("logs", params={"per_page": 1})
    assert response.status_code == 200
    assert time.monotonic() - started >= 0.2


async def test_a_write_lands_even_when_the_client_times_out(sandbox: GatewaySandbox) -> None:
    """A PATCH is applied before the latency elapses, so a timed-out client may have written."""
    sandbox.latency = 0.5
    log_id = sandbox.log_ids[0]
    async with connect(sandbox, timeout=httpx.Timeout(5.0, read=0.05)) as impatient:
        with pytest.raises(httpx.ReadTimeout):
            await impatient.patch(f"logs/{log_id}", json={"feedback": 1})
    assert sandbox.feedback_of(log_id) == 1


async def test_rate_limit_blocks_every_call_for_a_full_window() -> None:
    """Over n calls in the window: 429 code 971 with Retry-After, then blocked a whole window."""
    clock = Clock()
    limited = GatewaySandbox(logs=build_logs(5, now=NOW), rate_limit=(3, 10.0), clock=clock)
    async with limited, connect(limited) as http:
        allowed = [await http.get("logs") for _ in range(3)]
        assert [r.headers["Ratelimit"] for r in allowed] == [
            '"default";r=2;t=10',
            '"default";r=1;t=10',
            '"default";r=0;t=10',
        ]
        assert allowed[0].headers["Ratelimit-Policy"] == '"default";q=3;w=10'
        refused = await http.get("logs")
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "10"
        assert refused.json()["errors"][0]["code"] == 971
        clock.now += 9.5  # the sliding window alone would have freed room by now
        still = await http.get("logs")
        assert (still.status_code, still.headers["Retry-After"]) == (429, "1")
        clock.now += 0.5
        assert (await http.get("logs")).status_code == 200


async def test_auth_and_routing_errors(sandbox: GatewaySandbox) -> None:
    """Missing header → 400 6003; wrong token → 403 9109; unknown account → 404 7003."""
    async with connect(sandbox, headers={}) as anonymous:
        missing = await anonymous.get("logs")
    async with connect(sandbox, headers={"Authorization": "Bearer wrong"}) as wrong:
        denied = await wrong.get("logs")
    async with connect(sandbox) as http:
        elsewhere = await http.get(sandbox.logs_url.replace(sandbox.account_id, "f" * 32))
    assert (missing.status_code, missing.json()["errors"][0]["code"]) == (400, 6003)
    assert (denied.status_code, denied.json()["errors"][0]["code"]) == (403, 9109)
    assert (elsewhere.status_code, elsewhere.json()["errors"][0]["code"]) == (404, 7003)


async def test_read_only_token_cannot_patch_or_delete() -> None:
    """can_write=False: PATCH and DELETE answer 403 code 10000; reads still work."""
    read_only = GatewaySandbox(logs=build_logs(5, now=NOW), can_write=False)
    async with read_only, connect(read_only) as http:
        log_id = read_only.log_ids[0]
        patch = await http.patch(f"logs/{log_id}", json={"feedback": 1})
        delete = await http.delete("logs")
        get = await http.get(f"logs/{log_id}")
    assert (patch.status_code, patch.json()["errors"][0]["code"]) == (403, 10000)
    assert delete.status_code == 403
    assert get.status_code == 200
    assert read_only.feedback_of(log_id) is None


async def test_runs_standalone_from_the_command_line() -> None:
    """`python -m bot.sandbox.gateway --port 0` prints its URL and serves until stopped."""
    root = REPO_ROOT
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.sandbox.gateway",
        "--port",
        "0",
        "--count",
        "7",
        cwd=root,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        lines = [(await asyncio.wait_for(process.stdout.readline(), 30)).decode() for _ in range(4)]
        settings = dict(line.strip().split("=", 1) for line in lines)
        base = settings["CLOUDFLARE_API_BASE_URL"]
        url = (
            f"{base}/accounts/{settings['CLOUDFLARE_ACCOUNT_ID']}/ai-gateway/gateways/"
            f"{settings['CLOUDFLARE_GATEWAY_ID']}/logs"
        )
        headers = {"Authorization": f"Bearer {settings['CLOUDFLARE_API_TOKEN']}"}
        async with httpx.AsyncClient() as http:
            body = (await http.get(url, headers=headers)).json()
        assert body["result_info"]["total_count"] == 7
    finally:
        process.terminate()
        _, stderr = await process.communicate()
    assert b"RuntimeWarning" not in stderr

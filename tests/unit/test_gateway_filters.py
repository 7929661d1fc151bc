"""List filters: the `filters` array's encoding, the fallback to simple parameters, the checks."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from bot.gateway import (
    BadRequest,
    Budget,
    Filter,
    FilterEncoding,
    FilterSupport,
    GatewayClient,
    ListQuery,
    Log,
)

ACCOUNT = "0123456789abcdef0123456789abcdef"
T0 = datetime(2026, 11, 27, tzinfo=UTC)


def item(log_id: str, **fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": log_id,
        "created_at": "2026-11-27T10:00:00.000Z",
        "provider": "openai",
        "model": "gpt-4o-mini",
        "path": "chat/completions",
        "duration": 10,
        "success": True,
        "cached": False,
        "tokens_in": 10,
        "tokens_out": 5,
        "cost": 0.001,
    }
    return base | fields


def answer(*items: dict[str, object], total: int | None = None) -> httpx.Response:
    info = {"page": 1, "per_page": 50, "count": len(items), "total_count": total or len(items)}
    return httpx.Response(200, json={"result": list(items), "result_info": info, "success": True})


def rejected() -> httpx.Response:
    return httpx.Response(
        400, json={"errors": [{"message": "unknown parameter filters.key"}], "success": False}
    )


def client_with(
    handler: Callable[[httpx.Request], httpx.Response],
    support: FilterSupport | None = None,
    gateway: str = "gw-1",
) -> GatewayClient:
    return GatewayClient(
        base_url="https://api.example.test/client/v4",
        account_id=ACCOUNT,
        gateway_id=gateway,
        token="t",
        budget=Budget(100),
        transport=httpx.MockTransport(handler),
        filter_support=support,
    )


def pairs(request: httpx.Request) -> list[tuple[str, str]]:
    return list(request.url.params.multi_items())


async def test_filters_go_in_the_sdks_dots_and_repeat_encoding() -> None:
    """Each filter is a key, an operator and its values, in order, after the usual params."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer(item("A"))

    query = ListQuery(
        page=2,
        start_date=T0,
        filters=(Filter("model", "eq", ("gpt-4o-mini",)), Filter("feedback", "eq", (0,))),
    )
    page = await client_with(handler).list_logs(query)
    sent = pairs(seen[0])
    assert sent[:5] == [
        ("page", "2"),
        ("per_page", "50"),
        ("order_by", "created_at"),
        ("order_by_direction", "desc"),
        ("start_date", "2026-11-27T00:00:00.000Z"),
    ]
    # repeated names keep their order, so the n-th key, operator and value belong together
    assert seen[0].url.params.get_list("filters.key") == ["model", "feedback"]
    assert seen[0].url.params.get_list("filters.operator") == ["eq", "eq"]
    assert seen[0].url.params.get_list("filters.value") == ["gpt-4o-mini", "0"]
    assert page.exact and [str(r).split("?")[0] for r in page.requests] == ["GET /logs"]


def test_several_values_are_split_or_refused_when_ambiguous() -> None:
    """`neq a,b` becomes two filters; a many-valued `eq` beside another filter is refused."""
    split = ListQuery(
        filters=(Filter("model", "neq", ("a", "b")), Filter("success", "eq", (True,)))
    )
    params, _ = split.wire(FilterEncoding.FILTERS)
    assert [v for k, v in params if k == "filters.value"] == ["a", "b", "true"]
    alone = ListQuery(filters=(Filter("model", "eq", ("a", "b")),))
    params, _ = alone.wire(FilterEncoding.FILTERS)
    assert [v for k, v in params if k == "filters.value"] == ["a", "b"]
    mixed = ListQuery(filters=(Filter("model", "eq", ("a", "b")), Filter("cached", "eq", (True,))))
    with pytest.raises(ValueError, match="several values"):
        mixed.wire(FilterEncoding.FILTERS)


def test_unknown_keys_and_operators_are_refused() -> None:
    """A Filter names one of the documented keys and operators, with at least one value."""
    with pytest.raises(ValueError, match="key"):
        Filter("colour", "eq", ("red",))
    with pytest.raises(ValueError, match="operator"):
        Filter("model", "like", ("gpt",))
    with pytest.raises(ValueError, match="value"):
        Filter("model", "eq", ())


async def test_a_400_to_filters_falls_back_to_simple_params_once_per_gateway() -> None:
    """The first filtered list that gets 400 is retried with simple params; later ones go
    straight to simple params, also from another client of the same gateway."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if any(name.startswith("filters") for name in request.url.params):
            return rejected()
        return answer(item("A"), total=7)

    support = FilterSupport()
    query = ListQuery(
        filters=(
            Filter("model", "eq", ("gpt-4o-mini",)),
            Filter("success", "eq", (False,)),
            Filter("tokens", "gt", (99,)),
            Filter("cost", "gt", (0.5,)),
            Filter("feedback", "eq", (0,)),
        )
    )
    client = client_with(handler, support)
    page = await client.list_logs(query)
    assert [r.status for r in page.requests] == [400, 200]
    simple = dict(pairs(seen[1]))
    assert simple["model"] == "gpt-4o-mini" and simple["success"] == "false"
    assert simple["min_total_tokens"] == "100"  # `tokens gt 99` is `at least 100`
    assert simple["min_cost"] == "0.5"
    assert "feedback" not in simple  # the deprecated flag's 0 once meant 👎: never sent
    assert page.total_count == 7 and not page.exact
    assert page.logs == ()  # the one log answered fails `success eq false`, checked on arrival
    assert client.filter_encoding is FilterEncoding.SIMPLE

    other = client_with(handler, support)
    again = await other.list_logs(query)
    assert len(seen) == 3 and len(again.requests) == 1
    assert not any(name.startswith("filters") for name in seen[2].url.params)


async def test_a_gateway_that_ignores_filters_is_caught_and_asked_again() -> None:
    """Logs that contradict the filters reveal a server ignoring them: ask with simple params."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if "model" in request.url.params:
            return answer(item("A"), total=1)
        return answer(item("A"), item("B", model="claude"), total=2)

    client = client_with(handler)
    page = await client.list_logs(ListQuery(filters=(Filter("model", "eq", ("gpt-4o-mini",)),)))
    assert [log.id for log in page.logs] == ["A"] and page.total_count == 1
    assert len(page.requests) == 2 and client.filter_encoding is FilterEncoding.SIMPLE


async def test_once_filters_are_known_to_work_a_400_is_an_error() -> None:
    """A 400 after `filters` has worked is a real bad request, not a cue to fall back."""
    answers = [answer(item("A")), rejected()]

    def handler(request: httpx.Request) -> httpx.Response:
        return answers.pop(0)

    client = client_with(handler)
    query = ListQuery(filters=(Filter("model", "eq", ("gpt-4o-mini",)),))
    await client.list_logs(query)
    assert client.filter_encoding is FilterEncoding.FILTERS
    with pytest.raises(BadRequest):
        await client.list_logs(query)


async def test_unfiltered_lists_never_probe_and_send_no_filter_params() -> None:
    """Without filters the request is what it always was, and nothing is learned."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer(item("A"))

    client = client_with(handler)
    await client.list_logs(ListQuery())
    assert sorted(dict(pairs(seen[0]))) == ["order_by", "order_by_direction", "page", "per_page"]
    assert client.filter_encoding is None


async def test_metadata_filters_become_a_search_and_an_exact_check() -> None:
    """In simple form a metadata condition narrows by free-text search; the pair is checked."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if any(name.startswith("filters") for name in request.url.params):
            return rejected()
        return answer(
            item("A", metadata=json.dumps({"team": "support"})),
            item("B", metadata=json.dumps({"owner": "support"})),
            item("C"),
        )

    query = ListQuery(
        filters=(
            Filter("metadata.key", "eq", ("team",)),
            Filter("metadata.value", "eq", ("support",)),
        )
    )
    page = await client_with(handler).list_logs(query)
    assert dict(pairs(seen[-1]))["search"] == "support"
    # per filter, "has a key team" and "has a value support": B has no key "team"
    assert [log.id for log in page.logs] == ["A"]


def test_checks_say_unknown_where_a_list_item_cannot_tell() -> None:
    """`feedback` is not on list items: the check neither admits nor rejects (None)."""
    log = Log(id="A", created_at=T0, model="gpt-4.1", tokens_in=None, tokens_out=3, cost=0.2)
    assert Filter("feedback", "eq", (0,)).check(log) is None
    assert Filter("model", "neq", ("gpt-4o-mini", "claude")).check(log) is True
    assert Filter("model", "contains", ("GPT",)).check(log) is True
    assert Filter("tokens", "gt", (1,)).check(log) is False  # unknown total never passes a bound
    assert Filter("cost", "gt", (0.1,)).check(log) is True
    assert Filter("cost", "lt", (0.1,)).check(log) is False
    rated = Log(id="B", created_at=T0, feedback=1)
    assert Filter("feedback", "eq", (0,)).check(rated) is False

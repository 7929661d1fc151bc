"""Route filters against the loopback gateway: the `filters` array, the fallback, skip_rated."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.gateway import Budget, FilterEncoding, GatewayClient, Priority
from bot.routes import LogFilters, SamplingPlan, Strategy
from bot.sampling.draw import Chooser, Draw
from bot.sandbox import GatewaySandbox, build_logs
from bot.store import MemoryStore

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.fixture
async def sandbox() -> AsyncIterator[GatewaySandbox]:
    gateway = GatewaySandbox(logs=build_logs(400, now=NOW))
    await gateway.start()
    yield gateway
    await gateway.stop()


@pytest.fixture
async def client(sandbox: GatewaySandbox) -> AsyncIterator[GatewayClient]:
    gateway = GatewayClient(
        base_url=sandbox.url,
        account_id=sandbox.account_id,
        gateway_id=sandbox.gateway_id,
        token=sandbox.token,
        budget=Budget(10_000),
    )
    yield gateway
    await gateway.aclose()


async def choose(client: GatewayClient, plan: SamplingPlan, count: int, seed: int = 3) -> Draw:
    store = MemoryStore()
    await store.migrate()
    chooser = Chooser(gateway=client, store=store, plan=plan, rng=random.Random(seed))
    return await chooser.choose(count, now=NOW, priority=Priority.BACKGROUND)


async def test_route_filters_travel_as_the_filters_array(
    sandbox: GatewaySandbox, client: GatewayClient
) -> None:
    """model, success, metadata, cost and tokens filters: the sandbox applies them; every pick
    matches, and the count is the filtered window's."""
    filters = LogFilters(
        model="gpt-4o-mini",
        success=True,
        metadata=(("team", "support"),),
        min_cost=0.00001,
        min_tokens=50,
    )
    draw = await choose(client, SamplingPlan(filters=filters), 5)
    first = sandbox.calls_for("list")[0]
    assert first.query["filters.key"] == [
        "success",
        "model",
        "metadata.key",
        "metadata.value",
        "cost",
        "tokens",
    ]
    assert client.filter_encoding is FilterEncoding.FILTERS
    assert 0 < draw.total < 400 and draw.picks
    for pick in draw.picks:
        log = pick.log
        assert log.model == "gpt-4o-mini" and log.success and log.metadata["team"] == "support"
        assert (log.cost or 0) > 0.00001 and (log.tokens_in or 0) + (log.tokens_out or 0) >= 50


async def test_a_gateway_refusing_filters_gets_simple_params_from_then_on(
    sandbox: GatewaySandbox, client: GatewayClient
) -> None:
    """The first filtered list answered 400 is asked again with `model=`/`success=`; the next
    run sends no `filters` at all."""
    sandbox.fail_next(1, status=400, operation="list")
    plan = SamplingPlan(filters=LogFilters(model="gemini-2.5-flash", success=False))
    draw = await choose(client, plan, 3)
    statuses = [call.status for call in sandbox.calls_for("list")]
    assert statuses[:2] == [400, 200]
    retried = sandbox.calls_for("list")[1].query
    assert retried["model"] == ["gemini-2.5-flash"] and retried["success"] == ["false"]
    assert client.filter_encoding is FilterEncoding.SIMPLE
    assert draw.picks and all(
        p.log.model == "gemini-2.5-flash" and not p.log.success for p in draw.picks
    )
    before = len(sandbox.calls_for("list"))
    await choose(client, plan, 3, seed=4)
    later = sandbox.calls_for("list")[before:]
    assert later and not any(key.startswith("filters") for c in later for key in c.query)


async def test_skip_rated_asks_for_feedback_eq_0(
    sandbox: GatewaySandbox, client: GatewayClient
) -> None:
    """With skip_rated, logs rated elsewhere (the dashboard) are never drawn."""
    for log_id in sandbox.log_ids[:390]:
        await client.patch_log(log_id, feedback=1)
    draw = await choose(client, SamplingPlan(skip_rated=True), 20)
    unrated = set(sandbox.log_ids[390:])
    assert draw.total == 10 and {pick.log.id for pick in draw.picks} == unrated
    assert sandbox.calls_for("list")[0].query["filters.key"] == ["feedback"]


async def test_stratified_on_the_sandbox_covers_every_model(
    sandbox: GatewaySandbox, client: GatewayClient
) -> None:
    """Stratified by model over the sandbox's five models: one each, 1 + 2·5 list calls."""
    draw = await choose(client, SamplingPlan(strategy=Strategy.STRATIFIED), 5)
    models = {s.name for s in draw.strata}
    assert len(models) == 5 and {p.log.model for p in draw.picks} == models
    assert sum(s.size for s in draw.strata) == draw.total == 400
    assert len(sandbox.calls_for("list")) == len(draw.requests) == 1 + 2 * 5

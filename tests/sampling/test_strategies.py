"""Stratified and recent runs, and what a gateway without `filters` changes (MockTransport)."""

from __future__ import annotations

import random
from collections import Counter

from bot.gateway import GatewayClient, Priority
from bot.routes import LogFilters, SamplingPlan, Strategy
from bot.sampling.draw import OTHER, Chooser, Draw
from bot.store import MemoryStore
from tests.fakes.logs import NOW, ListingGateway, make_logs

COUNTS = {"busy": 6000, "mid": 3900, "rare": 100}


async def choose(
    client: GatewayClient,
    plan: SamplingPlan,
    count: int,
    *,
    seed: int = 1,
    store: MemoryStore | None = None,
) -> Draw:
    if store is None:
        store = MemoryStore()
        await store.migrate()
    chooser = Chooser(gateway=client, store=store, plan=plan, rng=random.Random(seed))
    return await chooser.choose(count, now=NOW, priority=Priority.BACKGROUND)


def filters_of(pairs: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    keys = [v for k, v in pairs if k == "filters.key"]
    ops = [v for k, v in pairs if k == "filters.operator"]
    values = [v for k, v in pairs if k == "filters.value"]
    return list(zip(keys, ops, values, strict=True))


STRATIFIED = SamplingPlan(strategy=Strategy.STRATIFIED)


async def test_stratified_gives_a_rare_model_an_equal_quota() -> None:
    """A 1% model gets a third of a 9-log run, like the busy ones; each stratum is counted."""
    gateway = ListingGateway(make_logs(COUNTS))
    draw = await choose(gateway.client(), STRATIFIED, 9)
    by_model = Counter(pick.log.model for pick in draw.picks)
    assert by_model == {"busy": 3, "mid": 3, "rare": 3}
    assert all(pick.stratum == pick.log.model for pick in draw.picks)
    assert [(s.name, s.size, s.quota, s.chosen) for s in draw.strata] == [
        ("busy", 6000, 3, 3),
        ("mid", 3900, 3, 3),
        ("rare", 100, 3, 3),
    ]


async def test_stratified_finds_strata_with_one_call_each_and_says_so() -> None:
    """Discovery lists the window minus the values found so far: 1 + S calls, then one page
    per stratum: 1 + 2·S list calls for S strata."""
    gateway = ListingGateway(make_logs(COUNTS))
    draw = await choose(gateway.client(), STRATIFIED, 9)
    assert len(draw.requests) == len(gateway.requests) == 1 + 2 * 3
    chain = [filters_of(pairs) for pairs in gateway.requests[1:4]]
    assert chain == [
        [("model", "neq", "busy")],
        [("model", "neq", "busy"), ("model", "neq", "mid")],
        [("model", "neq", "busy"), ("model", "neq", "mid"), ("model", "neq", "rare")],
    ]
    assert sorted(filters_of(pairs)[0] for pairs in gateway.requests[4:]) == [
        ("model", "eq", "busy"),
        ("model", "eq", "mid"),
        ("model", "eq", "rare"),
    ]


async def test_models_beyond_max_strata_share_an_other_stratum() -> None:
    """With max_strata=2, the third model is sampled as part of "other" (neq both)."""
    gateway = ListingGateway(make_logs(COUNTS))
    plan = SamplingPlan(strategy=Strategy.STRATIFIED, max_strata=2)
    draw = await choose(gateway.client(), plan, 6)
    assert [(s.name, s.size) for s in draw.strata] == [("busy", 6000), ("mid", 3900), (OTHER, 100)]
    assert Counter(pick.stratum for pick in draw.picks) == {"busy": 2, "mid": 2, OTHER: 2}
    assert {pick.log.model for pick in draw.picks if pick.stratum == OTHER} == {"rare"}


async def test_stratified_draws_uniformly_within_a_stratum() -> None:
    """Over 100 seeds, the rare model's picks come from its whole history, evenly (60 rare
    logs on two pages: the short second page gets its fair share too)."""
    logs = make_logs({"busy": 600, "mid": 390, "rare": 60})
    rare = [log["id"] for log in logs if log["model"] == "rare"]  # newest first
    halves: Counter[int] = Counter()
    store = MemoryStore()
    await store.migrate()
    client = ListingGateway(logs).client()
    for seed in range(100):
        draw = await choose(client, STRATIFIED, 3, seed=seed, store=store)
        for pick in draw.picks:
            if pick.log.model == "rare":
                halves[rare.index(pick.log.id) * 2 // len(rare)] += 1
    assert sum(halves.values()) == 100  # one rare log per run: 3 logs over 3 strata
    assert 35 <= halves[0] <= 65 and 35 <= halves[1] <= 65  # 50 ± 3 standard deviations


async def test_provider_strata_and_route_filters_combine() -> None:
    """Strata by provider, within the route's own filter (`success eq false`)."""
    logs = make_logs({"a": 300}, provider="openai") + make_logs({"b": 30}, provider="anthropic")
    gateway = ListingGateway(logs)
    plan = SamplingPlan(
        strategy=Strategy.STRATIFIED, stratify_by="provider", filters=LogFilters(success=False)
    )
    draw = await choose(gateway.client(), plan, 4)
    assert Counter(pick.log.provider for pick in draw.picks) == {"openai": 2, "anthropic": 2}
    assert not any(pick.log.success for pick in draw.picks)
    assert all(("success", "eq", "false") in filters_of(r) for r in gateway.requests)


async def test_without_filters_strata_come_from_the_newest_page() -> None:
    """A gateway answering `filters` with 400: strata are the models on the newest page, each
    counted with `model=`; the run notes that models missing there are not sampled."""
    logs = make_logs(COUNTS)
    gateway = ListingGateway(logs, reject_filters=True)
    draw = await choose(gateway.client(), STRATIFIED, 6)
    newest_models = {log["model"] for log in logs[:50]}
    assert {s.name for s in draw.strata} == newest_models
    assert any("does not take filters" in note for note in draw.notes)
    # the first `model neq` is refused (400) and asked again without it; from then on, only
    # simple parameters
    assert [r.status for r in draw.requests][1:3] == [400, 200]
    assert all(not filters_of(pairs) for pairs in gateway.requests[2:])
    assert {dict(pairs).get("model") for pairs in gateway.requests[3:]} == newest_models


async def test_recent_takes_the_newest_unposted() -> None:
    """`recent`: the newest logs, skipping those already posted, in one list call."""
    logs = make_logs({"m": 500})
    store = MemoryStore()
    await store.migrate()
    for log in logs[:3]:
        await store.reserve_post(log["id"], "C1", NOW, "default")
    gateway = ListingGateway(logs)
    draw = await choose(gateway.client(), SamplingPlan(strategy=Strategy.RECENT), 5, store=store)
    assert [pick.log.id for pick in draw.picks] == [log["id"] for log in logs[3:8]]
    assert len(gateway.requests) == 1 and draw.skipped == 3


async def test_recent_reads_further_pages_when_the_newest_were_posted() -> None:
    """When the first page is all posted, the next pages are read (at most 4 calls)."""
    logs = make_logs({"m": 500})
    store = MemoryStore()
    await store.migrate()
    for log in logs[:120]:
        await store.reserve_post(log["id"], "C1", NOW, "default")
    gateway = ListingGateway(logs)
    draw = await choose(gateway.client(), SamplingPlan(strategy=Strategy.RECENT), 5, store=store)
    assert [pick.log.id for pick in draw.picks] == [log["id"] for log in logs[120:125]]
    assert len(gateway.requests) == 3


async def test_uniform_on_a_gateway_without_filters_keeps_its_call_budget() -> None:
    """A rejected `filters` attempt counts: the run still makes at most 4 list calls."""
    gateway = ListingGateway(make_logs({"m": 9000}), reject_filters=True)
    plan = SamplingPlan(filters=LogFilters(model="m"))
    draw = await choose(gateway.client(), plan, 20)
    assert len(draw.picks) == 20 and len(gateway.requests) <= 4
    assert [r.status for r in draw.requests][:2] == [400, 200]

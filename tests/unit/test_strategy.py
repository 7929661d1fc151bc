"""Page planning and drawing: few list calls, spread over the window, exactly uniform, quotas."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

from bot.gateway import Log
from bot.sampling.strategy import (
    MAX_LIST_CALLS,
    PER_PAGE,
    PagePlan,
    allocate,
    newest,
    plan_pages,
    split,
    systematic_positions,
    take,
)
from tests.stats import chi_square, ks_uniform

T0 = datetime(2026, 11, 27, tzinfo=UTC)


def window(total: int) -> dict[int, list[Log]]:
    """`total` logs on pages of 50, newest first (position 0 is the newest)."""
    logs = [Log(id=f"L{p}", created_at=T0 - timedelta(seconds=p)) for p in range(total)]
    return {n // PER_PAGE + 1: logs[n : n + PER_PAGE] for n in range(0, total, PER_PAGE)}


def inclusion_counts(total: int, wanted: int, runs: int) -> Counter[int]:
    """How often each position is drawn over `runs` seeded runs."""
    pages = window(total)
    everyone = {log.id for logs in pages.values() for log in logs}
    counts: Counter[int] = Counter()
    for seed in range(runs):
        rng = random.Random(seed)
        plan = plan_pages(total, wanted, rng)
        chosen = take({p: pages[p] for p in plan.pages}, plan, everyone, rng)
        assert len(chosen) == wanted == len({log.id for log in chosen})
        counts.update(int(log.id[1:]) for log in chosen)
    return counts


def test_small_windows_are_read_whole() -> None:
    """Up to four pages are all read, and the draw is from all of them."""
    plan = plan_pages(37, 5, random.Random(1))
    assert plan.whole and plan.pages == (1,)
    plan = plan_pages(200, 5, random.Random(1))
    assert plan.whole and plan.pages == (1, 2, 3, 4)


def test_large_windows_stay_within_four_list_calls() -> None:
    """Sampling 20 from a million logs reads page 1 and at most three other pages."""
    for seed in range(300):
        plan = plan_pages(1_000_000, 20, random.Random(seed))
        assert len(set(plan.pages) - {1}) <= MAX_LIST_CALLS - 1
        assert sum(plan.quotas.values()) == 20
        assert all(1 <= p <= 20_000 for p in plan.pages)


def test_every_third_of_the_window_gets_a_page() -> None:
    """Systematic positions: one page in each third of the window, every run."""
    for seed in range(300):
        plan = plan_pages(100_000, 20, random.Random(seed))
        thirds = sorted((p - 1) * 3 // 2000 for p in plan.pages)
        assert thirds == [0, 1, 2]


def test_positions_cover_each_slice_once() -> None:
    """`systematic_positions` puts exactly one position in each equal slice."""
    for seed in range(100):
        positions = systematic_positions(1001, 7, random.Random(seed))
        assert [p * 7 // 1001 for p in positions] == list(range(7))


def test_split_is_even_with_random_odd_shares() -> None:
    """Shares differ by at most one and add up; each part gets the odd one equally often."""
    odd: Counter[int] = Counter()
    for seed in range(3000):
        shares = split(20, 3, random.Random(seed))
        assert sum(shares) == 20 and max(shares) - min(shares) <= 1
        odd.update(i for i, share in enumerate(shares) if share == 7)
    assert all(1800 <= odd[i] <= 2200 for i in range(3))  # 2 of 3 parts: 2000 expected


def test_every_log_is_equally_likely_short_last_page_included() -> None:
    """On 101 logs (last page holds one) each position is drawn 20/101 of the time.

    The earlier planner drew pages and pooled them: a pool holding the short last page was
    smaller, and the newest page's logs came up half as often as the others.
    """
    runs = 6000
    counts = inclusion_counts(101, 20, runs)
    expected = runs * 20 / 101  # ≈ 1188
    newest_page = sum(counts[p] for p in range(50)) / 50
    middle_page = sum(counts[p] for p in range(50, 100)) / 50
    assert abs(newest_page - expected) < 0.05 * expected
    assert abs(middle_page - expected) < 0.05 * expected
    assert abs(counts[100] - expected) < 0.15 * expected  # the lone log on page 3


def test_large_window_draws_fit_the_uniform_distribution() -> None:
    """On 10,007 logs, one drawn log per run (independent across runs) is uniform over the
    window: chi-square over tenths and Kolmogorov–Smirnov both fit (fixed seeds)."""
    total, runs = 10_007, 2000
    pages = window(total)
    everyone = {log.id for logs in pages.values() for log in logs}
    positions: list[float] = []
    for seed in range(runs):
        rng = random.Random(seed)
        plan = plan_pages(total, 20, rng)
        chosen = take({p: pages[p] for p in plan.pages}, plan, everyone, rng)
        one = random.Random(10**6 + seed).choice(chosen)  # one per run: independent runs
        positions.append(int(one.id[1:]) / total)
    tenths = Counter(int(x * 10) for x in positions)
    _, p_chi = chi_square([tenths[t] for t in range(10)], [runs / 10] * 10)
    _, p_ks = ks_uniform(positions)
    assert p_chi > 0.01 and p_ks > 0.01


def test_take_skips_posted_logs_and_tops_up_from_other_pages() -> None:
    """A page short of unposted logs gives what it has; other pages fill the gap."""
    pages = window(150)
    plan = PagePlan(6, {1: 6, 2: 0, 3: 0})
    posted = {log.id for log in pages[1][:47]}  # page 1 has only 3 left
    unposted = {log.id for logs in pages.values() for log in logs} - posted
    chosen = take(pages, plan, unposted, random.Random(5))
    ids = [log.id for log in chosen]
    assert len(ids) == 6 == len(set(ids)) and not set(ids) & posted
    assert sum(1 for log in chosen if log in pages[1]) == 3
    assert [log.created_at for log in chosen] == sorted(log.created_at for log in chosen)


def test_newest_returns_the_newest_unposted() -> None:
    """`recent`: the newest logs that were never posted, newest first."""
    logs = [Log(id=f"L{i}", created_at=T0 - timedelta(minutes=i)) for i in range(10)]
    unposted = {f"L{i}" for i in (1, 2, 4, 7, 8)}
    assert [log.id for log in newest(logs, unposted, 3)] == ["L1", "L2", "L4"]


def test_allocate_gives_rare_strata_an_equal_share() -> None:
    """Quotas are equal, not proportional: a 1% model gets as many as a 60% one."""
    sizes = {"busy": 60_000, "mid": 39_000, "rare": 1_000}
    assert allocate(9, sizes, random.Random(0)) == {"busy": 3, "mid": 3, "rare": 3}


def test_allocate_passes_on_what_a_small_stratum_cannot_fill() -> None:
    """A stratum with 2 logs takes 2; the others share the rest; nothing is over-asked."""
    quotas = allocate(10, {"a": 500, "b": 2, "c": 500}, random.Random(0))
    assert (
        quotas["b"] == 2 and quotas["a"] + quotas["c"] == 8 and abs(quotas["a"] - quotas["c"]) <= 1
    )
    assert allocate(10, {"a": 3, "b": 2}, random.Random(0)) == {"a": 3, "b": 2}


def test_allocate_with_fewer_logs_than_strata_picks_strata_at_random() -> None:
    """Wanting 2 of 5 strata: two random strata get one each, every stratum equally often."""
    seen: Counter[str] = Counter()
    for seed in range(2500):
        quotas = allocate(2, dict.fromkeys("abcde", 100), random.Random(seed))
        assert sorted(quotas.values()) == [0, 0, 0, 1, 1]
        seen.update(name for name, quota in quotas.items() if quota)
    assert all(900 <= seen[name] <= 1100 for name in "abcde")  # 1000 expected

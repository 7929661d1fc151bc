"""Page planning and picking: few list calls, spread over the window, never a posted log."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from bot.gateway import Log
from bot.sampling.strategy import MAX_LIST_CALLS, pick, plan_pages

T0 = datetime(2026, 11, 27, tzinfo=UTC)


def test_small_windows_need_only_the_first_page() -> None:
    """Up to 50 logs are all on page 1: no further list calls."""
    plan = plan_pages(37, 5, random.Random(1))
    assert plan.pages == () and plan.reuse_first


def test_large_windows_stay_within_four_list_calls() -> None:
    """Sampling 20 from a million logs reads at most 3 more pages after the first."""
    for seed in range(200):
        plan = plan_pages(1_000_000, 20, random.Random(seed))
        assert 1 + len(plan.pages) <= MAX_LIST_CALLS
        assert all(2 <= p <= 20_000 for p in plan.pages)
        assert len(set(plan.pages)) == len(plan.pages)


def test_pages_are_drawn_across_the_whole_window() -> None:
    """Over many runs the chosen pages cover old and new parts of the window alike."""
    pages = [p for seed in range(500) for p in plan_pages(100_000, 5, random.Random(seed)).pages]
    oldest_tenth = sum(1 for p in pages if p > 1800)
    newest_tenth = sum(1 for p in pages if p <= 200)
    assert oldest_tenth > 20 and newest_tenth > 20


def test_pick_skips_posted_and_duplicate_logs() -> None:
    """Picked logs are distinct and never among those already posted."""
    logs = [Log(id=f"L{i}", created_at=T0 + timedelta(minutes=i)) for i in range(30)]
    unposted = {f"L{i}" for i in range(0, 30, 2)}
    chosen = pick(logs + logs[:5], unposted, 10, random.Random(7))
    ids = [log.id for log in chosen]
    assert len(ids) == 10 == len(set(ids))
    assert set(ids) <= unposted


def test_pick_returns_fewer_when_fewer_are_left() -> None:
    """Asking for more than remain returns what remains."""
    logs = [Log(id=f"L{i}", created_at=T0) for i in range(3)]
    assert len(pick(logs, {"L0", "L2"}, 5, random.Random(0))) == 2

"""The gateway budget: a sliding window with a reserve for interactive work, and 429 pauses."""

from __future__ import annotations

from bot.gateway import Budget, Priority


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_window_limits_calls_and_frees_slots_as_they_age() -> None:
    """After `limit` calls in a window the next waits until the oldest leaves the window."""
    clock = Clock()
    budget = Budget(10, window=300, reserve=0.0, clock=clock)
    for _ in range(10):
        await budget.acquire(Priority.INTERACTIVE)
    assert budget.delay(Priority.INTERACTIVE) == 300
    clock.now += 300
    assert budget.delay(Priority.INTERACTIVE) == 0


async def test_background_work_leaves_a_reserve_for_clicks() -> None:
    """Sampling stops at 80% of the budget while clicks may still use the rest."""
    clock = Clock()
    budget = Budget(10, window=300, reserve=0.2, clock=clock)
    for _ in range(8):
        await budget.acquire(Priority.BACKGROUND)
    assert budget.delay(Priority.BACKGROUND) > 0
    assert budget.delay(Priority.INTERACTIVE) == 0


def test_pause_blocks_everyone_until_it_ends() -> None:
    """A 429 pause holds every priority for its whole length."""
    clock = Clock()
    budget = Budget(100, clock=clock)
    budget.pause(30)
    assert budget.delay(Priority.INTERACTIVE) == 30
    clock.now += 30
    assert budget.delay(Priority.INTERACTIVE) == 0
    assert budget.paused_until is None

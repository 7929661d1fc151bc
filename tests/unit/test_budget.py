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
        budget.release()
    assert budget.delay(Priority.INTERACTIVE) == 300
    clock.now += 300
    assert budget.delay(Priority.INTERACTIVE) == 0


async def test_background_work_leaves_a_reserve_for_clicks() -> None:
    """Sampling stops at 80% of the budget while clicks may still use the rest."""
    clock = Clock()
    budget = Budget(10, window=300, reserve=0.2, clock=clock)
    for _ in range(8):
        await budget.acquire(Priority.BACKGROUND)
        budget.release()
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


async def test_a_slot_is_counted_from_the_answer_not_the_grant() -> None:
    """A slow call keeps its slot for a whole window after it was answered, as Cloudflare
    counts the request when it arrives, not when the bot decided to send it."""
    clock = Clock()
    budget = Budget(1, window=300, reserve=0.0, clock=clock)
    await budget.acquire(Priority.INTERACTIVE)
    clock.now += 20  # the call takes 20 s
    assert budget.delay(Priority.INTERACTIVE) > 0  # still in flight: no second call
    budget.release()
    clock.now += 299
    assert budget.delay(Priority.INTERACTIVE) == 1  # 300 s after the answer, not the grant

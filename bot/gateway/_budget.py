"""The gateway budget: one rate limiter for every call the bot makes to Cloudflare.

Cloudflare allows 1,200 API requests per 5 minutes per token, shared with everything else
using that token, and blocks *all* calls for five minutes when that is exceeded. The bot keeps
its own, lower budget (a sliding window), lets clicks and lookups go before sampling by
holding back a reserve that background work cannot use, and pauses every caller when the API
answers 429, until its `Retry-After` has passed.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from enum import IntEnum

WINDOW_SECONDS = 300.0
IN_FLIGHT_POLL = 0.05


class Priority(IntEnum):
    """Who is asking: interactive work may use the whole budget, background work not all of it."""

    BACKGROUND = 0  # sampling runs
    INTERACTIVE = 1  # votes being written, lookups a person is waiting for


class Budget:
    """At most `limit` requests per `window` seconds, for all callers together."""

    def __init__(
        self,
        limit: int,
        *,
        window: float = WINDOW_SECONDS,
        reserve: float = 0.2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = max(1, limit)
        self.window = window
        self._background_limit = max(1, int(self.limit * (1 - reserve)))
        self._clock = clock
        self._answered: deque[float] = deque()  # when each call in the window was answered
        self._in_flight = 0
        self._paused_until = 0.0
        self.waits = 0

    @property
    def paused_until(self) -> float | None:
        """The clock time before which no call may be made, or None when not paused."""
        return self._paused_until if self._paused_until > self._clock() else None

    def paused_for(self) -> float:
        """Seconds left in a pause; 0 when calls may go."""
        return max(0.0, self._paused_until - self._clock())

    def pause(self, seconds: float) -> None:
        """Stop every call for `seconds` (a 429 from Cloudflare)."""
        self._paused_until = max(self._paused_until, self._clock() + max(0.0, seconds))

    def used(self) -> int:
        """Requests in the current window: answered ones, and those still in flight."""
        self._expire(self._clock())
        return len(self._answered) + self._in_flight

    def delay(self, priority: Priority) -> float:
        """Seconds until a call of this priority could go; 0 when it may go now."""
        now = self._clock()
        if self._paused_until > now:
            return self._paused_until - now
        self._expire(now)
        cap = self.limit if priority >= Priority.INTERACTIVE else self._background_limit
        if len(self._answered) + self._in_flight < cap:
            return 0.0
        if self._in_flight >= cap:
            return IN_FLIGHT_POLL  # every slot is held by a call still in flight
        # a slot frees when the answer `cap - in_flight` places back leaves the window
        return self._answered[len(self._answered) + self._in_flight - cap] + self.window - now

    async def acquire(self, priority: Priority) -> None:
        """Wait until the budget allows one more call, then hold a slot for it; pair every
        acquire with a `release()` once the call is answered (or failed)."""
        while (wait := self.delay(priority)) > 0:
            self.waits += 1
            await asyncio.sleep(min(wait, 5.0))
        self._in_flight += 1

    def release(self) -> None:
        """The call is over. Its slot stays taken for a window from now: Cloudflare counts a
        request when it arrives, which may be later than when it was granted here."""
        self._in_flight = max(0, self._in_flight - 1)
        self._answered.append(self._clock())

    def _expire(self, now: float) -> None:
        while self._answered and self._answered[0] <= now - self.window:
            self._answered.popleft()

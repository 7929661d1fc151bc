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
        self._granted: deque[float] = deque()
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
        """Requests granted within the current window."""
        self._expire(self._clock())
        return len(self._granted)

    def delay(self, priority: Priority) -> float:
        """Seconds until a call of this priority could go; 0 when it may go now."""
        now = self._clock()
        if self._paused_until > now:
            return self._paused_until - now
        self._expire(now)
        cap = self.limit if priority >= Priority.INTERACTIVE else self._background_limit
        if len(self._granted) < cap:
            return 0.0
        # the slot frees when the request `cap` places back leaves the window
        return self._granted[len(self._granted) - cap] + self.window - now

    async def acquire(self, priority: Priority) -> None:
        """Wait until the budget allows one more call, then take it."""
        while (wait := self.delay(priority)) > 0:
            self.waits += 1
            await asyncio.sleep(min(wait, 5.0))
        self._granted.append(self._clock())

    def _expire(self, now: float) -> None:
        while self._granted and self._granted[0] <= now - self.window:
            self._granted.popleft()

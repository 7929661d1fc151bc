"""Which logs to sample: pure functions of the list's size, what was posted, and a seeded RNG.

A window can hold a million logs and the list API pages at most 50 at a time, so instead of
scanning, the sampler reads `total_count`, picks a few pages uniformly at random, and draws
from the logs on them. Every log in the window has the same chance to be on a chosen page, so
the sample spreads over the whole window, not the newest minute. No IO here.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from bot.gateway import Log

PER_PAGE = 50  # the list operation's maximum
MAX_LIST_CALLS = 4


@dataclass(frozen=True, slots=True)
class PagePlan:
    """The pages to read, beyond a first page already in hand."""

    pages: tuple[int, ...]
    reuse_first: bool  # whether the first page (already fetched) is one of the drawn pages


def plan_pages(
    total_count: int,
    wanted: int,
    rng: random.Random,
    *,
    per_page: int = PER_PAGE,
    max_calls: int = MAX_LIST_CALLS,
) -> PagePlan:
    """Draw pages uniformly without replacement: enough to hold about 3× `wanted` logs, within
    `max_calls - 1` further list calls (the first call, page 1, told us `total_count`)."""
    page_count = math.ceil(total_count / per_page) if total_count > 0 else 0
    if page_count <= 1:
        return PagePlan(pages=(), reuse_first=page_count == 1)
    needed = min(page_count, max(1, math.ceil(3 * wanted / per_page)), max_calls - 1)
    drawn = rng.sample(range(1, page_count + 1), needed)
    reuse_first = 1 in drawn
    if reuse_first and page_count > needed:
        # page 1 is in hand already: the call it would have cost buys another random page
        while (extra := rng.randint(2, page_count)) in drawn:
            pass  # at most three pages are drawn, so a free one turns up quickly
        drawn.append(extra)
    return PagePlan(pages=tuple(sorted(p for p in drawn if p != 1)), reuse_first=reuse_first)


def pick(
    candidates: Sequence[Log], unposted: set[str], count: int, rng: random.Random
) -> list[Log]:
    """Up to `count` distinct never-posted logs, drawn uniformly from the candidates."""
    seen: set[str] = set()
    pool: list[Log] = []
    for log in candidates:
        if log.id in unposted and log.id not in seen:
            seen.add(log.id)
            pool.append(log)
    chosen = rng.sample(pool, min(count, len(pool)))
    return sorted(chosen, key=lambda log: log.created_at)

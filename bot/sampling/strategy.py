"""Which logs to sample: pure functions of list sizes, what was posted, and a seeded RNG.

A window can hold a million logs and the list API pages at most 50 at a time, so instead of
scanning, the sampler reads `total_count` from the first page and draws *positions*. The
positions are systematic: one in each of k equal slices of the window, all at the same random
offset, so a run always reaches the old, middle and new parts of the window. Each position
names the page it falls on, and a fixed share of the wanted logs is drawn from that page.

Why that is uniform: a slice of length L = total/k lands on a page with probability
(page's logs in the slice)/L and then takes `share` of the page's n logs, so a log is chosen
with probability Σ (its page's overlap with each slice)/L × share/n = share·k/total, the same
for every log, short last page included. (Drawing pages uniformly and then picking from the
pooled logs is not: a pool holding the short last page is smaller, so its logs win more often.)

No IO here.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from bot.gateway import Log

PER_PAGE = 50  # the list operation's maximum
MAX_LIST_CALLS = 4  # for a uniform run of up to 20 logs, whatever the window holds


@dataclass(frozen=True, slots=True)
class PagePlan:
    """The pages to read and how many logs each one gives.

    With `whole`, the window fits in the pages allowed: read them all and draw `wanted` from
    the lot (exactly uniform). Otherwise `quotas` maps each page to its share of `wanted`.
    """

    wanted: int
    quotas: Mapping[int, int] = field(default_factory=dict)
    whole: bool = False

    @property
    def pages(self) -> tuple[int, ...]:
        """The pages to read, in order."""
        return tuple(sorted(self.quotas))


def page_count(total: int, per_page: int = PER_PAGE) -> int:
    """How many pages `total` logs fill."""
    return math.ceil(total / per_page) if total > 0 else 0


def systematic_positions(total: int, slices: int, rng: random.Random) -> list[int]:
    """One position in each of `slices` equal slices of `[0, total)`, at one random offset."""
    offset = rng.random()
    return [min(total - 1, int((i + offset) * total / slices)) for i in range(slices)]


def split(wanted: int, parts: int, rng: random.Random) -> list[int]:
    """`wanted` split into `parts` shares as even as possible; the odd ones go to random parts
    (so every part's expected share is exactly wanted/parts)."""
    base, extra = divmod(wanted, parts)
    lucky = set(rng.sample(range(parts), extra))
    return [base + (i in lucky) for i in range(parts)]


def plan_pages(
    total: int,
    wanted: int,
    rng: random.Random,
    *,
    max_pages: int = MAX_LIST_CALLS,
    per_page: int = PER_PAGE,
) -> PagePlan:
    """Pages for a uniform draw of `wanted` logs out of `total`, reading at most `max_pages`
    pages (page 1 included: the call that told us `total` usually read it already)."""
    pages = page_count(total, per_page)
    if pages <= max_pages:
        return PagePlan(wanted, dict.fromkeys(range(1, pages + 1), 0), whole=True)
    # page 1 may be among the drawn pages at no cost, so up to max_pages - 1 other pages
    slices = max(1, min(wanted, max_pages - 1))
    quotas: dict[int, int] = {}
    for position, share in zip(
        systematic_positions(total, slices, rng), split(wanted, slices, rng), strict=True
    ):
        page = position // per_page + 1
        quotas[page] = quotas.get(page, 0) + share
    return PagePlan(wanted, quotas)


def take(
    pages: Mapping[int, Sequence[Log]], plan: PagePlan, unposted: set[str], rng: random.Random
) -> list[Log]:
    """Draw the plan's logs from the pages read: each page's share of never-posted logs, then,
    if a page had too few, the rest from what the other pages have left. Oldest first."""
    seen: set[str] = set()
    eligible: dict[int, list[Log]] = {}
    for page in sorted(pages):
        eligible[page] = []
        for log in pages[page]:
            if log.id in unposted and log.id not in seen:
                seen.add(log.id)
                eligible[page].append(log)
    if plan.whole:
        pool = [log for page in sorted(eligible) for log in eligible[page]]
        return _oldest_first(rng.sample(pool, min(plan.wanted, len(pool))))
    chosen: list[Log] = []
    left: list[Log] = []
    for page in sorted(eligible):
        quota = plan.quotas.get(page, 0)
        drawn = rng.sample(eligible[page], min(quota, len(eligible[page])))
        chosen += drawn
        picked = {log.id for log in drawn}
        left += [log for log in eligible[page] if log.id not in picked]
    shortfall = min(plan.wanted - len(chosen), len(left))
    if shortfall > 0:
        chosen += rng.sample(left, shortfall)
    return _oldest_first(chosen)


def newest(candidates: Iterable[Log], unposted: set[str], count: int) -> list[Log]:
    """The `count` newest never-posted logs, newest first."""
    seen: set[str] = set()
    fresh: list[Log] = []
    for log in candidates:
        if log.id in unposted and log.id not in seen:
            seen.add(log.id)
            fresh.append(log)
    return sorted(fresh, key=lambda log: log.created_at, reverse=True)[:count]


def allocate(wanted: int, sizes: Mapping[str, int], rng: random.Random) -> dict[str, int]:
    """Quotas per stratum: equal shares, so a rare model gets as many as a busy one; a stratum
    with fewer logs than its share gives the rest to the others. With fewer logs wanted than
    strata, random strata get one each."""
    quotas = dict.fromkeys(sizes, 0)
    open_ = [name for name, size in sizes.items() if size > 0]
    left = wanted
    while left > 0 and open_:
        if left < len(open_):
            for name in rng.sample(open_, left):
                quotas[name] += 1
            break
        share = left // len(open_)
        for name in open_:
            give = min(share, sizes[name] - quotas[name])
            quotas[name] += give
            left -= give
        open_ = [name for name in open_ if quotas[name] < sizes[name]]
    return quotas


def _oldest_first(logs: list[Log]) -> list[Log]:
    return sorted(logs, key=lambda log: (log.created_at, log.id))

"""Choosing one run's logs: the list calls each strategy makes, and what it draws from them.

`Chooser.choose` lists the route's window (its filters applied by the gateway where it can),
asks the store which logs were never posted, and draws with `strategy`. Budgets:

- uniform: at most 4 list calls for up to 20 logs, whatever the window holds;
- recent: at most 4 list calls (newest pages until enough unposted logs turn up);
- stratified: 1 + S + (strata with a quota) list calls for S ≤ `max_strata` strata found.
  Strata are found with `filters`: each call lists the window minus the values found so far
  (`model neq a`, `neq b`, …); its first log names the next value and its `total_count`
  gives the previous value's count by difference. Values beyond `max_strata` share an "other"
  stratum. A gateway that does not take `filters` gets strata from the values on the
  window's newest page instead (models missing there are not sampled; the run says so), and
  one `model=` call per stratum for its count.

Logs whose list item shows feedback are skipped. No posting here: see `jobs`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.gateway import (
    Filter,
    FilterEncoding,
    GatewayClient,
    ListQuery,
    ListRequest,
    Log,
    LogPage,
    Priority,
)
from bot.routes import SamplingPlan, Strategy
from bot.sampling.strategy import (
    MAX_LIST_CALLS,
    PER_PAGE,
    PagePlan,
    allocate,
    newest,
    page_count,
    plan_pages,
    take,
)
from bot.store import Store

OTHER = "other"


@dataclass(frozen=True, slots=True)
class Stratum:
    """A part of the window sampled on its own quota."""

    name: str  # the model or provider, or "other"
    filters: tuple[Filter, ...]
    size: int  # logs in the window (a bound when the gateway could not filter exactly)
    quota: int = 0
    chosen: int = 0


@dataclass(frozen=True, slots=True)
class Pick:
    """A chosen log and where it was found."""

    log: Log
    stratum: str | None  # None for uniform and recent runs
    page: int


@dataclass(slots=True)
class Draw:
    """What one run's choosing did: the list calls, the strata, the picks."""

    total: int = 0  # logs in the window
    picks: list[Pick] = field(default_factory=list)
    requests: list[ListRequest] = field(default_factory=list)
    strata: list[Stratum] = field(default_factory=list)
    skipped: int = 0  # candidates already posted
    notes: list[str] = field(default_factory=list)


class Chooser:
    """Draws logs for one route's runs."""

    def __init__(
        self, *, gateway: GatewayClient, store: Store, plan: SamplingPlan, rng: random.Random
    ) -> None:
        self.gateway = gateway
        self.store = store
        self.plan = plan
        self.rng = rng

    async def choose(
        self, count: int, *, now: datetime, priority: Priority, into: Draw | None = None
    ) -> Draw:
        """Up to `count` never-posted logs of the window ending at `now`, recorded in `into`
        (which keeps the calls made so far when one fails)."""
        run = _Run(self, count, priority, into or Draw())
        await run.start(now)
        if self.plan.strategy is Strategy.RECENT:
            await run.recent()
        elif self.plan.strategy is Strategy.STRATIFIED:
            await run.stratified()
        else:
            await run.uniform()
        return run.draw


class _Run:
    """The state of one `choose`."""

    def __init__(self, chooser: Chooser, count: int, priority: Priority, draw: Draw) -> None:
        self.gateway = chooser.gateway
        self.store = chooser.store
        self.plan = chooser.plan
        self.rng = chooser.rng
        self.count = count
        self.priority = priority
        self.draw = draw
        self.query = ListQuery(per_page=PER_PAGE)
        self.first = LogPage(logs=(), page=1, per_page=PER_PAGE, total_count=0)

    @property
    def calls(self) -> int:
        return len(self.draw.requests)

    async def start(self, now: datetime) -> None:
        """List the window's first page; on a quiet gateway, the newest logs there are."""
        filters = self.plan.filters.to_filters()
        if self.plan.skip_rated:
            filters += (Filter("feedback", "eq", (0,)),)
        self.query = ListQuery(
            per_page=PER_PAGE,
            start_date=now - self.plan.window,
            end_date=now,
            filters=filters,
        )
        self.first = await self.list_page(self.query)
        if not self.first.total_count and not self.first.logs:
            self.draw.notes.append(
                "no logs in the window; sampled the newest logs there are instead"
            )
            self.query = replace(self.query, start_date=None, end_date=None)
            self.first = await self.list_page(self.query)
        self.draw.total = _total(self.first)

    async def list_page(self, query: ListQuery) -> LogPage:
        """One page, its requests recorded, keeping only logs the route may sample."""
        page = await self.gateway.list_logs(query, priority=self.priority)
        self.draw.requests += page.requests
        kept = tuple(log for log in page.logs if self._admits(log))
        return replace(page, logs=kept)

    def _admits(self, log: Log) -> bool:
        return self.plan.filters.admits(log) and not log.feedback  # rated: None and 0 are not

    async def unposted(self, logs: list[Log]) -> set[str]:
        ids = list(dict.fromkeys(log.id for log in logs))
        fresh = set(await self.store.unposted(ids))
        self.draw.skipped += len(ids) - len(fresh)
        return fresh

    # --- strategies --------------------------------------------------------------------------

    async def uniform(self) -> None:
        """Systematic positions over the window (see `strategy`), within 4 list calls."""
        room = MAX_LIST_CALLS - self.calls + 1  # page 1 is in hand
        plan = plan_pages(self.draw.total, self.count, self.rng, max_pages=max(1, room))
        pages = await self.read(self.query, plan, first=self.first)
        fresh = await self.unposted([log for logs in pages.values() for log in logs])
        self.draw.picks = _picks(take(pages, plan, fresh, self.rng), pages, None)

    async def recent(self) -> None:
        """The newest never-posted logs: page after page until enough turn up."""
        pages = {1: self.first.logs}
        fresh = await self.unposted(list(self.first.logs))
        last = page_count(self.draw.total)
        while (
            len(fresh) < self.count and len(pages) < last and self.calls < MAX_LIST_CALLS
        ):  # a busy channel may have posted the newest already
            number = len(pages) + 1
            pages[number] = (await self.list_page(replace(self.query, page=number))).logs
            fresh |= await self.unposted(list(pages[number]))
        chosen = newest([log for logs in pages.values() for log in logs], fresh, self.count)
        self.draw.picks = _picks(chosen, pages, None)

    async def stratified(self) -> None:
        """An equal quota per stratum, each drawn uniformly within its stratum."""
        exact = self.gateway.filter_encoding is not FilterEncoding.SIMPLE and self.first.exact
        strata, in_hand = await (self.discover() if exact else self.sample_values())
        quotas = allocate(self.count, {s.name: s.size for s in strata}, self.rng)
        plans: dict[str, PagePlan] = {}
        pages: dict[str, dict[int, tuple[Log, ...]]] = {}
        for stratum in strata:
            quota = quotas[stratum.name]
            if not quota:
                continue
            query = replace(self.query, filters=self.query.filters + stratum.filters)
            first = in_hand.get(stratum.name)
            plans[stratum.name] = plan_pages(
                stratum.size, quota, self.rng, max_pages=1 if first is None else 2
            )
            pages[stratum.name] = await self.read(query, plans[stratum.name], first=first)
        everything = [
            log for by_page in pages.values() for logs in by_page.values() for log in logs
        ]
        fresh = await self.unposted(everything)
        picks: list[Pick] = []
        for name, plan in plans.items():
            chosen = take(pages[name], plan, fresh, self.rng)
            fresh -= {log.id for log in chosen}
            picks += _picks(chosen, pages[name], name)
        self.draw.strata = [
            replace(s, quota=quotas[s.name], chosen=sum(1 for p in picks if p.stratum == s.name))
            for s in strata
        ]
        self.draw.picks = sorted(picks, key=lambda pick: (pick.log.created_at, pick.log.id))

    # --- helpers -----------------------------------------------------------------------------

    async def read(
        self, query: ListQuery, plan: PagePlan, *, first: LogPage | None
    ) -> dict[int, tuple[Log, ...]]:
        """The plan's pages: page 1 from `first` when given, the others listed."""
        pages: dict[int, tuple[Log, ...]] = {}
        for number in plan.pages:
            if number == 1 and first is not None:
                pages[1] = first.logs
            else:
                pages[number] = (await self.list_page(replace(query, page=number))).logs
        return pages

    async def discover(self) -> tuple[list[Stratum], dict[str, LogPage]]:
        """Strata by listing the window minus the values found so far (see the module doc)."""
        key = self.plan.stratify_by
        found: list[Stratum] = []
        rest, remaining = self.first, self.draw.total
        while remaining > 0 and len(found) < self.plan.max_strata:
            value = next((_value(log, key) for log in rest.logs), None)
            if value is None:
                break
            without = tuple(Filter(key, "neq", (s.name,)) for s in found)
            without += (Filter(key, "neq", (value,)),)
            rest = await self.list_page(replace(self.query, filters=self.query.filters + without))
            if not rest.exact:  # the gateway stopped taking filters: count what we can see
                return await self.sample_values()
            found.append(Stratum(value, (Filter(key, "eq", (value,)),), remaining - _total(rest)))
            remaining = _total(rest)
        if remaining > 0:
            without = tuple(Filter(key, "neq", (s.name,)) for s in found)
            found.append(Stratum(OTHER, without, remaining))
        return found, {}

    async def sample_values(self) -> tuple[list[Stratum], dict[str, LogPage]]:
        """Strata from the values on the window's newest page, each counted with `key=value`."""
        key = self.plan.stratify_by
        values = list(dict.fromkeys(_value(log, key) for log in self.first.logs))
        values = values[: self.plan.max_strata]
        self.draw.notes.append(
            f"strata are the {key}s on the window's newest page ({', '.join(values) or 'none'});"
            f" the gateway does not take filters, so other {key}s are not sampled"
        )
        strata: list[Stratum] = []
        in_hand: dict[str, LogPage] = {}
        for value in values:
            only = (Filter(key, "eq", (value,)),)
            page = await self.list_page(replace(self.query, filters=self.query.filters + only))
            strata.append(Stratum(value, only, _total(page)))
            in_hand[value] = page
        return strata, in_hand


def _picks(chosen: list[Log], pages: dict[int, tuple[Log, ...]], stratum: str | None) -> list[Pick]:
    where = {log.id: number for number, logs in pages.items() for log in logs}
    return [Pick(log, stratum, where.get(log.id, 1)) for log in chosen]


def _total(page: LogPage) -> int:
    return page.total_count if page.total_count is not None else len(page.logs)


def _value(log: Log, key: str) -> str:
    return log.provider if key == "provider" else log.model

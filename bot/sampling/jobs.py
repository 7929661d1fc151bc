"""A sampling run: choose logs (see `draw`), fetch their bodies, post them.

Posts are paced to at most one message per second per channel (Slack's documented rate for
`chat.postMessage`). A log is reserved in the store before it is posted and never released
once Slack may have shown it, so no log is posted twice, restarts included.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.blocks import sample_message
from bot.cards import Card
from bot.gateway import GatewayClient, GatewayError, ListRequest, Log, Priority
from bot.publisher import SlackError, SlackPublisher
from bot.redact import Redactor
from bot.routes import SamplingPlan
from bot.sampling.draw import Chooser, Draw, Pick, Stratum
from bot.store import DEFAULT_ROUTE, Store
from bot.votes import Tally

logger = logging.getLogger(__name__)

POST_INTERVAL_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class Posted:
    """A log the run posted (or, in a dry run, would have posted)."""

    card: Card
    channel: str
    ts: str | None
    stratum: str | None = None  # the stratum it filled, in stratified runs
    page: int = 1  # the list page it was drawn from


@dataclass(slots=True)
class RunReport:
    """What one sampling run did."""

    started_at: datetime
    total_in_window: int = 0
    posted: list[Posted] = field(default_factory=list)
    skipped: int = 0
    errors: list[str] = field(default_factory=list)
    requests: list[ListRequest] = field(default_factory=list)  # the list calls, in order
    strata: list[Stratum] = field(default_factory=list)  # stratified runs: quotas and counts
    notes: list[str] = field(default_factory=list)
    closed: str | None = None  # why a scheduled run posted nothing (quiet hours, weekend…)

    @property
    def list_calls(self) -> int:
        """List requests made (a rejected `filters` attempt counts too)."""
        return len(self.requests)


class Pacer:
    """At most one post per `interval` seconds per channel."""

    def __init__(self, interval: float = POST_INTERVAL_SECONDS) -> None:
        self.interval = interval
        self._next: dict[str, float] = {}
        self._lock = asyncio.Lock()

    async def wait(self, channel: str) -> None:
        """Wait for this channel's next slot, and take it."""
        async with self._lock:
            loop = asyncio.get_running_loop()
            delay = self._next.get(channel, 0.0) - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            self._next[channel] = loop.time() + self.interval


class Sampler:
    """Runs sampling for one gateway and one channel."""

    def __init__(
        self,
        *,
        store: Store,
        gateway: GatewayClient,
        publisher: SlackPublisher,
        channel: str,
        plan: SamplingPlan | None = None,
        rng: random.Random | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        pacer: Pacer | None = None,
        redactor: Redactor | None = None,
        route: str = DEFAULT_ROUTE,
    ) -> None:
        self.store = store
        self.gateway = gateway
        self.publisher = publisher
        self.channel = channel
        self.plan = plan or SamplingPlan()
        self.rng = rng or random.Random()
        self.clock = clock
        self.pacer = pacer or Pacer()
        self.redactor = redactor or Redactor()
        self.route = route
        self.chooser = Chooser(gateway=gateway, store=store, plan=self.plan, rng=self.rng)
        self._lock = asyncio.Lock()
        self.last_run: RunReport | None = None

    @property
    def size(self) -> int:
        """Logs per run unless asked otherwise."""
        return self.plan.size

    @property
    def window(self) -> timedelta:
        """How far back runs look."""
        return self.plan.window

    async def run(
        self,
        count: int | None = None,
        *,
        dry_run: bool = False,
        priority: Priority = Priority.BACKGROUND,
    ) -> RunReport:
        """One sampling run; runs never overlap."""
        async with self._lock:
            report = await self._run(count or self.size, dry_run=dry_run, priority=priority)
            if not dry_run:
                self.last_run = report
            return report

    async def run_scheduled(self) -> RunReport:
        """A run the schedule asked for: none inside quiet hours, on weekends with
        `business_days`, or on holidays (the skip is logged)."""
        now = self.clock()
        reason = self.plan.closed(now)
        if reason is None:
            return await self.run()
        logger.info("sampling for route %s skipped: %s", self.route, reason)
        return RunReport(started_at=now, closed=reason)

    async def choose(self, count: int, report: RunReport, priority: Priority) -> list[Pick]:
        """Up to `count` never-posted logs drawn with the route's strategy."""
        draw = Draw()
        try:
            await self.chooser.choose(count, now=self.clock(), priority=priority, into=draw)
        finally:
            report.requests += draw.requests  # a failed run still shows what it asked
        report.total_in_window = draw.total
        report.strata = draw.strata
        report.skipped = draw.skipped
        report.notes += draw.notes
        for note in draw.notes:
            logger.info("sampling for route %s: %s", self.route, note)
        return draw.picks

    async def build_card(self, log: Log, priority: Priority) -> Card:
        """The card for a log, with excerpts of its bodies (missing bodies are noted)."""
        request, response = await self.gateway.bodies(log.id, priority=priority)
        return Card.from_log(log, request, response, redact=self.redactor)

    async def _run(self, count: int, *, dry_run: bool, priority: Priority) -> RunReport:
        report = RunReport(started_at=self.clock())
        try:
            chosen = await self.choose(count, report, priority)
        except GatewayError as exc:
            report.errors.append(f"listing logs failed: {exc}")
            logger.error("sampling: listing logs failed: %s", exc)
            return report
        logger.info(
            "sampling for route %s: %d logs in the window, %d chosen (%s) with %d list calls",
            self.route,
            report.total_in_window,
            len(chosen),
            self.plan.strategy.value,
            report.list_calls,
        )
        for pick in chosen:
            try:
                await self._post_one(pick, report, dry_run=dry_run, priority=priority)
            except GatewayError as exc:
                report.errors.append(f"log {pick.log.id}: {exc}")
                logger.warning("sampling: log %s skipped: %s", pick.log.id, exc)
        return report

    async def _post_one(
        self, pick: Pick, report: RunReport, *, dry_run: bool, priority: Priority
    ) -> None:
        log = pick.log
        if dry_run:
            card = await self.build_card(log, priority)
            report.posted.append(Posted(card, self.channel, None, pick.stratum, pick.page))
            return
        if not await self.store.reserve_post(log.id, self.channel, self.clock(), self.route):
            return
        try:
            card = await self.build_card(log, priority)
        except GatewayError:
            await self.store.release_post(log.id)
            raise
        await self.store.save_card(card, self.route)
        await self.pacer.wait(self.channel)
        try:
            ts = await self.publisher.post(self.channel, sample_message(card, Tally(), None))
        except SlackError as exc:
            if exc.error != "fetch_failed":
                # Slack answered with an error: the message surely does not exist.
                await self.store.release_post(log.id)
            report.errors.append(f"log {log.id}: {exc}")
            logger.error("sampling: posting log %s failed: %s", log.id, exc)
            return
        await self.store.confirm_post(log.id, ts)
        report.posted.append(Posted(card, self.channel, ts, pick.stratum, pick.page))
        logger.info("sampling: posted log %s to %s (ts %s)", log.id, self.channel, ts)

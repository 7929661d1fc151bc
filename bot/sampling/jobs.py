"""A sampling run: list recent logs, pick unposted ones, fetch their bodies, post them.

Posts are paced to at most one message per second per channel (Slack's documented rate for
`chat.postMessage`). A log is reserved in the store before it is posted and never released
once Slack may have shown it, so no log is posted twice, restarts included.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from bot.blocks import sample_message
from bot.cards import Card
from bot.gateway import GatewayClient, GatewayError, ListQuery, Log, Priority
from bot.publisher import SlackError, SlackPublisher
from bot.redact import Redactor
from bot.sampling.strategy import MAX_LIST_CALLS, PER_PAGE, pick, plan_pages
from bot.store import DEFAULT_ROUTE, Store
from bot.votes import Tally

logger = logging.getLogger(__name__)

POST_INTERVAL_SECONDS = 1.0
DEFAULT_WINDOW = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class Posted:
    """A log the run posted (or, in a dry run, would have posted)."""

    card: Card
    channel: str
    ts: str | None


@dataclass(slots=True)
class RunReport:
    """What one sampling run did."""

    started_at: datetime
    total_in_window: int = 0
    list_calls: int = 0
    posted: list[Posted] = field(default_factory=list)
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


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
        size: int,
        window: timedelta = DEFAULT_WINDOW,
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
        self.size = size
        self.window = window
        self.rng = rng or random.Random()
        self.clock = clock
        self.pacer = pacer or Pacer()
        self.redactor = redactor or Redactor()
        self.route = route
        self._lock = asyncio.Lock()
        self.last_run: RunReport | None = None

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

    async def choose(self, count: int, report: RunReport, priority: Priority) -> list[Log]:
        """Pick up to `count` never-posted logs spread over the window."""
        now = self.clock()
        query = ListQuery(page=1, per_page=PER_PAGE, start_date=now - self.window, end_date=now)
        first = await self.gateway.list_logs(query, priority=priority)
        report.list_calls += 1
        if not first.logs:
            # A quiet gateway: rather than post nothing, offer the newest logs there are.
            logger.info(
                "sampling: no logs in the last %s; sampling the newest instead", self.window
            )
            query = ListQuery(page=1, per_page=PER_PAGE)
            first = await self.gateway.list_logs(query, priority=priority)
            report.list_calls += 1
        total = first.total_count if first.total_count is not None else len(first.logs)
        report.total_in_window = total
        plan = plan_pages(total, count, self.rng, max_calls=MAX_LIST_CALLS - report.list_calls + 1)
        candidates: list[Log] = list(first.logs) if plan.reuse_first or not plan.pages else []
        for page in plan.pages:
            result = await self.gateway.list_logs(
                replace(query, page=page),
                priority=priority,
            )
            report.list_calls += 1
            candidates.extend(result.logs)
        unposted = set(await self.store.unposted([log.id for log in candidates]))
        report.skipped = len({log.id for log in candidates}) - len(unposted)
        return pick(candidates, unposted, count, self.rng)

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
            "sampling: %d logs in the window, %d chosen with %d list calls",
            report.total_in_window,
            len(chosen),
            report.list_calls,
        )
        for log in chosen:
            try:
                await self._post_one(log, report, dry_run=dry_run, priority=priority)
            except GatewayError as exc:
                report.errors.append(f"log {log.id}: {exc}")
                logger.warning("sampling: log %s skipped: %s", log.id, exc)
        return report

    async def _post_one(
        self, log: Log, report: RunReport, *, dry_run: bool, priority: Priority
    ) -> None:
        if dry_run:
            card = await self.build_card(log, priority)
            report.posted.append(Posted(card, self.channel, None))
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
        report.posted.append(Posted(card, self.channel, ts))
        logger.info("sampling: posted log %s to %s (ts %s)", log.id, self.channel, ts)

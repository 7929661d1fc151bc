"""The outbox worker: turns the vote ledger into Cloudflare feedback and an edited message.

For each due outbox row: compute the verdict from every rater's latest vote, PATCH it,
GET the log to confirm, edit the Slack message(s), then mark the row done — unless a click
arrived meanwhile, in which case the row stays pending and the newest ledger is written
next (so many clicks on one log collapse into few writes, and the last write always
matches the ledger). Transient failures back off with jitter; a 429 waits for Retry-After
(the gateway client pauses every call); refusals park the row for a person to retry.
Rows survive restarts: on start every pending row is simply due again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

from bot.blocks import lookup_message, sample_message
from bot.cards import Card, MetadataValue
from bot.gateway import (
    GatewayClient,
    GatewayError,
    NotFound,
    PermissionDenied,
    Priority,
    RateLimited,
)
from bot.notes import summarize
from bot.publisher import SlackError, SlackPublisher
from bot.routes import Gateways
from bot.store import OutboxItem, Store
from bot.votes import SyncState, SyncStatus, Tally

logger = logging.getLogger(__name__)

BASE_BACKOFF = 1.0
MAX_BACKOFF = 300.0
CONFIRM_RETRIES = (0.2, 0.5, 1.0)  # re-GET delays when the GET disagrees with the write
# How long a claim keeps other replicas off an item; a crashed replica's items are taken over
# after this. A sync outliving it may be repeated elsewhere, which is harmless: it writes the
# same verdict from the same ledger.
LEASE_SECONDS = 15.0
METADATA_CAP = 5  # Cloudflare keeps at most 5 metadata entries on a log
REASON_KEY = "aig_reason"  # with AIG_WRITE_METADATA: the most common reason category
RATERS_KEY = "aig_raters"  # ... and how many raters hold a vote


def backoff(attempts: int, rng: random.Random) -> float:
    """Exponential backoff with full jitter in the upper half, capped."""
    ceiling: float = min(MAX_BACKOFF, BASE_BACKOFF * 2.0 ** min(attempts, 16))
    return ceiling * (0.5 + rng.random() / 2)


class OutboxWorker:
    """Drains the outbox; `wake()` after a click makes it look now instead of at the next poll."""

    def __init__(
        self,
        *,
        store: Store,
        gateways: Gateways,
        publisher: SlackPublisher,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        rng: random.Random | None = None,
        poll_seconds: float = 1.0,
        concurrency: int = 8,
        owner: str | None = None,
        lease_seconds: float = LEASE_SECONDS,
        write_score: bool = False,
        write_metadata: bool = False,
    ) -> None:
        self.store = store
        self.gateways = gateways
        self.publisher = publisher
        self.clock = clock
        self.rng = rng or random.Random()
        self.poll_seconds = poll_seconds
        self.concurrency = concurrency
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.lease_seconds = lease_seconds
        self.write_score = write_score  # AIG_WRITE_SCORE: also PATCH the share of 👍 as `score`
        self.write_metadata = write_metadata  # AIG_WRITE_METADATA: merge our keys into metadata
        self._wake = asyncio.Event()
        self._inflight: dict[str, asyncio.Task[None]] = {}
        self._stopping = False
        self.last_error: str | None = None

    def wake(self) -> None:
        """Look for due work now."""
        self._wake.set()

    async def run(self) -> None:
        """Work until `stop()`."""
        logger.info("outbox worker started")
        while not self._stopping:
            try:
                await self._fill()
            except Exception:
                logger.exception("outbox worker could not read the outbox; retrying")
            self._wake.clear()
            # asyncio.timeout, not wait_for, which on Python 3.11 can swallow a cancellation
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_seconds):
                    await self._wake.wait()

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop taking work and let in-flight syncs finish (they stay pending if cut off)."""
        self._stopping = True
        self._wake.set()
        tasks = list(self._inflight.values())
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=timeout)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)

    async def drain(self, timeout: float = 30.0) -> None:
        """Process everything due now until nothing is due (the demo and `sample` use this)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            await self._fill()
            if not self._inflight:
                if not await self.store.due(self.clock(), 1):
                    return
                continue
            await asyncio.wait(list(self._inflight.values()), return_when=asyncio.FIRST_COMPLETED)
        raise TimeoutError("the outbox did not drain in time")

    @property
    def busy(self) -> int:
        """Syncs in flight now."""
        return len(self._inflight)

    async def _fill(self) -> None:
        free = self.concurrency - len(self._inflight)
        if free <= 0 or self._stopping or self.gateways.budget.delay(Priority.INTERACTIVE) > 0:
            # While Cloudflare blocks us or the budget is spent, a claimed item would only wait
            # holding a verdict that newer votes may change before the call can go.
            return
        claimed = await self.store.claim(
            self.clock(), free, owner=self.owner, lease_seconds=self.lease_seconds
        )
        for item in claimed:
            if item.log_id in self._inflight:
                continue  # still syncing here from an earlier claim; its finish re-queues it
            task = asyncio.create_task(self._guarded(item), name=f"outbox {item.log_id}")
            self._inflight[item.log_id] = task

    async def _guarded(self, item: OutboxItem) -> None:
        try:
            await self.sync(item)
        except Exception as exc:
            self.last_error = f"{type(exc).__name__}: {exc}"
            logger.exception("sync of log %s failed unexpectedly; retrying later", item.log_id)
            await self.store.retry_later(
                item.log_id,
                item.generation,
                self.clock() + timedelta(seconds=backoff(item.attempts, self.rng)),
                self.last_error,
                SyncStatus(SyncState.RETRYING, detail="unexpected error"),
            )
        finally:
            self._inflight.pop(item.log_id, None)
            if not self._stopping:
                self._wake.set()

    async def sync(self, item: OutboxItem) -> None:
        """Write one log's verdict, confirm it, and show it."""
        tally = Tally.from_votes(await self.store.votes(item.log_id))
        written = await self.store.sync_status(item.log_id) if item.written else None
        if written is not None:
            # The gateway holds this verdict already; only the Slack edit failed last time.
            await self._show_then_finish(item, tally, written)
            return
        verdict = tally.verdict
        gateway = self.gateways.client(await self.store.route_of(item.log_id))
        try:
            score = share_of_up(tally) if self.write_score else None
            metadata = (
                await self._metadata(gateway, item.log_id, tally) if self.write_metadata else None
            )
            await gateway.patch_log(item.log_id, feedback=verdict, score=score, metadata=metadata)
            logger.info(
                "log %s: feedback %+d written (%d votes)", item.log_id, verdict, tally.count
            )
            status = await self._confirm(gateway, item.log_id, verdict)
        except GatewayError as exc:
            await self._gateway_failed(item, tally, exc)
            return
        await self.store.mark_written(item.log_id, item.generation, status, self.clock())
        await self._show_then_finish(item, tally, status)

    async def _show_then_finish(self, item: OutboxItem, tally: Tally, status: SyncStatus) -> None:
        try:
            await self._show(item, tally, status)
        except SlackError as exc:
            if not exc.permanent:
                await self._retry(item, f"Slack: {exc}", status)
                return
            logger.warning("log %s: message could not be edited: %s", item.log_id, exc)
        done = await self.store.finish(item.log_id, item.generation, status, self.clock())
        if done:
            logger.info("log %s: %s", item.log_id, status.state.value)
        else:
            logger.info("log %s: new votes arrived during the sync; syncing again", item.log_id)

    async def _metadata(
        self, gateway: GatewayClient, log_id: str, tally: Tally
    ) -> dict[str, MetadataValue] | None:
        """Read-modify-write: the log's metadata now (the application's keys kept whole) with
        ours merged in; None when nothing would change or the merge would pass the cap."""
        ours: dict[str, MetadataValue] = {RATERS_KEY: tally.count}
        top = summarize(await self.store.notes(log_id)).top_reason
        if top is not None:
            ours[REASON_KEY] = top
        current = (await gateway.get_log(log_id, priority=Priority.INTERACTIVE)).metadata
        merged = merged_metadata(current, ours)
        if merged is None:
            logger.warning(
                "log %s: metadata not written: adding %s to its %d entries would pass "
                "Cloudflare's cap of %d (feedback is still written)",
                log_id,
                ", ".join(sorted(ours.keys() - current.keys())),
                len(current),
                METADATA_CAP,
            )
        return merged if merged != current else None

    async def _confirm(self, gateway: GatewayClient, log_id: str, verdict: int) -> SyncStatus:
        reported: int | None = None
        for delay in (0.0, *CONFIRM_RETRIES):
            if delay:
                await asyncio.sleep(delay)
            log = await gateway.get_log(log_id, priority=Priority.INTERACTIVE)
            reported = log.feedback
            if reported is None:
                return SyncStatus(SyncState.UNVERIFIABLE, verdict)
            if reported == verdict:
                return SyncStatus(SyncState.VERIFIED, verdict)
        logger.warning(
            "log %s: wrote feedback %+d but the gateway reports %s", log_id, verdict, reported
        )
        return SyncStatus(SyncState.MISMATCH, verdict, detail=f"gateway reports {reported}")

    async def _gateway_failed(self, item: OutboxItem, tally: Tally, exc: GatewayError) -> None:
        self.last_error = str(exc)
        if isinstance(exc, RateLimited):
            status = SyncStatus(
                SyncState.RETRYING,
                tally.verdict,
                detail=f"rate limited, retrying in {exc.retry_after:.0f} s",
            )
            at = self.clock() + timedelta(seconds=exc.retry_after)
            await self.store.retry_later(item.log_id, item.generation, at, str(exc), status)
            await self._show_quietly(item, tally, status)
            return
        if exc.retryable:
            await self._retry(
                item,
                str(exc),
                SyncStatus(SyncState.RETRYING, tally.verdict, detail="gateway unavailable"),
            )
            if item.attempts >= 1:
                await self._show_quietly(
                    item,
                    tally,
                    SyncStatus(SyncState.RETRYING, tally.verdict, detail="gateway unavailable"),
                )
            return
        if isinstance(exc, NotFound):
            detail = "the log no longer exists on the gateway"
        elif isinstance(exc, PermissionDenied):
            detail = "the Cloudflare token lacks AI Gateway Edit permission"
        else:
            detail = f"the gateway refused the write ({exc.message[:120]})"
        logger.error("log %s: %s: %s", item.log_id, detail, exc)
        status = SyncStatus(SyncState.FAILED, tally.verdict, detail=detail)
        await self.store.park(item.log_id, item.generation, str(exc), status)
        await self._show_quietly(item, tally, status)

    async def _retry(self, item: OutboxItem, error: str, status: SyncStatus) -> None:
        delay = backoff(item.attempts, self.rng)
        logger.warning("log %s: %s; retrying in %.1f s", item.log_id, error, delay)
        at = self.clock() + timedelta(seconds=delay)
        await self.store.retry_later(item.log_id, item.generation, at, error, status)

    async def _show_quietly(self, item: OutboxItem, tally: Tally, status: SyncStatus) -> None:
        try:
            await self._show(item, tally, status)
        except SlackError as exc:
            logger.warning("log %s: message could not be edited: %s", item.log_id, exc)

    async def _show(self, item: OutboxItem, tally: Tally, status: SyncStatus) -> None:
        card = await self.store.card(item.log_id) or Card(
            log_id=item.log_id, created_at=self.clock()
        )
        post = await self.store.post(item.log_id)
        notes = summarize(await self.store.notes(item.log_id))
        if post is not None and post.ts is not None:
            await self.publisher.update(
                post.channel, post.ts, sample_message(card, tally, status, notes=notes)
            )
        if item.response_url:
            try:
                await self.publisher.respond(
                    item.response_url,
                    lookup_message(card, tally, status, notes=notes),
                    replace_original=True,
                )
            except SlackError as exc:
                # A lookup card's response_url expires (5 uses, 30 minutes); the vote stands.
                logger.info("log %s: lookup card not refreshed: %s", item.log_id, exc)


def share_of_up(tally: Tally) -> float | None:
    """The `score` AIG_WRITE_SCORE writes: 👍 among the votes held, as a percentage; None when
    nobody holds a vote (then no score is written)."""
    if not tally.count:
        return None
    return round(100 * len(tally.up) / tally.count, 2)


def merged_metadata(
    current: Mapping[str, MetadataValue], ours: Mapping[str, MetadataValue]
) -> dict[str, MetadataValue] | None:
    """The log's metadata with our keys set, every other key kept; None when that would hold
    more than METADATA_CAP entries (Cloudflare would drop some, perhaps the application's)."""
    merged = {**current, **ours}
    return merged if len(merged) <= METADATA_CAP else None

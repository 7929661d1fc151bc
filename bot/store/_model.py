"""The store's port (a Protocol) and the values that cross it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.cards import Card
from bot.votes import SyncStatus, Vote

SCHEMA_VERSION = "0004"  # the newest Alembic revision this code knows
DEFAULT_ROUTE = "default"
DOUBLE_CLICK_SECONDS = 1.5  # the same button again this soon is one click delivered twice
SETTLE_SECONDS = 0.3  # during a burst of votes on one log, sync once they pause this long
MAX_SETTLE_SECONDS = 2.0  # ... but never keep a vote waiting longer than this
QUIET_SECONDS = 2.0  # a log synced longer ago than this is quiet: its next click syncs at once


@dataclass(frozen=True, slots=True)
class Click:
    """A 👍/👎 press as Slack delivered it."""

    log_id: str
    rater: str
    clicked: int  # +1 or -1
    action_ts: str  # Slack's id for this press: a redelivery carries the same one
    at: datetime
    channel: str | None = None
    message_ts: str | None = None
    response_url: str | None = None


@dataclass(frozen=True, slots=True)
class ClickOutcome:
    """What a click did to the ledger."""

    recorded: bool  # False for a redelivered or double click: nothing changed
    value: int  # the rater's vote now
    generation: int  # the log's outbox generation after this click


@dataclass(frozen=True, slots=True)
class Note:
    """A reason given with a vote, or a free-text note on a log."""

    log_id: str
    author: str
    kind: str  # "reason" (given with a vote) or "note" (free text, e.g. a thread reply)
    created_at: datetime
    text: str = ""
    category: str | None = None  # for reasons: wrong, unsafe, unhelpful, formatting, slow, other
    vote: int | None = None  # the vote a reason explains
    source: str = "modal"  # where it was written: "modal" or "thread"


@dataclass(frozen=True, slots=True)
class Post:
    """A log posted (or being posted) to a channel."""

    log_id: str
    channel: str
    ts: str | None  # None while the post is reserved but not yet confirmed by Slack
    posted_at: datetime


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """A log whose verdict must be written to the gateway and shown in Slack."""

    log_id: str
    generation: int
    attempts: int
    next_attempt_at: datetime
    enqueued_at: datetime
    response_url: str | None
    state: str  # "pending", "done" or "parked"
    last_error: str | None
    written_generation: int | None = None  # the generation the gateway already holds

    @property
    def written(self) -> bool:
        """Whether this generation's verdict is already written and confirmed."""
        return self.written_generation == self.generation


@dataclass(frozen=True, slots=True)
class OutboxDepth:
    """How much is waiting, for /healthz."""

    pending: int
    parked: int
    oldest: datetime | None


@dataclass(frozen=True, slots=True)
class ReviewedLog:
    """A log as the reports see it: where it was posted (if it was), its card (if stored) and
    every rater's current vote (undone votes included, as 0)."""

    log_id: str
    route: str
    post: Post | None
    card: Card | None
    votes: tuple[Vote, ...]


class Store(Protocol):
    """Posted samples, the vote ledger and the outbox. Implementations: sqlite, memory."""

    async def migrate(self) -> str:
        """Create or upgrade the schema; return the revision now in place."""
        ...

    async def recover(self, now: datetime) -> int:
        """After a start: free outbox claims that no live worker can hold; return how many."""
        ...

    async def try_lead(self, name: str) -> bool:
        """Whether this process leads `name` (e.g. the sampler) among replicas sharing the
        database; keeps leading until it exits."""
        ...

    async def close(self) -> None:
        """Release the database."""
        ...

    async def ping(self) -> bool:
        """Whether the database answers."""
        ...

    async def job_ran(self, job_id: str, at: datetime) -> None:
        """Record that a scheduled job ran."""
        ...

    async def last_job_run(self, job_id: str) -> datetime | None:
        """When a scheduled job last ran, if ever."""
        ...

    async def save_card(self, card: Card, route: str = DEFAULT_ROUTE) -> None:
        """Remember what a log's message shows and which route it came from."""
        ...

    async def route_of(self, log_id: str) -> str | None:
        """The route (gateway) a log's card came from."""
        ...

    async def card(self, log_id: str) -> Card | None:
        """The stored card of a log."""
        ...

    async def unposted(self, log_ids: Sequence[str]) -> list[str]:
        """Those of `log_ids` that were never posted, in the given order."""
        ...

    async def reserve_post(
        self, log_id: str, channel: str, now: datetime, route: str = DEFAULT_ROUTE
    ) -> bool:
        """Claim a log for posting; False if it was ever posted or claimed before."""
        ...

    async def confirm_post(self, log_id: str, ts: str) -> None:
        """Record the Slack message that shows a reserved log."""
        ...

    async def release_post(self, log_id: str) -> None:
        """Give a reservation back when Slack surely did not post it."""
        ...

    async def post(self, log_id: str) -> Post | None:
        """Where a log was posted, if it was."""
        ...

    async def post_by_ts(self, channel: str, ts: str) -> Post | None:
        """The post that is message `ts` in `channel` (a thread's parent), if the bot made it."""
        ...

    async def record_click(self, click: Click) -> ClickOutcome:
        """Apply a click to the ledger and queue the log's sync, in one transaction."""
        ...

    async def votes(self, log_id: str) -> list[Vote]:
        """Every rater's current vote on a log (undone votes included, as 0)."""
        ...

    async def add_note(self, note: Note) -> None:
        """Keep a reason or a note."""
        ...

    async def notes(self, log_id: str) -> list[Note]:
        """A log's reasons and notes, oldest first."""
        ...

    async def due(self, now: datetime, limit: int) -> list[OutboxItem]:
        """Pending outbox items whose next attempt is due, oldest first."""
        ...

    async def claim(
        self, now: datetime, limit: int, *, owner: str, lease_seconds: float
    ) -> list[OutboxItem]:
        """Take up to `limit` due items for `owner` until the lease ends; items another live
        worker holds are skipped, expired leases are taken over."""
        ...

    async def outbox_item(self, log_id: str) -> OutboxItem | None:
        """A log's outbox row, whatever its state."""
        ...

    async def mark_written(
        self, log_id: str, generation: int, status: SyncStatus, now: datetime
    ) -> None:
        """Record that the gateway holds `generation`'s verdict, confirmed as `status`."""
        ...

    async def finish(self, log_id: str, generation: int, status: SyncStatus, now: datetime) -> bool:
        """Mark a sync done if no click came since `generation`; False leaves it pending."""
        ...

    async def retry_later(
        self, log_id: str, generation: int, at: datetime, error: str, status: SyncStatus
    ) -> None:
        """Count a failed attempt and schedule the next one."""
        ...

    async def park(self, log_id: str, generation: int, error: str, status: SyncStatus) -> None:
        """Stop retrying (the gateway refused the write); a person can retry from Slack."""
        ...

    async def requeue(self, log_id: str, now: datetime) -> bool:
        """Make a log's sync due now (the Retry button); False if it has no outbox row."""
        ...

    async def sync_status(self, log_id: str) -> SyncStatus | None:
        """The last status shown for a log's sync."""
        ...

    async def depth(self) -> OutboxDepth:
        """Outbox counts for health reporting."""
        ...

    # --- reports (read-only) -------------------------------------------------------------

    async def activity(self, since: datetime, until: datetime) -> list[ReviewedLog]:
        """Every log posted, or voted on, in [since, until): its post, card and current votes
        (all of them, also those cast before `since`), oldest post or vote first."""
        ...

    async def notes_for(self, log_ids: Sequence[str]) -> dict[str, list[Note]]:
        """The reasons and notes of many logs at once, each log's oldest first; logs without
        any are absent."""
        ...

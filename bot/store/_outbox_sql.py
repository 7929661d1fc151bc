"""The outbox's SQL: claiming due items with leases, and recording how each sync went."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    func,
    select,
    update,
)

from bot.store._engine import SqlBase, _dt, _ts
from bot.store._model import (
    MAX_SETTLE_SECONDS,
    QUIET_SECONDS,
    SETTLE_SECONDS,
    OutboxDepth,
    OutboxItem,
)
from bot.store._tables import outbox
from bot.votes import SyncStatus


class OutboxQueries(SqlBase):
    """Outbox reads and writes."""

    def _due_query(self, now: datetime, limit: int) -> Any:
        return (
            select(outbox)
            .where(outbox.c.state == "pending", outbox.c.next_attempt_at <= _ts(now))
            .order_by(outbox.c.next_attempt_at, outbox.c.enqueued_at)
            .limit(limit)
        )

    async def due(self, now: datetime, limit: int) -> list[OutboxItem]:
        rows = await self._tx(lambda c: c.execute(self._due_query(now, limit)).all())
        return [_item(r) for r in rows]

    async def claim(
        self, now: datetime, limit: int, *, owner: str, lease_seconds: float
    ) -> list[OutboxItem]:
        stamp = _ts(now)

        def run(conn: Connection) -> list[OutboxItem]:
            free = (outbox.c.claimed_until.is_(None)) | (outbox.c.claimed_until < stamp)
            candidates = (
                conn.execute(
                    select(outbox.c.log_id)
                    .where(outbox.c.state == "pending", outbox.c.next_attempt_at <= stamp, free)
                    .order_by(outbox.c.next_attempt_at, outbox.c.enqueued_at)
                    .limit(limit)
                    .with_for_update(skip_locked=True)
                )
                .scalars()
                .all()
            )
            if not candidates:
                return []
            rows = conn.execute(
                update(outbox)
                .where(outbox.c.log_id.in_(candidates))
                .values(claimed_by=owner, claimed_until=stamp + lease_seconds)
                .returning(*outbox.c)
            ).all()
            return sorted(
                (_item(r) for r in rows), key=lambda i: (i.next_attempt_at, i.enqueued_at)
            )

        return await self._tx(run)

    async def outbox_item(self, log_id: str) -> OutboxItem | None:
        row = await self._tx(
            lambda c: c.execute(select(outbox).where(outbox.c.log_id == log_id)).first()
        )
        return _item(row) if row else None

    async def mark_written(
        self, log_id: str, generation: int, status: SyncStatus, now: datetime
    ) -> None:
        await self._tx(
            lambda c: c.execute(
                update(outbox)
                .where(outbox.c.log_id == log_id)
                .values(written_generation=generation, status=status.to_json(), updated_at=_ts(now))
            )
        )

    async def finish(self, log_id: str, generation: int, status: SyncStatus, now: datetime) -> bool:
        def run(conn: Connection) -> bool:
            conn.execute(
                update(outbox)
                .where(outbox.c.log_id == log_id)
                .values(
                    status=status.to_json(),
                    updated_at=_ts(now),
                    claimed_by=None,
                    claimed_until=None,
                )
            )
            done = conn.execute(
                update(outbox)
                .where(outbox.c.log_id == log_id, outbox.c.generation == generation)
                .values(state="done", last_error=None)
            )
            return bool(done.rowcount == 1)

        return await self._tx(run)

    async def retry_later(
        self, log_id: str, generation: int, at: datetime, error: str, status: SyncStatus
    ) -> None:
        await self._tx(
            lambda c: c.execute(
                update(outbox)
                .where(outbox.c.log_id == log_id)
                .values(
                    attempts=outbox.c.attempts + 1,
                    # a newer click made the row due now; don't push it back
                    next_attempt_at=func.coalesce(
                        select(outbox.c.next_attempt_at)
                        .where(outbox.c.log_id == log_id, outbox.c.generation != generation)
                        .scalar_subquery(),
                        _ts(at),
                    ),
                    last_error=error[:500],
                    status=status.to_json(),
                    claimed_by=None,
                    claimed_until=None,
                    updated_at=_ts(datetime.now(UTC)),
                )
            )
        )

    async def park(self, log_id: str, generation: int, error: str, status: SyncStatus) -> None:
        def run(conn: Connection) -> None:
            conn.execute(
                update(outbox)
                .where(outbox.c.log_id == log_id, outbox.c.generation == generation)
                .values(
                    state="parked",
                    attempts=outbox.c.attempts + 1,
                    last_error=error[:500],
                    status=status.to_json(),
                    updated_at=_ts(datetime.now(UTC)),
                )
            )
            conn.execute(
                update(outbox)
                .where(outbox.c.log_id == log_id)
                .values(claimed_by=None, claimed_until=None)
            )

        await self._tx(run)

    async def requeue(self, log_id: str, now: datetime) -> bool:
        stamp = _ts(now)
        result = await self._tx(
            lambda c: c.execute(
                update(outbox)
                .where(outbox.c.log_id == log_id)
                .values(
                    state="pending",
                    attempts=0,
                    next_attempt_at=stamp,
                    generation=outbox.c.generation + 1,
                    enqueued_at=stamp,
                    updated_at=stamp,
                )
            )
        )
        return bool(result.rowcount == 1)

    async def sync_status(self, log_id: str) -> SyncStatus | None:
        raw = await self._tx(
            lambda c: c.execute(select(outbox.c.status).where(outbox.c.log_id == log_id)).scalar()
        )
        return SyncStatus.from_json(raw) if raw else None

    async def depth(self) -> OutboxDepth:
        def run(conn: Connection) -> OutboxDepth:
            pending = outbox.c.state == "pending"
            row = conn.execute(
                select(
                    func.count().filter(pending),
                    func.count().filter(outbox.c.state == "parked"),
                    func.min(outbox.c.enqueued_at).filter(pending),
                )
            ).one()
            return OutboxDepth(
                int(row[0]), int(row[1]), _dt(row[2]) if row[2] is not None else None
            )

        return await self._tx(run)


def settle(row: Any, at: float) -> tuple[float, float]:
    """When a log's sync is due after a click at `at`, and since when it has been waiting.

    A click on a quiet log is synced at once. A click on a log that is already queued, being
    synced, or was synced moments ago waits until the clicks settle (SETTLE_SECONDS after the
    latest), but never more than MAX_SETTLE_SECONDS after the first waiting click: a burst of
    votes on one message then costs one more PATCH and GET, not one per click.
    """
    if row is None:
        return at, at
    claimed = row.claimed_until is not None and row.claimed_until > at
    waiting = row.state == "pending"
    recent = row.state == "done" and row.updated_at > at - QUIET_SECONDS
    if not (claimed or waiting or recent):
        return at, at
    first = row.enqueued_at if waiting else at
    return min(first + MAX_SETTLE_SECONDS, at + SETTLE_SECONDS), first


def _item(row: Any) -> OutboxItem:
    return OutboxItem(
        log_id=row.log_id,
        generation=int(row.generation),
        attempts=int(row.attempts),
        next_attempt_at=_dt(row.next_attempt_at),
        enqueued_at=_dt(row.enqueued_at),
        response_url=row.response_url,
        state=row.state,
        last_error=row.last_error,
        written_generation=row.written_generation,
    )

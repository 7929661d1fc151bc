"""The store on SQLAlchemy Core: one implementation for SQLite (the embedded default) and
PostgreSQL (several replicas). The only code that touches the database.

Calls run on worker threads (`asyncio.to_thread`). SQLite gets one writer at a time, WAL and
`synchronous=FULL`, so a vote acknowledged to Slack survives a crash; PostgreSQL relies on row
locks, `ON CONFLICT` upserts, `SKIP LOCKED` claims and an advisory lock for the sampler.
"""

from __future__ import annotations

import asyncio
import threading
import zlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import (
    Connection,
    Engine,
    create_engine,
    event,
    func,
    select,
    text,
    union,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import StaticPool

from bot.cards import Card
from bot.store._migrate import upgrade
from bot.store._model import (
    DEFAULT_ROUTE,
    DOUBLE_CLICK_SECONDS,
    MAX_SETTLE_SECONDS,
    QUIET_SECONDS,
    SETTLE_SECONDS,
    Click,
    ClickOutcome,
    Note,
    OutboxDepth,
    OutboxItem,
    Post,
    ReviewedLog,
)
from bot.store._tables import cards, job_runs, notes, outbox, posts, vote_events, votes
from bot.votes import SyncStatus, Vote, is_repeat, next_value

T = TypeVar("T")


def _ts(value: datetime) -> float:
    return value.timestamp()


def _dt(value: float) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def build_engine(url: str) -> Engine:
    """An engine for `sqlite:///path`, `sqlite://` (memory) or `postgresql://…`."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        return create_engine(url, pool_size=5, max_overflow=5, pool_pre_ping=True)
    if url in ("sqlite://", "sqlite:///:memory:"):
        engine = create_engine(
            "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
        )
    else:
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi: Any, _: Any) -> None:
        dbapi.isolation_level = None  # transactions are begun explicitly below
        cursor = dbapi.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # Take the write lock up front, so two transactions never deadlock upgrading to it.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class SqlStore:
    """The Store on a SQLAlchemy engine."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = build_engine(url)
        self.dialect = self.engine.dialect.name
        # SQLite allows one writer: serialise here rather than retry on SQLITE_BUSY.
        self._lock: threading.Lock | None = threading.Lock() if self.dialect == "sqlite" else None
        self._leader: Connection | None = None
        # clicks waiting for the next group commit, and the task committing them
        self._clicks: list[tuple[Click, asyncio.Future[ClickOutcome]]] = []
        self._committing: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"SqlStore({self.engine.url.render_as_string(hide_password=True)!r})"

    async def _tx(self, fn: Callable[[Connection], T]) -> T:
        def run() -> T:
            if self._lock is None:
                with self.engine.begin() as conn:
                    return fn(conn)
            with self._lock, self.engine.begin() as conn:
                return fn(conn)

        return await asyncio.to_thread(run)

    def _insert(self, table: Any) -> Any:
        return (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(table)

    # --- lifecycle -----------------------------------------------------------------------

    async def migrate(self) -> str:
        def run() -> str:
            if self._lock is None:
                return upgrade(self.engine)
            with self._lock:
                return upgrade(self.engine)

        return await asyncio.to_thread(run)

    async def recover(self, now: datetime) -> int:
        if self.dialect != "sqlite":
            return 0  # other replicas may be alive: their leases expire on their own
        # One process owns a SQLite file, so any claim left is from a process that died.
        result = await self._tx(
            lambda c: c.execute(
                update(outbox)
                .where(outbox.c.claimed_by.is_not(None))
                .values(claimed_by=None, claimed_until=None)
            )
        )
        return int(result.rowcount or 0)

    async def try_lead(self, name: str) -> bool:
        if self.dialect != "postgresql":
            return True

        def run() -> bool:
            if self._leader is not None:
                try:
                    self._leader.execute(text("SELECT 1"))
                except SQLAlchemyError:
                    self._leader = None  # the connection, and the lock with it, was lost
                else:
                    return True
            conn = self.engine.connect()
            key = zlib.crc32(f"aig-feedback:{name}".encode())
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
            conn.commit()
            if got:
                self._leader = conn
            else:
                conn.close()
            return got

        return await asyncio.to_thread(run)

    async def close(self) -> None:
        def run() -> None:
            if self._leader is not None:
                self._leader.close()
                self._leader = None
            self.engine.dispose()

        await asyncio.to_thread(run)

    async def ping(self) -> bool:
        try:
            await self._tx(lambda c: c.execute(text("SELECT 1")).scalar())
        except SQLAlchemyError:
            return False
        return True

    async def job_ran(self, job_id: str, at: datetime) -> None:
        stmt = self._insert(job_runs).values(job_id=job_id, last_run=_ts(at))
        stmt = stmt.on_conflict_do_update(
            index_elements=[job_runs.c.job_id], set_={"last_run": stmt.excluded.last_run}
        )
        await self._tx(lambda c: c.execute(stmt))

    async def last_job_run(self, job_id: str) -> datetime | None:
        stamp = await self._tx(
            lambda c: c.execute(
                select(job_runs.c.last_run).where(job_runs.c.job_id == job_id)
            ).scalar()
        )
        return _dt(stamp) if stamp is not None else None

    # --- cards and posts -----------------------------------------------------------------

    async def save_card(self, card: Card, route: str = DEFAULT_ROUTE) -> None:
        stmt = self._insert(cards).values(
            log_id=card.log_id, route=route, card=card.to_json(), updated_at=_ts(datetime.now(UTC))
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[cards.c.log_id],
            set_={
                "card": stmt.excluded.card,
                "route": stmt.excluded.route,
                "updated_at": stmt.excluded.updated_at,
            },
        )
        await self._tx(lambda c: c.execute(stmt))

    async def card(self, log_id: str) -> Card | None:
        raw = await self._tx(
            lambda c: c.execute(select(cards.c.card).where(cards.c.log_id == log_id)).scalar()
        )
        return Card.from_json(raw) if raw else None

    async def route_of(self, log_id: str) -> str | None:
        route = await self._tx(
            lambda c: c.execute(select(cards.c.route).where(cards.c.log_id == log_id)).scalar()
        )
        return str(route) if route is not None else None

    async def unposted(self, log_ids: Sequence[str]) -> list[str]:
        ids = list(dict.fromkeys(log_ids))

        def run(conn: Connection) -> set[str]:
            seen: set[str] = set()
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                rows = conn.execute(select(posts.c.log_id).where(posts.c.log_id.in_(chunk)))
                seen.update(row[0] for row in rows)
            return seen

        posted = await self._tx(run)
        return [i for i in ids if i not in posted]

    async def reserve_post(
        self, log_id: str, channel: str, now: datetime, route: str = DEFAULT_ROUTE
    ) -> bool:
        stmt = (
            self._insert(posts)
            .values(log_id=log_id, route=route, channel=channel, ts=None, posted_at=_ts(now))
            .on_conflict_do_nothing(index_elements=[posts.c.log_id])
            .returning(posts.c.log_id)
        )
        return await self._tx(lambda c: c.execute(stmt).first() is not None)

    async def confirm_post(self, log_id: str, ts: str) -> None:
        await self._tx(
            lambda c: c.execute(update(posts).where(posts.c.log_id == log_id).values(ts=ts))
        )

    async def release_post(self, log_id: str) -> None:
        await self._tx(
            lambda c: c.execute(
                posts.delete().where(posts.c.log_id == log_id, posts.c.ts.is_(None))
            )
        )

    async def post(self, log_id: str) -> Post | None:
        row = await self._tx(
            lambda c: c.execute(select(posts).where(posts.c.log_id == log_id)).first()
        )
        if row is None:
            return None
        return Post(row.log_id, row.channel, row.ts, _dt(row.posted_at))

    async def post_by_ts(self, channel: str, ts: str) -> Post | None:
        row = await self._tx(
            lambda c: c.execute(
                select(posts).where(posts.c.channel == channel, posts.c.ts == ts).limit(1)
            ).first()
        )
        if row is None:
            return None
        return Post(row.log_id, row.channel, row.ts, _dt(row.posted_at))

    # --- the ledger ----------------------------------------------------------------------

    async def record_click(self, click: Click) -> ClickOutcome:
        # Group commit: clicks arriving while a commit is under way are written together in
        # the next transaction. Each caller still hears back only once its click is durable.
        waiter: asyncio.Future[ClickOutcome] = asyncio.get_running_loop().create_future()
        self._clicks.append((click, waiter))
        if self._committing is None or self._committing.done():
            self._committing = asyncio.create_task(self._commit_clicks(), name="commit clicks")
        return await waiter

    async def _commit_clicks(self) -> None:
        while self._clicks:
            batch, self._clicks = self._clicks, []
            clicks = [click for click, _ in batch]
            try:
                outcomes = await self._tx(partial(self._record_clicks, clicks=clicks))
            except Exception:
                # one bad click must not sink the others: write them one at a time
                for click, waiter in batch:
                    try:
                        outcome = await self._tx(partial(self._record_click, click=click))
                    except Exception as exc:
                        _settle(waiter, error=exc)
                    else:
                        _settle(waiter, outcome)
                continue
            for (_, waiter), outcome in zip(batch, outcomes, strict=True):
                _settle(waiter, outcome)

    def _record_clicks(self, conn: Connection, clicks: list[Click]) -> list[ClickOutcome]:
        return [self._record_click(conn, click) for click in clicks]

    def _record_click(self, conn: Connection, click: Click) -> ClickOutcome:
        at = _ts(click.at)
        current_row = conn.execute(
            select(votes)
            .where(votes.c.log_id == click.log_id, votes.c.rater == click.rater)
            .with_for_update()
        ).first()
        current = int(current_row.value) if current_row else 0
        generation = conn.execute(
            select(outbox.c.generation).where(outbox.c.log_id == click.log_id)
        ).scalar()
        unchanged = ClickOutcome(recorded=False, value=current, generation=int(generation or 0))
        if current_row is not None and is_repeat(
            previous_clicked=int(current_row.last_clicked),
            previous_at=_dt(current_row.voted_at),
            previous_action_ts=current_row.last_action_ts,
            clicked=click.clicked,
            at=click.at,
            action_ts=click.action_ts,
            window_seconds=DOUBLE_CLICK_SECONDS,
        ):
            return unchanged
        value = next_value(current, click.clicked)
        event_row = (
            self._insert(vote_events)
            .values(
                log_id=click.log_id,
                rater=click.rater,
                clicked=click.clicked,
                value=value,
                action_ts=click.action_ts,
                at=at,
            )
            .on_conflict_do_nothing(index_elements=["log_id", "rater", "action_ts"])
            .returning(vote_events.c.id)
        )
        if conn.execute(event_row).first() is None:
            return unchanged  # this very click was delivered before
        vote = self._insert(votes).values(
            log_id=click.log_id,
            rater=click.rater,
            value=value,
            voted_at=at,
            last_clicked=click.clicked,
            last_action_ts=click.action_ts,
        )
        conn.execute(
            vote.on_conflict_do_update(
                index_elements=[votes.c.log_id, votes.c.rater],
                set_={
                    name: vote.excluded[name]
                    for name in ("value", "voted_at", "last_clicked", "last_action_ts")
                },
            )
        )
        queue_row = conn.execute(
            select(outbox).where(outbox.c.log_id == click.log_id).with_for_update()
        ).first()
        due_at, enqueued_at = settle(queue_row, at)
        queued = self._insert(outbox).values(
            log_id=click.log_id,
            generation=1,
            state="pending",
            attempts=0,
            next_attempt_at=due_at,
            enqueued_at=enqueued_at,
            response_url=click.response_url,
            updated_at=at,
        )
        new_generation = conn.execute(
            queued.on_conflict_do_update(
                index_elements=[outbox.c.log_id],
                set_={
                    "generation": outbox.c.generation + 1,
                    "state": "pending",
                    "attempts": 0,
                    "next_attempt_at": queued.excluded.next_attempt_at,
                    "enqueued_at": queued.excluded.enqueued_at,
                    "response_url": func.coalesce(
                        queued.excluded.response_url, outbox.c.response_url
                    ),
                    "updated_at": queued.excluded.updated_at,
                },
            ).returning(outbox.c.generation)
        ).scalar_one()
        return ClickOutcome(recorded=True, value=value, generation=int(new_generation))

    async def votes(self, log_id: str) -> list[Vote]:
        rows = await self._tx(
            lambda c: c.execute(
                select(votes.c.rater, votes.c.value, votes.c.voted_at)
                .where(votes.c.log_id == log_id)
                .order_by(votes.c.voted_at, votes.c.rater)
            ).all()
        )
        return [Vote(log_id, r.rater, int(r.value), _dt(r.voted_at)) for r in rows]

    async def add_note(self, note: Note) -> None:
        stmt = notes.insert().values(
            log_id=note.log_id,
            author=note.author,
            kind=note.kind,
            category=note.category,
            text=note.text,
            vote=note.vote,
            source=note.source,
            created_at=_ts(note.created_at),
        )
        await self._tx(lambda c: c.execute(stmt))

    async def notes(self, log_id: str) -> list[Note]:
        rows = await self._tx(
            lambda c: c.execute(
                select(notes)
                .where(notes.c.log_id == log_id)
                .order_by(notes.c.created_at, notes.c.id)
            ).all()
        )
        return [_note(r) for r in rows]

    # --- the outbox ----------------------------------------------------------------------

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

    # --- reports (read-only) -------------------------------------------------------------

    async def activity(self, since: datetime, until: datetime) -> list[ReviewedLog]:
        low, high = _ts(since), _ts(until)

        def run(conn: Connection) -> list[ReviewedLog]:
            touched = union(
                select(posts.c.log_id).where(
                    posts.c.ts.is_not(None), posts.c.posted_at >= low, posts.c.posted_at < high
                ),
                select(votes.c.log_id).where(votes.c.voted_at >= low, votes.c.voted_at < high),
            ).subquery()
            ids = select(touched.c.log_id)
            post_rows = conn.execute(
                select(posts).where(posts.c.log_id.in_(ids), posts.c.ts.is_not(None))
            ).all()
            card_rows = conn.execute(
                select(cards.c.log_id, cards.c.route, cards.c.card).where(cards.c.log_id.in_(ids))
            ).all()
            vote_rows = conn.execute(
                select(votes.c.log_id, votes.c.rater, votes.c.value, votes.c.voted_at)
                .where(votes.c.log_id.in_(ids))
                .order_by(votes.c.voted_at, votes.c.rater)
            ).all()
            return _reviewed(post_rows, card_rows, vote_rows)

        return await self._tx(run)

    async def notes_for(self, log_ids: Sequence[str]) -> dict[str, list[Note]]:
        ids = list(dict.fromkeys(log_ids))

        def run(conn: Connection) -> dict[str, list[Note]]:
            found: dict[str, list[Note]] = {}
            for start in range(0, len(ids), 500):
                rows = conn.execute(
                    select(notes)
                    .where(notes.c.log_id.in_(ids[start : start + 500]))
                    .order_by(notes.c.created_at, notes.c.id)
                )
                for row in rows:
                    found.setdefault(row.log_id, []).append(_note(row))
            return found

        return await self._tx(run)


def _settle(
    waiter: asyncio.Future[ClickOutcome],
    outcome: ClickOutcome | None = None,
    *,
    error: Exception | None = None,
) -> None:
    """Answer a click's caller, unless it stopped waiting."""
    if waiter.done():
        return
    if error is not None:
        waiter.set_exception(error)
    elif outcome is not None:
        waiter.set_result(outcome)


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


def _note(row: Any) -> Note:
    return Note(
        log_id=row.log_id,
        author=row.author,
        kind=row.kind,
        created_at=_dt(row.created_at),
        text=row.text,
        category=row.category,
        vote=row.vote,
        source=row.source,
    )


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


def _reviewed(
    post_rows: Sequence[Any], card_rows: Sequence[Any], vote_rows: Sequence[Any]
) -> list[ReviewedLog]:
    """Join the rows of one `activity` query by log, oldest post or vote first."""
    posted = {r.log_id: r for r in post_rows}
    stored = {r.log_id: r for r in card_rows}
    voted: dict[str, list[Vote]] = {}
    for r in vote_rows:
        voted.setdefault(r.log_id, []).append(
            Vote(r.log_id, r.rater, int(r.value), _dt(r.voted_at))
        )
    logs: list[tuple[float, ReviewedLog]] = []
    for log_id in posted.keys() | stored.keys() | voted.keys():
        post, card, log_votes = posted.get(log_id), stored.get(log_id), voted.get(log_id, [])
        route = post.route if post else card.route if card else DEFAULT_ROUTE
        starts = [post.posted_at] if post else []
        starts += [v.voted_at.timestamp() for v in log_votes[:1]]
        log = ReviewedLog(
            log_id=log_id,
            route=route,
            post=Post(log_id, post.channel, post.ts, _dt(post.posted_at)) if post else None,
            card=Card.from_json(card.card) if card else None,
            votes=tuple(log_votes),
        )
        logs.append((min(starts, default=0.0), log))
    logs.sort(key=lambda pair: (pair[0], pair[1].log_id))
    return [log for _, log in logs]

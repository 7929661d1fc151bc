"""The SQL store's engine: SQLite (WAL, `synchronous=FULL`, one writer at a time) or
PostgreSQL, transactions on worker threads, migrations, recovery and leader election."""

from __future__ import annotations

import asyncio
import threading
import time
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import (
    Connection,
    Engine,
    create_engine,
    event,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from bot.store._migrate import upgrade
from bot.store._model import (
    Note,
)
from bot.store._tables import job_runs, outbox

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


TX_ATTEMPTS = 4
RETRYABLE = frozenset({"40P01", "40001"})  # deadlock_detected, serialization_failure


class StoreClosed(SQLAlchemyError):
    """A call reached the store after it was closed (work still running at shutdown)."""


class SqlBase:
    """The engine, transactions and lifecycle every part of the SQL store shares."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = build_engine(url)
        self.dialect = self.engine.dialect.name
        # SQLite allows one writer: serialise here rather than retry on SQLITE_BUSY.
        self._lock: threading.Lock | None = threading.Lock() if self.dialect == "sqlite" else None
        self._leader: Connection | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"SqlStore({self.engine.url.render_as_string(hide_password=True)!r})"

    async def _tx(self, fn: Callable[[Connection], T]) -> T:
        def once() -> T:
            self._check_open()
            with self.engine.begin() as conn:
                return fn(conn)

        def run() -> T:
            if self._lock is not None:
                with self._lock:
                    return once()
            for attempt in range(1, TX_ATTEMPTS + 1):
                try:
                    return once()
                except OperationalError as exc:
                    # PostgreSQL breaks deadlocks and serialisation conflicts by aborting one
                    # transaction; the documented remedy is to run it again.
                    if (
                        getattr(exc.orig, "sqlstate", None) not in RETRYABLE
                        or attempt == TX_ATTEMPTS
                    ):
                        raise
                    time.sleep(0.01 * attempt)
            raise AssertionError("unreachable")

        return await asyncio.to_thread(run)

    def _check_open(self) -> None:
        if self._closed:
            raise StoreClosed("the store is closed")

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
            self._closed = True
            if self._leader is not None:
                self._leader.close()
                self._leader = None
            self.engine.dispose()

        def locked() -> None:
            # SQLite: never close the connection under a query running on another thread
            if self._lock is None:
                run()
                return
            with self._lock:
                run()

        await asyncio.to_thread(locked)

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

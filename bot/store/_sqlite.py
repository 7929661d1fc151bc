"""The SQLite store: the embedded default, one file, durable before Slack is acknowledged.

Every method runs its SQL on a worker thread (`asyncio.to_thread`) over one connection guarded
by a lock, in WAL mode with `synchronous=FULL`, so a vote that was acknowledged survives a
crash or power cut. SQL is kept portable (no SQLite-only syntax beyond the PRAGMAs).
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from bot.cards import Card
from bot.store._model import (
    DOUBLE_CLICK_SECONDS,
    SCHEMA_VERSION,
    Click,
    ClickOutcome,
    OutboxDepth,
    OutboxItem,
    Post,
)
from bot.votes import SyncStatus, Vote, is_repeat, next_value

T = TypeVar("T")

MIGRATIONS: dict[int, list[str]] = {
    1: [
        """CREATE TABLE cards (
            log_id TEXT PRIMARY KEY,
            card TEXT NOT NULL,
            updated_at REAL NOT NULL)""",
        """CREATE TABLE posts (
            log_id TEXT PRIMARY KEY,
            channel TEXT NOT NULL,
            ts TEXT,
            posted_at REAL NOT NULL)""",
        """CREATE TABLE votes (
            log_id TEXT NOT NULL,
            rater TEXT NOT NULL,
            value INTEGER NOT NULL,
            voted_at REAL NOT NULL,
            last_clicked INTEGER NOT NULL,
            last_action_ts TEXT NOT NULL,
            PRIMARY KEY (log_id, rater))""",
        """CREATE TABLE vote_events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            log_id TEXT NOT NULL,
            rater TEXT NOT NULL,
            clicked INTEGER NOT NULL,
            value INTEGER NOT NULL,
            action_ts TEXT NOT NULL,
            at REAL NOT NULL,
            UNIQUE (log_id, rater, action_ts))""",
        """CREATE TABLE outbox (
            log_id TEXT PRIMARY KEY,
            generation INTEGER NOT NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            next_attempt_at REAL NOT NULL,
            enqueued_at REAL NOT NULL,
            response_url TEXT,
            last_error TEXT,
            status TEXT,
            updated_at REAL NOT NULL)""",
        "CREATE INDEX outbox_due ON outbox (state, next_attempt_at)",
    ],
}


def _ts(value: datetime) -> float:
    return value.timestamp()


def _dt(value: float) -> datetime:
    return datetime.fromtimestamp(value, UTC)


class SqliteStore:
    """The Store on a SQLite file (or `:memory:`)."""

    def __init__(self, path: str) -> None:
        self.path = path
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute("PRAGMA busy_timeout=5000")

    def __repr__(self) -> str:
        return f"SqliteStore({self.path!r})"

    async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        def locked() -> T:
            with self._lock:
                return fn(self._conn)

        return await asyncio.to_thread(locked)

    async def _tx(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        def transaction(conn: sqlite3.Connection) -> T:
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = fn(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return result

        return await self._run(transaction)

    async def migrate(self) -> int:
        def apply(conn: sqlite3.Connection) -> int:
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
            current = row[0] or 0
            for version in sorted(v for v in MIGRATIONS if v > current):
                for statement in MIGRATIONS[version]:
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
                current = version
            return int(current)

        version = await self._tx(apply)
        if version > SCHEMA_VERSION:
            raise RuntimeError(
                f"the database is at schema version {version}, "
                f"newer than this bot's ({SCHEMA_VERSION}); upgrade aig-feedback"
            )
        return version

    async def close(self) -> None:
        await self._run(lambda conn: conn.close())

    async def ping(self) -> bool:
        try:
            await self._run(lambda conn: conn.execute("SELECT 1").fetchone())
        except sqlite3.Error:
            return False
        return True

    async def save_card(self, card: Card) -> None:
        now = _ts(datetime.now(UTC))
        await self._tx(
            lambda conn: conn.execute(
                "INSERT INTO cards (log_id, card, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (log_id) DO UPDATE SET card = excluded.card, "
                "updated_at = excluded.updated_at",
                (card.log_id, card.to_json(), now),
            )
        )

    async def card(self, log_id: str) -> Card | None:
        row = await self._run(
            lambda conn: conn.execute(
                "SELECT card FROM cards WHERE log_id = ?", (log_id,)
            ).fetchone()
        )
        return Card.from_json(row["card"]) if row else None

    async def unposted(self, log_ids: Sequence[str]) -> list[str]:
        ids = list(dict.fromkeys(log_ids))

        def query(conn: sqlite3.Connection) -> set[str]:
            seen: set[str] = set()
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = conn.execute(
                    f"SELECT log_id FROM posts WHERE log_id IN ({marks})",  # noqa: S608 - only placeholders are interpolated
                    chunk,
                ).fetchall()
                seen.update(r["log_id"] for r in rows)
            return seen

        posted = await self._run(query)
        return [i for i in ids if i not in posted]

    async def reserve_post(self, log_id: str, channel: str, now: datetime) -> bool:
        def reserve(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "INSERT INTO posts (log_id, channel, ts, posted_at) VALUES (?, ?, NULL, ?) "
                "ON CONFLICT (log_id) DO NOTHING",
                (log_id, channel, _ts(now)),
            )
            return cur.rowcount == 1

        return await self._tx(reserve)

    async def confirm_post(self, log_id: str, ts: str) -> None:
        await self._tx(
            lambda conn: conn.execute("UPDATE posts SET ts = ? WHERE log_id = ?", (ts, log_id))
        )

    async def release_post(self, log_id: str) -> None:
        await self._tx(
            lambda conn: conn.execute(
                "DELETE FROM posts WHERE log_id = ? AND ts IS NULL", (log_id,)
            )
        )

    async def post(self, log_id: str) -> Post | None:
        row = await self._run(
            lambda conn: conn.execute(
                "SELECT log_id, channel, ts, posted_at FROM posts WHERE log_id = ?", (log_id,)
            ).fetchone()
        )
        if row is None:
            return None
        return Post(row["log_id"], row["channel"], row["ts"], _dt(row["posted_at"]))

    async def record_click(self, click: Click) -> ClickOutcome:
        def apply(conn: sqlite3.Connection) -> ClickOutcome:
            at = _ts(click.at)
            gen_row = conn.execute(
                "SELECT generation FROM outbox WHERE log_id = ?", (click.log_id,)
            ).fetchone()
            generation = int(gen_row["generation"]) if gen_row else 0
            row = conn.execute(
                "SELECT value, voted_at, last_clicked, last_action_ts FROM votes "
                "WHERE log_id = ? AND rater = ?",
                (click.log_id, click.rater),
            ).fetchone()
            current = int(row["value"]) if row else 0
            redelivered = conn.execute(
                "SELECT 1 FROM vote_events WHERE log_id = ? AND rater = ? AND action_ts = ?",
                (click.log_id, click.rater, click.action_ts),
            ).fetchone()
            if redelivered or (
                row
                and is_repeat(
                    previous_clicked=int(row["last_clicked"]),
                    previous_at=_dt(row["voted_at"]),
                    previous_action_ts=row["last_action_ts"],
                    clicked=click.clicked,
                    at=click.at,
                    action_ts=click.action_ts,
                    window_seconds=DOUBLE_CLICK_SECONDS,
                )
            ):
                return ClickOutcome(recorded=False, value=current, generation=generation)
            value = next_value(current, click.clicked)
            conn.execute(
                "INSERT INTO votes (log_id, rater, value, voted_at, last_clicked, last_action_ts) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (log_id, rater) DO UPDATE SET "
                "value = excluded.value, voted_at = excluded.voted_at, "
                "last_clicked = excluded.last_clicked, last_action_ts = excluded.last_action_ts",
                (click.log_id, click.rater, value, at, click.clicked, click.action_ts),
            )
            conn.execute(
                "INSERT INTO vote_events (log_id, rater, clicked, value, action_ts, at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (click.log_id, click.rater, click.clicked, value, click.action_ts, at),
            )
            generation += 1
            conn.execute(
                "INSERT INTO outbox (log_id, generation, state, attempts, next_attempt_at, "
                "enqueued_at, response_url, last_error, status, updated_at) "
                "VALUES (?, ?, 'pending', 0, ?, ?, ?, NULL, NULL, ?) "
                "ON CONFLICT (log_id) DO UPDATE SET generation = excluded.generation, "
                "state = 'pending', attempts = 0, next_attempt_at = excluded.next_attempt_at, "
                "enqueued_at = CASE WHEN outbox.state = 'pending' THEN outbox.enqueued_at "
                "ELSE excluded.enqueued_at END, "
                "response_url = COALESCE(excluded.response_url, outbox.response_url), "
                "updated_at = excluded.updated_at",
                (click.log_id, generation, at, at, click.response_url, at),
            )
            return ClickOutcome(recorded=True, value=value, generation=generation)

        return await self._tx(apply)

    async def votes(self, log_id: str) -> list[Vote]:
        rows = await self._run(
            lambda conn: conn.execute(
                "SELECT rater, value, voted_at FROM votes WHERE log_id = ? "
                "ORDER BY voted_at, rater",
                (log_id,),
            ).fetchall()
        )
        return [Vote(log_id, r["rater"], int(r["value"]), _dt(r["voted_at"])) for r in rows]

    async def due(self, now: datetime, limit: int) -> list[OutboxItem]:
        rows = await self._run(
            lambda conn: conn.execute(
                "SELECT * FROM outbox WHERE state = 'pending' AND next_attempt_at <= ? "
                "ORDER BY next_attempt_at, enqueued_at LIMIT ?",
                (_ts(now), limit),
            ).fetchall()
        )
        return [_item(r) for r in rows]

    async def outbox_item(self, log_id: str) -> OutboxItem | None:
        row = await self._run(
            lambda conn: conn.execute("SELECT * FROM outbox WHERE log_id = ?", (log_id,)).fetchone()
        )
        return _item(row) if row else None

    async def finish(self, log_id: str, generation: int, status: SyncStatus, now: datetime) -> bool:
        def apply(conn: sqlite3.Connection) -> bool:
            conn.execute(
                "UPDATE outbox SET status = ?, updated_at = ? WHERE log_id = ?",
                (status.to_json(), _ts(now), log_id),
            )
            cur = conn.execute(
                "UPDATE outbox SET state = 'done', last_error = NULL "
                "WHERE log_id = ? AND generation = ?",
                (log_id, generation),
            )
            return cur.rowcount == 1

        return await self._tx(apply)

    async def retry_later(
        self, log_id: str, generation: int, at: datetime, error: str, status: SyncStatus
    ) -> None:
        await self._tx(
            lambda conn: conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = "
                "CASE WHEN generation = ? THEN ? ELSE next_attempt_at END, "
                "last_error = ?, status = ?, updated_at = ? WHERE log_id = ?",
                (generation, _ts(at), error, status.to_json(), _ts(datetime.now(UTC)), log_id),
            )
        )

    async def park(self, log_id: str, generation: int, error: str, status: SyncStatus) -> None:
        await self._tx(
            lambda conn: conn.execute(
                "UPDATE outbox SET state = 'parked', attempts = attempts + 1, last_error = ?, "
                "status = ?, updated_at = ? WHERE log_id = ? AND generation = ?",
                (error, status.to_json(), _ts(datetime.now(UTC)), log_id, generation),
            )
        )

    async def requeue(self, log_id: str, now: datetime) -> bool:
        def apply(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ?, "
                "generation = generation + 1, enqueued_at = ?, updated_at = ? WHERE log_id = ?",
                (_ts(now), _ts(now), _ts(now), log_id),
            )
            return cur.rowcount == 1

        return await self._tx(apply)

    async def sync_status(self, log_id: str) -> SyncStatus | None:
        row = await self._run(
            lambda conn: conn.execute(
                "SELECT status FROM outbox WHERE log_id = ?", (log_id,)
            ).fetchone()
        )
        return SyncStatus.from_json(row["status"]) if row and row["status"] else None

    async def depth(self) -> OutboxDepth:
        def query(conn: sqlite3.Connection) -> OutboxDepth:
            row = conn.execute(
                "SELECT SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END) AS pending, "
                "SUM(CASE WHEN state = 'parked' THEN 1 ELSE 0 END) AS parked, "
                "MIN(CASE WHEN state = 'pending' THEN enqueued_at END) AS oldest FROM outbox"
            ).fetchone()
            oldest = row["oldest"]
            return OutboxDepth(
                int(row["pending"] or 0),
                int(row["parked"] or 0),
                _dt(oldest) if oldest is not None else None,
            )

        return await self._run(query)


def _item(row: Any) -> OutboxItem:
    return OutboxItem(
        log_id=row["log_id"],
        generation=int(row["generation"]),
        attempts=int(row["attempts"]),
        next_attempt_at=_dt(row["next_attempt_at"]),
        enqueued_at=_dt(row["enqueued_at"]),
        response_url=row["response_url"],
        state=row["state"],
        last_error=row["last_error"],
    )

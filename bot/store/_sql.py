"""The store on SQLAlchemy Core: one implementation for SQLite (the embedded default) and
PostgreSQL (several replicas). The only code that touches the database.

Calls run on worker threads (`asyncio.to_thread`). SQLite gets one writer at a time, WAL and
`synchronous=FULL`, so a vote acknowledged to Slack survives a crash; PostgreSQL relies on row
locks, `ON CONFLICT` upserts, `SKIP LOCKED` claims and an advisory lock for the sampler.

Here: cards, posts and the vote ledger. `_engine` holds the engine and lifecycle,
`_outbox_sql` the outbox, `_report_sql` the read-only report queries.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial

from sqlalchemy import (
    Connection,
    func,
    select,
    update,
)

from bot.cards import Card
from bot.store._engine import _dt, _note, _ts, build_engine
from bot.store._model import (
    DEFAULT_ROUTE,
    DOUBLE_CLICK_SECONDS,
    Click,
    ClickOutcome,
    Note,
    Post,
)
from bot.store._outbox_sql import OutboxQueries, settle
from bot.store._report_sql import ReportQueries
from bot.store._tables import cards, notes, outbox, posts, vote_events, votes
from bot.votes import Vote, is_repeat, next_value

__all__ = ["SqlStore", "build_engine", "settle"]


class SqlStore(OutboxQueries, ReportQueries):
    """The Store on a SQLAlchemy engine."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        # clicks waiting for the next group commit, and the task committing them
        self._clicks: list[tuple[Click, asyncio.Future[ClickOutcome]]] = []
        self._committing: asyncio.Task[None] | None = None

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
        # Rows are locked in log order (a stable sort keeps each log's clicks in arrival order),
        # so two replicas committing bursts at once cannot deadlock on each other's rows.
        order = sorted(range(len(clicks)), key=lambda i: clicks[i].log_id)
        outcomes: dict[int, ClickOutcome] = {}
        for i in order:
            outcomes[i] = self._record_click(conn, clicks[i])
        return [outcomes[i] for i in range(len(clicks))]

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

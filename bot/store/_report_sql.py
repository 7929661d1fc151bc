"""Read-only report queries: activity in a period and notes for many logs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    select,
    union,
)

from bot.cards import Card
from bot.store._engine import SqlBase, _dt, _note, _ts
from bot.store._model import (
    DEFAULT_ROUTE,
    Note,
    Post,
    ReviewedLog,
)
from bot.store._tables import cards, notes, posts, votes
from bot.votes import Vote


class ReportQueries(SqlBase):
    """Queries behind /aig stats, the App Home tab, the digest and the export."""

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

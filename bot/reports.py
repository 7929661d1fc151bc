"""What the team's reviewing adds up to: the numbers behind `/aig stats`, App Home, the weekly
digest and `aig-feedback export`.

Owns: reading periods (`7d`, `30d`, `12h`, `2w`), and turning the store's `ReviewedLog`s (and
notes) into `Stats`, a person's `Home` and export rows. A vote counts in a period when it was
cast then; it is each rater's current vote (a changed vote counts once, an undone one not at all).

Must not: do IO, import Slack or the database. Time comes in as arguments.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.store import Note, ReviewedLog
from bot.votes import DOWN, UP, Tally, Vote

STATS_PERIODS = {"7d": 7, "30d": 30}
UNKNOWN = "unknown"
_SINCE = re.compile(r"^\s*(\d{1,6})\s*([hdw])\s*$", re.IGNORECASE)
_UNIT_HOURS = {"h": 1, "d": 24, "w": 24 * 7}
_UNIT_NAMES = {"h": "hour", "d": "day", "w": "week"}


@dataclass(frozen=True, slots=True)
class Period:
    """A span of time ending now, with the words a person reads for it."""

    label: str  # "7 days"
    since: datetime
    until: datetime

    def __contains__(self, when: datetime) -> bool:
        return self.since <= when < self.until


def parse_stats_period(text: str, *, now: datetime) -> Period:
    """The period of `/aig stats [7d|30d]` (default 7d); ValueError saying what is accepted."""
    key = text.strip().lower() or "7d"
    if key not in STATS_PERIODS:
        choices = " or ".join(f"`{k}`" for k in STATS_PERIODS)
        raise ValueError(f"Stats cover {choices}, e.g. `/aig stats 30d`.")
    days = STATS_PERIODS[key]
    return Period(f"{days} days", now - timedelta(days=days), now)


def parse_since(text: str) -> timedelta:
    """`Nh`, `Nd` or `Nw` (N ≥ 1) as a duration; ValueError with the accepted forms otherwise."""
    match = _SINCE.match(text)
    if not match or int(match.group(1)) < 1:
        raise ValueError(f"{text!r} is not a period like 12h, 30d or 2w")
    hours = int(match.group(1)) * _UNIT_HOURS[match.group(2).lower()]
    return timedelta(hours=hours)


def since_label(text: str) -> str:
    """`30d` as "30 days", for headings."""
    match = _SINCE.match(text)
    if not match:
        return text
    count, unit = int(match.group(1)), _UNIT_NAMES[match.group(2).lower()]
    return f"{count} {unit}{'' if count == 1 else 's'}"


# -- values ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LogRef:
    """Enough about a log to name it and link to its message."""

    log_id: str
    model: str
    provider: str
    channel: str | None = None
    ts: str | None = None
    posted_at: datetime | None = None

    @property
    def linkable(self) -> bool:
        """Whether the log has a channel message to link to."""
        return bool(self.channel and self.ts)


@dataclass(frozen=True, slots=True)
class Share:
    """How one model (or provider) fared: 👍 and 👎 votes cast on its logs."""

    name: str
    up: int
    down: int

    @property
    def total(self) -> int:
        return self.up + self.down

    @property
    def percent(self) -> int:
        """👍 as a whole percentage of the votes (0 without votes)."""
        return round(100 * self.up / self.total) if self.total else 0


@dataclass(frozen=True, slots=True)
class Disputed:
    """A log the raters disagree on."""

    log: LogRef
    up: int
    down: int


@dataclass(frozen=True, slots=True)
class RaterCount:
    """How much one person rated in a period."""

    rater: str
    votes: int
    up: int


@dataclass(frozen=True, slots=True)
class Stats:
    """A period of reviewing, for the whole team or some routes."""

    period: Period
    posted: int  # samples posted in the period
    rated: int  # of those, how many have at least one vote
    votes: int  # votes cast in the period
    up: int
    down: int
    by_model: tuple[Share, ...]  # most voted first
    by_provider: tuple[Share, ...]
    disputed: tuple[Disputed, ...]  # most evenly split first
    raters: tuple[RaterCount, ...]  # everyone who voted, most active first
    unrated: tuple[LogRef, ...]  # samples of the period still without a vote, oldest first

    @property
    def percent_up(self) -> int:
        return Share("all", self.up, self.down).percent

    @property
    def percent_rated(self) -> int:
        return round(100 * self.rated / self.posted) if self.posted else 0


@dataclass(frozen=True, slots=True)
class MyVote:
    """One of a person's votes, for their App Home."""

    log: LogRef
    value: int
    voted_at: datetime


@dataclass(frozen=True, slots=True)
class Home:
    """What one person's App Home shows."""

    user: str
    team: Stats
    mine: int  # votes this person cast in the team's period
    recent: tuple[MyVote, ...]  # newest first
    waiting: tuple[LogRef, ...]  # samples of the period without their vote, newest first
    waiting_total: int


@dataclass(frozen=True, slots=True)
class ExportRow:
    """One rated log as a line of the eval dataset."""

    log: LogRef
    route: str
    created_at: datetime | None
    verdict: int  # the feedback written to Cloudflare: 1, -1, or 0 on a tie
    votes: tuple[Vote, ...]  # each rater's current 👍/👎, in voting order
    reasons: tuple[Note, ...]
    notes: tuple[Note, ...]

    @property
    def up(self) -> int:
        return sum(1 for v in self.votes if v.value == UP)

    @property
    def down(self) -> int:
        return sum(1 for v in self.votes if v.value == DOWN)


# -- aggregation -------------------------------------------------------------------------------


def log_ref(log: ReviewedLog) -> LogRef:
    """A ReviewedLog's name and place; logs without a stored card are of an unknown model."""
    card, post = log.card, log.post
    return LogRef(
        log_id=log.log_id,
        model=(card.model.strip() if card else "") or UNKNOWN,
        provider=(card.provider.strip() if card else "") or UNKNOWN,
        channel=post.channel if post else None,
        ts=post.ts if post else None,
        posted_at=post.posted_at if post else None,
    )


def build_stats(
    logs: Iterable[ReviewedLog],
    period: Period,
    *,
    routes: Collection[str] | None = None,
    disputed: int = 5,
) -> Stats:
    """Sum up `period` from `logs` (which may span more); only `routes` when given."""
    posted = rated = 0
    up = down = 0
    models: dict[str, list[int]] = {}
    providers: dict[str, list[int]] = {}
    split: list[Disputed] = []
    per_rater: Counter[str] = Counter()
    ups: Counter[str] = Counter()
    unrated: list[LogRef] = []
    for log in logs:
        if routes is not None and log.route not in routes:
            continue
        ref = log_ref(log)
        cast = [v for v in log.votes if v.value != 0 and v.voted_at in period]
        in_period = log.post is not None and log.post.posted_at in period
        if not (in_period or cast):
            continue
        tally = Tally.from_votes(log.votes)
        if in_period:
            posted += 1
            if tally.count:
                rated += 1
            else:
                unrated.append(ref)
        if tally.up and tally.down:
            split.append(Disputed(ref, len(tally.up), len(tally.down)))
        for vote in cast:
            column = 0 if vote.value == UP else 1  # [👍, 👎]
            for groups, name in ((models, ref.model), (providers, ref.provider)):
                groups.setdefault(name, [0, 0])[column] += 1
            per_rater[vote.rater] += 1
            ups[vote.rater] += column == 0
        up += sum(1 for v in cast if v.value == UP)
        down += sum(1 for v in cast if v.value == DOWN)
    split.sort(key=lambda d: (-min(d.up, d.down) / (d.up + d.down), -(d.up + d.down), d.log.log_id))
    unrated.sort(key=lambda ref: (ref.posted_at or period.since, ref.log_id))
    return Stats(
        period=period,
        posted=posted,
        rated=rated,
        votes=up + down,
        up=up,
        down=down,
        by_model=_shares(models),
        by_provider=_shares(providers),
        disputed=tuple(split[:disputed]),
        raters=tuple(
            RaterCount(rater, count, ups[rater])
            for rater, count in sorted(per_rater.items(), key=lambda item: (-item[1], item[0]))
        ),
        unrated=tuple(unrated),
    )


def _shares(groups: Mapping[str, list[int]]) -> tuple[Share, ...]:
    shares = [Share(name, up, down) for name, (up, down) in groups.items()]
    return tuple(sorted(shares, key=lambda s: (-s.total, s.name)))


def build_home(
    logs: Sequence[ReviewedLog],
    user: str,
    period: Period,
    *,
    recent: int = 8,
    waiting: int = 8,
) -> Home:
    """`user`'s App Home: their latest votes (from all of `logs`), the team's `period`, and
    the period's samples still waiting for their vote."""
    team = build_stats(logs, period)
    mine: list[MyVote] = []
    pending: list[LogRef] = []
    for log in logs:
        ref = log_ref(log)
        vote = next((v for v in log.votes if v.rater == user), None)
        if vote is not None and vote.value != 0:
            mine.append(MyVote(ref, vote.value, vote.voted_at))
        elif log.post is not None and log.post.posted_at in period:
            pending.append(ref)
    mine.sort(key=lambda v: (v.voted_at, v.log.log_id), reverse=True)
    pending.sort(key=lambda ref: (ref.posted_at or period.since, ref.log_id), reverse=True)
    counted = next((r.votes for r in team.raters if r.rater == user), 0)
    return Home(
        user=user,
        team=team,
        mine=counted,
        recent=tuple(mine[:recent]),
        waiting=tuple(pending[:waiting]),
        waiting_total=len(pending),
    )


def rated_since(logs: Iterable[ReviewedLog], since: datetime) -> list[ReviewedLog]:
    """The logs holding at least one 👍/👎 that was cast at or after `since`."""
    return [log for log in logs if any(v.value != 0 and v.voted_at >= since for v in log.votes)]


def export_row(log: ReviewedLog, notes: Sequence[Note] = ()) -> ExportRow:
    """A rated log, with its reasons and notes, as one dataset row."""
    tally = Tally.from_votes(log.votes)
    return ExportRow(
        log=log_ref(log),
        route=log.route,
        created_at=log.card.created_at if log.card else None,
        verdict=tally.verdict,
        votes=tuple(sorted((v for v in log.votes if v.value != 0), key=lambda v: v.voted_at)),
        reasons=tuple(n for n in notes if n.kind == "reason"),
        notes=tuple(n for n in notes if n.kind != "reason"),
    )

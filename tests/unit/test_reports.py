"""Report arithmetic: periods, stats, a person's App Home and export rows, from plain values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.cards import Card
from bot.reports import (
    Period,
    Share,
    build_home,
    build_stats,
    export_row,
    parse_since,
    parse_stats_period,
    rated_since,
    since_label,
)
from bot.store import Note, Post, ReviewedLog
from bot.votes import Vote

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
WEEK = Period("7 days", NOW - timedelta(days=7), NOW)


def ago(**delta: float) -> datetime:
    return NOW - timedelta(**delta)


def log(
    log_id: str,
    *,
    model: str = "gpt-4o",
    provider: str = "openai",
    posted: datetime | None = None,
    votes: dict[str, tuple[int, datetime]] | None = None,
    route: str = "default",
) -> ReviewedLog:
    return ReviewedLog(
        log_id=log_id,
        route=route,
        post=Post(log_id, "C0FEEDBACK", f"{posted.timestamp():.6f}", posted) if posted else None,
        card=Card(log_id=log_id, created_at=ago(days=30), model=model, provider=provider),
        votes=tuple(
            Vote(log_id, rater, value, at)
            for rater, (value, at) in sorted((votes or {}).items(), key=lambda kv: kv[1][1])
        ),
    )


@pytest.mark.parametrize(("text", "days"), [("", 7), ("7d", 7), ("30d", 30), (" 30D ", 30)])
def test_stats_period_accepts_7d_and_30d(text: str, days: int) -> None:
    """`/aig stats` takes 7d (the default) or 30d, ending now."""
    period = parse_stats_period(text, now=NOW)
    assert (period.since, period.until, period.label) == (
        NOW - timedelta(days=days),
        NOW,
        f"{days} days",
    )


@pytest.mark.parametrize("text", ["14d", "week", "7", "-7d", "7d extra"])
def test_stats_period_rejects_anything_else_with_the_choices(text: str) -> None:
    """Another period is refused with a message naming the accepted ones."""
    with pytest.raises(ValueError, match="`7d` or `30d`"):
        parse_stats_period(text, now=NOW)


@pytest.mark.parametrize(
    ("text", "hours", "label"),
    [("12h", 12, "12 hours"), ("30d", 720, "30 days"), ("2w", 336, "2 weeks"), ("1d", 24, "1 day")],
)
def test_since_reads_hours_days_weeks(text: str, hours: int, label: str) -> None:
    """`--since` takes Nh, Nd or Nw."""
    assert parse_since(text) == timedelta(hours=hours)
    assert since_label(text) == label


@pytest.mark.parametrize("text", ["", "30", "0d", "d", "3m", "1.5d", "30 days", "-2w"])
def test_since_rejects_other_forms(text: str) -> None:
    """Anything but a positive Nh/Nd/Nw is an error that shows the accepted forms."""
    with pytest.raises(ValueError, match="12h, 30d or 2w"):
        parse_since(text)


def test_share_percent_rounds_and_survives_zero() -> None:
    """2 of 3 is 67 %; no votes is 0 %, not a division error."""
    assert Share("m", 2, 1).percent == 67
    assert Share("m", 0, 0).percent == 0


def test_stats_count_posts_votes_and_shares_by_model_and_provider() -> None:
    """Samples, votes and 👍 shares per model and provider cover the period's votes."""
    logs = [
        log("A", posted=ago(days=1), votes={"U1": (1, ago(hours=20)), "U2": (1, ago(hours=19))}),
        log(
            "B",
            model="claude",
            provider="anthropic",
            posted=ago(days=2),
            votes={"U1": (-1, ago(hours=30)), "U3": (1, ago(hours=29))},
        ),
        log("C", posted=ago(days=3)),
    ]
    stats = build_stats(logs, WEEK)
    assert (stats.posted, stats.rated, stats.votes, stats.up, stats.down) == (3, 2, 4, 3, 1)
    assert stats.percent_up == 75 and stats.percent_rated == 67
    assert [(s.name, s.up, s.down, s.percent) for s in stats.by_model] == [
        ("claude", 1, 1, 50),
        ("gpt-4o", 2, 0, 100),
    ]
    assert [s.name for s in stats.by_provider] == ["anthropic", "openai"]
    assert [r.log_id for r in stats.unrated] == ["C"]


def test_stats_count_only_votes_cast_in_the_period() -> None:
    """An old sample voted on this week counts its new vote, not the old one or the post."""
    old = log("OLD", posted=ago(days=20), votes={"U1": (1, ago(days=19)), "U2": (-1, ago(days=1))})
    stats = build_stats([old], WEEK)
    assert (stats.posted, stats.votes, stats.up, stats.down) == (0, 1, 0, 1)
    assert [(r.rater, r.votes) for r in stats.raters] == [("U2", 1)]
    assert [d.log.log_id for d in stats.disputed] == ["OLD"]  # its tally is split


def test_stats_ignore_undone_votes_and_logs_outside_the_period() -> None:
    """A vote undone (0) counts for nothing; a log touched only before the period is absent."""
    logs = [
        log("UNDONE", posted=ago(days=1), votes={"U1": (0, ago(hours=5))}),
        log("BEFORE", posted=ago(days=9), votes={"U1": (1, ago(days=8))}),
    ]
    stats = build_stats(logs, WEEK)
    assert (stats.posted, stats.rated, stats.votes) == (1, 0, 0)
    assert [r.log_id for r in stats.unrated] == ["UNDONE"]
    assert stats.by_model == () and stats.raters == () and stats.disputed == ()


def test_disputed_are_split_logs_most_even_first() -> None:
    """Only logs with both 👍 and 👎 are disputed; 2–2 comes before 3–1, then bigger ties."""
    t = ago(hours=3)
    logs = [
        log("ONE_SIDED", posted=t, votes={"U1": (1, t), "U2": (1, t)}),
        log("THREE_ONE", posted=t, votes={"U1": (1, t), "U2": (1, t), "U3": (1, t), "U4": (-1, t)}),
        log("TWO_TWO", posted=t, votes={"U1": (1, t), "U2": (1, t), "U3": (-1, t), "U4": (-1, t)}),
        log("ONE_ONE", posted=t, votes={"U1": (1, t), "U2": (-1, t)}),
    ]
    stats = build_stats(logs, WEEK)
    assert [(d.log.log_id, d.up, d.down) for d in stats.disputed] == [
        ("TWO_TWO", 2, 2),
        ("ONE_ONE", 1, 1),
        ("THREE_ONE", 3, 1),
    ]
    assert stats.disputed[0].log.channel == "C0FEEDBACK" and stats.disputed[0].log.ts


def test_raters_most_active_first_with_their_thumbs_up() -> None:
    """Raters are ranked by votes cast, ties by ID, each with how many were 👍."""
    t = ago(hours=3)
    logs = [
        log("A", posted=t, votes={"U2": (1, t), "U1": (-1, t)}),
        log("B", posted=t, votes={"U2": (-1, t), "U3": (1, t)}),
    ]
    stats = build_stats(logs, WEEK)
    assert [(r.rater, r.votes, r.up) for r in stats.raters] == [
        ("U2", 2, 1),
        ("U1", 1, 0),
        ("U3", 1, 1),
    ]


def test_stats_filter_by_route_and_name_unknown_models() -> None:
    """Only the given routes count; a log without card or model is an `unknown` model."""
    t = ago(hours=2)
    bare = ReviewedLog("BARE", "eu", None, None, (Vote("BARE", "U1", 1, t),))
    logs = [bare, log("US", posted=t, route="us", votes={"U1": (1, t)})]
    stats = build_stats(logs, WEEK, routes={"eu"})
    assert stats.votes == 1 and [s.name for s in stats.by_model] == ["unknown"]


def test_home_lists_my_votes_and_what_waits_for_me() -> None:
    """My recent votes come newest first; samples I haven't rated wait, newest first."""
    logs = [
        log("MINE_OLD", posted=ago(days=6), votes={"U1": (1, ago(days=5))}),
        log(
            "MINE_NEW", posted=ago(days=2), votes={"U1": (-1, ago(days=1)), "U2": (1, ago(days=1))}
        ),
        log("THEIRS", posted=ago(days=3), votes={"U2": (1, ago(days=2))}),
        log("NOBODYS", posted=ago(days=1)),
        log("UNDONE", posted=ago(hours=5), votes={"U1": (0, ago(hours=4))}),
        log("TOO_OLD", posted=ago(days=20)),
    ]
    home = build_home(logs, "U1", WEEK)
    assert [(v.log.log_id, v.value) for v in home.recent] == [("MINE_NEW", -1), ("MINE_OLD", 1)]
    assert [r.log_id for r in home.waiting] == ["UNDONE", "NOBODYS", "THEIRS"]
    assert home.waiting_total == 3 and home.mine == 2
    assert home.team.votes == 4


def test_home_caps_lists_but_counts_everything_waiting() -> None:
    """At most `waiting` samples are listed; the total still says how many wait."""
    logs = [log(f"L{i:02d}", posted=ago(hours=i + 1)) for i in range(20)]
    home = build_home(logs, "U9", WEEK, waiting=5)
    assert [r.log_id for r in home.waiting] == ["L00", "L01", "L02", "L03", "L04"]
    assert home.waiting_total == 20 and home.recent == ()


def test_export_row_has_verdict_tally_raters_reasons_and_notes() -> None:
    """A rated log's row carries the verdict, each vote, reasons apart from notes."""
    rated = log(
        "A",
        model="claude",
        provider="anthropic",
        posted=ago(days=1),
        votes={"U1": (-1, ago(hours=3)), "U2": (-1, ago(hours=2)), "U3": (0, ago(hours=1))},
    )
    notes = [
        Note("A", "U1", "reason", ago(hours=3), "invented a URL", "wrong", -1),
        Note("A", "U3", "note", ago(hours=1), "same as ticket 12", source="thread"),
    ]
    row = export_row(rated, notes)
    assert (row.verdict, row.up, row.down) == (-1, 0, 2)
    assert [v.rater for v in row.votes] == ["U1", "U2"]  # the undone vote is not a rating
    assert [n.category for n in row.reasons] == ["wrong"]
    assert [n.text for n in row.notes] == ["same as ticket 12"]
    assert (row.log.model, row.log.provider, row.route) == ("claude", "anthropic", "default")
    assert row.created_at == ago(days=30)


def test_rated_since_keeps_logs_with_a_recent_vote() -> None:
    """Only logs with a 👍/👎 cast since the cut-off are exported."""
    logs = [
        log("RECENT", votes={"U1": (1, ago(days=2))}),
        log("STALE", votes={"U1": (1, ago(days=40))}),
        log("UNDONE", votes={"U1": (0, ago(days=1))}),
        log("UNRATED", posted=ago(days=1)),
    ]
    assert [lg.log_id for lg in rated_since(logs, ago(days=30))] == ["RECENT"]

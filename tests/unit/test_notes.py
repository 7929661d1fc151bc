"""Summaries of reasons and notes, and reading `note:` thread replies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.notes import MAX_NOTE, NoteSummary, Said, note_text, summarize
from bot.store import Note

T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def reason(minute: int, category: str | None, text: str = "", author: str = "U1") -> Note:
    """A reason given `minute` minutes after T0."""
    return Note(
        log_id="L1",
        author=author,
        kind="reason",
        created_at=T0 + timedelta(minutes=minute),
        text=text,
        category=category,
        vote=-1,
    )


def note(minute: int, text: str, author: str = "U2") -> Note:
    """A thread note written `minute` minutes after T0."""
    return Note(
        log_id="L1",
        author=author,
        kind="note",
        created_at=T0 + timedelta(minutes=minute),
        text=text,
        source="thread",
    )


def test_nothing_summarises_to_an_empty_falsy_summary() -> None:
    """No reasons or notes: zero counts, no top reason, and the summary is falsy."""
    summary = summarize([])
    assert summary == NoteSummary() and not summary and summary.top_reason is None


def test_categories_are_counted_most_given_first() -> None:
    """Reasons are counted by category, most given first, whatever order they arrive in."""
    notes = [reason(3, "unsafe"), reason(1, "wrong"), reason(2, "wrong"), note(4, "hm")]
    summary = summarize(notes)
    assert summary.categories == (("wrong", 2), ("unsafe", 1))
    assert (summary.reasons, summary.notes, summary.top_reason) == (3, 1, "wrong")


def test_a_tie_goes_to_the_most_recent_category() -> None:
    """Between equally common categories, the one given last comes first."""
    summary = summarize(
        [reason(1, "wrong"), reason(2, "slow"), reason(3, "wrong"), reason(4, "slow")]
    )
    assert summary.top_reason == "slow"


def test_latest_reason_and_note_are_kept() -> None:
    """The newest reason and the newest note are quoted, with their authors."""
    summary = summarize(
        [
            reason(1, "wrong", "old"),
            reason(5, None, "just text", "U9"),
            note(2, "n1"),
            note(3, "n2"),
        ]
    )
    assert summary.latest_reason == Said("U9", "just text", None)
    assert summary.latest_note == Said("U2", "n2")
    assert summary.categories == (("wrong", 1),)  # a reason without a category counts, unnamed


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("note: the SQL is wrong", "the SQL is wrong"),
        ("  NOTE:   spaced  ", "spaced"),
        ("Note:a &lt;b&gt; &amp; c", "a <b> & c"),
        ("note:", None),
        ("note:   ", None),
        ("a note: not at the start", None),
        ("notes: plural", None),
        ("", None),
    ],
)
def test_note_text_reads_the_prefix(message: str, expected: str | None) -> None:
    """Only replies starting with `note:` (any case) are notes; Slack's entities are undone."""
    assert note_text(message) == expected


def test_note_text_is_capped() -> None:
    """A very long note keeps its first MAX_NOTE characters."""
    text = note_text("note: " + "x" * (MAX_NOTE + 500))
    assert text is not None and len(text) == MAX_NOTE

"""Reasons and notes raters leave on a log, as pure functions: summarising them for a card and
for the log's metadata, and reading a `note:` thread reply.

A *reason* comes from the vote modal (a category, maybe text); a *note* is free text, such as a
thread reply starting with `note:`. No IO here; the store keeps them, `blocks` renders the
summary and the outbox writes the most common reason back to the gateway when asked to.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

REASON = "reason"
NOTE = "note"
NOTE_PREFIX = "note:"
MAX_NOTE = 3000  # characters kept of one note (the modal's text input allows as many)

_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))  # Slack escapes these in text


class NoteLike(Protocol):
    """What a summary reads from a stored note (`bot.store.Note` is one)."""

    @property
    def author(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def text(self) -> str: ...
    @property
    def category(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Said:
    """The latest reason or note: who wrote it, its category (reasons only) and its text."""

    author: str
    text: str
    category: str | None = None


@dataclass(frozen=True, slots=True)
class NoteSummary:
    """How many reasons and notes a log has, which categories, and the latest of each."""

    reasons: int = 0
    notes: int = 0
    categories: tuple[tuple[str, int], ...] = ()  # most given first; ties: most recent first
    latest_reason: Said | None = None
    latest_note: Said | None = None

    @property
    def top_reason(self) -> str | None:
        """The most common reason category, or None when no reason names one."""
        return self.categories[0][0] if self.categories else None

    def __bool__(self) -> bool:
        return bool(self.reasons or self.notes)


def summarize(notes: Iterable[NoteLike]) -> NoteSummary:
    """Count a log's reasons and notes and pick the latest of each (oldest first in, any order
    accepted)."""
    ordered = sorted(notes, key=lambda n: n.created_at)
    reasons = [n for n in ordered if n.kind == REASON]
    others = [n for n in ordered if n.kind != REASON]
    counts = Counter(n.category for n in reasons if n.category)
    last_seen = {n.category: i for i, n in enumerate(reasons) if n.category}
    categories = sorted(counts.items(), key=lambda kv: (-kv[1], -last_seen[kv[0]]))
    return NoteSummary(
        reasons=len(reasons),
        notes=len(others),
        categories=tuple(categories),
        latest_reason=_said(reasons[-1]) if reasons else None,
        latest_note=_said(others[-1]) if others else None,
    )


def note_text(message: str) -> str | None:
    """The note in a thread reply that starts with `note:` (any case), unescaped; None when the
    reply is not a note or says nothing after the prefix."""
    stripped = message.lstrip()
    if stripped[: len(NOTE_PREFIX)].lower() != NOTE_PREFIX:
        return None
    text = stripped[len(NOTE_PREFIX) :].strip()
    for entity, char in _ENTITIES:
        text = text.replace(entity, char)
    return text[:MAX_NOTE] or None


def _said(note: NoteLike) -> Said:
    return Said(author=note.author, text=note.text, category=note.category)

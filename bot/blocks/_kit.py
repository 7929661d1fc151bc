"""The Block Kit building blocks every renderer shares: the message value, escaping for mrkdwn,
clipping within Slack's limits, and the small block constructors. No IO."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.excerpts import sanitize
from bot.gateway import format_time

# Slack's limits (docs.slack.dev/reference/block-kit) are 3,000 per section, 2,000 per field and
# context element, 150 per header, 75 per button label and 2,000 per button value; the whole
# message's block text has an undocumented cap near 12,000. Each piece below gets a share of
# that, so the sum stays near 9,000 whatever the input.
Block = dict[str, Any]
_INLINE_ID = 120
_RATER = 40
_RATERS_SHOWN = 15
_BUTTON_VALUE = 2000
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_SPACES = re.compile(r"\s+")
_USER_ID = re.compile(r"[UW][A-Z0-9]{1,40}")
_MENTION = re.compile(r"<(?:@[UW][A-Z0-9]{1,40}|#[CGD][A-Z0-9]{1,40}(?:\|[^<>|\n]{1,80})?)>")
# Inside a code block a run of backticks would end it early; the modifier letter grave accent
# looks the same and never closes anything.
_BACKTICK = "`"
_SAFE_BACKTICK = "\u02cb"


@dataclass(frozen=True, slots=True)
class Message:
    """What chat.postMessage, chat.update and respond take: fallback text plus blocks."""

    text: str
    blocks: list[Block]


def _rater(rater: str) -> str:
    clean = sanitize(rater).strip()
    if _USER_ID.fullmatch(clean):
        return f"<@{clean}>"
    return _inline(clean, _RATER) or "someone"


def _date(when: datetime) -> str:
    aware = when if when.tzinfo else when.replace(tzinfo=UTC)
    try:
        stamp = int(aware.timestamp())
        fallback = format_time(aware)
    except (OverflowError, ValueError, OSError):
        return "—"
    return f"<!date^{stamp}^{{date_short_pretty}} {{time}}|{fallback}>"


def _escape_clip(text: str, limit: int, *, mentions: bool = False) -> str:
    """`text` escaped for mrkdwn (&, <, >), clipped so the escaped form fits in `limit`
    characters without cutting an entity (or, with `mentions`, a kept mention) in half."""
    head = text[: limit + 1]  # escaping never shortens, so nothing further can fit
    atoms = list(_atoms(head, mentions=mentions))
    if len(head) == len(text) and sum(map(len, atoms)) <= limit:
        return "".join(atoms)
    if limit <= 0:
        return ""
    out: list[str] = []
    size = 0
    for atom in atoms:
        if size + len(atom) > limit - 1:
            break
        out.append(atom)
        size += len(atom)
    return "".join(out).rstrip() + "…"


def _atoms(text: str, *, mentions: bool) -> Iterator[str]:
    """The escaped pieces of `text` that clipping must keep whole: one per character, and
    one per user or channel mention when `mentions` keeps them working."""
    start = 0
    for match in _MENTION.finditer(text) if mentions else ():
        yield from (_ESCAPES.get(ch, ch) for ch in text[start : match.start()])
        yield match.group(0)
        start = match.end()
    yield from (_ESCAPES.get(ch, ch) for ch in text[start:])


def _inline(text: str, limit: int) -> str:
    """User-provided text on one line, escaped for mrkdwn, at most `limit` characters."""
    head = text[: limit * 4]  # enough to fill `limit` unless it is mostly whitespace
    flat = _SPACES.sub(" ", sanitize(head)).strip()
    return _escape_clip(flat + "…" if len(head) < len(text) else flat, limit)


def _code(text: str, limit: int = _INLINE_ID) -> str:
    shown = _inline(text.replace(_BACKTICK, _SAFE_BACKTICK), limit)
    return f"`{shown}`" if shown else "`?`"


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def _section(text: str) -> Block:
    return {"type": "section", "text": _mrkdwn(text)}


def _context(texts: list[str]) -> Block:
    return {"type": "context", "elements": [_mrkdwn(t) for t in texts]}


def _button(label: str, action_id: str, value: str, *, style: str | None = None) -> Block:
    button: Block = {"type": "button", "action_id": action_id, "text": _plain(label)}
    if value:
        button["value"] = value
    if style:
        button["style"] = style
    return button

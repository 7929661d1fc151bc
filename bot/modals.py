"""Block Kit rendering of the bot's modals: the reason form ("Why 👎?" / "Add a note") and the
"Show full" view of a log's whole prompt and response.

Owns: views that stay within Slack's limits whatever the input — at most 100 blocks, section
text 3,000, title 24, radio options 10 of 75 characters, `private_metadata` 3,000 and a
250 kB view — with LLM text escaped for mrkdwn, kept inside code blocks and chunked.

Must not: do IO or import Bolt. Slack IDs come from `bot.ids`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from bot import ids
from bot.blocks._kit import (
    _BACKTICK,
    _SAFE_BACKTICK,
    Block,
    _atoms,
    _code,
    _context,
    _inline,
    _plain,
    _section,
)
from bot.cards import Card
from bot.excerpts import NOTES, FullText, sanitize
from bot.notes import MAX_NOTE

__all__ = [
    "CHUNK",
    "MAX_CHUNKS",
    "VIEW_BUDGET",
    "full_log_error_view",
    "full_log_loading_view",
    "full_log_view",
    "reason_metadata",
    "reason_view",
]

CHUNK = 2900  # escaped characters of LLM text per section (Slack allows 3,000 with the fences)
MAX_CHUNKS = 24  # sections of LLM text in one view: about 70,000 characters
VIEW_BUDGET = 240_000  # bytes of view JSON, under Slack's 250 kB `view_too_large`
_FENCE = "```"
_TITLE = 24
_OPTION = 75


def reason_view(log_id: str, vote: int | None, categories: Sequence[tuple[str, str]]) -> Block:
    """The modal asking why: a reason category (required after a 👎, optional otherwise) and a
    free-text note. `private_metadata` carries the log ID and the vote it explains."""
    down = vote is not None and vote < 0
    if down:
        intro = (
            f"Your 👎 on log {_code(log_id)} is saved. What was wrong with the response? "
            "The reason shows on the sample and goes into the export."
        )
    elif vote is not None and vote > 0:
        intro = f"Your 👍 on log {_code(log_id)} is saved. Anything worth telling the team?"
    else:
        intro = f"A note on log {_code(log_id)} for the team."
    options = [
        {"text": _plain(label[:_OPTION]), "value": key[:150]} for key, label in categories[:10]
    ]
    return {
        "type": "modal",
        "callback_id": ids.REASON_VIEW,
        "title": _plain("Why 👎?" if down else "Add a note"),
        "submit": _plain("Save"),
        "close": _plain("Skip" if down else "Cancel"),
        "private_metadata": reason_metadata(log_id, vote),
        "blocks": [
            _section(intro),
            {
                "type": "input",
                "block_id": ids.REASON_CATEGORY_BLOCK,
                "label": _plain("Main reason"),
                "optional": not down,
                "element": {
                    "type": "radio_buttons",
                    "action_id": ids.REASON_CATEGORY,
                    "options": options,
                },
            },
            {
                "type": "input",
                "block_id": ids.REASON_NOTE_BLOCK,
                "label": _plain("Note"),
                "optional": True,
                "element": {
                    "type": "plain_text_input",
                    "action_id": ids.REASON_NOTE,
                    "multiline": True,
                    "max_length": MAX_NOTE,
                    "placeholder": _plain("What should it have said? (needed for “Other”)"),
                },
            },
        ],
    }


def reason_metadata(log_id: str, vote: int | None) -> str:
    """The reason modal's `private_metadata`: the log and the vote, as compact JSON."""
    return json.dumps({"log_id": sanitize(log_id)[:200], "vote": vote}, separators=(",", ":"))


def full_log_loading_view(log_id: str) -> Block:
    """What "Show full" opens at once, while the bodies are fetched from the gateway."""
    text = f"⏳ Fetching the whole prompt and response of log {_code(log_id)} from AI Gateway…"
    return _full_log_modal([_section(text)])


def full_log_error_view(log_id: str, reason: str) -> Block:
    """The "Show full" modal when the gateway could not give the bodies."""
    text = f"⚠️ Couldn't fetch log {_code(log_id)}: {_inline(reason, 500)}"
    return _full_log_modal([_section(text)])


def full_log_view(log_id: str, card: Card | None, prompt: FullText, response: FullText) -> Block:
    """The whole prompt and response, already redacted, in code sections of at most CHUNK
    characters: MAX_CHUNKS in all, shared fairly between the two, within VIEW_BUDGET."""
    parts = [_chunks(prompt.text), _chunks(response.text)]
    allowed = _allot(len(parts[0]), len(parts[1]), MAX_CHUNKS)
    kept = [chunks[:n] for chunks, n in zip(parts, allowed, strict=True)]
    while True:
        view = _full_log_modal(_full_log_blocks(log_id, card, (prompt, response), parts, kept))
        if len(json.dumps(view)) <= VIEW_BUDGET:
            return view
        longer = 0 if len(kept[0]) > len(kept[1]) else 1
        kept[longer] = kept[longer][:-1]  # escapes made it heavy: show one section less


def _full_log_blocks(
    log_id: str,
    card: Card | None,
    texts: tuple[FullText, FullText],
    parts: list[list[str]],
    kept: list[list[str]],
) -> list[Block]:
    about = f"Log {_code(log_id)}"
    if card is not None and card.model:
        provider = f" ({_inline(card.provider, 40)})" if card.provider else ""
        about += f" · {_inline(card.model, 80)}{provider}"
    blocks: list[Block] = [_context([about])]
    for index, (label, text) in enumerate(zip(("Prompt", "Response"), texts, strict=True)):
        if index:
            blocks.append({"type": "divider"})
        blocks.append({"type": "header", "text": _plain(label)})
        if not parts[index] or text.text in NOTES:
            blocks.append(_section(f"_{text.text or '(empty)'}_"))
            continue
        blocks += [_section(f"{_FENCE}\n{chunk}\n{_FENCE}") for chunk in kept[index]]
        if not text.complete or len(kept[index]) < len(parts[index]):
            shown = sum(len(chunk) for chunk in kept[index])
            blocks.append(
                _context(
                    [
                        f"✂️ Cut after about {shown:,} characters: the {label.lower()} is longer "
                        "than one Slack view holds. The AI Gateway dashboard has all of it."
                    ]
                )
            )
    return blocks


def _full_log_modal(blocks: list[Block]) -> Block:
    return {
        "type": "modal",
        "callback_id": ids.FULL_LOG_VIEW,
        "title": _plain("Full log"[:_TITLE]),
        "close": _plain("Close"),
        "blocks": blocks,
    }


def _chunks(text: str, room: int = CHUNK) -> list[str]:
    """`text` escaped for mrkdwn and cut into pieces of at most `room` characters, at a line
    break when one is in the second half of a piece, never inside an entity."""
    if text in NOTES:
        return []
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for atom in _atoms(text.replace(_BACKTICK, _SAFE_BACKTICK), mentions=False):
        if size + len(atom) > room and current:
            cut = _line_break(current)
            chunks.append("".join(current[:cut]))
            current = current[cut + 1 :] if cut < len(current) else []
            size = sum(map(len, current))
        current.append(atom)
        size += len(atom)
    if current:
        chunks.append("".join(current))
    return [chunk for chunk in chunks if chunk.strip()]


def _line_break(atoms: list[str]) -> int:
    """Where to end a full piece: its last line break in the second half, else its end."""
    for index in range(len(atoms) - 1, len(atoms) // 2, -1):
        if atoms[index] == "\n":
            return index
    return len(atoms)


def _allot(prompt: int, response: int, total: int) -> tuple[int, int]:
    """How many sections each part gets: all it needs when both fit, else a fair share with
    what one leaves going to the other."""
    if prompt + response <= total:
        return prompt, response
    half = total // 2
    if prompt <= half:
        return prompt, total - prompt
    if response <= half:
        return total - response, response
    return half, total - half

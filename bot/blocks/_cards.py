"""Cards and the slash command's replies: a log's details, excerpts, vote buttons, tally and
sync status, and the short private answers (help, errors, refusals). No IO."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from itertools import islice

from bot import ids
from bot.blocks._kit import (
    _BACKTICK,
    _BUTTON_VALUE,
    _INLINE_ID,
    _RATERS_SHOWN,
    _SAFE_BACKTICK,
    _SPACES,
    Block,
    Message,
    _button,
    _code,
    _context,
    _date,
    _escape_clip,
    _inline,
    _mrkdwn,
    _plain,
    _rater,
    _section,
)
from bot.cards import Card, MetadataValue
from bot.excerpts import EMPTY, NOTES, clip, sanitize
from bot.notes import NoteSummary, Said
from bot.votes import SyncState, SyncStatus, Tally

# Each part of a card gets a share of Slack's limits (see _kit), so a whole card stays near
# 9,000 characters of block text whatever the input.
_EXCERPT_SECTION = 2900
_FIELD = 150
_METADATA = 600
_METADATA_SHOWN = 30
_DETAIL = 300
_TEXT = 300  # top-level fallback text of a card
_NOTICE = 2800  # an error or notice paragraph
_QUOTE = 200  # the latest reason or note quoted on a card
_CATEGORIES_SHOWN = 6
_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{1,40}")
_STATE_TEXT = {
    SyncState.PENDING: "saving…",
    SyncState.VERIFIED: "saved ✓ verified",
    SyncState.UNVERIFIABLE: "saved (gateway does not report feedback)",
    SyncState.MISMATCH: "⚠️ saved, but the gateway reports a different value",
    SyncState.RETRYING: "⏳ gateway busy — will retry",
    SyncState.FAILED: "❌ couldn't save",
}


def sample_message(
    card: Card, tally: Tally, status: SyncStatus | None = None, *, notes: NoteSummary | None = None
) -> Message:
    """The channel post for a sampled log: details, excerpts, vote buttons, tally and sync,
    and the raters' reasons and notes once there are any."""
    return _card_message(card, tally, status, notes, header="🧪 AI Gateway sample", kind="sample")


def lookup_message(
    card: Card, tally: Tally, status: SyncStatus | None = None, *, notes: NoteSummary | None = None
) -> Message:
    """The private `/aig log` answer: the same card and buttons under a lookup header."""
    return _card_message(card, tally, status, notes, header="🔎 Log lookup", kind="log lookup")


def help_message(*, unknown: str | None = None, max_sample: int = 20) -> Message:
    """How to use `/aig`; `unknown` is input that was not understood, quoted back first."""
    lines = [
        "*`/aig` — rate AI Gateway responses without leaving Slack*",
        "• `/aig log &lt;id or dashboard URL&gt;` — show one log to you privately, with 👍/👎",
        f"• `/aig sample [n]` — post n recent logs to the review channel now (n ≤ {max_sample})",
        "• `/aig stats [7d|30d]` — how rating has gone over a period (default: 7 days)",
        "• `/aig help` — this message",
    ]
    text = "/aig usage: log &lt;id or dashboard URL&gt;, sample [n], stats [7d|30d], help"
    if unknown and unknown.strip():
        quoted = _code(unknown, limit=100)
        lines.insert(0, f"I don't know {quoted}. Here is what `/aig` can do:")
        text = f"I don't know {quoted}. {text}"
    hint = "A log ID is the `cf-aig-log-id` response header, or the last part of a log's URL."
    return Message(text=text, blocks=[_section("\n".join(lines)), _context([hint])])


def error_message(text: str) -> Message:
    """A private, friendly error. `text` is mrkdwn whose `&`, `<` and `>` are escaped, except
    in user and channel mentions (`<@U…>`, `<#C…>`): input quoted back cannot ping or link."""
    shown = _escape_clip(_tidy(text), _NOTICE, mentions=True) or "Something went wrong."
    summary = _escape_clip(_one_line(text), _TEXT, mentions=True) or "Something went wrong."
    hint = "Type `/aig help` to see what `/aig` can do."
    return Message(text=f"⚠️ {summary}", blocks=[_section(f"⚠️ {shown}"), _context([hint])])


def not_allowed_message() -> Message:
    """A rater outside AIG_ALLOWED_RATERS clicked a vote button."""
    text = "🙅 You can't rate here: only the reviewers on this bot's list can vote."
    hint = "Ask whoever runs aig-feedback to add you to `AIG_ALLOWED_RATERS`."
    return Message(text=text, blocks=[_section(text), _context([hint])])


def sampled_message(count: int, channel: str) -> Message:
    """The acknowledgement of `/aig sample`: how many samples are on their way, and where."""
    where = _channel(channel)
    if count <= 0:
        text = f"No new logs to post to {where} right now."
    else:
        text = f"Posting {count} sample{'' if count == 1 else 's'} to {where}…"
    return Message(text=text, blocks=[_section(text)])


def note_prompt_message(log_id: str) -> Message:
    """After a 👍: a private offer to say why, with a button that opens the note form."""
    text = f"👍 saved on log {_code(log_id)}. Anything worth telling the team about this response?"
    button = _button("Add a note", ids.ADD_NOTE, sanitize(log_id)[:_BUTTON_VALUE])
    return Message(
        text=clip(text, _TEXT),
        blocks=[_section(text), {"type": "actions", "elements": [button]}],
    )


def note_saved_message(log_id: str) -> Message:
    """The private acknowledgement of a `note:` thread reply."""
    text = f"📝 Saved as a note on log {_code(log_id)}."
    return Message(text=clip(text, _TEXT), blocks=[_section(text)])


def _card_message(
    card: Card,
    tally: Tally,
    status: SyncStatus | None,
    notes: NoteSummary | None,
    *,
    header: str,
    kind: str,
) -> Message:
    details: list[str] = [f"Log ID {_code(card.log_id)}"]
    if card.metadata:
        details.append(_metadata(card.metadata))
    blocks: list[Block] = [
        {"type": "header", "text": _plain(header)},
        {"type": "section", "fields": [_mrkdwn(f) for f in _detail_fields(card)]},
        _context(details),
        _excerpt_section("Prompt", card.prompt),
        _excerpt_section("Response", card.response),
        _vote_actions(card.log_id, status),
        _status_context(tally, status),
    ]
    if notes:
        blocks.append(_notes_context(notes))
    model = _inline(card.model, 80) or "unknown model"
    provider = _inline(card.provider, 40)
    about = f"{model} ({provider})" if provider else model
    text = f"AI Gateway {kind}: {about} — log {_inline(card.log_id, _INLINE_ID) or '?'}"
    return Message(text=clip(text, _TEXT), blocks=blocks)


def _detail_fields(card: Card) -> list[str]:
    if card.success:
        status = "✅ success"
    else:
        status = f"❌ {card.status_code}" if card.status_code is not None else "❌ failed"
    if card.cached:
        status += " · cached"
    fields = [
        ("Model", _inline(card.model, _FIELD) or "—"),
        ("Provider", _inline(card.provider, _FIELD) or "—"),
        ("Status", status),
        ("Tokens", f"{_count(card.tokens_in)} in · {_count(card.tokens_out)} out"),
        ("Cost", _cost(card.cost)),
        ("Duration", _duration(card.duration_ms)),
        ("Time", _date(card.created_at)),
    ]
    return [f"*{label}*\n{clip(value, _FIELD)}" for label, value in fields]


def _excerpt_section(label: str, excerpt: str) -> Block:
    title = f"*{label}*"
    head = excerpt[: 2 * _EXCERPT_SECTION]  # a Card's excerpt is short; never trust that
    text = sanitize(head).strip()
    if not text or text in NOTES:
        return _section(f"{title}\n_{text or EMPTY}_")
    if len(head) < len(excerpt):
        text += "…"
    fence = "```"
    room = _EXCERPT_SECTION - len(title) - 2 * len(fence) - 3
    code = _escape_clip(text.replace(_BACKTICK, _SAFE_BACKTICK), room)
    return _section(f"{title}\n{fence}\n{code}\n{fence}")


def _vote_actions(log_id: str, status: SyncStatus | None) -> Block:
    value = sanitize(log_id)[:_BUTTON_VALUE]
    buttons = [_button("👍 Good", ids.VOTE_UP, value), _button("👎 Bad", ids.VOTE_DOWN, value)]
    if status is not None and status.state is SyncState.FAILED:
        buttons.append(_button("Retry", ids.RETRY_SYNC, value, style="primary"))
    buttons.append(_button("Show full", ids.SHOW_FULL, value))
    return {"type": "actions", "block_id": ids.VOTE_BLOCK, "elements": buttons}


def _status_context(tally: Tally, status: SyncStatus | None) -> Block:
    lines = [_tally(tally)]
    if status is not None:
        lines.append(_sync(status))
    block = _context(lines)
    block["block_id"] = ids.STATUS_BLOCK
    return block


def _notes_context(notes: NoteSummary) -> Block:
    """ "📝 2 reasons: wrong ×2 — latest from @ann: “…”" and "💬 1 note — latest …"."""
    lines = []
    if notes.reasons:
        shown = notes.categories[:_CATEGORIES_SHOWN]
        counts = ", ".join(f"{_inline(key, 40)} ×{n}" for key, n in shown)
        if len(notes.categories) > len(shown):
            counts += ", …"
        head = f"📝 {_plural(notes.reasons, 'reason')}" + (f": {counts}" if counts else "")
        lines.append(head + _latest(notes.latest_reason))
    if notes.notes:
        lines.append(f"💬 {_plural(notes.notes, 'note')}" + _latest(notes.latest_note))
    block = _context(lines)
    block["block_id"] = ids.NOTES_BLOCK
    return block


def _latest(said: Said | None) -> str:
    if said is None:
        return ""
    quote = _inline(said.text, _QUOTE)
    what = f"“{quote}”" if quote else _inline(said.category or "", 40)
    return f" — latest from {_rater(said.author)}" + (f": {what}" if what else "")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _tally(tally: Tally) -> str:
    if not tally.count:
        return "No votes yet — rate this response"
    votes = [(rater, "👍") for rater in tally.up] + [(rater, "👎") for rater in tally.down]
    shown = ", ".join(f"{_rater(rater)} {emoji}" for rater, emoji in votes[:_RATERS_SHOWN])
    more = len(votes) - _RATERS_SHOWN
    rest = f" and {more} more" if more > 0 else ""
    return f"👍 {len(tally.up)} · 👎 {len(tally.down)} — {shown}{rest}"


def _sync(status: SyncStatus) -> str:
    detail = _inline(status.detail, _DETAIL)
    state = _STATE_TEXT[status.state]
    if status.state is SyncState.FAILED:
        state += f": {detail or 'unknown error'}"
    elif detail and status.state in (SyncState.MISMATCH, SyncState.RETRYING):
        state += f" ({detail})"
    return f"{_verdict(status.verdict)}: {state}"


def _verdict(verdict: int) -> str:
    if verdict > 0:
        return "Verdict 👍 (feedback 1)"
    if verdict < 0:
        return "Verdict 👎 (feedback -1)"
    return "Verdict cleared (not evaluated)"


def _metadata(metadata: Mapping[str, MetadataValue]) -> str:
    items = list(islice(metadata.items(), _METADATA_SHOWN))
    pairs = " · ".join(f"{clip(str(k), 60)}={clip(_scalar(v), 100)}" for k, v in items)
    more = len(metadata) - len(items)
    suffix = f" · +{more} more" if more > 0 else ""
    return "🏷️ " + _inline(pairs, _METADATA - len(suffix) - 3) + suffix


def _scalar(value: MetadataValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _count(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def _cost(cost: float | None) -> str:
    if cost is None or not math.isfinite(cost):
        return "—"
    if cost == 0:
        return "$0"
    # Three significant digits for fractions of a cent ($0.000123), cents above a dollar.
    places = min(10, max(2, 2 - math.floor(math.log10(abs(cost)))))
    return f"{'-' if cost < 0 else ''}${abs(cost):,.{places}f}"


def _duration(ms: int) -> str:
    if ms < 0:
        return "—"
    if ms < 1000:
        return f"{ms} ms"
    return f"{ms / 1000:,.1f} s"


def _tidy(text: str) -> str:
    return sanitize(text[: _NOTICE * 4]).strip()


def _one_line(text: str) -> str:
    return _SPACES.sub(" ", _tidy(text))


def _channel(channel: str) -> str:
    clean = sanitize(channel).strip().lstrip("#")
    if _CHANNEL_ID.fullmatch(clean):
        return f"<#{clean}>"
    return f"#{_inline(clean, 80)}" if clean else "the review channel"

"""Block Kit rendering for every message the bot sends.

Owns: turning Cards, tallies and sync statuses (and the slash command's replies) into a
top-level `text` plus `blocks` that stay within Block Kit's limits whatever the input, with
user-provided text escaped for mrkdwn and LLM text kept inside its code block.

Must not: do IO or import Bolt. Slack IDs come from `bot.ids`, never from literals here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from bot import ids
from bot.cards import Card, MetadataValue
from bot.excerpts import EMPTY, NOTES, clip, sanitize
from bot.gateway import format_time
from bot.notes import NoteSummary, Said
from bot.reports import Home, LogRef, Share, Stats
from bot.votes import SyncState, SyncStatus, Tally

__all__ = [
    "Message",
    "digest_message",
    "error_message",
    "help_message",
    "home_view",
    "lookup_message",
    "not_allowed_message",
    "note_prompt_message",
    "note_saved_message",
    "sample_message",
    "sampled_message",
    "stats_message",
]

Block = dict[str, Any]

# Slack's limits (docs.slack.dev/reference/block-kit) are 3,000 per section, 2,000 per field and
# context element, 150 per header, 75 per button label and 2,000 per button value; the whole
# message's block text has an undocumented cap near 12,000. Each piece below gets a share of
# that, so the sum stays near 9,000 whatever the input.
_EXCERPT_SECTION = 2900
_FIELD = 150
_INLINE_ID = 120
_METADATA = 600
_METADATA_SHOWN = 30
_RATER = 40
_RATERS_SHOWN = 15
_DETAIL = 300
_BUTTON_VALUE = 2000
_TEXT = 300  # top-level fallback text of a card
_NOTICE = 2800  # an error or notice paragraph
_QUOTE = 200  # the latest reason or note quoted on a card
_CATEGORIES_SHOWN = 6

_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_SPACES = re.compile(r"\s+")
_USER_ID = re.compile(r"[UW][A-Z0-9]{1,40}")
_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{1,40}")
_MENTION = re.compile(r"<(?:@[UW][A-Z0-9]{1,40}|#[CGD][A-Z0-9]{1,40}(?:\|[^<>|\n]{1,80})?)>")
# Inside a code block a run of backticks would end it early; the modifier letter grave accent
# looks the same and never closes anything.
_BACKTICK = "`"
_SAFE_BACKTICK = "\u02cb"

_STATE_TEXT = {
    SyncState.PENDING: "saving…",
    SyncState.VERIFIED: "saved ✓ verified",
    SyncState.UNVERIFIABLE: "saved (gateway does not report feedback)",
    SyncState.MISMATCH: "⚠️ saved, but the gateway reports a different value",
    SyncState.RETRYING: "⏳ gateway busy — will retry",
    SyncState.FAILED: "❌ couldn't save",
}


@dataclass(frozen=True, slots=True)
class Message:
    """What chat.postMessage, chat.update and respond take: fallback text plus blocks."""

    text: str
    blocks: list[Block]


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


# -- the card ----------------------------------------------------------------------------------


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


def _rater(rater: str) -> str:
    clean = sanitize(rater).strip()
    if _USER_ID.fullmatch(clean):
        return f"<@{clean}>"
    return _inline(clean, _RATER) or "someone"


def _metadata(metadata: Mapping[str, MetadataValue]) -> str:
    items = list(islice(metadata.items(), _METADATA_SHOWN))
    pairs = " · ".join(f"{clip(str(k), 60)}={clip(_scalar(v), 100)}" for k, v in items)
    more = len(metadata) - len(items)
    suffix = f" · +{more} more" if more > 0 else ""
    return "🏷️ " + _inline(pairs, _METADATA - len(suffix) - 3) + suffix


# -- values ------------------------------------------------------------------------------------


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


def _date(when: datetime) -> str:
    aware = when if when.tzinfo else when.replace(tzinfo=UTC)
    try:
        stamp = int(aware.timestamp())
        fallback = format_time(aware)
    except (OverflowError, ValueError, OSError):
        return "—"
    return f"<!date^{stamp}^{{date_short_pretty}} {{time}}|{fallback}>"


# -- text --------------------------------------------------------------------------------------


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


def _tidy(text: str) -> str:
    return sanitize(text[: _NOTICE * 4]).strip()


def _one_line(text: str) -> str:
    return _SPACES.sub(" ", _tidy(text))


def _inline(text: str, limit: int) -> str:
    """User-provided text on one line, escaped for mrkdwn, at most `limit` characters."""
    head = text[: limit * 4]  # enough to fill `limit` unless it is mostly whitespace
    flat = _SPACES.sub(" ", sanitize(head)).strip()
    return _escape_clip(flat + "…" if len(head) < len(text) else flat, limit)


def _code(text: str, limit: int = _INLINE_ID) -> str:
    shown = _inline(text.replace(_BACKTICK, _SAFE_BACKTICK), limit)
    return f"`{shown}`" if shown else "`?`"


def _channel(channel: str) -> str:
    clean = sanitize(channel).strip().lstrip("#")
    if _CHANNEL_ID.fullmatch(clean):
        return f"<#{clean}>"
    return f"#{_inline(clean, 80)}" if clean else "the review channel"


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


# -- reports: /aig stats, App Home, the weekly digest ------------------------------------------

# Report sections are lists that can grow with the team; each gets a share of the ~12,000
# characters a message may carry (a Home tab has 100 blocks and no such aggregate cap, but
# the same budgets keep it readable).
_REPORT_SECTION = 1800
_REPORT_LINES = 10
STATS_LISTED = 5  # raters and unrated logs the stats answer lists (callers fetch links for these)
_PERMALINK = re.compile(r"https://[^\s<>|]{1,1000}")


def stats_message(stats: Stats, links: Mapping[str, str]) -> Message:
    """The private answer to `/aig stats`: totals, 👍 share by model and provider, the most
    disputed logs (linked to their messages), the most active raters and what is unrated."""
    title = f"📊 Review stats — last {stats.period.label}"
    blocks: list[Block] = [{"type": "header", "text": _plain(title)}]
    if not (stats.posted or stats.votes):
        blocks.append(_section(f"Nothing was posted or rated in the last {stats.period.label}."))
        return Message(text=f"{title}: no activity", blocks=blocks)
    blocks.append({"type": "section", "fields": [_mrkdwn(f) for f in _totals(stats)]})
    blocks += _share_sections(stats)
    if stats.disputed:
        blocks.append(_section(_disputed(stats, links)))
    if stats.raters:
        lines = [
            f"{_rater(r.rater)} — {r.votes} vote{'' if r.votes == 1 else 's'} "
            f"({round(100 * r.up / r.votes)}% 👍)"
            for r in stats.raters
        ]
        blocks.append(_section(_listed("*Most active raters*", lines, limit=STATS_LISTED)))
    if stats.unrated:
        lines = [_log_line(ref, links) for ref in stats.unrated]
        heading = f"*Still unrated* ({len(stats.unrated)}, oldest first)"
        blocks.append(_section(_listed(heading, lines, limit=STATS_LISTED)))
    blocks.append(_context([_COUNTING]))
    text = (
        f"Review stats, last {stats.period.label}: {stats.posted} samples posted, "
        f"{stats.votes} votes, {stats.percent_up}% 👍"
    )
    return Message(text=text, blocks=blocks)


def with_sections(message: Message, text: str) -> Message:
    """`message` with `text` as more mrkdwn sections (3,000 characters each, split on lines),
    placed before its closing context block when it ends with one."""
    limit = 2900  # a section holds 3,000 characters
    chunks: list[str] = []
    for line in text.splitlines():
        if chunks and len(chunks[-1]) + 1 + len(line) <= limit:
            chunks[-1] += "\n" + line
        else:
            chunks.append(line[:limit])
    added = [_section(chunk) for chunk in chunks if chunk.strip()]
    blocks = list(message.blocks)
    at = len(blocks) - 1 if blocks and blocks[-1].get("type") == "context" else len(blocks)
    return Message(text=message.text, blocks=[*blocks[:at], *added, *blocks[at:]])


def home_view(home: Home, links: Mapping[str, str]) -> dict[str, Any]:
    """A person's App Home (views.publish): samples waiting for their vote with buttons that
    open them, their recent votes, and the team's numbers."""
    team = home.team
    blocks: list[Block] = [
        {"type": "header", "text": _plain("🧪 AI Gateway Feedback")},
        _section(
            f"Hi {_rater(home.user)}! You cast {home.mine} of the team's {team.votes} "
            f"vote{'' if team.votes == 1 else 's'} in the last {team.period.label}."
        ),
        {"type": "divider"},
    ]
    if home.waiting:
        more = home.waiting_total - len(home.waiting)
        heading = f"*Waiting for your vote* ({home.waiting_total})"
        blocks.append(
            _section(heading + (f" — the newest {len(home.waiting)} below" if more else ""))
        )
        for i, ref in enumerate(home.waiting[:_HOME_WAITING]):
            block = _section(_log_line(ref, {}, when=True))
            link = links.get(ref.log_id)
            if link and _PERMALINK.fullmatch(link):
                block["accessory"] = {
                    "type": "button",
                    "action_id": f"{ids.HOME_OPEN_PREFIX}:{i}",
                    "text": _plain("Open"),
                    "url": link,
                    "value": sanitize(ref.log_id)[:_BUTTON_VALUE],
                }
            blocks.append(block)
    else:
        blocks.append(_section("*Waiting for your vote*\nNothing — you're all caught up. 🎉"))
    blocks.append({"type": "divider"})
    if home.recent:
        lines = [
            f"{'👍' if v.value > 0 else '👎'} {_log_line(v.log, links)} · {_date(v.voted_at)}"
            for v in home.recent
        ]
        blocks.append(_section(_listed("*Your recent votes*", lines, limit=_REPORT_LINES)))
    else:
        blocks.append(_section("*Your recent votes*\nNone yet: 👍 or 👎 a sample to start."))
    blocks.append({"type": "divider"})
    blocks.append(_section(f"*The team, last {team.period.label}*"))
    blocks.append({"type": "section", "fields": [_mrkdwn(f) for f in _totals(team)]})
    if team.by_model:
        blocks.append(_section(_share_lines("👍 share by model", team.by_model, limit=5)))
    blocks.append(_context(["`/aig stats 30d` shows more. " + _COUNTING]))
    return {"type": "home", "blocks": blocks}


def digest_message(stats: Stats, links: Mapping[str, str], *, chart: bool) -> Message:
    """The weekly digest for the feedback channel: totals, 👍 share by model (`chart` says a
    chart image follows), disputed logs worth a second look, and who took part."""
    days = f"{_day(stats.period.since)} – {_day(stats.period.until)}"
    blocks: list[Block] = [
        {"type": "header", "text": _plain("📬 Weekly feedback digest")},
        _context([f"{days} · last {stats.period.label}"]),
    ]
    if not (stats.posted or stats.votes):
        blocks.append(_section("No samples were posted or rated this week."))
        return Message(text=f"Weekly feedback digest ({days}): no activity", blocks=blocks)
    blocks.append({"type": "section", "fields": [_mrkdwn(f) for f in _totals(stats)]})
    if stats.by_model:
        lines = _share_lines("👍 share by model", stats.by_model, limit=_REPORT_LINES)
        blocks.append(_section(lines + ("\n_The chart follows._" if chart else "")))
    if stats.disputed:
        blocks.append(_section(_disputed(stats, links, heading="*Disputed — worth a second look*")))
    people = len(stats.raters)
    names = [f"{_rater(r.rater)} {r.votes}" for r in stats.raters]
    participation = (
        f"*Participation*\n{people} {'person' if people == 1 else 'people'} rated"
        + (": " + ", ".join(names[:_RATERS_SHOWN]) if names else "")
        + (f" and {people - _RATERS_SHOWN} more" if people > _RATERS_SHOWN else "")
        + f".\n{stats.rated} of {stats.posted} samples rated ({stats.percent_rated}%)"
        + (f"; {len(stats.unrated)} still waiting for a vote." if stats.unrated else ".")
    )
    blocks.append(_section(participation))
    text = (
        f"Weekly feedback digest ({days}): {stats.posted} samples, {stats.votes} votes, "
        f"{stats.percent_up}% 👍, {people} {'rater' if people == 1 else 'raters'}"
    )
    return Message(text=text, blocks=blocks)


_HOME_WAITING = 20
_COUNTING = "Each rater's current vote counts once, when it was cast; a tie writes no verdict."


def _totals(stats: Stats) -> list[str]:
    return [
        f"*Samples posted*\n{stats.posted}",
        f"*Rated*\n{stats.rated} ({stats.percent_rated}%)",
        f"*Votes*\n{stats.votes} (👍 {stats.up} · 👎 {stats.down})",
        f"*👍 share*\n{stats.percent_up}%" if stats.votes else "*👍 share*\n—",
        f"*Raters*\n{len(stats.raters)}",
        f"*Still unrated*\n{len(stats.unrated)}",
    ]


def _share_sections(stats: Stats) -> list[Block]:
    blocks: list[Block] = []
    for title, shares in (
        ("👍 share by model", stats.by_model),
        ("👍 share by provider", stats.by_provider),
    ):
        if shares:
            blocks.append(_section(_share_lines(title, shares, limit=_REPORT_LINES)))
    return blocks


def _share_lines(title: str, shares: tuple[Share, ...], *, limit: int) -> str:
    lines = [
        f"`{_bar(s.percent)}` *{s.percent}%* {_inline(s.name, 60) or '—'} "
        f"({s.up} of {s.total} vote{'' if s.total == 1 else 's'})"
        for s in shares
    ]
    return _listed(f"*{title}*", lines, limit=limit)


def _disputed(stats: Stats, links: Mapping[str, str], *, heading: str = "*Most disputed*") -> str:
    lines = [f"{_log_line(d.log, links)} — 👍 {d.up} · 👎 {d.down}" for d in stats.disputed]
    return _listed(heading, lines, limit=_REPORT_LINES)


def _log_line(ref: LogRef, links: Mapping[str, str], *, when: bool = False) -> str:
    """`LOG_ID` (linked to its message when a permalink is known) · model (provider)."""
    label = _code(ref.log_id, 60)
    link = links.get(ref.log_id)
    if link and _PERMALINK.fullmatch(link):
        label = f"<{link}|{label}>"
    model = _inline(ref.model, 60) or "unknown model"
    provider = _inline(ref.provider, 30)
    line = f"{label} · {model}" + (f" ({provider})" if provider and provider != "unknown" else "")
    if when and ref.posted_at is not None:
        line += f" · posted {_date(ref.posted_at)}"
    return line


def _listed(heading: str, lines: list[str], *, limit: int) -> str:
    """`heading` and up to `limit` bullet lines within the section budget; "+N more" after."""
    out = heading
    shown = 0
    for line in lines[:limit]:
        candidate = f"{out}\n• {line}"
        if len(candidate) > _REPORT_SECTION - 20:
            break
        out, shown = candidate, shown + 1
    if shown < len(lines):
        out += f"\n_…and {len(lines) - shown} more_"
    return out


def _bar(percent: int, width: int = 10) -> str:
    filled = max(0, min(width, round(percent * width / 100)))
    return "█" * filled + "░" * (width - filled)


def _day(when: datetime) -> str:
    return f"{when:%b} {when.day}"

"""The reports: `/aig stats`, the App Home tab and the weekly digest. No IO."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot import ids
from bot.blocks._kit import (
    _BUTTON_VALUE,
    _RATERS_SHOWN,
    Block,
    Message,
    _code,
    _context,
    _date,
    _inline,
    _mrkdwn,
    _plain,
    _rater,
    _section,
)
from bot.excerpts import sanitize
from bot.reports import Home, LogRef, Share, Stats

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

"""What the sandbox page shows, as JSON, and the activity feed behind its side panel.

`page_state` reads the Slack sandbox as one person sees it: the channel's messages with that
person's ephemerals among them, their open modals and their App Home. `ActivityFeed` notices new
gateway calls, Slack Web API calls and the page's own actions, once each, and keeps them as
`Activity` rows for the panel and the terminal. Pure reads of the two sandboxes: no HTTP here,
and nothing is changed in either sandbox.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Collection, Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

from bot.sandbox._slack_records import JSON
from bot.sandbox.gateway import GatewaySandbox
from bot.sandbox.slack import SlackSandbox

Source = Literal["gateway", "slack", "page"]

MAX_ACTIVITY = 500
# Web API methods worth a line: what changes what a person sees (auth.test, users.info … are not)
_SHOWN_SLACK = ("chat.", "views.")
_SHOWN_QUERY = ("page", "per_page")  # the list's date window and order are the same each time


@dataclass(frozen=True, slots=True)
class Activity:
    """One thing that happened, as the side panel and the terminal show it."""

    n: int
    at: float  # wall-clock seconds
    source: Source
    title: str  # "PATCH /logs/01J…", "chat.update", "U0DANA clicked 👍 Good"
    status: int
    ok: bool
    log_id: str | None = None
    body: Any = None  # the request's JSON body (gateway) or the call's arguments (Slack)
    note: str = ""

    def as_json(self) -> JSON:
        return asdict(self)

    def line(self) -> str:
        """The terminal's line for it."""
        stamp = time.strftime("%H:%M:%S", time.localtime(self.at))
        body = ""
        if self.source == "gateway" and self.body is not None:
            body = " " + json.dumps(self.body, ensure_ascii=False)
        result = f"{self.status}" if self.status else "no answer"
        note = f" ({self.note})" if self.note else ""
        return f"{stamp} {self.source:<7} {self.title}{body} → {result}{note}"


class ActivityFeed:
    """The calls and actions seen so far, newest last, each turned into an `Activity` once."""

    def __init__(self, slack: SlackSandbox, gateway: GatewaySandbox) -> None:
        self.slack = slack
        self.gateway = gateway
        self.rows: deque[Activity] = deque(maxlen=MAX_ACTIVITY)
        self._count = 0
        self._seen_gateway: set[int] = set()
        self._seen_slack = 0

    def poll(self) -> list[Activity]:
        """New rows since the last poll, in arrival order."""
        fresh = [*self._new_gateway_calls(), *self._new_slack_calls()]
        fresh.sort(key=lambda row: row.at)
        for row in fresh:
            self.rows.append(row)
        return fresh

    def add_page_action(
        self, title: str, *, status: int, error: str | None, log_id: str | None, note: str = ""
    ) -> Activity:
        """Records something a person did on the page (a click, a slash command)."""
        row = Activity(
            n=self._next(),
            at=time.time(),
            source="page",
            title=title,
            status=status,
            ok=error is None and status == 200,
            log_id=log_id,
            note=error or note,
        )
        self.rows.append(row)
        return row

    def _next(self) -> int:
        self._count += 1
        return self._count

    def _new_gateway_calls(self) -> Iterable[Activity]:
        calls = self.gateway.calls
        missing = len(calls) - len(self._seen_gateway)
        # the list is kept sorted by arrival, so a late answer may sit before newer calls
        fresh = []
        for call in reversed(calls):
            if missing <= 0:
                break
            if id(call) not in self._seen_gateway:
                self._seen_gateway.add(id(call))
                fresh.append(call)
                missing -= 1
        offset = time.time() - time.monotonic()
        for call in reversed(fresh):
            log_id = call.log_id
            note = ""
            if call.operation in ("get", "patch") and log_id is not None and call.status == 200:
                note = f"feedback now {_feedback(self.gateway, log_id)}"
            yield Activity(
                n=self._next(),
                at=call.at + offset,
                source="gateway",
                title=f"{call.method} {_short_path(call.path, call.query)}",
                status=call.status,
                ok=200 <= call.status < 300,
                log_id=log_id,
                body=call.json,
                note=note,
            )

    def _new_slack_calls(self) -> Iterable[Activity]:
        calls = self.slack.calls[self._seen_slack :]
        self._seen_slack += len(calls)
        offset = time.time() - time.monotonic()
        for call in calls:
            if not call.method.startswith(_SHOWN_SLACK):
                continue
            log_id = _log_id_in(str(call.args.get("text") or ""))
            yield Activity(
                n=self._next(),
                at=call.at + offset,
                source="slack",
                title=f"{call.method} log {log_id}" if log_id else call.method,
                status=call.status,
                ok=call.ok,
                log_id=log_id,
                body=_slack_summary(call.args),
                note=call.error or _status_text(call.args),
            )


def page_state(
    slack: SlackSandbox,
    *,
    user: str,
    channel: str,
    teammates: Mapping[str, str],
    closed_views: Collection[str],
) -> JSON:
    """Everything the page renders for `user` looking at `channel`."""
    timeline: list[JSON] = [
        {
            "kind": "message",
            "ts": m.ts,
            "user": m.user,
            "is_bot": m.bot_id is not None,
            "text": m.text,
            "blocks": m.blocks,
            "edits": m.edits,
            "thread_ts": m.thread_ts,
        }
        for m in slack.messages(channel)
    ]
    timeline += [
        {
            "kind": "ephemeral",
            "ts": e.ts,
            "user": slack.bot_user_id,
            "is_bot": True,
            "text": e.text,
            "blocks": e.blocks,
            "edits": e.edits,
            "source": e.source,
        }
        for e in slack.ephemerals(user)
        if e.channel == channel
    ]
    timeline.sort(key=lambda item: _ts_key(str(item["ts"])))
    modals = [
        {
            "id": v.id,
            "title": _plain(v.raw.get("title")),
            "submit": _plain(v.raw.get("submit")),
            "close": _plain(v.raw.get("close")) or "Close",
            "blocks": v.blocks,
        }
        for v in slack.views(user)
        if v.type == "modal" and not v.closed and v.id not in closed_views
    ]
    home = slack.home(user)
    names = {**slack.users, **teammates}
    return {
        "me": user,
        "channel": channel,
        "team": slack.workspace.team_name,
        "bot": {"id": slack.bot_user_id, "name": slack.users.get(slack.bot_user_id, "bot")},
        "teammates": [{"id": uid, "name": name} for uid, name in teammates.items()],
        "users": names,
        "channels": [{"id": cid, "name": name} for cid, name in slack.channels.items()],
        "timeline": timeline,
        "modals": modals,
        "home": None if home is None else {"id": home.id, "blocks": home.blocks},
    }


def _ts_key(ts: str) -> tuple[int, int]:
    seconds, _, micros = ts.partition(".")
    return int(seconds or 0), int(micros or 0)


def _plain(text: object) -> str:
    return str(text.get("text", "")) if isinstance(text, dict) else ""


def _feedback(gateway: GatewaySandbox, log_id: str) -> str:
    try:
        value = gateway.feedback_of(log_id)
    except KeyError:
        return "n/a (no such log)"
    return "not set" if value is None else str(value)


def _short_path(path: str, query: Mapping[str, list[str]]) -> str:
    """`/logs/{id}` and `/logs?page=1&per_page=50` rather than the whole Cloudflare path."""
    head, sep, tail = path.partition("/logs")
    short = f"/logs{tail}" if sep else path or head
    shown = [f"{k}={v}" for k in _SHOWN_QUERY for v in query.get(k, [])]
    hidden = sum(len(values) for k, values in query.items() if k not in _SHOWN_QUERY)
    if hidden:
        shown.append(f"+{hidden} more")
    return short + ("?" + "&".join(shown) if shown else "")


def _log_id_in(text: str) -> str | None:
    """The log ID in a card's fallback text ("… — log 01J…"), as blocks.py writes it."""
    _, sep, tail = text.rpartition(" log ")
    candidate = tail.strip().strip("`")
    return candidate if sep and candidate and " " not in candidate else None


def _slack_summary(args: JSON) -> JSON:
    keep = ("channel", "ts", "user", "user_id", "text", "trigger_id")
    return {key: args[key] for key in keep if key in args}


def _status_text(args: JSON) -> str:
    """The last context block's text: where the bot's cards carry the tally and the sync state."""
    blocks = args.get("blocks")
    if not isinstance(blocks, list):
        return ""
    for block in reversed(blocks):
        if isinstance(block, dict) and block.get("type") == "context":
            parts = [e.get("text", "") for e in block.get("elements", []) if isinstance(e, dict)]
            return " | ".join(str(p) for p in parts if p)
    return ""

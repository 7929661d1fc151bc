"""Typed views of the Slack payloads the listeners handle.

Parsing is strict: a payload missing what a listener needs raises `BadPayload`, which the
app's error handler turns into a 400 (never a 5xx, never a stack trace shown to a user).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlparse

from slack_bolt.request.async_request import AsyncBoltRequest

from bot import ids

LOG_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$")


class BadPayload(ValueError):
    """A Slack payload lacks a field the bot needs, or has one of the wrong type."""


def malformed_body(raw: bytes, *, charset: str | None, headers: Mapping[str, str]) -> str | None:
    """Why Bolt cannot dispatch this request body, or None when it can.

    Bolt parses the body (form, `payload=` JSON or JSON) while it builds the request, and then
    indexes the fields Slack documents (`actions[0]`, `event.type`, …) without checking their
    types, in its listeners' matchers and even in its error handler. Either failure ends as a
    500, so such bodies are refused before dispatch, ahead of the signature check (a 400 tells
    a forger nothing, and nothing is written either way).
    """
    try:
        text = raw.decode(charset or "utf-8")
    except (UnicodeDecodeError, LookupError):
        return "the body is not text in its declared charset"
    try:
        body = AsyncBoltRequest(body=text, headers=dict(headers)).body
    except Exception as exc:  # any failure here is Bolt failing to parse what was sent
        return f"Bolt cannot parse the body ({type(exc).__name__})"
    return _misshapen(body)


_STRING_FIELDS = ("type", "command", "callback_id", "action_id", "response_url")
_OBJECT_FIELDS = ("event", "view", "workflow_step")


def _misshapen(body: Mapping[str, Any]) -> str | None:
    """The first field Bolt relies on whose type is not the one Slack documents."""
    for key in _STRING_FIELDS:
        if key in body and not isinstance(body[key], str):
            return f"{key!r} is not a string"
    for key in _OBJECT_FIELDS:
        if key in body and not isinstance(body[key], Mapping):
            return f"{key!r} is not an object"
    for key in ("event", "view"):
        if key in body and not isinstance(body[key].get("type"), str):
            return f"{key!r} has no type"
    if "actions" in body:
        actions = body["actions"]
        if not isinstance(actions, list) or not actions:
            return "'actions' is not a list of actions"
        for action in actions:
            if not isinstance(action, Mapping) or not isinstance(action.get("action_id"), str):
                return "an action has no action_id"
    return None


@dataclass(frozen=True, slots=True)
class VoteClick:
    """A 👍/👎 (or Retry) press on one of the bot's messages."""

    user: str
    action_id: str
    log_id: str
    action_ts: str
    channel: str | None
    message_ts: str | None
    ephemeral: bool
    response_url: str | None

    @property
    def clicked(self) -> int:
        """+1 for 👍, -1 for 👎."""
        return 1 if self.action_id == ids.VOTE_UP else -1


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise BadPayload(f"missing or invalid {key!r}")
    return value


def _mapping(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    if not isinstance(value, Mapping):
        raise BadPayload(f"missing or invalid {key!r}")
    return value


def _optional_text(data: Mapping[str, Any] | None, key: str) -> str | None:
    value = data.get(key) if isinstance(data, Mapping) else None
    return value if isinstance(value, str) and value else None


def parse_click(body: Mapping[str, Any]) -> VoteClick:
    """The click in a `block_actions` payload."""
    actions = body.get("actions")
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], Mapping):
        raise BadPayload("missing 'actions'")
    action = actions[0]
    user = _text(_mapping(body, "user"), "id")
    log_id = _text(action, "value")
    if not LOG_ID.match(log_id):
        raise BadPayload("the button's value is not a log ID")
    container = body.get("container") if isinstance(body.get("container"), Mapping) else {}
    channel = _optional_text(body.get("channel"), "id") or _optional_text(container, "channel_id")
    return VoteClick(
        user=user,
        action_id=_text(action, "action_id"),
        log_id=log_id,
        # Slack always sends action_ts; without it a redelivery cannot be recognised, but the
        # vote must still count, so the trigger (or the arrival time) stands in for it.
        action_ts=_optional_text(action, "action_ts")
        or _optional_text(body, "trigger_id")
        or f"{time.time():.6f}",
        channel=channel,
        message_ts=_optional_text(container, "message_ts"),
        ephemeral=bool(container.get("is_ephemeral")) if isinstance(container, Mapping) else False,
        response_url=_optional_text(body, "response_url"),
    )


@dataclass(frozen=True, slots=True)
class Command:
    """A parsed `/aig` invocation."""

    name: str  # "log", "sample", "stats", "help", or "unknown"
    argument: str = ""


def parse_command(text: str) -> Command:
    """Split `/aig` text into a subcommand and its argument."""
    words = text.strip().split(maxsplit=1)
    if not words:
        return Command("help")
    name = words[0].lower()
    argument = words[1].strip() if len(words) > 1 else ""
    if name in {"log", "sample", "stats", "help"}:
        return Command(name, argument)
    return Command("unknown", text.strip())


def parse_log_reference(reference: str) -> str:
    """A log ID from an ID or a dashboard URL; ValueError with a user-facing reason otherwise."""
    reference = reference.strip().strip("<>").split("|", 1)[0].strip()
    if not reference:
        raise ValueError("Give a log ID, e.g. `/aig log 01JADMCQQQBWH3NXZ5GCRN98DP`.")
    if reference.startswith(("http://", "https://")):
        url = urlparse(reference)
        query = parse_qs(url.query)
        for key in ("log_id", "logId", "log", "id"):
            if query.get(key):
                reference = query[key][0]
                break
        else:
            segments = [s for s in url.path.split("/") if s]
            if "logs" in segments and segments.index("logs") + 1 < len(segments):
                reference = segments[segments.index("logs") + 1]
            elif segments:
                reference = segments[-1]
            else:
                raise ValueError("That URL doesn't point at a log. Paste the log's ID instead.")
    if not LOG_ID.match(reference):
        raise ValueError(
            "That doesn't look like an AI Gateway log ID (letters, digits, '-' or '_', "
            "like `01JADMCQQQBWH3NXZ5GCRN98DP`)."
        )
    return reference


def parse_count(argument: str, *, default: int, maximum: int) -> int:
    """The `n` of `/aig sample [n]`; ValueError with a user-facing reason otherwise."""
    if not argument:
        return default
    try:
        count = int(argument)
    except ValueError:
        raise ValueError(f"`{argument[:20]}` isn't a number: try `/aig sample 3`.") from None
    if not 1 <= count <= maximum:
        raise ValueError(f"Choose between 1 and {maximum} samples.")
    return count

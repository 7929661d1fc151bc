"""The Slack sandbox's workspace: channels, messages, ephemerals, views, triggers, response URLs.

This is the single mutable state behind the sandbox's Web API, its response_url webhooks and its
driver. It enforces Slack's rules that are about state (who may edit what, trigger_id expiry,
response_url use limits) and hands out frozen snapshots (`_slack_records`). It speaks no HTTP and
parses no arguments: `_slack_http`, `_slack_webapi` and `_slack_driver` do that. Everything runs on
one event loop, so each operation is atomic without locks.
"""

from __future__ import annotations

import copy
import itertools
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.sandbox._slack_records import (
    JSON,
    Ephemeral,
    EphemeralSource,
    Message,
    Version,
    View,
)

TRIGGER_TTL = 3.0  # seconds a trigger_id can be exchanged for a modal
RESPONSE_URL_TTL = 30 * 60.0
RESPONSE_URL_USES = 5

ResponseKind = Literal["command", "message", "ephemeral"]

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


class SlackError(Exception):
    """An `{"ok": false, "error": …}` answer; `extra` is merged into the JSON body."""

    def __init__(self, error: str, *, status: int = 200, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.extra = extra


def missing(field_name: str) -> SlackError:
    """Slack's answer to a call without a required argument."""
    return SlackError(
        "invalid_arguments",
        response_metadata={"messages": [f"[ERROR] missing required field: {field_name}"]},
    )


@dataclass(slots=True, kw_only=True)
class _Content:
    """Text and blocks that can be rewritten, keeping what they said before."""

    text: str
    blocks: list[JSON]
    history: list[Version] = field(default_factory=list)
    deleted: bool = False

    def rewrite(self, text: str, blocks: list[JSON]) -> None:
        self.history.append(Version(self.text, self.blocks))
        self.text, self.blocks = text, blocks


@dataclass(slots=True, kw_only=True)
class StoredMessage(_Content):
    """A channel message (mutable; `snapshot` gives the frozen record)."""

    channel: str
    ts: str
    user: str
    bot_id: str | None
    thread_ts: str | None = None
    metadata: JSON | None = None

    def snapshot(self) -> Message:
        return Message(
            channel=self.channel,
            ts=self.ts,
            text=self.text,
            blocks=copy.deepcopy(self.blocks),
            user=self.user,
            thread_ts=self.thread_ts,
            edits=len(self.history),
            history=tuple(copy.deepcopy(self.history)),
            bot_id=self.bot_id,
            deleted=self.deleted,
            metadata=copy.deepcopy(self.metadata),
        )

    def as_json(self) -> JSON:
        """The message object Slack returns from chat.postMessage and puts in click payloads."""
        message: JSON = {"type": "message", "text": self.text, "user": self.user, "ts": self.ts}
        if self.bot_id is not None:
            message["bot_id"] = self.bot_id
        if self.blocks:
            message["blocks"] = copy.deepcopy(self.blocks)
        if self.thread_ts is not None:
            message["thread_ts"] = self.thread_ts
        if self.metadata is not None:
            message["metadata"] = copy.deepcopy(self.metadata)
        return message


@dataclass(slots=True, kw_only=True)
class StoredEphemeral(_Content):
    """An ephemeral message (mutable; `snapshot` gives the frozen record)."""

    channel: str
    user: str
    ts: str
    source: EphemeralSource
    response_url: str | None
    replaced_via: str | None = None

    def snapshot(self) -> Ephemeral:
        return Ephemeral(
            channel=self.channel,
            user=self.user,
            ts=self.ts,
            text=self.text,
            blocks=copy.deepcopy(self.blocks),
            source=self.source,
            response_url=self.response_url,
            edits=len(self.history),
            history=tuple(copy.deepcopy(self.history)),
            replaced_via=self.replaced_via,
            deleted=self.deleted,
        )


@dataclass(slots=True)
class Trigger:
    """A trigger_id handed to the bot in an interaction payload."""

    user: str
    issued_at: float
    used: bool = False


@dataclass(slots=True)
class ResponseUrl:
    """A response_url handed to the bot, and what "the original message" means for it."""

    url: str
    kind: ResponseKind
    channel: str
    user: str
    target_ts: str | None  # the clicked message or ephemeral; for commands, the last reply
    created_at: float
    uses: int = 0


@dataclass(slots=True)
class StoredView:
    """A modal or Home tab (mutable; `snapshot` gives the frozen record)."""

    id: str
    user: str
    raw: JSON
    hash: str
    root_view_id: str
    previous_view_id: str | None = None
    closed: bool = False

    def snapshot(self) -> View:
        raw = copy.deepcopy(self.raw)
        return View(
            id=self.id,
            type=str(raw.get("type", "")),
            user=self.user,
            blocks=list(raw.get("blocks", [])),
            callback_id=raw.get("callback_id"),
            private_metadata=str(raw.get("private_metadata", "")),
            external_id=raw.get("external_id"),
            hash=self.hash,
            root_view_id=self.root_view_id,
            previous_view_id=self.previous_view_id,
            raw=raw,
            closed=self.closed,
        )


class Workspace:
    """One Slack team as the bot sees it, plus the interactions the sandbox has started."""

    def __init__(
        self,
        *,
        team_id: str,
        bot_user_id: str,
        channels: Iterable[str],
        clock: Callable[[], float],
    ) -> None:
        self.team_id = team_id
        self.team_name = "Sandbox"
        self.domain = "sandbox"
        self.bot_user_id = bot_user_id
        self.bot_id = "B" + bot_user_id.removeprefix("U")
        self.app_id = "A0AIGFEEDBACK"
        self.verification_token = "sandbox-verification-token"
        self.channels: dict[str, str] = {c: c.lower() for c in channels}
        self.member_of: set[str] = set(self.channels)
        self.usergroups: dict[str, list[str]] = {}
        self.users: dict[str, str] = {bot_user_id: "aig-feedback"}
        self.clock = clock
        self.messages: dict[str, dict[str, StoredMessage]] = {}
        self.ephemerals: list[StoredEphemeral] = []
        self.views: dict[str, StoredView] = {}
        self.homes: dict[str, str] = {}  # user -> view id
        self.triggers: dict[str, Trigger] = {}
        self.response_urls: dict[str, ResponseUrl] = {}
        self._last_ts_us = 0
        self._ids = itertools.count(1)

    # --- identifiers -------------------------------------------------------------------------

    def next_ts(self) -> str:
        """A message ts: wall-clock seconds and microseconds, strictly increasing."""
        self._last_ts_us = max(int(time.time() * 1_000_000), self._last_ts_us + 1)
        seconds, micros = divmod(self._last_ts_us, 1_000_000)
        return f"{seconds}.{micros:06d}"

    def short_id(self, prefix: str = "") -> str:
        """A short, Slack-looking identifier that is unique within this sandbox."""
        n, out = next(self._ids) * 7919 + 238_327, ""
        while n:
            n, digit = divmod(n, len(_ALPHABET))
            out += _ALPHABET[digit]
        return prefix + out

    def issue_trigger(self, user: str) -> str:
        trigger_id = (
            f"{next(self._ids)}{int(time.time())}.{self.team_id[1:]}.{secrets.token_hex(16)}"
        )
        self.triggers[trigger_id] = Trigger(user=user, issued_at=self.clock())
        return trigger_id

    def exchange_trigger(self, trigger_id: str) -> Trigger:
        """Uses a trigger_id up, or says why Slack would refuse it."""
        trigger = self.triggers.get(trigger_id)
        if trigger is None:
            raise SlackError("invalid_trigger_id")
        if trigger.used:
            raise SlackError("exchanged_trigger_id")
        if self.clock() - trigger.issued_at > TRIGGER_TTL:
            raise SlackError("expired_trigger_id")
        trigger.used = True
        return trigger

    # --- channels and users ------------------------------------------------------------------

    def resolve_channel(self, value: object) -> str:
        """A channel ID from an ID or a `#name`; `channel_not_found` otherwise."""
        if isinstance(value, str):
            if value in self.channels:
                return value
            name = value.removeprefix("#")
            for channel_id, channel_name in self.channels.items():
                if channel_name == name:
                    return channel_id
        raise SlackError("channel_not_found")

    def user_name(self, user: str) -> str:
        return self.users.get(user, user.lower())

    def is_user(self, user: object) -> bool:
        return isinstance(user, str) and (user in self.users or user[:1] in ("U", "W"))

    # --- messages ----------------------------------------------------------------------------

    def with_block_ids(self, blocks: list[JSON]) -> list[JSON]:
        """A copy of `blocks` where each block has a block_id, as Slack stores them."""
        stored = copy.deepcopy(blocks)
        for block in stored:
            if "block_id" not in block and block.get("type") != "markdown":
                block["block_id"] = self.short_id()
        return stored

    def post_message(
        self,
        channel: str,
        text: str,
        blocks: list[JSON],
        *,
        user: str,
        bot_id: str | None,
        thread_ts: str | None = None,
        metadata: JSON | None = None,
    ) -> StoredMessage:
        message = StoredMessage(
            text=text,
            blocks=self.with_block_ids(blocks),
            channel=channel,
            ts=self.next_ts(),
            user=user,
            bot_id=bot_id,
            thread_ts=thread_ts,
            metadata=copy.deepcopy(metadata),
        )
        self.messages.setdefault(channel, {})[message.ts] = message
        return message

    def find_message(self, channel: str, ts: object) -> StoredMessage:
        message = self.messages.get(channel, {}).get(str(ts))
        if message is None or message.deleted:
            raise SlackError("message_not_found")
        return message

    def post_ephemeral(
        self,
        channel: str,
        user: str,
        text: str,
        blocks: list[JSON],
        *,
        source: EphemeralSource,
        response_url: str | None,
    ) -> StoredEphemeral:
        ephemeral = StoredEphemeral(
            text=text,
            blocks=self.with_block_ids(blocks),
            channel=channel,
            user=user,
            ts=self.next_ts(),
            source=source,
            response_url=response_url,
        )
        self.ephemerals.append(ephemeral)
        return ephemeral

    def find_ephemeral(self, ts: str) -> StoredEphemeral:
        for ephemeral in self.ephemerals:
            if ephemeral.ts == ts:
                return ephemeral
        raise KeyError(f"no ephemeral message with ts {ts}")

    # --- response URLs -----------------------------------------------------------------------

    def new_response_url(
        self, base_url: str, *, kind: ResponseKind, channel: str, user: str, target_ts: str | None
    ) -> ResponseUrl:
        token = f"{self.team_id}/{next(self._ids)}/{secrets.token_urlsafe(18)}"
        url = f"{base_url}/response/{token}"
        entry = ResponseUrl(url, kind, channel, user, target_ts, created_at=self.clock())
        self.response_urls[url] = entry
        return entry

    def open_response_url(self, url: str) -> ResponseUrl:
        """The response_url entry if it still works, or the 404 Slack answers."""
        entry = self.response_urls.get(url)
        if entry is None:
            raise SlackError("no_service", status=404)
        if self.clock() - entry.created_at > RESPONSE_URL_TTL:
            raise SlackError("expired_url", status=404)
        if entry.uses >= RESPONSE_URL_USES:
            raise SlackError("used_url", status=404)
        return entry

    def respond(self, entry: ResponseUrl, body: JSON, text: str, blocks: list[JSON]) -> None:
        """Applies one use of a response_url: replace or delete the original, or post anew."""
        entry.uses += 1
        original = self._original(entry)
        if body.get("delete_original") is True:
            if original is not None:
                original.deleted = True
            return
        if body.get("replace_original") is True and original is not None:
            original.rewrite(text, self.with_block_ids(blocks))
            if isinstance(original, StoredEphemeral):
                original.replaced_via = entry.url
            return
        self.reply(
            entry,
            text,
            blocks,
            source="response_url",
            in_channel=body.get("response_type") == "in_channel",
        )

    def reply(
        self,
        entry: ResponseUrl,
        text: str,
        blocks: list[JSON],
        *,
        source: EphemeralSource,
        in_channel: bool,
    ) -> None:
        """A new reply to an interaction: a channel message, or an ephemeral to its user."""
        if in_channel:
            ts = self.post_message(
                entry.channel, text, blocks, user=self.bot_user_id, bot_id=self.bot_id
            ).ts
        else:
            ts = self.post_ephemeral(
                entry.channel, entry.user, text, blocks, source=source, response_url=entry.url
            ).ts
        if entry.kind == "command":
            entry.target_ts = ts  # a later replace_original rewrites the latest reply

    def _original(self, entry: ResponseUrl) -> StoredMessage | StoredEphemeral | None:
        if entry.target_ts is None:
            return None
        if entry.kind == "message":
            message = self.messages.get(entry.channel, {}).get(entry.target_ts)
            return message if message is not None and not message.deleted else None
        for ephemeral in self.ephemerals:
            if ephemeral.ts == entry.target_ts and not ephemeral.deleted:
                return ephemeral
        for message in self.messages.get(entry.channel, {}).values():
            if message.ts == entry.target_ts and not message.deleted:
                return message
        return None

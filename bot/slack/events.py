"""Message events: a thread reply on one of the bot's samples that starts with `note:` becomes a
note on that log.

Needs the `message.channels` / `message.groups` event subscriptions and the `channels:history`
/ `groups:history` scopes (manifest.yml). Every other message — top-level posts, the bot's own,
edits, deletions — is ignored. The note is acknowledged with a private message in the thread
(`chat.postEphemeral`, covered by `chat:write`), so no reactions scope is needed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import note_saved_message
from bot.notes import NOTE, note_text
from bot.slack.services import Services
from bot.store import Note

logger = logging.getLogger(__name__)

_REPLY_SUBTYPES = (None, "thread_broadcast")  # a plain reply, or one also sent to the channel


@dataclass(frozen=True, slots=True)
class ThreadReply:
    """A person's reply in a thread."""

    channel: str
    user: str
    text: str
    ts: str
    thread_ts: str


def parse_thread_reply(event: Mapping[str, Any]) -> ThreadReply | None:
    """The thread reply in a `message` event; None for anything else (top-level messages,
    bots, edits, deletions and other subtypes)."""
    if event.get("type") != "message" or event.get("subtype") not in _REPLY_SUBTYPES:
        return None
    if event.get("bot_id") or event.get("bot_profile"):
        return None
    fields = [event.get(key) for key in ("channel", "user", "text", "ts", "thread_ts")]
    if not all(isinstance(value, str) and value for value in fields):
        return None
    channel, user, text, ts, thread_ts = (str(value) for value in fields)
    if thread_ts == ts:
        return None  # a thread's parent, not a reply
    return ThreadReply(channel=channel, user=user, text=text, ts=ts, thread_ts=thread_ts)


class ThreadNotes:
    """Turns `note:` replies in a sample's thread into notes."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def on_message(self, event: dict[str, Any], client: AsyncWebClient) -> None:
        """Store a `note:` thread reply on a sample as a note on its log."""
        reply = parse_thread_reply(event)
        text = note_text(reply.text) if reply is not None else None
        if reply is None or text is None:
            return
        store = self.services.store
        post = await store.post_by_ts(reply.channel, reply.thread_ts)
        if post is None:
            return  # a thread under some other message
        if not await self.services.raters.allows(reply.user, client):
            logger.info("note by %s on %s ignored: not an allowed rater", reply.user, post.log_id)
            return
        if any(
            n.author == reply.user and n.kind == NOTE and n.source == "thread" and n.text == text
            for n in await store.notes(post.log_id)
        ):
            return  # Slack delivered this reply again (events are retried)
        now = datetime.now(UTC)
        await store.add_note(
            Note(
                log_id=post.log_id,
                author=reply.user,
                kind=NOTE,
                created_at=now,
                text=text,
                source="thread",
            )
        )
        logger.info("note from %s on %s stored (thread %s)", reply.user, post.log_id, reply.ts)
        if await store.requeue(post.log_id, now):
            self.services.outbox.wake()  # the sample shows its notes
        self.services.spawn(self._receipt(client, reply, post.log_id), name=f"receipt {reply.ts}")

    async def _receipt(self, client: AsyncWebClient, reply: ThreadReply, log_id: str) -> None:
        """Tell the author, privately in the thread, that the note was kept."""
        message = note_saved_message(log_id)
        try:
            await client.chat_postEphemeral(
                channel=reply.channel,
                user=reply.user,
                thread_ts=reply.thread_ts,
                text=message.text,
                blocks=message.blocks,
            )
        except SlackApiError as exc:
            logger.info("note on %s saved but not acknowledged: %s", log_id, exc)


def register(app: AsyncApp, services: Services) -> None:
    """Bind message events (every subtype, so none is reported as unhandled)."""
    app.event("message")(ThreadNotes(services).on_message)

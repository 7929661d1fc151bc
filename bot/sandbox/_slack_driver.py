"""The sandbox playing Slack towards the bot: signed slash commands and button clicks.

Each request goes to the bot's `POST /slack/events` with a fresh `trigger_id` and a fresh
`response_url` on the sandbox, exactly as Slack sends them, and waits at most `ack_timeout`
(Slack's 3 s) for the acknowledgement. A non-empty slash-command ack is shown to the user, as
Slack does. This module sends requests and records their replies in the `Workspace`; the
request shapes live in `_slack_payloads`.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import aiohttp

from bot.sandbox._slack_payloads import (
    InputValue,
    block_actions_payload,
    clicked_action,
    event_callback,
    interaction_body,
    message_event,
    signed_headers,
    slash_command_body,
    view_state_values,
    view_submission_payload,
)
from bot.sandbox._slack_records import (
    JSON,
    ClickResult,
    Ephemeral,
    EventDelivery,
    SlashResult,
    SubmitResult,
)
from bot.sandbox._slack_state import SlackError, Workspace
from bot.sandbox._slack_webapi import WebApi, message_content

logger = logging.getLogger(__name__)

FORM = "application/x-www-form-urlencoded"


class SlackDriver:
    """Sends Slack's requests to the bot at `events_url`, signed with `signing_secret`."""

    def __init__(
        self,
        workspace: Workspace,
        web_api: WebApi,
        *,
        base_url: Callable[[], str],
        signing_secret: str,
        events_url: str | None,
    ) -> None:
        self.workspace = workspace
        self.web_api = web_api
        self.signing_secret = signing_secret
        self.events_url = events_url
        self.ack_timeout = 3.0  # Slack gives up on an unacknowledged request after 3 s
        self._base_url = base_url
        self._session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        self._session = aiohttp.ClientSession()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def slash(self, text: str, *, command: str, user: str, channel: str) -> SlashResult:
        ws = self.workspace
        channel = ws.resolve_channel(channel)
        entry = ws.new_response_url(
            self._base_url(), kind="command", channel=channel, user=user, target_ts=None
        )
        trigger_id = ws.issue_trigger(user)
        body = slash_command_body(
            ws,
            command=command,
            text=text,
            user=user,
            channel=channel,
            response_url=entry.url,
            trigger_id=trigger_id,
        )
        status, raw, elapsed, error = await self.deliver(body, content_type=FORM)
        ack = _json_or_none(raw)
        # Slack shows a non-empty ack (a JSON message, or plain text) to the user at once
        shown = ack if ack is not None else ({"text": raw} if raw.strip() else None)
        if status == 200 and shown and (shown.get("text") or shown.get("blocks")):
            try:
                reply, blocks = message_content(shown, max_block_text=self.web_api.max_block_text)
                in_channel = shown.get("response_type") == "in_channel"
                ws.reply(entry, reply, blocks or [], source="ack", in_channel=in_channel)
            except SlackError as e:
                error = e.error
        return SlashResult(status, ack, raw, entry.url, trigger_id, elapsed, error)

    async def click(
        self, channel: str, ts: str, action_id: str, *, user: str, value: str | None
    ) -> ClickResult:
        ws = self.workspace
        channel = ws.resolve_channel(channel)
        try:
            message = ws.find_message(channel, ts)
        except SlackError:
            raise LookupError(f"no message {ts} in {channel} to click") from None
        action = clicked_action(message.blocks, action_id, value)
        container = {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel,
            "is_ephemeral": False,
        }
        entry = ws.new_response_url(
            self._base_url(), kind="message", channel=channel, user=user, target_ts=ts
        )
        return await self._click(user, channel, container, message.as_json(), action, entry.url)

    async def click_ephemeral(
        self, ephemeral: Ephemeral, action_id: str, *, user: str | None, value: str | None
    ) -> ClickResult:
        if user not in (None, ephemeral.user):
            raise ValueError(f"only {ephemeral.user} sees, so can click, this ephemeral message")
        current = self.workspace.find_ephemeral(ephemeral.ts)
        if current.deleted:
            raise LookupError(f"the ephemeral message {ephemeral.ts} was deleted")
        action = clicked_action(current.blocks, action_id, value)
        container = {
            "type": "message",
            "message_ts": current.ts,
            "channel_id": current.channel,
            "is_ephemeral": True,
        }
        entry = self.workspace.new_response_url(
            self._base_url(),
            kind="ephemeral",
            channel=current.channel,
            user=current.user,
            target_ts=current.ts,
        )
        # Slack sends no `message` object for ephemeral containers
        return await self._click(current.user, current.channel, container, None, action, entry.url)

    async def _click(
        self,
        user: str,
        channel: str,
        container: JSON,
        message: JSON | None,
        action: JSON,
        response_url: str,
    ) -> ClickResult:
        trigger_id = self.workspace.issue_trigger(user)
        payload = block_actions_payload(
            self.workspace,
            user=user,
            channel=channel,
            container=container,
            message=message,
            action=action,
            response_url=response_url,
            trigger_id=trigger_id,
        )
        status, raw, elapsed, error = await self.deliver(
            interaction_body(payload), content_type=FORM
        )
        body = _json_or_none(raw)
        return ClickResult(status, body, raw, response_url, trigger_id, elapsed, error, payload)

    async def event(self, event: JSON) -> EventDelivery:
        """Delivers an Events API `event_callback` wrapping `event`: JSON, signed like the rest."""
        payload = event_callback(self.workspace, event)
        body = json.dumps(payload, separators=(",", ":")).encode()
        status, raw, elapsed, error = await self.deliver(body, content_type="application/json")
        return EventDelivery(status, raw, elapsed, payload, error)

    async def submit_view(
        self, view_id: str, inputs: dict[str, InputValue], *, user: str | None
    ) -> SubmitResult:
        """Press a modal's submit button with `inputs` filled in (by action_id), then apply the
        ack as Slack does: close the modal, show `errors`, `update` it or `clear` the stack."""
        ws = self.workspace
        stored = ws.views.get(view_id)
        if stored is None or stored.raw.get("type") != "modal":
            raise LookupError(f"no modal {view_id}")
        if stored.closed:
            raise LookupError(f"the modal {view_id} was closed")
        if user not in (None, stored.user):
            raise ValueError(f"only {stored.user} sees, so can submit, the modal {view_id}")
        if "submit" not in stored.raw:
            raise ValueError(f"the modal {view_id} has no submit button")
        payload = view_submission_payload(
            ws,
            user=stored.user,
            view=self._view_object(stored.id),
            state_values=view_state_values(list(stored.raw.get("blocks", [])), inputs),
            trigger_id=ws.issue_trigger(stored.user),
        )
        status, raw, elapsed, error = await self.deliver(
            interaction_body(payload), content_type=FORM
        )
        ack = _json_or_none(raw) or {}
        result = SubmitResult(status, ack or None, raw, elapsed, error, payload=payload)
        if status != 200 or error is not None:
            return result  # Slack shows an error in the modal, which stays open
        action = ack.get("response_action")
        if action == "errors":
            return replace(result, errors=dict(ack.get("errors") or {}))
        if action == "update" and isinstance(ack.get("view"), dict):
            stored.raw = dict(ack["view"])
            return result
        if action == "clear":
            for other in ws.views.values():
                if other.user == stored.user and other.root_view_id == stored.root_view_id:
                    other.closed = True
        elif action is not None:
            return replace(result, error=f"unsupported response_action {action!r}")
        stored.closed = True
        return replace(result, closed=True)

    def _view_object(self, view_id: str) -> JSON:
        """The view as Slack puts it in payloads: what views.open returned, without `state`."""
        view: JSON = self.web_api._store(self.workspace.views[view_id])["view"]  # unchanged
        view.pop("state", None)
        return view

    async def thread_reply(
        self, channel: str, thread_ts: str, text: str, *, user: str
    ) -> EventDelivery | None:
        """`user` replies `text` under message `thread_ts`; the bot gets the `message` event
        when it is in the channel (None otherwise: Slack sends channel events only there)."""
        ws = self.workspace
        channel = ws.resolve_channel(channel)
        try:
            parent = ws.find_message(channel, thread_ts)
        except SlackError:
            raise LookupError(f"no message {thread_ts} in {channel} to reply to") from None
        section = {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
        blocks: list[JSON] = [{"type": "rich_text", "elements": [section]}]
        reply = ws.post_message(channel, text, blocks, user=user, bot_id=None, thread_ts=parent.ts)
        if channel not in ws.member_of:
            return None
        message = reply.as_json() | {"client_msg_id": str(uuid.uuid4())}
        return await self.event(
            message_event(ws, message=message, channel=channel, parent_user=parent.user)
        )

    async def deliver(
        self,
        body: bytes,
        *,
        content_type: str,
        timestamp: int | None = None,
        secret: str | None = None,
    ) -> tuple[int, str, float, str | None]:
        """(status, body, seconds, error); error is what Slack would show when the bot fails."""
        if self.events_url is None:
            raise RuntimeError("set events_url to the bot's POST /slack/events URL first")
        if self._session is None:
            raise RuntimeError("the Slack sandbox is not started; await start() first")
        headers = signed_headers(
            secret=self.signing_secret if secret is None else secret,
            timestamp=int(time.time()) if timestamp is None else timestamp,
            body=body,
            content_type=content_type,
        )
        started = time.monotonic()
        timeout = aiohttp.ClientTimeout(total=self.ack_timeout)
        try:
            async with self._session.post(
                self.events_url, data=body, headers=headers, timeout=timeout
            ) as response:
                text, elapsed = await response.text(), time.monotonic() - started
                # Slack reports any answer but 200 to the user as dispatch_failed
                return response.status, text, elapsed, None if response.ok else "dispatch_failed"
        except TimeoutError:
            return 0, "", time.monotonic() - started, "operation_timeout"
        except aiohttp.ClientConnectionError as e:
            logger.warning("Slack sandbox could not reach the bot at %s: %s", self.events_url, e)
            return 0, "", time.monotonic() - started, "dispatch_failed"


def _json_or_none(raw: str) -> JSON | None:
    try:
        parsed: Any = json.loads(raw)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None

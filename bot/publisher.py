"""Posting and editing Slack messages for the sampler and the outbox worker.

Wraps slack_sdk's async Web API client (with its retry handlers for 429s, 5xx and connection
errors) and `response_url` webhooks; Slack's errors leave as `SlackError`, so callers never
parse Slack responses themselves.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.blocks import Message

logger = logging.getLogger(__name__)

# Errors that will not go away by retrying the same call.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "message_not_found",
        "cant_update_message",
        "edit_window_closed",
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "missing_scope",
        "invalid_blocks",
        "msg_blocks_too_long",
        "msg_too_long",
        "no_text",
    }
)


class SlackError(Exception):
    """A Slack Web API call or response_url post failed."""

    def __init__(self, message: str, *, error: str) -> None:
        super().__init__(message)
        self.error = error

    @property
    def permanent(self) -> bool:
        """Whether retrying the same call cannot help."""
        return self.error in PERMANENT_ERRORS


def build_retry_handlers() -> list[AsyncRetryHandler]:
    """Retries for Slack 429 (honouring Retry-After), 5xx and dropped connections."""
    return [
        AsyncConnectionErrorRetryHandler(max_retry_count=2),
        AsyncRateLimitErrorRetryHandler(max_retry_count=3),
        AsyncServerErrorRetryHandler(max_retry_count=2),
    ]


class SlackPublisher:
    """Posts and edits the bot's messages."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def post(self, channel: str, message: Message) -> str:
        """Post to a channel; return the message's `ts`."""
        response = await self._call(
            "chat.postMessage",
            self.client.chat_postMessage(
                channel=channel, text=message.text, blocks=message.blocks, unfurl_links=False
            ),
        )
        return str(response["ts"])

    async def update(self, channel: str, ts: str, message: Message) -> None:
        """Replace a posted message's text and blocks."""
        await self._call(
            "chat.update",
            self.client.chat_update(
                channel=channel, ts=ts, text=message.text, blocks=message.blocks
            ),
        )

    async def ephemeral(self, channel: str, user: str, message: Message) -> None:
        """Show a message to one person in a channel."""
        await self._call(
            "chat.postEphemeral",
            self.client.chat_postEphemeral(
                channel=channel, user=user, text=message.text, blocks=message.blocks
            ),
        )

    async def respond(self, response_url: str, message: Message, *, replace_original: bool) -> None:
        """Answer through an interaction's response_url (ephemeral unless replacing)."""
        webhook = AsyncWebhookClient(response_url, retry_handlers=build_retry_handlers())
        try:
            response = await webhook.send(
                text=message.text,
                blocks=message.blocks,
                response_type="ephemeral",
                replace_original=replace_original,
            )
        except (SlackClientError, OSError) as exc:
            raise SlackError(
                f"response_url post failed: {type(exc).__name__}", error="fetch_failed"
            ) from exc
        if response.status_code != 200:
            raise SlackError(
                f"response_url answered {response.status_code}: {response.body[:200]}",
                error="expired_url" if response.status_code == 404 else "http_error",
            )

    async def _call(self, method: str, call: Awaitable[AsyncSlackResponse]) -> dict[str, object]:
        try:
            response = await call
        except SlackApiError as exc:
            error = str(exc.response.get("error", "unknown_error"))
            raise SlackError(f"{method} failed: {error}", error=error) from exc
        except (SlackClientError, OSError, TimeoutError) as exc:
            raise SlackError(
                f"{method} failed: {type(exc).__name__}", error="fetch_failed"
            ) from exc
        return dict(response.data) if isinstance(response.data, dict) else {}

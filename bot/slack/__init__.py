"""Slack surfaces: one module per surface, and `register_listeners`, the only place Slack
IDs are bound to handlers."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncRespond
from slack_bolt.response import BoltResponse

from bot.blocks import error_message
from bot.slack import actions, commands, events, home, views
from bot.slack.payloads import BadPayload
from bot.slack.services import Services

logger = logging.getLogger(__name__)

__all__ = ["Services", "register_listeners"]


def register_listeners(app: AsyncApp, services: Services) -> None:
    """Bind every listener, and the one error handler."""
    actions.register(app, services)
    commands.register(app, services)
    home.register(app, services)
    views.register(app, services)
    events.register(app, services)
    app.error(on_error)


async def on_error(
    error: Exception, body: dict[str, Any], respond: AsyncRespond | None
) -> BoltResponse:
    """Tell the person privately, log the stack, and never answer Slack with a 5xx."""
    if isinstance(error, BadPayload):
        logger.warning("rejected a malformed Slack payload: %s", error)
        return BoltResponse(status=400, body="")
    logger.error("a Slack listener failed", exc_info=error)
    message = error_message(
        "Something went wrong on our side and nothing was saved. Please try again."
    )
    if respond is not None and isinstance(body, dict) and body.get("response_url"):
        try:
            await respond(
                text=message.text,
                blocks=message.blocks,
                response_type="ephemeral",
                replace_original=False,
            )
        except Exception:
            logger.warning("could not tell the user about the failure", exc_info=True)
    return BoltResponse(status=200, body="")

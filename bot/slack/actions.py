"""Button presses: 👍/👎 on samples and lookup cards, and Retry on a failed sync.

A vote is written to the ledger and the outbox in one transaction *before* `ack()`: a click
Slack saw acknowledged is never lost. The outbox worker does the gateway calls afterwards.
Right after the ack a 👎 opens "Why 👎?" (its trigger_id lasts 3 s) and a 👍 offers a note.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import ids
from bot.blocks import not_allowed_message
from bot.slack.payloads import parse_click
from bot.slack.services import Services
from bot.slack.views import Modals
from bot.store import Click

logger = logging.getLogger(__name__)


class Actions:
    """Listeners for the vote and retry buttons."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.modals = Modals(services)

    async def on_vote(
        self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        """Record a 👍/👎 (or its undo), then acknowledge."""
        click = parse_click(body)
        if not await self._allowed(click.user, click.log_id, ack, respond, client):
            return
        outcome = await self.services.store.record_click(
            Click(
                log_id=click.log_id,
                rater=click.user,
                clicked=click.clicked,
                action_ts=click.action_ts,
                at=datetime.now(UTC),
                channel=click.channel,
                message_ts=click.message_ts,
                response_url=click.response_url if click.ephemeral else None,
            )
        )
        await ack()
        if outcome.recorded:
            logger.info(
                "vote %s %s on %s queued (now %+d)",
                click.user,
                "👍" if click.clicked > 0 else "👎",
                click.log_id,
                outcome.value,
            )
            self.services.outbox.wake()
            # Slack hears the ack when this listener returns: talk to Slack after that
            if outcome.value < 0:  # the modal opens within the trigger's 3 s
                self.services.spawn(
                    self.modals.ask_why(client, body, click.log_id), name=f"why {click.log_id}"
                )
            if outcome.value > 0:
                self.services.spawn(
                    self.modals.offer_note(respond, click.log_id), name=f"note {click.log_id}"
                )
        else:
            logger.info("repeated click by %s on %s ignored", click.user, click.log_id)

    async def on_retry(
        self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        """Queue a parked sync again."""
        click = parse_click(body)
        if not await self._allowed(click.user, click.log_id, ack, respond, client):
            return
        await self.services.store.requeue(click.log_id, datetime.now(UTC))
        await ack()
        logger.info("%s asked to retry the sync of %s", click.user, click.log_id)
        self.services.outbox.wake()

    async def _allowed(
        self, user: str, log_id: str, ack: AsyncAck, respond: AsyncRespond, client: AsyncWebClient
    ) -> bool:
        if await self.services.raters.allows(user, client):
            return True
        await ack()
        logger.info("click by %s on %s refused: not an allowed rater", user, log_id)
        message = not_allowed_message()
        self.services.spawn(
            respond(
                text=message.text,
                blocks=message.blocks,
                response_type="ephemeral",
                replace_original=False,
            ),
            name=f"refusal {user}",
        )
        return False


def register(app: AsyncApp, services: Services) -> None:
    """Bind the buttons' action_ids to their listeners."""
    actions = Actions(services)
    for action_id in ids.VOTE_ACTIONS:
        app.action(action_id)(actions.on_vote)
    app.action(ids.RETRY_SYNC)(actions.on_retry)

"""Modals: "Why 👎?" after a vote (and "Add a note" after a 👍), its submission, and "Show full".

A modal needs the click's `trigger_id`, which Slack lets go 3 s after the click: each one is
opened right after the ack, before any slow work, and "Show full" opens a loading view first
and fills it with `views.update` once the gateway has answered. A submitted reason is stored
before the submission is acknowledged, like a vote; the vote itself was stored before its
click was acknowledged, so nothing is lost when the modal is skipped.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot import ids
from bot.blocks import Block, note_prompt_message
from bot.excerpts import FullText, full_text
from bot.gateway import GatewayError, Priority
from bot.modals import full_log_error_view, full_log_loading_view, full_log_view, reason_view
from bot.notes import MAX_NOTE, REASON
from bot.slack.payloads import LOG_ID, BadPayload, parse_click
from bot.slack.services import Services
from bot.store import Note

logger = logging.getLogger(__name__)

OTHER = "other"  # the category that needs a note saying what "other" was
# What can go wrong talking to Slack after the ack; the vote is saved by then either way.
_SLACK_TROUBLE = (SlackApiError, SlackClientError, aiohttp.ClientError, OSError, TimeoutError)


@dataclass(frozen=True, slots=True)
class ReasonSubmission:
    """A submitted reason modal."""

    user: str
    log_id: str
    vote: int | None
    category: str | None
    text: str


def parse_reason_submission(body: Mapping[str, Any]) -> ReasonSubmission:
    """The reason modal's `view_submission`: who, which log and vote (from private_metadata),
    and what was chosen and written (from `view.state.values`)."""
    user = body.get("user")
    view = body.get("view")
    if not isinstance(user, Mapping) or not isinstance(user.get("id"), str):
        raise BadPayload("missing 'user'")
    if not isinstance(view, Mapping):
        raise BadPayload("missing 'view'")
    try:
        meta = json.loads(str(view.get("private_metadata") or ""))
    except ValueError:
        raise BadPayload("the modal's private_metadata is not JSON") from None
    log_id = meta.get("log_id") if isinstance(meta, Mapping) else None
    vote = meta.get("vote") if isinstance(meta, Mapping) else None
    if not isinstance(log_id, str) or not LOG_ID.match(log_id) or vote not in (-1, 0, 1, None):
        raise BadPayload("the modal's private_metadata names no log")
    state = view.get("state")
    values = state.get("values") if isinstance(state, Mapping) else None
    values = values if isinstance(values, Mapping) else {}
    chosen = _input(values, ids.REASON_CATEGORY_BLOCK, ids.REASON_CATEGORY).get("selected_option")
    category = chosen.get("value") if isinstance(chosen, Mapping) else None
    text = _input(values, ids.REASON_NOTE_BLOCK, ids.REASON_NOTE).get("value")
    return ReasonSubmission(
        user=user["id"],
        log_id=log_id,
        vote=vote or None,
        category=category if isinstance(category, str) and category else None,
        text=text.strip() if isinstance(text, str) else "",
    )


def reason_errors(
    submission: ReasonSubmission, categories: tuple[tuple[str, str], ...]
) -> dict[str, str]:
    """What is wrong with a submission, by input block_id (Slack shows each under its input);
    empty when it can be stored."""
    keys = {key for key, _ in categories}
    if submission.category is not None and submission.category not in keys:
        return {ids.REASON_CATEGORY_BLOCK: "Pick one of the reasons listed."}
    if submission.vote is not None and submission.vote < 0 and submission.category is None:
        return {ids.REASON_CATEGORY_BLOCK: "Pick the main reason for your 👎."}
    if len(submission.text) > MAX_NOTE:
        return {ids.REASON_NOTE_BLOCK: f"Keep the note under {MAX_NOTE:,} characters."}
    if submission.category == OTHER and not submission.text:
        return {ids.REASON_NOTE_BLOCK: "Say what was wrong when you pick “Other”."}
    if submission.category is None and not submission.text:
        return {ids.REASON_NOTE_BLOCK: "Write a note or pick a reason (or press Cancel)."}
    return {}


class Modals:
    """Opens the reason and full-log modals, and takes reason submissions."""

    def __init__(self, services: Services) -> None:
        self.services = services

    # --- after a vote --------------------------------------------------------------------

    async def ask_why(self, client: AsyncWebClient, body: Mapping[str, Any], log_id: str) -> None:
        """Open "Why 👎?" with the click's trigger_id; call right after the vote's ack."""
        view = reason_view(log_id, -1, self.services.settings.reason_categories)
        trigger_id = body.get("trigger_id")
        if not isinstance(trigger_id, str) or not trigger_id:
            logger.warning("no trigger_id with the 👎 on %s: no reason modal", log_id)
            return
        try:
            await client.views_open(trigger_id=trigger_id, view=view)
        except _SLACK_TROUBLE as exc:  # the vote is saved; only the question is lost
            logger.warning("could not open the reason modal for %s: %s", log_id, exc)

    async def offer_note(self, respond: AsyncRespond, log_id: str) -> None:
        """After a 👍: a private message with an "Add a note" button."""
        message = note_prompt_message(log_id)
        try:
            await respond(
                text=message.text,
                blocks=message.blocks,
                response_type="ephemeral",
                replace_original=False,
            )
        except _SLACK_TROUBLE as exc:
            logger.info("could not offer a note on %s: %s", log_id, exc)

    # --- listeners -----------------------------------------------------------------------

    async def on_add_note(
        self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """ "Add a note": the reason modal for the rater's current vote, categories optional."""
        click = parse_click(body)
        held = {v.rater: v.value for v in await self.services.store.votes(click.log_id)}
        trigger = _trigger(body)
        await ack()
        vote = held.get(click.user) or None
        view = reason_view(click.log_id, vote, self.services.settings.reason_categories)
        self.services.spawn(self._open(client, trigger, view), name=f"note form {click.log_id}")

    async def _open(self, client: AsyncWebClient, trigger_id: str, view: Block) -> None:
        await client.views_open(trigger_id=trigger_id, view=view)

    async def on_reason_submitted(
        self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """Validate a reason, store it, then acknowledge (closing the modal) and re-render."""
        submission = parse_reason_submission(body)
        errors = reason_errors(submission, self.services.settings.reason_categories)
        if not errors and not await self.services.raters.allows(submission.user, client):
            errors = {ids.REASON_NOTE_BLOCK: "Only the reviewers on this bot's list can rate."}
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        now = datetime.now(UTC)
        await self.services.store.add_note(
            Note(
                log_id=submission.log_id,
                author=submission.user,
                kind=REASON,
                created_at=now,
                text=submission.text,
                category=submission.category,
                vote=submission.vote,
                source="modal",
            )
        )
        await ack()
        logger.info(
            "reason %s from %s on %s stored",
            submission.category or "(note)",
            submission.user,
            submission.log_id,
        )
        if await self.services.store.requeue(submission.log_id, now):
            self.services.outbox.wake()  # the message shows reasons; metadata may carry one

    async def on_show_full(
        self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """Open a loading modal at once, then fill it with the log's whole prompt and response."""
        click = parse_click(body)
        trigger = _trigger(body)
        await ack()
        self.services.spawn(
            self._show_full(client, trigger, click.log_id), name=f"full {click.log_id}"
        )

    async def _show_full(self, client: AsyncWebClient, trigger_id: str, log_id: str) -> None:
        opened = await client.views_open(trigger_id=trigger_id, view=full_log_loading_view(log_id))
        shown = opened.get("view") or {}
        view = await self._full_view(log_id)
        try:
            await client.views_update(view_id=shown.get("id"), hash=shown.get("hash"), view=view)
        except SlackApiError as exc:  # closed meanwhile, most likely
            logger.info("full view of %s not shown: %s", log_id, exc.response.get("error"))

    async def _full_view(self, log_id: str) -> Block:
        store = self.services.store
        card = await store.card(log_id)
        gateway = self.services.gateways.client(await store.route_of(log_id))
        try:
            request, response = await gateway.bodies(log_id, priority=Priority.INTERACTIVE)
        except GatewayError as exc:
            logger.warning("full view of %s: %s", log_id, exc)
            return full_log_error_view(log_id, "the AI Gateway API did not answer; try again.")
        redact = self.services.redactor
        prompt = full_text(request, kind="prompt")
        answer = full_text(response, kind="response")
        return full_log_view(
            log_id,
            card,
            FullText(redact(prompt.text), prompt.complete),
            FullText(redact(answer.text), answer.complete),
        )


def _input(values: Mapping[str, Any], block_id: str, action_id: str) -> Mapping[str, Any]:
    block = values.get(block_id)
    element = block.get(action_id) if isinstance(block, Mapping) else None
    return element if isinstance(element, Mapping) else {}


def _trigger(body: Mapping[str, Any]) -> str:
    trigger_id = body.get("trigger_id")
    if not isinstance(trigger_id, str) or not trigger_id:
        raise BadPayload("missing 'trigger_id'")
    return trigger_id


def register(app: AsyncApp, services: Services) -> None:
    """Bind "Show full", "Add a note" and the reason modal's submission to their listeners."""
    modals = Modals(services)
    app.action(ids.SHOW_FULL)(modals.on_show_full)
    app.action(ids.ADD_NOTE)(modals.on_add_note)
    app.view(ids.REASON_VIEW)(modals.on_reason_submitted)

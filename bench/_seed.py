"""Posted samples for a phase to click on, made with the bot's own pieces, before the bot starts.

Slack allows about one `chat.postMessage` per second per channel and every sample costs the
bot two gateway reads out of its budget, so the bot cannot post thousands of samples inside a
benchmark (5,000 would take 83 minutes of pacing alone). This module takes the sampler's steps
(`Sampler._post_one`) without the HTTP and the pacing: the log as the gateway stand-in's
GET-one shows it, its seeded bodies, the bot's `Card.from_log` (with redaction) and
`sample_message`, the store's own `reserve_post` → `save_card` → `confirm_post` on the bot's
database file, and the Slack stand-in's own `chat.postMessage`. Durability is off for the
seeding connection only; the bot opens the file with its own settings. The real sampler, over
HTTP and paced, is measured in the sampling phase.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event

from bench._stack import CHANNEL, Stack
from bot.blocks import sample_message
from bot.cards import Card
from bot.gateway import Body
from bot.redact import Redactor
from bot.sandbox._seed_bodies import request_body, response_body
from bot.store import SqlStore
from bot.votes import Tally


@dataclass(frozen=True, slots=True)
class Sample:
    """A posted sample: its log and its Slack message."""

    log_id: str
    ts: str


def _bodies(stack: Stack, index: int) -> tuple[Body, Body]:
    log = stack.logs.log(index)
    if not log.has_payload:  # the gateway answers `{}` for a log collected without payload
        empty = Body.from_bytes(b"{}", "application/json")
        return empty, empty
    raw, content_type = response_body(log)
    return Body.from_bytes(request_body(log), "application/json"), Body.from_bytes(
        raw, content_type
    )


async def post_samples(stack: Stack, count: int, *, seed: int = 11) -> list[Sample]:
    """Post `count` samples (spread over the seeded logs) to the stack's channel."""
    store = SqlStore(stack.database_url)

    @event.listens_for(store.engine, "connect")
    def _fast(dbapi: Any, _: Any) -> None:  # runs after the store's own pragmas
        dbapi.execute("PRAGMA synchronous=OFF")

    await store.migrate()
    redactor = Redactor()
    post = stack.slack.web_api.methods["chat.postMessage"]
    indices = random.Random(seed).sample(range(len(stack.logs)), count)
    posted: list[Sample] = []
    try:
        for index in sorted(indices):
            log_id = stack.logs.id_at(index)
            request, response = _bodies(stack, index)
            card = Card.from_log(stack.seed_gateway.log(log_id), request, response, redact=redactor)
            if not await store.reserve_post(log_id, CHANNEL, datetime.now(UTC)):
                continue
            await store.save_card(card)
            message = sample_message(card, Tally(), None)
            answer = post(
                {
                    "channel": CHANNEL,
                    "text": message.text,
                    "blocks": message.blocks,
                    "unfurl_links": False,
                }
            )
            await store.confirm_post(log_id, str(answer["ts"]))
            posted.append(Sample(log_id, str(answer["ts"])))
    finally:
        await store.close()
    return posted

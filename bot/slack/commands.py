"""The `/aig` slash command: `log <id or URL>`, `sample [n]`, `stats [7d]`, `help`.

Every answer is private (ephemeral). Slow work (gateway calls, posting) happens after the
ack and reports through the command's response_url.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import ids
from bot.blocks import (
    STATS_LISTED,
    Message,
    error_message,
    help_message,
    lookup_message,
    sampled_message,
    stats_message,
    with_sections,
)
from bot.cards import Card
from bot.gateway import GatewayError, NotFound, PermissionDenied, Priority, RateLimited
from bot.permalinks import Permalinks
from bot.reports import Period, build_stats, parse_stats_period
from bot.sampling.coverage import build_coverage, coverage_lines
from bot.sampling.jobs import Sampler
from bot.slack.payloads import parse_command, parse_count, parse_log_reference
from bot.slack.services import Services
from bot.votes import Tally

logger = logging.getLogger(__name__)

MAX_SAMPLE = 20


async def _say(respond: AsyncRespond, message: Message) -> None:
    await respond(
        text=message.text, blocks=message.blocks, response_type="ephemeral", replace_original=False
    )


async def _ack(ack: AsyncAck, message: Message) -> None:
    await ack(text=message.text, blocks=message.blocks, response_type="ephemeral")


class Commands:
    """The `/aig` listener and its subcommands."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def on_aig(
        self,
        ack: AsyncAck,
        command: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
    ) -> None:
        """Dispatch `/aig <subcommand>`."""
        text = command.get("text")
        parsed = parse_command(text if isinstance(text, str) else "")
        user = str(command.get("user_id", ""))
        channel = str(command.get("channel_id", ""))
        if parsed.name == "log":
            await self.log(ack, respond, parsed.argument, channel=channel, user=user)
        elif parsed.name == "sample":
            await self.sample(ack, respond, parsed.argument, user=user, channel=channel)
        elif parsed.name == "stats":
            await self.stats(ack, respond, client, parsed.argument, user=user)
        elif parsed.name == "help":
            await _ack(ack, help_message())
        else:
            await _ack(ack, help_message(unknown=parsed.argument))

    async def log(
        self, ack: AsyncAck, respond: AsyncRespond, argument: str, *, channel: str, user: str
    ) -> None:
        """`/aig log <id>`: a private card with the log's details and vote buttons."""
        allowed = self.services.settings.lookup_channels
        if allowed and channel not in allowed:
            places = ", ".join(f"<#{c}>" for c in sorted(allowed))
            await _ack(ack, error_message(f"`/aig log` answers only in {places}."))
            return
        try:
            log_id = parse_log_reference(argument)
        except ValueError as exc:
            await _ack(ack, error_message(str(exc)))
            return
        await ack()
        logger.info("%s looked up log %s", user, log_id)
        self.services.spawn(self._lookup(respond, log_id, channel), name=f"lookup {log_id}")

    async def _lookup(self, respond: AsyncRespond, log_id: str, channel: str) -> None:
        gateways = self.services.gateways
        names = gateways.for_channel(channel)
        for name in names:
            gateway = gateways.client(name)
            try:
                log = await gateway.get_log(log_id, priority=Priority.INTERACTIVE)
                request, response = await gateway.bodies(log_id, priority=Priority.INTERACTIVE)
            except NotFound:
                continue
            except GatewayError as exc:
                await _say(respond, error_message(_gateway_trouble(exc)))
                return
            break
        else:
            where = " or ".join(f"`{gateways.client(n).gateway_id}`" for n in names)
            await _say(
                respond,
                error_message(
                    f"No log `{log_id}` on gateway {where}. "
                    "Check the ID (logs can also be deleted or rotated out)."
                ),
            )
            return
        card = Card.from_log(log, request, response, redact=self.services.redactor)
        await self.services.store.save_card(card, name)
        tally = Tally.from_votes(await self.services.store.votes(log_id))
        status = await self.services.store.sync_status(log_id)
        await _say(respond, lookup_message(card, tally, status))

    async def sample(
        self, ack: AsyncAck, respond: AsyncRespond, argument: str, *, user: str, channel: str
    ) -> None:
        """`/aig sample [n]`: post n samples to the route's channel now."""
        sampler = self.services.sampler_for(channel)
        try:
            count = parse_count(argument, default=sampler.size, maximum=MAX_SAMPLE)
        except ValueError as exc:
            await _ack(ack, error_message(str(exc)))
            return
        await _ack(ack, sampled_message(count, sampler.channel))
        logger.info("%s asked for %d samples", user, count)
        self.services.spawn(self._sample(respond, sampler, count), name=f"sample {count}")

    async def _sample(self, respond: AsyncRespond, sampler: Sampler, count: int) -> None:
        report = await sampler.run(count)
        posted = len(report.posted)
        if report.errors and not posted:
            await _say(respond, error_message("Sampling failed: " + report.errors[0][:300]))
        elif posted < count:
            await _say(
                respond,
                error_message(
                    f"Posted {posted} of {count}: only {posted} log(s) in the window "
                    "had not been posted before."
                ),
            )

    async def stats(
        self,
        ack: AsyncAck,
        respond: AsyncRespond,
        client: AsyncWebClient,
        argument: str,
        *,
        user: str,
    ) -> None:
        """`/aig stats [7d|30d]`: a private summary of the period's reviewing."""
        try:
            period = parse_stats_period(argument, now=datetime.now(UTC))
        except ValueError as exc:
            await _ack(ack, error_message(str(exc)))
            return
        await ack()
        logger.info("%s asked for stats over the last %s", user, period.label)
        self.services.spawn(self._stats(respond, client, period), name=f"stats {user}")

    async def _stats(self, respond: AsyncRespond, client: AsyncWebClient, period: Period) -> None:
        logs = await self.services.store.activity(period.since, period.until)
        stats = build_stats(logs, period)
        linked = [*(d.log for d in stats.disputed), *stats.unrated[:STATS_LISTED]]
        links = await Permalinks().for_logs(client, linked)
        message = stats_message(stats, links)
        samplers = self.services.samplers
        coverage = build_coverage(
            logs,
            since=period.since,
            until=period.until,
            plans={name: sampler.plan for name, sampler in samplers.items()},
            strata={
                name: [s.name for s in sampler.last_run.strata] if sampler.last_run else []
                for name, sampler in samplers.items()
            },
        )
        if coverage:  # stratified routes: each model's samples against its quota
            message = with_sections(message, "\n".join(coverage_lines(coverage)))
        await _say(respond, message)


def _gateway_trouble(exc: GatewayError) -> str:
    if isinstance(exc, RateLimited):
        return f"Cloudflare's API is rate limiting us; try again in {exc.retry_after:.0f} s."
    if isinstance(exc, PermissionDenied):
        return (
            "The bot's Cloudflare token can't read this gateway's logs (it needs AI Gateway Read)."
        )
    return "The AI Gateway API is not answering right now; try again in a minute."


def register(app: AsyncApp, services: Services) -> None:
    """Bind `/aig` to its listener."""
    app.command(ids.SLASH_COMMAND)(Commands(services).on_aig)

"""Links to the bot's channel messages, from `chat.getPermalink` — the way Slack documents to
get a message's URL (docs.slack.dev/reference/methods/chat.getPermalink).

A message's permalink never changes, so answers are kept (up to a bound) and each message is
asked about once. A link Slack will not give (deleted message, left channel, an outage) is
simply missing: reports then name the log without a link rather than fail.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Iterable

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.reports import LogRef

logger = logging.getLogger(__name__)

MAX_KEPT = 2000
CONCURRENCY = 4  # chat.getPermalink is Tier 4; a few at a time keeps a report quick and polite


class Permalinks:
    """Permalinks by (channel, ts), asked of Slack once each."""

    def __init__(self, *, max_kept: int = MAX_KEPT) -> None:
        self._kept: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._max_kept = max_kept

    async def for_logs(self, client: AsyncWebClient, logs: Iterable[LogRef]) -> dict[str, str]:
        """Permalinks of the logs' messages by log ID; logs without one are left out."""
        wanted: dict[str, tuple[str, str]] = {}
        for log in logs:
            if log.channel and log.ts:
                wanted[log.log_id] = (log.channel, log.ts)
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one(channel: str, ts: str) -> str | None:
            async with gate:
                return await self.get(client, channel, ts)

        found = await asyncio.gather(*(one(channel, ts) for channel, ts in wanted.values()))
        return {log_id: url for log_id, url in zip(wanted, found, strict=True) if url}

    async def get(self, client: AsyncWebClient, channel: str, ts: str) -> str | None:
        """The permalink of message `ts` in `channel`, or None when Slack gives none."""
        key = (channel, ts)
        if key in self._kept:
            self._kept.move_to_end(key)
            return self._kept[key]
        try:
            response = await client.chat_getPermalink(channel=channel, message_ts=ts)
        except SlackApiError as exc:
            logger.warning(
                "no permalink for %s/%s: %s", channel, ts, exc.response.get("error", "error")
            )
            return None
        except (SlackClientError, OSError, TimeoutError) as exc:
            logger.warning("no permalink for %s/%s: %s", channel, ts, type(exc).__name__)
            return None
        url = response.get("permalink")
        if not isinstance(url, str) or not url.startswith("https://"):
            return None
        self._kept[key] = url
        while len(self._kept) > self._max_kept:
            self._kept.popitem(last=False)
        return url

"""App Home: when someone opens the bot's Home tab (`app_home_opened`), publish their own view
with `views.publish` — the samples waiting for their vote (each with a button that opens its
message), their recent votes, and the team's numbers for the last 7 days.

The view is rebuilt from the store each time the tab is opened; only permalinks are kept.
The Open buttons are link buttons, which Slack still reports as actions: they are acknowledged
and nothing more.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import ids
from bot.blocks import home_view
from bot.permalinks import Permalinks
from bot.reports import build_home, parse_stats_period
from bot.slack.services import Services

logger = logging.getLogger(__name__)

RECENT_DAYS = 30  # how far back "your recent votes" looks


class HomeTab:
    """Publishes each person's Home tab."""

    def __init__(
        self, services: Services, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self.services = services
        self.clock = clock
        self.permalinks = Permalinks()

    async def on_home_opened(self, event: dict[str, Any], client: AsyncWebClient) -> None:
        """Publish the Home tab of the person who opened it (not the Messages tab)."""
        user = event.get("user")
        if event.get("tab", "home") != "home" or not isinstance(user, str) or not user:
            return
        # Slack hears the event's ack when this listener returns; publish after that
        self.services.spawn(self._publish(user, client), name=f"home {user}")

    async def _publish(self, user: str, client: AsyncWebClient) -> None:
        now = self.clock()
        logs = await self.services.store.activity(now - timedelta(days=RECENT_DAYS), now)
        home = build_home(logs, user, parse_stats_period("7d", now=now))
        shown = [*home.waiting, *(vote.log for vote in home.recent)]
        links = await self.permalinks.for_logs(client, shown)
        await client.views_publish(user_id=user, view=home_view(home, links))
        logger.info(
            "published App Home for %s: %d samples waiting, %d recent votes",
            user,
            home.waiting_total,
            len(home.recent),
        )

    async def on_open(self, ack: AsyncAck) -> None:
        """An Open button: Slack opens the link itself; the action only needs its ack."""
        await ack()


def register(app: AsyncApp, services: Services) -> None:
    """Bind the Home tab's event and buttons."""
    home = HomeTab(services)
    app.event("app_home_opened")(home.on_home_opened)
    app.action(re.compile(f"^{re.escape(ids.HOME_OPEN_PREFIX)}:"))(home.on_open)

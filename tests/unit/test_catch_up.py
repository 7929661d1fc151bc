"""After downtime, a restarted bot makes up for a missed scheduled run once, never a flood."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.app import Bot
from bot.config import load_settings
from bot.store import MemoryStore

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # a Friday
JOB = "sample:default"
ENV = {
    "SLACK_BOT_TOKEN": "xoxb-1",
    "SLACK_SIGNING_SECRET": "s",
    "CLOUDFLARE_API_TOKEN": "cf",
    "CLOUDFLARE_ACCOUNT_ID": "0123456789abcdef0123456789abcdef",
    "CLOUDFLARE_GATEWAY_ID": "gw",
    "AIG_FEEDBACK_CHANNEL": "C0123ABCD",
    "AIG_SAMPLE_CRON": "0 10 * * *",
}


@pytest.fixture
async def bot() -> AsyncIterator[Bot]:
    built = Bot.build(load_settings(ENV), store=MemoryStore())
    await built.store.migrate()
    yield built
    await built.gateways.aclose()
    await built.store.close()


async def test_a_run_missed_while_down_runs_once_at_start(bot: Bot) -> None:
    """Down since Tuesday: the sampling job is due at start, once (later runs follow the cron)."""
    await bot.store.job_ran(JOB, NOW - timedelta(days=3))
    await bot._catch_up(NOW)
    assert bot.schedule.next_run(JOB) == NOW


async def test_no_catch_up_when_nothing_was_missed(bot: Bot) -> None:
    """Last run at 10:00 today and it is 12:00: the next run stays tomorrow at 10:00."""
    await bot.store.job_ran(JOB, NOW.replace(hour=10))
    await bot._catch_up(NOW)
    next_run = bot.schedule.next_run(JOB)
    assert next_run is None or next_run > NOW


async def test_a_first_start_is_not_a_catch_up(bot: Bot) -> None:
    """A bot that never ran a job before does not run it at start."""
    await bot._catch_up(NOW)
    next_run = bot.schedule.next_run(JOB)
    assert next_run is None or next_run > NOW

"""Fixtures that start the stand-ins in the test's event loop and the bot as a real process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.sandbox import GatewaySandbox, SlackSandbox, build_logs
from tests.e2e.harness import CHANNEL, BotProcess


@pytest.fixture
async def gateway() -> AsyncIterator[GatewaySandbox]:
    sandbox = GatewaySandbox(logs=build_logs(300, now=datetime.now(UTC)))
    await sandbox.start()
    yield sandbox
    await sandbox.stop()


@pytest.fixture
async def slack() -> AsyncIterator[SlackSandbox]:
    sandbox = SlackSandbox(channels=(CHANNEL, "C0OTHER"))
    await sandbox.start()
    yield sandbox
    await sandbox.stop()


@pytest.fixture
async def bot(
    gateway: GatewaySandbox, slack: SlackSandbox, tmp_path: Path
) -> AsyncIterator[BotProcess]:
    process = BotProcess(gateway, slack, tmp_path / "bot.db", tmp_path / "bot.log")
    await process.start()
    yield process
    code = await process.stop()
    assert code == 0, process.output()[-3000:]

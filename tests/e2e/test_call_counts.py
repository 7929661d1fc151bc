"""Call counts the benchmark's targets rest on, with generous margins and never a time: gateway
calls per click in a burst (target 0.1; the naive design spends 2) and list calls per sampling
run of 20 out of 1,000,000 logs (target 4). `make bench` measures the exact figures."""

from __future__ import annotations

import asyncio
import random
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from bot import ids
from bot.sandbox import GatewaySandbox, SlackSandbox, build_logs
from tests.e2e.harness import CHANNEL, BotProcess
from tests.e2e.test_core_loop import vote_value

MAX_CALLS_PER_CLICK = 0.5  # target 0.1: two syncs (PATCH + GET) per log for the whole burst
MAX_LIST_CALLS = 6  # target 4: the page count first, then at most three random pages


async def _outbox_empty(bot: BotProcess) -> bool:
    async with httpx.AsyncClient() as client:
        outbox = (await client.get(f"{bot.url}/healthz")).json()["outbox"]
    return bool(outbox["pending"] == 0 and outbox["parked"] == 0)


async def test_a_burst_of_clicks_costs_few_gateway_calls(
    bot: BotProcess, slack: SlackSandbox, gateway: GatewaySandbox
) -> None:
    """100 clicks (20 raters × 5 messages) at once reach the gateway in far fewer calls than clicks."""
    await slack.slash("sample 5", user="U0ALICE", channel=CHANNEL)
    await slack.wait_for(lambda: len(slack.messages(CHANNEL)) == 5, timeout=30)
    messages = slack.messages(CHANNEL)
    rng = random.Random(4)
    clicks = [
        (m, f"U0RATER{r:02d}", rng.choice(ids.VOTE_ACTIONS)) for r in range(20) for m in messages
    ]
    rng.shuffle(clicks)
    totals = {vote_value(m.blocks): 0 for m in messages}
    for message, _, action in clicks:
        totals[vote_value(message.blocks)] += 1 if action == ids.VOTE_UP else -1
    verdicts = {log: (t > 0) - (t < 0) for log, t in totals.items()}
    before = len(gateway.calls)

    results = await asyncio.gather(
        *(slack.click(CHANNEL, m.ts, action, user=user) for m, user, action in clicks)
    )

    assert all(r.status == 200 for r in results)
    await slack.wait_for(
        lambda: all(gateway.feedback_of(log) == v for log, v in verdicts.items()), timeout=30
    )
    for _ in range(300):  # bounded: the settled burst's last syncs finish
        if await _outbox_empty(bot):
            break
        await asyncio.sleep(0.1)
    assert await _outbox_empty(bot)
    calls = gateway.calls[before:]
    assert len(calls) / len(clicks) <= MAX_CALLS_PER_CLICK, [c.operation for c in calls]
    assert all(c.status != 429 for c in calls)


@pytest.fixture
async def million() -> AsyncIterator[GatewaySandbox]:
    sandbox = GatewaySandbox(logs=build_logs(1_000_000, now=datetime.now(UTC)))
    await sandbox.start()
    yield sandbox
    await sandbox.stop()


async def test_sampling_20_of_a_million_logs_takes_few_list_calls(
    million: GatewaySandbox, slack: SlackSandbox, tmp_path: Path
) -> None:
    """A sampling run of 20 out of 1,000,000 logs lists a handful of pages, never scans."""
    env = BotProcess(million, slack, tmp_path / "b.db", tmp_path / "b.log").env()
    for run in range(2):
        before = len(million.calls)
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "sample",
            "--count",
            "20",
            "--dry-run",
            env=env,
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), timeout=60)
        assert process.returncode == 0, err.decode()
        chosen = [line for line in out.decode().splitlines() if line.startswith("  ")]
        lists = [c for c in million.calls[before:] if c.operation == "list"]
        assert len(chosen) == 20, f"run {run}: {out.decode()}"
        assert 1 <= len(lists) <= MAX_LIST_CALLS, f"run {run}: {len(lists)} list calls"

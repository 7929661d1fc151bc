"""Behaviour that depends on configuration: the schedule, allowed raters, the sample CLI."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot import ids
from bot.sandbox import GatewaySandbox, SlackSandbox
from tests.e2e.harness import CHANNEL, BotProcess


async def test_interval_schedule_posts_without_a_command(
    gateway: GatewaySandbox, slack: SlackSandbox, tmp_path: Path
) -> None:
    """With AIG_SAMPLE_INTERVAL_SECONDS set, sampling runs on its own and never repeats a log."""
    bot = BotProcess(
        gateway,
        slack,
        tmp_path / "b.db",
        tmp_path / "b.log",
        extra_env={"AIG_SAMPLE_INTERVAL_SECONDS": "1", "AIG_SAMPLE_SIZE": "2"},
    )
    await bot.start()
    try:
        await slack.wait_for(lambda: len(slack.messages(CHANNEL)) >= 4, timeout=20)
    finally:
        assert await bot.stop() == 0
    texts = [m.text for m in slack.messages(CHANNEL)]
    assert len(texts) == len(set(texts))


async def test_rater_outside_allowed_list_is_told_privately_and_nothing_is_written(
    gateway: GatewaySandbox, slack: SlackSandbox, tmp_path: Path
) -> None:
    """AIG_ALLOWED_RATERS: an outsider's click writes nothing; a member of an allowed group may vote."""
    slack.usergroups = {"S0REVIEW": ["U0GROUPIE"]}
    bot = BotProcess(
        gateway,
        slack,
        tmp_path / "b.db",
        tmp_path / "b.log",
        extra_env={"AIG_ALLOWED_RATERS": "U0ALICE,S0REVIEW"},
    )
    await bot.start()
    try:
        await slack.slash("sample 1", channel=CHANNEL)
        await slack.wait_for(lambda: len(slack.messages(CHANNEL)) == 1, timeout=10)
        message = slack.messages(CHANNEL)[0]
        result = await slack.click(CHANNEL, message.ts, ids.VOTE_UP, user="U0MALLORY")
        assert result.status == 200
        await slack.wait_for(
            lambda: any("can't rate" in r.body.get("text", "") for r in slack.responses()),
            timeout=5,
        )
        assert gateway.calls_for("patch") == []
        assert slack.message(CHANNEL, message.ts).edits == 0
        await slack.click(CHANNEL, message.ts, ids.VOTE_DOWN, user="U0GROUPIE")
        await slack.wait_for(lambda: len(gateway.calls_for("patch")) == 1, timeout=5)
        assert gateway.calls_for("patch")[0].json == {"feedback": -1}
    finally:
        assert await bot.stop() == 0


async def test_sample_dry_run_prints_ids_and_posts_nothing(
    gateway: GatewaySandbox, slack: SlackSandbox, tmp_path: Path
) -> None:
    """`aig-feedback sample --count 5 --dry-run` prints 5 log IDs and posts nothing."""
    bot = BotProcess(gateway, slack, tmp_path / "b.db", tmp_path / "b.log")
    env = bot.env()
    del env["SLACK_BOT_TOKEN"]  # a dry run needs no Slack credentials
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "sample",
        "--count",
        "5",
        "--dry-run",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    printed = [line.split()[0] for line in out.decode().splitlines() if line.startswith("  ")]
    assert len(printed) == 5 and all(i in set(gateway.log_ids) for i in printed)
    assert slack.calls_to("chat.postMessage") == []

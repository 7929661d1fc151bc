"""Routes from AIG_CONFIG through the real CLI and bot: the dry run's account of itself, and
`/aig stats` coverage per model against the stratified quota."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot import ids
from bot.sandbox import GatewaySandbox, SlackSandbox
from tests.e2e.harness import CHANNEL, BotProcess


def posted_ids(slack: SlackSandbox) -> list[str]:
    """The log IDs of the samples in the channel (the vote buttons carry them)."""
    return [
        str(block["elements"][0]["value"])
        for message in slack.messages(CHANNEL)
        for block in message.blocks
        if block.get("block_id") == ids.VOTE_BLOCK
    ]


async def test_dry_run_prints_calls_strata_and_each_logs_stratum(
    gateway: GatewaySandbox, slack: SlackSandbox, tmp_path: Path
) -> None:
    """A stratified route's dry run lists every list call, each stratum's quota, and each
    chosen log with its stratum; --route picks one route; nothing is posted."""
    routes = tmp_path / "routes.toml"
    routes.write_text(
        f"""
[defaults]
account_id = "{gateway.account_id}"
gateway_id = "{gateway.gateway_id}"
api_base_url = "{gateway.url}"
api_token_env = "SANDBOX_TOKEN"

[routes.models]
channel = "C0MODELS"
strategy = "stratified"
size = 5

[routes.other]
channel = "C0OTHER"
""",
        encoding="utf-8",
    )
    env = BotProcess(gateway, slack, tmp_path / "b.db", tmp_path / "b.log").env()
    for name in ("SLACK_BOT_TOKEN", "CLOUDFLARE_API_TOKEN", "AIG_FEEDBACK_CHANNEL"):
        del env[name]
    env |= {"AIG_CONFIG": str(routes), "SANDBOX_TOKEN": gateway.token}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "sample",
        "--dry-run",
        "--route",
        "models",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    lines = out.decode().splitlines()
    assert lines[0] == "route models → C0MODELS: stratified by model over the last 24 h"
    calls = [line for line in lines if line.startswith("list call ")]
    assert len(calls) == len(gateway.calls_for("list")) == 11  # 1 + 5 to find, 5 to draw
    assert "filters.key=model&filters.operator=neq" in calls[1]
    strata = [line for line in lines if line.startswith("stratum ")]
    assert len(strata) == 5 and all("quota 1, chosen 1" in line for line in strata)
    picks = [line for line in lines if line.startswith("  ")]
    assert len(picks) == 5
    for line in picks:
        log_id, *_, model = line.split("[stratum ")[0].split()
        assert log_id in set(gateway.log_ids)
        assert line.split("[stratum ")[1].startswith(model.split("/", 1)[1])
    assert "C0OTHER" not in out.decode() and slack.calls_to("chat.postMessage") == []


async def test_stats_show_each_models_coverage_against_the_quota(
    gateway: GatewaySandbox, slack: SlackSandbox, tmp_path: Path
) -> None:
    """A stratified route posts one log per model; `/aig stats` then lists every model with
    its samples against the equal quota."""
    routes = tmp_path / "routes.toml"
    routes.write_text(
        f"""
[routes.models]
account_id = "{gateway.account_id}"
gateway_id = "{gateway.gateway_id}"
api_base_url = "{gateway.url}"
channel = "{CHANNEL}"
strategy = "stratified"
cron = "0 0 1 1 *"
""",
        encoding="utf-8",
    )
    bot = BotProcess(
        gateway, slack, tmp_path / "b.db", tmp_path / "b.log", extra_env={"AIG_CONFIG": str(routes)}
    )
    await bot.start()
    try:
        await slack.slash("sample 5", channel=CHANNEL)
        await slack.wait_for(lambda: len(slack.messages(CHANNEL)) == 5, timeout=20)
        await slack.slash("stats", user="U0CAROL", channel=CHANNEL)
        await slack.wait_for(
            lambda: any("Review stats" in e.text for e in slack.ephemerals("U0CAROL")), timeout=10
        )
    finally:
        assert await bot.stop() == 0
    answer = next(e for e in slack.ephemerals("U0CAROL") if "Review stats" in e.text)
    shown = "\n".join(
        b["text"]["text"] for b in answer.blocks if b.get("type") == "section" and "text" in b
    )
    assert "*Coverage by model* — route `models`, 5 samples, equal quota 1.0 each" in shown
    models = {gateway.log(log_id).model for log_id in posted_ids(slack)}
    assert len(models) == 5
    for model in models:
        assert f"• `{model}` — 1 posted / 1.0 quota, 0 rated" in shown

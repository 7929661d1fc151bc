"""Reports through the real bot process: `/aig stats`, App Home, `aig-feedback digest` (a real
PNG over files upload v2) and `aig-feedback export` (JSON Lines and CSV)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import struct
import sys
import zlib
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot import ids
from bot.sandbox import GatewaySandbox, SlackSandbox
from bot.store import Note, SqlStore
from tests.e2e.harness import CHANNEL, BotProcess

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def vote_value(blocks: list[dict[str, Any]]) -> str:
    for block in blocks:
        if block.get("block_id") == ids.VOTE_BLOCK:
            return str(block["elements"][0]["value"])
    raise AssertionError("no vote buttons")


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG, after checking every chunk's CRC and inflating its pixels."""
    assert data[:8] == PNG_MAGIC
    chunks: list[tuple[bytes, bytes]] = []
    at = 8
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at : at + 8])
        body = data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r}"
        chunks.append((kind, body))
        at += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    width, height, depth, color = struct.unpack(">IIBB", chunks[0][1][:10])
    samples = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color]
    pixels = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    assert len(pixels) == height * (1 + (width * samples * depth + 7) // 8)
    return width, height


async def cli(
    bot: BotProcess, *args: str, env: dict[str, str] | None = None
) -> tuple[int, str, str]:
    """Run `python -m bot <args>` without blocking the loop the sandboxes serve on."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=env if env is not None else bot.env(),
        cwd=bot.db_path.parent,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    return int(process.returncode or 0), out.decode(), err.decode()


async def sample_and_vote(slack: SlackSandbox, gateway: GatewaySandbox) -> list[str]:
    """Post 4 samples; ALICE 👍 the first three, BOB 👎 the first and 👍 the fourth."""
    await slack.slash("sample 4", user="U0ALICE", channel=CHANNEL)
    await slack.wait_for(lambda: len(slack.messages(CHANNEL)) == 4, timeout=20)
    messages = slack.messages(CHANNEL)
    for message in messages[:3]:
        assert (await slack.click(CHANNEL, message.ts, ids.VOTE_UP, user="U0ALICE")).status == 200
    for message, action in ((messages[0], ids.VOTE_DOWN), (messages[3], ids.VOTE_UP)):
        assert (await slack.click(CHANNEL, message.ts, action, user="U0BOB")).status == 200
    return [vote_value(m.blocks) for m in messages]


async def test_stats_show_thumbs_up_share_by_model_privately(
    bot: BotProcess, slack: SlackSandbox, gateway: GatewaySandbox
) -> None:
    """After votes, `/aig stats` answers privately with each model's 👍 percentage; a bad
    period gets a private error."""
    log_ids = await sample_and_vote(slack, gateway)
    votes = {log_ids[0]: (1, 1), log_ids[1]: (1, 0), log_ids[2]: (1, 0), log_ids[3]: (1, 0)}
    per_model: dict[str, Counter[str]] = {}
    for log_id, (up, down) in votes.items():
        counts = per_model.setdefault(gateway.log(log_id).model, Counter())
        counts["up"] += up
        counts["down"] += down

    result = await slack.slash("stats", user="U0CAROL", channel=CHANNEL)
    assert result.status == 200
    await slack.wait_for(
        lambda: any("Review stats" in e.text for e in slack.ephemerals("U0CAROL")), timeout=10
    )
    answer = next(e for e in slack.ephemerals("U0CAROL") if "Review stats" in e.text)
    shown = json.dumps(answer.blocks, ensure_ascii=False)
    for model, counts in per_model.items():
        total = counts["up"] + counts["down"]
        percent = round(100 * counts["up"] / total)
        assert f"*{percent}%* {model} ({counts['up']} of {total} vote" in shown, model
    assert "*Samples posted*\\n4" in shown and "*Votes*\\n5 (👍 4 · 👎 1)" in shown
    assert "80% 👍" in answer.text
    link = slack.calls_to("chat.getPermalink")[0].args["message_ts"]
    assert f"/p{link.replace('.', '')}|`{log_ids[0]}`>" in shown  # the disputed one, linked
    assert all("Review stats" not in e.text for e in slack.ephemerals("U0ALICE"))

    bad = await slack.slash("stats 14d", user="U0CAROL", channel=CHANNEL)
    assert bad.status == 200 and bad.body is not None
    assert "`7d` or `30d`" in json.dumps(bad.body)
    assert len(slack.messages(CHANNEL)) == 4  # nothing public


async def test_opening_app_home_publishes_that_persons_view(
    bot: BotProcess, slack: SlackSandbox, gateway: GatewaySandbox
) -> None:
    """A signed `app_home_opened` makes the bot publish a Home tab for exactly that person,
    with their votes and Open buttons for the samples still waiting for them."""
    log_ids = await sample_and_vote(slack, gateway)
    opened = await slack.open_home("U0BOB")
    assert (opened.status, opened.error) == (200, None)
    await slack.wait_for(lambda: slack.home("U0BOB") is not None, timeout=10)
    home = slack.home("U0BOB")
    assert home is not None and home.type == "home" and home.user == "U0BOB"
    shown = json.dumps(home.blocks, ensure_ascii=False)
    assert "<@U0BOB>" in shown and "*Waiting for your vote* (2)" in shown
    opens = [b["accessory"] for b in home.blocks if "accessory" in b]
    assert len(opens) == 2 and all(o["url"].startswith("https://") for o in opens)
    assert {o["value"] for o in opens} == {log_ids[1], log_ids[2]}
    assert "👎 <https://" in shown and f"`{log_ids[0]}`" in shown
    assert slack.home("U0ALICE") is None  # nobody else's tab was touched

    await slack.open_home("U0ALICE", tab="messages")  # the Messages tab is not ours to draw
    await slack.open_home("U0ALICE")
    await slack.wait_for(lambda: slack.home("U0ALICE") is not None, timeout=10)
    assert len(slack.calls_to("views.publish")) == 2


async def test_digest_command_posts_numbers_and_uploads_a_real_png(
    bot: BotProcess, slack: SlackSandbox, gateway: GatewaySandbox
) -> None:
    """`aig-feedback digest` posts the digest message, then a PNG chart through files upload
    v2 (getUploadURLExternal, the bytes, completeUploadExternal) into the feedback channel."""
    await sample_and_vote(slack, gateway)
    code, out, err = await cli(bot, "digest")
    assert code == 0, err[-2000:]
    assert f"digest posted to {CHANNEL}: 4 samples, 5 votes, 2 raters, chart F" in out

    [chart] = slack.files()
    assert chart.channels == (CHANNEL,) and chart.filename.endswith(".png")
    assert chart.mimetype == "image/png" and chart.data[:8] == PNG_MAGIC
    assert chart.length == len(chart.data)
    width, height = png_size(chart.data)
    assert width >= 600 and height >= 150
    methods = [c.method for c in slack.calls]
    upload = methods.index("files.getUploadURLExternal")
    assert methods[upload + 1] == "files.completeUploadExternal"

    digest, shared = slack.messages(CHANNEL)[-2:]
    assert "Weekly feedback digest" in digest.text and "5 votes" in digest.text
    shown = json.dumps(digest.blocks, ensure_ascii=False)
    assert "👍 share by model" in shown and "2 people rated" in shown
    assert "worth a second look" in shown
    assert shared.ts == chart.message_ts[0] and "share by model" in shared.text


async def test_export_writes_rated_logs_with_reasons_as_jsonl_and_csv(
    bot: BotProcess, slack: SlackSandbox, gateway: GatewaySandbox, tmp_path: Path
) -> None:
    """`aig-feedback export` needs only the database: one row per rated log with verdict,
    tally, raters, reasons and notes, model, provider and time; to stdout or a file."""
    log_ids = await sample_and_vote(slack, gateway)
    store = SqlStore(f"sqlite:///{bot.db_path}")
    now = datetime.now(UTC)
    await store.add_note(Note(log_ids[0], "U0BOB", "reason", now, "made up a URL", "wrong", -1))
    await store.add_note(Note(log_ids[0], "U0ALICE", "note", now, "see ticket 12", source="thread"))
    await store.close()
    env = {k: v for k, v in bot.env().items() if not k.startswith(("SLACK_", "CLOUDFLARE_"))}

    code, out, err = await cli(bot, "export", "--since", "2h", env=env)
    assert code == 0, err[-2000:]
    rows = {row["log_id"]: row for row in map(json.loads, out.splitlines())}
    assert set(rows) == set(log_ids)
    disputed = rows[log_ids[0]]
    log = gateway.log(log_ids[0])
    assert (disputed["model"], disputed["provider"]) == (log.model, log.provider)
    assert disputed["created_at"].startswith(f"{log.created_at:%Y-%m-%dT%H:%M:%S}")
    assert (disputed["verdict"], disputed["label"], disputed["tally"]) == (
        0,
        "tied",
        {"up": 1, "down": 1},
    )
    assert [(r["user"], r["vote"]) for r in disputed["raters"]] == [("U0ALICE", 1), ("U0BOB", -1)]
    assert [(r["category"], r["text"]) for r in disputed["reasons"]] == [("wrong", "made up a URL")]
    assert [n["text"] for n in disputed["notes"]] == ["see ticket 12"]
    assert rows[log_ids[3]]["verdict"] == 1 and rows[log_ids[3]]["route"] == "default"
    assert "exported 4 logs rated in the last 2 hours" in err

    target = tmp_path / "dataset.csv"
    code, out, err = await cli(bot, "export", "--format", "csv", "--output", str(target), env=env)
    assert code == 0 and out == "", err[-2000:]
    table = list(csv.DictReader(io.StringIO(target.read_text())))
    assert {r["log_id"] for r in table} == set(log_ids)
    row = next(r for r in table if r["log_id"] == log_ids[0])
    assert (row["verdict"], row["up"], row["down"]) == ("0", "1", "1")
    assert (row["raters_up"], row["raters_down"]) == ("U0ALICE", "U0BOB")
    assert row["reason_categories"] == "wrong" and row["reasons"] == "U0BOB: made up a URL"
    assert row["notes"] == "U0ALICE: see ticket 12" and row["model"] == log.model

    code, _, err = await cli(bot, "export", "--since", "soon", env=env)
    assert code == 2 and "12h, 30d or 2w" in err

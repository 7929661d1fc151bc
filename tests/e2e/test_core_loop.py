"""The core loop through the real bot process over HTTP: sample → post → vote → PATCH → GET → edit."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import yaml

from bot import ids
from bot.sandbox import GatewaySandbox, SlackSandbox
from tests.e2e.harness import CHANNEL, BotProcess

ROOT = Path(__file__).resolve().parents[2]


def status_text(blocks: list[dict[str, object]]) -> str:
    return json.dumps(
        [b for b in blocks if b.get("block_id") == ids.STATUS_BLOCK], ensure_ascii=False
    )


def vote_value(blocks: list[dict[str, object]]) -> str:
    for block in blocks:
        if block.get("block_id") == ids.VOTE_BLOCK:
            return str(block["elements"][0]["value"])  # type: ignore[index]
    raise AssertionError("no vote buttons")


async def test_sample_then_thumbs_up_patches_confirms_and_edits(
    bot: BotProcess, slack: SlackSandbox, gateway: GatewaySandbox
) -> None:
    """`/aig sample 3` posts 3 logs; 👍 leads to PATCH 1, then GET, then an edit crediting the rater."""
    result = await slack.slash("sample 3", user="U0ALICE", channel=CHANNEL)
    assert result.status == 200
    await slack.wait_for(lambda: len(slack.messages(CHANNEL)) == 3, timeout=20)
    messages = slack.messages(CHANNEL)
    log_ids = {vote_value(m.blocks) for m in messages}
    assert len(log_ids) == 3
    for message in messages:
        assert message.text and vote_value(message.blocks) in message.text
        labels = json.dumps(message.blocks, ensure_ascii=False)
        assert "👍" in labels and "👎" in labels

    target = messages[0]
    log_id = vote_value(target.blocks)
    click = await slack.click(CHANNEL, target.ts, ids.VOTE_UP, user="U0BOB")
    assert click.status == 200
    await slack.wait_for(lambda: slack.message(CHANNEL, target.ts).edits >= 1, timeout=5)

    calls = [c for c in gateway.calls if c.log_id == log_id and c.operation in ("patch", "get")]
    patch_at = next(i for i, c in enumerate(calls) if c.operation == "patch")
    assert calls[patch_at].json == {"feedback": 1}
    assert any(c.operation == "get" for c in calls[patch_at + 1 :])
    assert gateway.feedback_of(log_id) == 1
    updates = slack.calls_to("chat.update")
    assert updates and updates[-1].at > calls[-1].at
    edited = slack.message(CHANNEL, target.ts)
    assert "<@U0BOB>" in status_text(edited.blocks) and "saved ✓ verified" in status_text(
        edited.blocks
    )
    assert vote_value(edited.blocks) == log_id  # the buttons stay


async def test_thumbs_down_writes_minus_one(
    bot: BotProcess, slack: SlackSandbox, gateway: GatewaySandbox
) -> None:
    """👎 leads to PATCH feedback -1 and an edited message."""
    await slack.slash("sample 1", channel=CHANNEL)
    await slack.wait_for(lambda: len(slack.messages(CHANNEL)) == 1, timeout=10)
    message = slack.messages(CHANNEL)[0]
    log_id = vote_value(message.blocks)
    await slack.click(CHANNEL, message.ts, ids.VOTE_DOWN, user="U0CAROL")
    await slack.wait_for(lambda: slack.message(CHANNEL, message.ts).edits >= 1, timeout=5)
    assert [c.json for c in gateway.calls_for("patch", log_id)] == [{"feedback": -1}]
    assert "<@U0CAROL>" in status_text(slack.message(CHANNEL, message.ts).blocks)


async def test_lookup_shows_private_card_and_voting_from_it_works(
    bot: BotProcess, slack: SlackSandbox, gateway: GatewaySandbox
) -> None:
    """`/aig log <id>` answers privately with the log's card; its 👍 writes feedback."""
    log_id = gateway.log_ids[5]
    await slack.slash(f"log {log_id}", user="U0ALICE", channel=CHANNEL)
    await slack.wait_for(
        lambda: any(log_id in e.text for e in slack.ephemerals("U0ALICE")), timeout=5
    )
    assert slack.messages(CHANNEL) == []  # nothing public
    card = next(e for e in slack.ephemerals("U0ALICE") if log_id in e.text)
    assert vote_value(card.blocks) == log_id
    await slack.click_ephemeral(card, ids.VOTE_UP)
    await slack.wait_for(lambda: gateway.feedback_of(log_id) == 1, timeout=5)
    await slack.wait_for(  # the card is refreshed in place (a 👍 also offers a note after it)
        lambda: any(
            e.ts == card.ts and "saved" in status_text(e.blocks)
            for e in slack.ephemerals("U0ALICE")
        ),
        timeout=5,
    )


async def test_unknown_and_malformed_ids_get_private_errors(
    bot: BotProcess, slack: SlackSandbox
) -> None:
    """An unknown ID and a malformed one each get a private, clear error; nothing is posted."""
    await slack.slash("log 01JZZZZZZZZZZZZZZZZZZZZZZZ", user="U0ALICE")
    await slack.wait_for(
        lambda: any("No log" in e.text for e in slack.ephemerals("U0ALICE")), timeout=5
    )
    bad = await slack.slash("log this is not an id", user="U0ALICE")
    assert bad.status == 200
    assert any("doesn't look like" in e.text for e in slack.ephemerals("U0ALICE"))
    assert slack.messages(CHANNEL) == []


async def test_help_and_unknown_subcommands_show_usage(
    bot: BotProcess, slack: SlackSandbox
) -> None:
    """`/aig help` and `/aig nonsense` both answer with the usage, privately."""
    for text in ("help", "nonsense", ""):
        result = await slack.slash(text, user="U0ALICE")
        assert result.status == 200
    replies = [json.dumps(e.blocks) for e in slack.ephemerals("U0ALICE")]
    assert len(replies) == 3
    assert all("/aig log" in r and "/aig sample" in r for r in replies)


async def test_every_manifest_command_is_answered(bot: BotProcess, slack: SlackSandbox) -> None:
    """Each slash command manifest.yml declares reaches a listener (a 200 with a reply)."""
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    for entry in manifest["features"]["slash_commands"]:
        result = await slack.slash("help", command=entry["command"], user="U0ALICE")
        assert result.status == 200 and result.body


async def test_votes_are_persisted_across_restart(
    bot: BotProcess, slack: SlackSandbox, gateway: GatewaySandbox
) -> None:
    """After a restart, the same log is not posted again and earlier votes still count."""
    await slack.slash("sample 1", channel=CHANNEL)
    await slack.wait_for(lambda: len(slack.messages(CHANNEL)) == 1, timeout=10)
    message = slack.messages(CHANNEL)[0]
    log_id = vote_value(message.blocks)
    await slack.click(CHANNEL, message.ts, ids.VOTE_UP, user="U0A")
    await slack.wait_for(lambda: gateway.feedback_of(log_id) == 1, timeout=5)
    assert await bot.stop() == 0
    await bot.start()
    await slack.click(CHANNEL, message.ts, ids.VOTE_DOWN, user="U0B")
    await slack.click(CHANNEL, message.ts, ids.VOTE_DOWN, user="U0C")
    await slack.wait_for(lambda: gateway.feedback_of(log_id) == -1, timeout=5)
    await slack.wait_for(
        lambda: (
            "<@U0A>" in status_text(slack.message(CHANNEL, message.ts).blocks)
            and "<@U0C>" in status_text(slack.message(CHANNEL, message.ts).blocks)
        ),
        timeout=5,
    )


async def test_healthz_reports_store_and_scheduler(bot: BotProcess) -> None:
    """/healthz answers 200 with JSON naming the store, scheduler and outbox."""
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{bot.url}/healthz")
    data = response.json()
    assert response.status_code == 200
    assert data["store"] is True and data["scheduler"] is True
    assert data["outbox"]["pending"] == 0


async def test_forged_signature_is_rejected(bot: BotProcess, slack: SlackSandbox) -> None:
    """A request signed with the wrong secret gets 401 and nothing is posted."""
    status, _ = await slack.send_signed(
        b"command=%2Faig&text=sample+2&user_id=U0EVE&channel_id=C0FEEDBACK",
        content_type="application/x-www-form-urlencoded",
        secret="not-the-secret",
    )
    assert status == 401
    assert slack.calls_to("chat.postMessage") == []

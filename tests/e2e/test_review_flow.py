"""The review workflow through the real bot process: "Why 👎?" and its submission, the note
offered after a 👍, "Show full" on a long log, and `note:` replies in a sample's thread."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime

import pytest

from bot import ids
from bot.redact import Redactor
from bot.sandbox import GatewaySandbox, LogSource, SlackSandbox, build_logs
from bot.sandbox.seed import SeedLog
from bot.sandbox.slack import Message, View
from tests.e2e.harness import CHANNEL, BotProcess

LONG_LINE = "The migration plan, step {n}: copy the table, verify counts, swap the alias."
SECRET = "ops-lead@example.com"


@dataclass(frozen=True, slots=True)
class OneLongAnswer(LogSource):
    """Seeded logs where one answers with a long text (far beyond a card's excerpt)."""

    long_index: int = -1
    long_answer: str = ""

    def log(self, index: int) -> SeedLog:
        log = LogSource.log(self, index)
        return replace(log, answer=self.long_answer) if index == self.long_index else log


def long_answer() -> str:
    """About 20,000 characters, an email to redact in the middle and a marker at the end."""
    lines = [LONG_LINE.format(n=n) for n in range(1, 260)]
    lines.insert(130, f"Questions go to {SECRET} & the <ops> channel.")
    return "\n".join([*lines, "", "END-OF-ANSWER-7f3a"])


@pytest.fixture
async def gateway() -> AsyncIterator[GatewaySandbox]:
    base = build_logs(300, now=datetime.now(UTC))
    index = next(
        i
        for i in range(base.count - 1, 0, -1)
        if (log := base.log(i)).success and log.has_payload and not log.streamed and not log.cached
    )
    source = OneLongAnswer(
        **{f.name: getattr(base, f.name) for f in fields(LogSource)},
        long_index=index,
        long_answer=long_answer(),
    )
    sandbox = GatewaySandbox(logs=source)
    await sandbox.start()
    yield sandbox
    await sandbox.stop()


def vote_value(blocks: list[dict[str, object]]) -> str:
    """The log ID the vote buttons carry."""
    for block in blocks:
        if block.get("block_id") == ids.VOTE_BLOCK:
            return str(block["elements"][0]["value"])  # type: ignore[index]
    raise AssertionError("no vote buttons")


def notes_text(message: Message) -> str:
    """The card's reasons-and-notes line, or "" when it has none."""
    for block in message.blocks:
        if block.get("block_id") == ids.NOTES_BLOCK:
            return " | ".join(e["text"] for e in block["elements"])  # type: ignore[index]
    return ""


def modals(slack: SlackSandbox, user: str, callback_id: str) -> list[View]:
    """The modals `user` has seen with this callback_id, oldest first."""
    return [v for v in slack.views(user) if v.type == "modal" and v.callback_id == callback_id]


def code_under(view: View, header: str) -> list[str]:
    """The code sections of a view between the header `header` and the next header."""
    code, inside = [], False
    for block in view.blocks:
        if block["type"] == "header":
            inside = block["text"]["text"] == header
        elif inside and block["type"] == "section" and block["text"]["text"].startswith("```"):
            code.append(block["text"]["text"].removeprefix("```\n").removesuffix("\n```"))
    return code


async def one_sample(slack: SlackSandbox) -> Message:
    """Post one sample with `/aig sample 1` and return its message."""
    await slack.slash("sample 1", channel=CHANNEL)
    await slack.wait_for(lambda: len(slack.messages(CHANNEL)) == 1, timeout=10)
    return slack.messages(CHANNEL)[0]


async def export_jsonl(bot: BotProcess) -> str | None:
    """`aig-feedback export --format jsonl` against the bot's database; None until it exists."""
    if importlib.util.find_spec("bot.export") is None:
        return None
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "export",
        "--format",
        "jsonl",
        env=bot.env() | {"PYTHONPATH": os.pathsep.join(sys.path)},
        cwd=bot.db_path.parent,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()[-2000:]
    return out.decode()


async def test_thumbs_down_opens_the_reason_modal_and_its_submission_is_stored(
    bot: BotProcess, slack: SlackSandbox
) -> None:
    """👎 opens "Why 👎?" within the trigger's 3 s; a bad submission gets field errors, a good
    one is stored and shows on the edited sample."""
    message = await one_sample(slack)
    log_id = vote_value(message.blocks)
    clicked = time.monotonic()
    click = await slack.click(CHANNEL, message.ts, ids.VOTE_DOWN, user="U0CAROL")
    assert click.status == 200
    await slack.wait_for(lambda: bool(modals(slack, "U0CAROL", ids.REASON_VIEW)), timeout=3)
    (opened,) = [c for c in slack.calls_to("views.open") if c.ok]
    assert opened.args["trigger_id"] == click.trigger_id and opened.at - clicked < 3.0
    (modal,) = modals(slack, "U0CAROL", ids.REASON_VIEW)
    assert json.loads(modal.private_metadata) == {"log_id": log_id, "vote": -1}

    with pytest.raises(ValueError, match="required"):  # Slack's client insists on a reason
        await slack.submit_view(modal.id, {ids.REASON_NOTE: "no category"})
    bad = await slack.submit_view(modal.id, {ids.REASON_CATEGORY: "other"})
    assert bad.errors and ids.REASON_NOTE_BLOCK in bad.errors and not bad.closed

    good = await slack.submit_view(
        modal.id,
        {ids.REASON_CATEGORY: "wrong", ids.REASON_NOTE: "Cites a refund policy we don't have"},
    )
    assert good.status == 200 and good.closed and good.elapsed < 3.0
    state = good.payload["view"]["state"]["values"]  # type: ignore[index]
    chosen = state[ids.REASON_CATEGORY_BLOCK][ids.REASON_CATEGORY]["selected_option"]
    assert chosen["value"] == "wrong"
    await slack.wait_for(
        lambda: "wrong ×1" in notes_text(slack.message(CHANNEL, message.ts)), timeout=5
    )
    shown = notes_text(slack.message(CHANNEL, message.ts))
    assert "<@U0CAROL>" in shown and "Cites a refund policy we don't have" in shown

    exported = await export_jsonl(bot)
    if exported is not None:  # `aig-feedback export` ships separately; check it once it exists
        rows = [json.loads(line) for line in exported.splitlines() if line.strip()]
        (row,) = [r for r in rows if r.get("log_id") == log_id]
        assert "wrong" in json.dumps(row) and "Cites a refund policy" in json.dumps(row)


async def test_vote_is_kept_when_the_reason_modal_is_skipped(
    bot: BotProcess, slack: SlackSandbox, gateway: GatewaySandbox
) -> None:
    """Closing "Why 👎?" without submitting loses nothing: the 👎 is written all the same."""
    message = await one_sample(slack)
    log_id = vote_value(message.blocks)
    await slack.click(CHANNEL, message.ts, ids.VOTE_DOWN, user="U0DAN")
    await slack.wait_for(lambda: gateway.feedback_of(log_id) == -1, timeout=5)
    assert modals(slack, "U0DAN", ids.REASON_VIEW)
    assert notes_text(slack.message(CHANNEL, message.ts)) == ""


async def test_thumbs_up_offers_an_optional_note(bot: BotProcess, slack: SlackSandbox) -> None:
    """👍 offers "Add a note" privately; its modal needs no category and the note is stored."""
    message = await one_sample(slack)
    await slack.click(CHANNEL, message.ts, ids.VOTE_UP, user="U0ERIN")
    await slack.wait_for(lambda: bool(slack.ephemerals("U0ERIN")), timeout=5)
    (offer,) = slack.ephemerals("U0ERIN")
    await slack.click_ephemeral(offer, ids.ADD_NOTE)
    await slack.wait_for(lambda: bool(modals(slack, "U0ERIN", ids.REASON_VIEW)), timeout=3)
    (modal,) = modals(slack, "U0ERIN", ids.REASON_VIEW)
    assert json.loads(modal.private_metadata)["vote"] == 1
    empty = await slack.submit_view(modal.id, {})
    assert empty.errors and not empty.closed
    done = await slack.submit_view(modal.id, {ids.REASON_NOTE: "Exactly the tone we want"})
    assert done.closed
    await slack.wait_for(
        lambda: "Exactly the tone we want" in notes_text(slack.message(CHANNEL, message.ts)),
        timeout=5,
    )


async def test_show_full_reveals_the_whole_long_response_redacted(
    bot: BotProcess, slack: SlackSandbox, gateway: GatewaySandbox
) -> None:
    """ "Show full" opens a loading modal at once, then shows the entire ~20,000-character
    response in sections within Slack's limits, with the email masked as on the card."""
    source = gateway.logs
    assert isinstance(source, OneLongAnswer)
    log_id = source.id_at(source.long_index)
    await slack.slash(f"log {log_id}", user="U0ALICE", channel=CHANNEL)
    await slack.wait_for(
        lambda: any(log_id in e.text for e in slack.ephemerals("U0ALICE")), timeout=5
    )
    card = next(e for e in slack.ephemerals("U0ALICE") if log_id in e.text)
    assert "END-OF-ANSWER" not in json.dumps(card.blocks)  # the card shows an excerpt only
    clicked = time.monotonic()
    await slack.click_ephemeral(card, ids.SHOW_FULL)
    await slack.wait_for(lambda: any(c.ok for c in slack.calls_to("views.update")), timeout=5)
    (opened,) = slack.calls_to("views.open")
    assert opened.ok and opened.at - clicked < 3.0
    assert "Fetching" in json.dumps(opened.args["view"])
    (view,) = modals(slack, "U0ALICE", ids.FULL_LOG_VIEW)
    assert len(view.blocks) <= 100 and len(json.dumps(view.raw)) < 250_000
    sections = [b["text"]["text"] for b in view.blocks if b["type"] == "section"]
    assert all(len(text) <= 3000 for text in sections)
    shown = "\n".join(code_under(view, "Response"))
    shown = shown.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert shown == Redactor()(long_answer())  # all of it, masked like the card
    assert SECRET not in json.dumps(view.raw) and "[email]" in shown
    assert "✂️" not in json.dumps(view.raw)  # nothing was cut


async def test_note_reply_in_a_sample_thread_is_stored(
    bot: BotProcess, slack: SlackSandbox
) -> None:
    """A `note:` reply in a sample's thread becomes a note (acknowledged privately, shown on the
    card); other replies, other threads and top-level messages are ignored."""
    message = await one_sample(slack)
    await slack.click(CHANNEL, message.ts, ids.VOTE_UP, user="U0FAY")
    await slack.wait_for(lambda: slack.message(CHANNEL, message.ts).edits >= 1, timeout=5)
    other = slack.post_user_message(CHANNEL, "lunch?", user="U0GUS")
    for thread, text in ((message.ts, "nice one"), (other.ts, "note: not a sample")):
        ignored = await slack.post_thread_reply(CHANNEL, thread, text, user="U0GUS")
        assert ignored is not None and ignored.status == 200
    delivery = await slack.post_thread_reply(
        CHANNEL, message.ts, "Note: the SQL joins on the wrong key", user="U0GUS"
    )
    assert delivery is not None and delivery.status == 200
    event = delivery.payload["event"]
    assert event["thread_ts"] == message.ts and event["parent_user_id"] == slack.bot_user_id
    await slack.wait_for(
        lambda: any("Saved as a note" in e.text for e in slack.ephemerals("U0GUS")), timeout=5
    )
    await slack.wait_for(
        lambda: "the SQL joins on the wrong key" in notes_text(slack.message(CHANNEL, message.ts)),
        timeout=5,
    )
    assert "1 note" in notes_text(slack.message(CHANNEL, message.ts))
    assert [c.args["thread_ts"] for c in slack.calls_to("chat.postEphemeral")] == [message.ts]

"""The scripted part of `aig-feedback demo`: what a team does, step by step, with real log IDs.

`/aig sample 3` → three posts → a teammate's 👍 → PATCH → GET → the edited message; a second
teammate's 👎 on another; a second 👍 on the first; a private `/aig log` lookup and a bad ID.
Drives the Slack sandbox the way Slack would and reads both sandboxes to say what happened.
Raises TimeoutError when a step does not happen in time.
"""

from __future__ import annotations

import time
from typing import Protocol

from bot import ids
from bot.sandbox import GatewaySandbox, SlackSandbox

TEAMMATE = "U0DANA"
SECOND_TEAMMATE = "U0SAM"


class Say(Protocol):
    """Prints a numbered step, or a detail under it."""

    def __call__(self, text: str) -> None: ...

    def detail(self, text: str) -> None: ...


async def walk(say: Say, slack: SlackSandbox, gateway: GatewaySandbox, *, channel: str) -> None:
    """Runs the walkthrough against running sandboxes and a bot wired to them."""
    say("A teammate types `/aig sample 3` in the channel")
    result = await slack.slash("sample 3", user=TEAMMATE, channel=channel)
    ack_text = result.body.get("text") if isinstance(result.body, dict) else result.text
    say.detail(f"acknowledged in {result.elapsed * 1000:.0f} ms, privately: {ack_text!r}")
    await slack.wait_for(lambda: len(slack.messages(channel)) >= 3, timeout=30)
    posted = slack.messages(channel)
    say("The bot posted 3 samples (paced to one message per second):")
    for message in posted:
        say.detail(f"ts {message.ts}  {message.text}")
    counts = {op: len(gateway.calls_for(op)) for op in ("list", "request", "response")}
    say.detail(
        f"gateway calls: {counts['list']} list, {counts['request']} request bodies, "
        f"{counts['response']} response bodies"
    )

    first, second = posted[0], posted[1]
    first_id, second_id = log_id_of(first.blocks), log_id_of(second.blocks)
    vote = _Voter(say, slack, gateway, channel)
    await vote(first.ts, first_id, ids.VOTE_UP, TEAMMATE, expect=1)
    await vote(second.ts, second_id, ids.VOTE_DOWN, SECOND_TEAMMATE, expect=-1)

    say(f"{SECOND_TEAMMATE} also likes the first answer: 👍")
    before = len(gateway.calls_for("patch", first_id))
    await slack.click(channel, first.ts, ids.VOTE_UP, user=SECOND_TEAMMATE)
    await slack.wait_for(lambda: len(gateway.calls_for("patch", first_id)) > before, timeout=10)
    await slack.wait_for(lambda: slack.message(channel, first.ts).edits >= 2, timeout=10)
    say.detail("message now shows: " + status_line(slack.message(channel, first.ts).blocks))

    say(f"A teammate looks up a log privately: `/aig log {first_id}`")
    await slack.slash(f"log {first_id}", user=TEAMMATE, channel=channel)
    await slack.wait_for(
        lambda: any(_is_card(e.text, first_id) for e in slack.ephemerals(TEAMMATE)), timeout=10
    )
    card = [e for e in slack.ephemerals(TEAMMATE) if _is_card(e.text, first_id)][-1]
    say.detail(f"private card: {card.text!r}")
    say.detail("card shows: " + status_line(card.blocks))

    say("`/aig log NOT-A-LOG` answers privately with an error")
    await slack.slash("log NOT-A-LOG", user=TEAMMATE, channel=channel)
    await slack.wait_for(
        lambda: any("No log" in e.text for e in slack.ephemerals(TEAMMATE)), timeout=10
    )
    say.detail(repr([e.text for e in slack.ephemerals(TEAMMATE) if "No log" in e.text][-1]))

    stored = {log_id: gateway.feedback_of(log_id) for log_id in (first_id, second_id)}
    say(f"Done. Feedback now on the sandbox gateway: {stored}")


class _Voter:
    """One teammate's click and everything it causes, narrated."""

    def __init__(
        self, say: Say, slack: SlackSandbox, gateway: GatewaySandbox, channel: str
    ) -> None:
        self.say, self.slack, self.gateway, self.channel = say, slack, gateway, channel

    async def __call__(
        self, ts: str, log_id: str, action_id: str, user: str, *, expect: int
    ) -> None:
        say, slack, gateway, channel = self.say, self.slack, self.gateway, self.channel
        emoji = "👍" if action_id == ids.VOTE_UP else "👎"
        say(f"{user} clicks {emoji} on log {log_id}")
        started = time.monotonic()
        click = await slack.click(channel, ts, action_id, user=user)
        say.detail(f"acknowledged in {click.elapsed * 1000:.0f} ms (vote stored before the ack)")
        await slack.wait_for(
            lambda: "saved" in status_line(slack.message(channel, ts).blocks), timeout=10
        )
        patch = gateway.calls_for("patch", log_id)[-1]
        say.detail(f"PATCH /logs/{log_id} {patch.json} → {patch.status}")
        gets = [c for c in gateway.calls_for("get", log_id) if c.at >= patch.at]
        if gets:
            say.detail(f"GET /logs/{log_id} → feedback {gateway.feedback_of(log_id)} (confirmed)")
        say.detail("message edited: " + status_line(slack.message(channel, ts).blocks))
        say.detail(f"click → edited message in {(time.monotonic() - started) * 1000:.0f} ms")
        if gateway.feedback_of(log_id) != expect:
            raise TimeoutError(f"expected feedback {expect} on {log_id}")


def status_line(blocks: list[dict[str, object]]) -> str:
    """The tally and sync state a card shows, or "(no status)"."""
    for block in blocks:
        if block.get("block_id") == ids.STATUS_BLOCK:
            elements = block.get("elements")
            if isinstance(elements, list):
                return " | ".join(str(e.get("text", "")) for e in elements if isinstance(e, dict))
    return "(no status)"


def log_id_of(blocks: list[dict[str, object]]) -> str:
    """The log ID a card's vote buttons carry."""
    for block in blocks:
        if block.get("block_id") == ids.VOTE_BLOCK:
            elements = block.get("elements")
            if isinstance(elements, list) and elements and isinstance(elements[0], dict):
                return str(elements[0].get("value"))
    raise ValueError("no vote buttons in the message")


def _is_card(text: str, log_id: str) -> bool:
    """Whether a private message is the lookup card of `log_id` (not, say, a note offer)."""
    return text.startswith("AI Gateway log lookup") and log_id in text

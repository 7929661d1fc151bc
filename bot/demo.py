"""`aig-feedback demo`: the whole loop on this machine, with no credentials.

Starts the loopback stand-ins of Cloudflare's logs API and of Slack, runs the bot against them
in HTTP mode, and walks through it the way a team would: `/aig sample 3` → three posts → a
teammate's 👍 → PATCH → GET → the edited message; then a 👎 and a private `/aig log` lookup.
Every step prints what happened, with the real log IDs.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from datetime import UTC, datetime

from bot import ids
from bot.app import Bot
from bot.config import Settings
from bot.sandbox import GatewaySandbox, SlackSandbox, build_logs
from bot.store import MemoryStore

CHANNEL = "C0FEEDBACK"
TEAMMATE = "U0DANA"
SECOND_TEAMMATE = "U0SAM"
SEED_LOGS = 500


class Narrator:
    """Prints numbered steps with the time since the demo began."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.step = 0

    def __call__(self, text: str) -> None:
        self.step += 1
        print(f"[{time.monotonic() - self.started:5.2f}s] {self.step:>2}. {text}", flush=True)

    def detail(self, text: str) -> None:
        print(f"{'':14}{text}", flush=True)


def _status_line(blocks: list[dict[str, object]]) -> str:
    for block in blocks:
        if block.get("block_id") == ids.STATUS_BLOCK:
            elements = block.get("elements")
            if isinstance(elements, list):
                return " | ".join(str(e.get("text", "")) for e in elements if isinstance(e, dict))
    return "(no status)"


async def run_demo() -> int:
    """Run the scripted demo; 0 when every step happened as it should."""
    logging.getLogger().setLevel(logging.WARNING)
    say = Narrator()
    gateway = GatewaySandbox(logs=build_logs(SEED_LOGS, now=datetime.now(UTC)))
    slack = SlackSandbox(channels=(CHANNEL,))
    await gateway.start()
    await slack.start()
    bot: Bot | None = None
    try:
        say(f"Sandbox AI Gateway serving {SEED_LOGS} logs from the last 24 h at {gateway.url}")
        say(f"Sandbox Slack Web API at {slack.api_url} (channel {CHANNEL})")
        settings = Settings(
            slack_bot_token=slack.bot_token,
            slack_signing_secret=slack.signing_secret,
            slack_api_url=slack.api_url,
            cloudflare_api_token=gateway.token,
            cloudflare_account_id=gateway.account_id,
            cloudflare_gateway_id=gateway.gateway_id,
            cloudflare_api_base_url=gateway.url,
            feedback_channel=CHANNEL,
            sample_size=3,
        )
        bot = Bot.build(replace(settings), store=MemoryStore(), with_schedule=False)
        await bot.start()
        port = await bot.serve_http("127.0.0.1", 0)
        slack.events_url = f"http://127.0.0.1:{port}/slack/events"
        say(f"Bot running in HTTP mode at {slack.events_url}")

        say("A teammate types `/aig sample 3` in the channel")
        result = await slack.slash("sample 3", user=TEAMMATE, channel=CHANNEL)
        ack_text = result.body.get("text") if isinstance(result.body, dict) else result.text
        say.detail(f"acknowledged in {result.elapsed * 1000:.0f} ms, privately: {ack_text!r}")
        await slack.wait_for(lambda: len(slack.messages(CHANNEL)) >= 3, timeout=30)
        posted = slack.messages(CHANNEL)
        say("The bot posted 3 samples (paced to one message per second):")
        for message in posted:
            say.detail(f"ts {message.ts}  {message.text}")
        counts = {op: len(gateway.calls_for(op)) for op in ("list", "request", "response")}
        say.detail(
            f"gateway calls: {counts['list']} list, {counts['request']} request bodies, "
            f"{counts['response']} response bodies"
        )

        first, second = posted[0], posted[1]
        first_id = _log_id(first.blocks)
        await _vote(say, slack, gateway, first.ts, first_id, ids.VOTE_UP, TEAMMATE, expect=1)
        second_id = _log_id(second.blocks)
        await _vote(
            say, slack, gateway, second.ts, second_id, ids.VOTE_DOWN, SECOND_TEAMMATE, expect=-1
        )

        say(f"{SECOND_TEAMMATE} also likes the first answer: 👍")
        before = len(gateway.calls_for("patch", first_id))
        await slack.click(CHANNEL, first.ts, ids.VOTE_UP, user=SECOND_TEAMMATE)
        await slack.wait_for(lambda: len(gateway.calls_for("patch", first_id)) > before, timeout=10)
        await slack.wait_for(lambda: slack.message(CHANNEL, first.ts).edits >= 2, timeout=10)
        say.detail("message now shows: " + _status_line(slack.message(CHANNEL, first.ts).blocks))

        say(f"A teammate looks up a log privately: `/aig log {first_id}`")
        await slack.slash(f"log {first_id}", user=TEAMMATE, channel=CHANNEL)
        await slack.wait_for(
            lambda: any(first_id in e.text for e in slack.ephemerals(TEAMMATE)), timeout=10
        )
        card = [e for e in slack.ephemerals(TEAMMATE) if first_id in e.text][-1]
        say.detail(f"private card: {card.text!r}")
        say.detail("card shows: " + _status_line(card.blocks))

        say("`/aig log NOT-A-LOG` answers privately with an error")
        await slack.slash("log NOT-A-LOG", user=TEAMMATE, channel=CHANNEL)
        await slack.wait_for(
            lambda: any("No log" in e.text for e in slack.ephemerals(TEAMMATE)), timeout=10
        )
        say.detail(repr([e.text for e in slack.ephemerals(TEAMMATE) if "No log" in e.text][-1]))

        stored = {log_id: gateway.feedback_of(log_id) for log_id in (first_id, second_id)}
        say(f"Done. Feedback now on the sandbox gateway: {stored}")
        print(
            "\nNext: `make test` runs the checks; README.md explains connecting a real workspace."
        )
    except TimeoutError as exc:
        print(f"\nThe demo stalled: {exc}")
        return 1
    finally:
        if bot is not None:
            await bot.stop(timeout=5)
        await slack.stop()
        await gateway.stop()
    return 0


async def _vote(
    say: Narrator,
    slack: SlackSandbox,
    gateway: GatewaySandbox,
    ts: str,
    log_id: str,
    action_id: str,
    user: str,
    *,
    expect: int,
) -> None:
    emoji = "👍" if action_id == ids.VOTE_UP else "👎"
    say(f"{user} clicks {emoji} on log {log_id}")
    started = time.monotonic()
    click = await slack.click(CHANNEL, ts, action_id, user=user)
    say.detail(f"acknowledged in {click.elapsed * 1000:.0f} ms (vote stored before the ack)")
    await slack.wait_for(
        lambda: slack.message(CHANNEL, ts).edits >= 1 and _has_status(slack, ts), timeout=10
    )
    patch = gateway.calls_for("patch", log_id)[-1]
    say.detail(f"PATCH /logs/{log_id} {patch.json} → {patch.status}")
    gets = [c for c in gateway.calls_for("get", log_id) if c.at >= patch.at]
    if gets:
        say.detail(f"GET /logs/{log_id} → feedback {gateway.feedback_of(log_id)} (confirmed)")
    say.detail("message edited: " + _status_line(slack.message(CHANNEL, ts).blocks))
    say.detail(f"click → edited message in {(time.monotonic() - started) * 1000:.0f} ms")
    if gateway.feedback_of(log_id) != expect:
        raise TimeoutError(f"expected feedback {expect} on {log_id}")


def _has_status(slack: SlackSandbox, ts: str) -> bool:
    return "saved" in _status_line(slack.message(CHANNEL, ts).blocks)


def _log_id(blocks: list[dict[str, object]]) -> str:
    for block in blocks:
        if block.get("block_id") == ids.VOTE_BLOCK:
            elements = block.get("elements")
            if isinstance(elements, list) and elements and isinstance(elements[0], dict):
                return str(elements[0].get("value"))
    raise ValueError("no vote buttons in the message")

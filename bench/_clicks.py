"""Clicks prepared in this process, sent by the load generator in another.

A click is built exactly as the Slack stand-in's driver builds one (`SlackDriver.click`: a
fresh `response_url` and `trigger_id` registered on the stand-in, the button's action, the
message as it stands), minus the sending. The load generator signs each body when it sends it.
Slack issues a trigger_id (valid 3 s, for opening a modal) when the person clicks, so while
the load generator runs, the prepared clicks' trigger_ids are kept fresh until used.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from bench._stack import CHANNEL, ROOT, Stack
from bot.sandbox._slack_payloads import block_actions_payload, clicked_action

_action_ts = itertools.count()


@dataclass(slots=True)
class ClickPlan:
    """What the load generator sends, and how."""

    mode: str  # "sequential" (one at a time), "burst" (all at once) or "stream"
    pause: float = 0.0  # sequential: seconds between an ack and the next click
    concurrency: int = 1  # stream: clicks in flight at once
    messages: dict[str, Any] = field(default_factory=dict)
    clicks: list[dict[str, Any]] = field(default_factory=list)
    triggers: list[str] = field(default_factory=list)

    def add(self, stack: Stack, ts: str, action_id: str, user: str) -> None:
        """A click by `user` on `action_id` of the channel message `ts`."""
        ws = stack.slack.workspace
        message = ws.find_message(CHANNEL, ts)
        action = clicked_action(message.blocks, action_id, None)
        # unique per click, as Slack's are; a repeated action_ts would be a redelivery
        action["action_ts"] = f"{time.time():.0f}.{next(_action_ts):06d}"
        entry = ws.new_response_url(
            stack.slack.base_url, kind="message", channel=CHANNEL, user=user, target_ts=ts
        )
        container = {
            "type": "message",
            "message_ts": ts,
            "channel_id": CHANNEL,
            "is_ephemeral": False,
        }
        trigger_id = ws.issue_trigger(user)
        self.triggers.append(trigger_id)
        payload = block_actions_payload(
            ws,
            user=user,
            channel=CHANNEL,
            container=container,
            message=None,
            action=action,
            response_url=entry.url,
            trigger_id=trigger_id,
        )
        if ts not in self.messages:
            self.messages[ts] = message.as_json()
        self.clicks.append({"payload": payload, "message": ts})


@dataclass(frozen=True, slots=True)
class Sent:
    """One click as the load generator saw it (monotonic clock, shared by processes)."""

    index: int
    sent: float
    acked: float
    status: int

    @property
    def latency(self) -> float:
        return self.acked - self.sent


async def _keep_fresh(stack: Stack, trigger_ids: list[str]) -> None:
    """Re-date the unused trigger_ids every 0.5 s: each is at most that old when it is sent."""
    triggers = stack.slack.workspace.triggers
    while True:
        now = stack.slack.workspace.clock()
        for trigger_id in trigger_ids:
            trigger = triggers.get(trigger_id)
            if trigger is not None and not trigger.used:
                trigger.issued_at = now
        await asyncio.sleep(0.5)


async def send(stack: Stack, plan: ClickPlan, name: str) -> list[Sent]:
    """Run the load generator on `plan` against the stack's bot; every click's timing."""
    plan_path = stack.workdir / f"{name}.clicks.json"
    result_path = stack.workdir / f"{name}.sent.json"
    text = json.dumps(
        {
            "url": f"{stack.bot.url}/slack/events",
            "secret": stack.slack.signing_secret,
            "mode": plan.mode,
            "pause": plan.pause,
            "concurrency": plan.concurrency,
            "messages": plan.messages,
            "clicks": plan.clicks,
        }
    )
    await asyncio.to_thread(plan_path.write_text, text)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench._loadgen", str(plan_path), str(result_path), cwd=ROOT
    )
    fresh = asyncio.create_task(_keep_fresh(stack, plan.triggers))
    try:
        code = await process.wait()
    finally:
        fresh.cancel()
    if code != 0:
        raise RuntimeError(f"the load generator failed with exit code {code}")
    rows = json.loads(await asyncio.to_thread(result_path.read_text))
    return [Sent(i, s, a, st) for i, (s, a, st) in enumerate(rows)]

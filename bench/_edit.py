"""Target 2: from a click to the edited message, with 50 ms on every gateway and Slack call.

The floor is three round trips (PATCH, GET, chat.update) = 150 ms. Each measured click is on
a quiet log (nobody clicked it before) and waits for the previous one's edit, so nothing but
the bot's own overhead sits between the floor and the figure. "Edited" is when the Slack
stand-in answers the chat.update (it applies the edit, then holds the answer for the latency).
Clicks alternate 👍 and 👎, which the bot treats differently after the ack (a 👎 opens the
"Why 👎?" modal, a 👍 offers a note), so each button's median is reported too.
"""

from __future__ import annotations

import asyncio
import statistics

from bench._clicks import ClickPlan, send
from bench._report import PhaseResult, ms
from bench._seed import post_samples
from bench._stack import CHANNEL, Stack
from bot import ids

LATENCY = 0.050
FLOOR = 3 * LATENCY
CLICKS = 40
WARMUP_CLICKS = 5
PAUSE = 0.4  # after each ack: the edit (~160 ms) is done well before the next click


async def click_to_edit(result: PhaseResult) -> None:
    """2: median click → edited message, against the 150 ms floor."""
    async with Stack("edit") as stack:
        samples = await post_samples(stack, WARMUP_CLICKS + CLICKS)
        stack.gateway.latency = LATENCY
        stack.slack.latency = LATENCY
        await stack.start_bot()
        warm, plan = ClickPlan("sequential", pause=PAUSE), ClickPlan("sequential", pause=PAUSE)
        for i, sample in enumerate(samples):
            action = ids.VOTE_ACTIONS[i % 2]
            (warm if i < WARMUP_CLICKS else plan).add(stack, sample.ts, action, "U0EDIT")
        await send(stack, warm, "warmup")
        sent = await send(stack, plan, "edit")
        await asyncio.sleep(1.0)  # the last edit
        updates = [c for c in stack.slack.calls_to("chat.update") if c.ok]
        patches = stack.gateway.calls_for("patch")
        gets = stack.gateway.calls_for("get")
        code = await stack.close()
    totals, to_patch, patch_to_get, get_to_update = [], [], [], []
    by_button: dict[str, list[float]] = {action: [] for action in ids.VOTE_ACTIONS}
    missing = 0
    for i, (click, sample) in enumerate(zip(sent, samples[WARMUP_CLICKS:], strict=True)):
        update = next(
            (
                u
                for u in updates
                if u.args.get("ts") == sample.ts
                and u.args.get("channel") == CHANNEL
                and u.at >= click.sent
            ),
            None,
        )
        patch = next((c for c in patches if c.log_id == sample.log_id), None)
        get = next((c for c in gets if c.log_id == sample.log_id), None)
        if update is None or patch is None or get is None:
            missing += 1
            continue
        totals.append(update.at + LATENCY - click.sent)
        by_button[ids.VOTE_ACTIONS[(WARMUP_CLICKS + i) % 2]].append(totals[-1])
        to_patch.append(patch.at - click.sent)
        patch_to_get.append(get.at - patch.at)
        get_to_update.append(update.at - get.at)
    median = statistics.median(totals) if totals else float("inf")
    ratio = median / FLOOR
    result.add(
        "2",
        "click → edited message, median (50 ms per call)",
        f"{ms(median)} = {ratio:.2f} × floor",
        "≤ 1.15 × 150 ms",
        ratio <= 1.15 and not missing,
    )
    if totals:
        up, down = (by_button[action] for action in (ids.VOTE_UP, ids.VOTE_DOWN))
        result.add(
            "2′",
            "… 👍 clicks / 👎 clicks, medians",
            f"{ms(statistics.median(up))} / {ms(statistics.median(down))}" if up and down else "—",
        )
        result.add(
            "2″",
            "… of which: click → PATCH arrives / PATCH → GET / GET → chat.update (medians)",
            " / ".join(ms(statistics.median(v)) for v in (to_patch, patch_to_get, get_to_update)),
        )
    result.notes.append(
        f"Click → edit: {len(sent)} clicks on quiet logs, each after the previous edit, "
        f"{int(LATENCY * 1000)} ms added to every gateway and Slack answer; floor = PATCH + "
        f"GET + chat.update = {ms(FLOOR)}. The edit counts as done when the stand-in answers "
        f"chat.update. {missing} click(s) without an edit; bot exit code {code}."
    )

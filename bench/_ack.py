"""Targets 1 and 3: how fast a click is acknowledged, alone and in a burst, and what a burst
costs in gateway calls.

Single clicks: sequential, each on a message nobody has clicked, 50 ms apart so each meets a
quiet bot. Burst: 40 raters × 5 messages, all 200 sent at once, against a gateway stand-in
that enforces the bot's own budget (600 per 5 minutes): any call over it would be a 429.
"""

from __future__ import annotations

import asyncio
import random
import time

from bench._clicks import ClickPlan, send
from bench._report import PhaseResult, ms, percentile
from bench._seed import post_samples
from bench._stack import Stack
from bot import ids
from bot.votes import next_value

SINGLE_CLICKS = 200
WARMUP_CLICKS = 20
RATERS, MESSAGES = 40, 5
BUDGET = 600
SETTLE_TIMEOUT = 30.0
QUIET_SECONDS = 3.0  # no gateway call for this long after the verdicts match: settled


async def single_clicks(result: PhaseResult) -> None:
    """1a: p50 of one click's ack, many times over."""
    async with Stack("ack-single") as stack:
        samples = await post_samples(stack, WARMUP_CLICKS + SINGLE_CLICKS)
        await stack.start_bot()
        warm, plan = ClickPlan("sequential", pause=0.05), ClickPlan("sequential", pause=0.05)
        for i, sample in enumerate(samples):
            target = warm if i < WARMUP_CLICKS else plan
            target.add(stack, sample.ts, ids.VOTE_UP, f"U0SINGLE{i:04d}")
        await send(stack, warm, "warmup")
        sent = await send(stack, plan, "single")
        code = await stack.close()
    latencies = [s.latency for s in sent]
    failed = sum(s.status != 200 for s in sent)
    p50 = percentile(latencies, 50)
    result.add("1a", "single click ack, p50", ms(p50), "≤ 10 ms", p50 <= 0.010 and not failed)
    result.add(
        "1a′",
        "single click ack, min / p90 / p99 / max",
        " / ".join(ms(percentile(latencies, q)) for q in (0, 90, 99, 100)),
    )
    result.notes.append(
        f"Single clicks: {len(sent)} sequential clicks on distinct messages, 50 ms apart, after "
        f"{WARMUP_CLICKS} warm-up clicks; {failed} not answered 200; bot exit code {code}."
    )


async def burst(result: PhaseResult) -> None:
    """1b and 3: a 200-click burst's ack spread, and the gateway calls it costs."""
    async with Stack("ack-burst", rate_limit=(BUDGET, 300.0), budget=BUDGET) as stack:
        samples = await post_samples(stack, MESSAGES + 1)
        await stack.start_bot()
        warm = ClickPlan("sequential")
        warm.add(stack, samples[-1].ts, ids.VOTE_UP, "U0WARM")
        await send(stack, warm, "warmup")
        await asyncio.sleep(QUIET_SECONDS)  # the warm-up's sync is over; its log stays quiet
        rng = random.Random(7)
        pairs = [(sample, rater) for rater in range(RATERS) for sample in samples[:MESSAGES]]
        rng.shuffle(pairs)
        plan = ClickPlan("burst")
        expected: dict[str, int] = {}
        for sample, rater in pairs:
            action = rng.choice(ids.VOTE_ACTIONS)
            plan.add(stack, sample.ts, action, f"U0BURST{rater:03d}")
            clicked = 1 if action == ids.VOTE_UP else -1
            expected[sample.log_id] = expected.get(sample.log_id, 0) + next_value(0, clicked)
        verdicts = {log: (total > 0) - (total < 0) for log, total in expected.items()}
        before = len(stack.gateway.calls)
        sent = await send(stack, plan, "burst")
        settled = await _settle(stack, verdicts)
        calls = stack.gateway.calls[before:]
        code = await stack.close()
    first = min(s.sent for s in sent)
    spread = max(s.acked for s in sent) - first
    failed = sum(s.status != 200 for s in sent)
    result.add(
        "1b",
        f"burst of {len(sent)} clicks: last ack after the first click",
        ms(spread),
        "≤ 1,000 ms",
        spread <= 1.0 and not failed,
    )
    latencies = [s.latency for s in sent]
    result.add(
        "1b′",
        "burst ack latency p50 / p99 / max",
        " / ".join(ms(percentile(latencies, q)) for q in (50, 99, 100)),
    )
    per_click = len(calls) / len(sent)
    result.add(
        "3",
        "gateway calls per click in the burst",
        f"{per_click:.3f} ({len(calls)} calls)",
        "≤ 0.1",
        per_click <= 0.1 and settled,
    )
    refused = sum(c.status == 429 for c in calls)
    result.add("3′", "gateway calls over the budget (429)", str(refused), "0", refused == 0)
    by_op: dict[str, int] = {}
    for call in calls:
        by_op[call.operation] = by_op.get(call.operation, 0) + 1
    result.notes.append(
        f"Burst: {RATERS} raters × {MESSAGES} messages, random 👍/👎, sent at once; {failed} not "
        f"answered 200. The stand-in enforced {BUDGET} calls per 300 s (AIG_GATEWAY_BUDGET="
        f"{BUDGET}). Calls by operation: {by_op}. Every log's feedback matched its ledger "
        f"verdict: {'yes' if settled else 'NO'}. Bot exit code {code}."
    )


async def _settle(stack: Stack, verdicts: dict[str, int]) -> bool:
    """Wait until every log's feedback is its verdict and the gateway has been quiet a while."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while time.monotonic() < deadline:
        last = stack.gateway.calls[-1].at if stack.gateway.calls else 0.0
        matched = all(stack.gateway.feedback_of(log) == v for log, v in verdicts.items())
        if matched and time.monotonic() - last > QUIET_SECONDS:
            return True
        await asyncio.sleep(0.1)
    return False

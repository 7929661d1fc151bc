"""Targets 5 and 6: a soak of 10,000 clicks under Cloudflare's limit, and the memory after it.

The gateway stand-in enforces Cloudflare's real limit, 1,200 requests per 300 s, and the bot
runs with its default budget, 600 per 300 s. The bot's budget window is fixed at 300 s
(`bot.gateway._budget.WINDOW_SECONDS`; no setting scales it), so the soak runs in real time:
its clicks need far more than 600 calls, the budget runs out within the first minute, and
the last syncs wait until the window slides, about 300 s after the first call. To finish
then, the 10,000 clicks go to 25 busy logs (100 raters each, 4 rounds of clicks on every
rater × log pair in the same shuffled order each round, random buttons: a pair's clicks are
2,500 clicks apart, never a double click). The bench keeps its own ledger of what it sent
(with the bot's `next_value`) and compares it with the bot's ledger, and the bot's ledger
with the gateway's feedback.

Memory: before the bot starts, the store holds 5,000 posted samples (see `_seed`); RSS is
read from /proc after the soak has drained.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from collections.abc import Sequence
from typing import Any

import httpx

from bench._clicks import ClickPlan, Sent, send
from bench._report import PhaseResult, ms, percentile
from bench._seed import post_samples
from bench._stack import Stack, rss_kib
from bot import ids
from bot.sandbox import RecordedCall
from bot.store import SqlStore
from bot.votes import next_value

SAMPLES = 5_000
HOT_LOGS = 25
RATERS = 100
ROUNDS = 4  # 25 × 100 × 4 = 10,000 clicks
CONCURRENCY = 4
CLOUDFLARE_LIMIT = (1200, 300.0)
BUDGET = 600
WINDOW = 300.0
DRAIN_TIMEOUT = WINDOW + 120.0  # after the last click
RSS_TARGET_MB = 150  # megabytes of 10^6 bytes


async def soak(result: PhaseResult) -> None:
    """5 and 6: 10,000 clicks, nothing lost, nothing refused, and the RSS afterwards."""
    async with Stack("soak", rate_limit=CLOUDFLARE_LIMIT, budget=BUDGET, log_count=50_000) as stack:
        samples = await post_samples(stack, SAMPLES)
        seeded_bytes = _store_bytes(stack)
        hot = random.Random(5).sample(samples, HOT_LOGS)
        plan = ClickPlan("stream", concurrency=CONCURRENCY)
        expected: dict[tuple[str, str], int] = {}
        rng = random.Random(9)
        pairs = [(sample, f"U0SOAK{r:03d}") for sample in hot for r in range(RATERS)]
        rng.shuffle(pairs)  # once: every round in the same order keeps a pair's clicks apart
        for _ in range(ROUNDS):
            for sample, rater in pairs:
                action = rng.choice(ids.VOTE_ACTIONS)
                plan.add(stack, sample.ts, action, rater)
                key = (sample.log_id, rater)
                expected[key] = next_value(expected.get(key, 0), 1 if action == ids.VOTE_UP else -1)
        await stack.start_bot()
        rss_start, _ = rss_kib(stack.bot.pid)
        sent = await send(stack, plan, "soak")
        clicked_until = max(s.acked for s in sent)
        health = await _drain(stack)
        drained_at = time.monotonic()
        rss, peak = rss_kib(stack.bot.pid)
        calls = list(stack.gateway.calls)
        feedback = {s.log_id: stack.gateway.feedback_of(s.log_id) for s in hot}
        code = await stack.close()
        ledger = await _ledger(stack, [s.log_id for s in hot])
        total_bytes = _store_bytes(stack)
    _report(
        result,
        sent=sent,
        expected=expected,
        ledger=ledger,
        feedback=feedback,
        calls=calls,
        health=health,
        timing=(clicked_until, drained_at),
        memory=(rss_start, rss, peak),
        store=(seeded_bytes, total_bytes),
        code=code,
    )


async def _drain(stack: Stack) -> dict[str, Any]:
    """Poll /healthz until the outbox is empty (every click is acknowledged by now, so no new
    work can appear); its last details, with the budget's peak use."""
    deadline = time.monotonic() + DRAIN_TIMEOUT
    details: dict[str, Any] = {}
    peak_used = 0
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            details = (await client.get(f"{stack.bot.url}/healthz")).json()
            peak_used = max(peak_used, int(details.get("gateway", {}).get("budget_used", 0)))
            outbox = details.get("outbox", {})
            if outbox.get("pending") == 0 and outbox.get("parked") == 0:
                break
            await asyncio.sleep(1.0)
    details["peak_budget_used"] = peak_used
    return details


def _verdict(values: Any) -> int:
    total = sum(values)
    return (total > 0) - (total < 0)


async def _ledger(stack: Stack, logs: Sequence[str]) -> dict[tuple[str, str], int]:
    """Every rater's vote on the busy logs, read back through the store after the bot stopped."""
    store = SqlStore(stack.database_url)
    try:
        return {
            (vote.log_id, vote.rater): vote.value for log in logs for vote in await store.votes(log)
        }
    finally:
        await store.close()


def _mb(kib: int) -> str:
    return f"{kib * 1024 / 1e6:.1f}"


def _store_bytes(stack: Stack) -> int:
    return sum(
        p.stat().st_size for p in stack.workdir.glob("bot.db*") if p.name.endswith(("db", "wal"))
    )


def _max_in_window(calls: Sequence[RecordedCall], window: float) -> int:
    """The most calls that arrived within any `window` seconds."""
    inside: deque[float] = deque()
    most = 0
    for call in sorted(calls, key=lambda c: c.at):
        inside.append(call.at)
        while inside[0] <= call.at - window:
            inside.popleft()
        most = max(most, len(inside))
    return most


def _report(
    result: PhaseResult,
    *,
    sent: Sequence[Sent],
    expected: dict[tuple[str, str], int],
    ledger: dict[tuple[str, str], int],
    feedback: dict[str, Any],
    calls: Sequence[RecordedCall],
    health: dict[str, Any],
    timing: tuple[float, float],
    memory: tuple[int, int, int],
    store: tuple[int, int],
    code: int | None,
) -> None:
    failed = sum(s.status != 200 for s in sent)
    lost_clicks = sum(ledger.get(key, 0) != value for key, value in expected.items())
    by_log: dict[str, list[int]] = {}
    for (log, _), value in ledger.items():
        by_log.setdefault(log, []).append(value)
    wrong = [log for log, fb in feedback.items() if fb != _verdict(by_log.get(log, []))]
    result.add(
        "6",
        f"soak: votes lost ({len(sent):,} clicks on {len(feedback)} logs)",
        f"{len(wrong)} logs whose feedback ≠ ledger verdict; {lost_clicks} ledger entries ≠ "
        f"clicks sent; {failed} clicks not acknowledged",
        "0",
        not wrong and not lost_clicks and not failed,
    )
    refused = sum(c.status == 429 for c in calls)
    result.add("6′", "soak: gateway requests answered 429", str(refused), "0", refused == 0)
    most = _max_in_window(calls, WINDOW)
    result.add(
        "6″",
        "soak: most gateway calls in any 300 s (bot budget / Cloudflare limit)",
        f"{most} ({BUDGET} / {CLOUDFLARE_LIMIT[0]})",
        f"≤ {BUDGET}",
        most <= BUDGET,
    )
    latencies = [s.latency for s in sent]
    result.add(
        "6‴",
        "soak: ack latency under load p50 / p99 / max",
        " / ".join(ms(percentile(latencies, q)) for q in (50, 99, 100)),
        "max < 3 s",
        max(latencies) < 3.0,
    )
    rss_start, rss, peak = memory
    result.add(
        "5",
        f"bot RSS after {len(sent):,} votes with {SAMPLES:,} posted samples",
        f"{_mb(rss)} MB (peak {_mb(peak)}, at start {_mb(rss_start)})",
        f"≤ {RSS_TARGET_MB} MB",
        rss * 1024 <= RSS_TARGET_MB * 1e6,
    )
    seeded, total = store
    result.add(
        "5′",
        "store bytes per vote (whole file / votes; growth during the soak / votes)",
        f"{total / len(sent):,.0f} B; {(total - seeded) / len(sent):,.0f} B",
    )
    first = min(s.sent for s in sent)
    clicked_until, drained_at = timing
    result.notes.append(
        f"Soak: {len(sent):,} clicks in {clicked_until - first:.1f} s "
        f"({len(sent) / (clicked_until - first):.0f}/s, {CONCURRENCY} in flight), drained "
        f"{drained_at - clicked_until:.1f} s after the last ack (the budget's 300 s window "
        f"sliding). Gateway calls: {len(calls)}; the bot's budget peaked at "
        f"{health.get('peak_budget_used')}/{BUDGET} used. Final /healthz outbox: "
        f"{health.get('outbox')}. Store: {seeded / 1e6:.1f} MB after seeding, "
        f"{total / 1e6:.1f} MB after the soak. Bot exit code {code}."
    )

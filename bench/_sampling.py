"""Target 4: what sampling 20 logs out of 1,000,000 costs.

A real run (`/aig sample 20` to the bot process) is paced by Slack's one post per second, so
its wall time is mostly the pacing floor (19 s between 20 posts); what it costs beyond that
is reported as the excess. The sampling work itself (list, choose, read bodies, build cards)
is timed in dry runs (`aig-feedback sample --count 20 --dry-run`, which posts nothing), from
their first gateway call to their last.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import sys
import time

from bench._report import PhaseResult, ms
from bench._stack import CHANNEL, Stack
from bot.sampling.jobs import POST_INTERVAL_SECONDS
from bot.sandbox.slack import ApiCall

LOGS = 1_000_000
COUNT = 20
DRY_RUNS = 3
RUN_TIMEOUT = 90.0


async def sampling(result: PhaseResult) -> None:
    """4: list calls per run, and wall time apart from the pacing."""
    async with Stack("sampling", log_count=LOGS) as stack:
        await stack.start_bot()
        before = len(stack.gateway.calls)
        started = time.monotonic()
        await stack.slack.slash(f"sample {COUNT}", user="U0SAMPLER", channel=CHANNEL)
        with contextlib.suppress(TimeoutError):  # a short run is reported, not raised
            await stack.slack.wait_for(lambda: len(_posts(stack)) >= COUNT, timeout=RUN_TIMEOUT)
        posts = _posts(stack)
        real_calls = stack.gateway.calls[before:]
        wall = (posts[-1].at if posts else time.monotonic()) - started
        dry = [await _dry_run(stack, i) for i in range(DRY_RUNS)]
        code = await stack.close()
    list_calls = [sum(c.operation == "list" for c in real_calls)] + [d[0] for d in dry]
    worst = max(list_calls)
    result.add(
        "4",
        f"list calls to sample {COUNT} of {LOGS:,} logs (worst of {len(list_calls)} runs)",
        str(worst),
        "≤ 4",
        worst <= 4 and len(posts) == COUNT,
    )
    spans = [d[1] for d in dry]
    result.add(
        "4′",
        "sampling work per run without posting (dry run, first → last gateway call), median",
        ms(statistics.median(spans)),
    )
    floor = (COUNT - 1) * POST_INTERVAL_SECONDS
    result.add(
        "4″",
        f"real run: `/aig sample {COUNT}` → {COUNT}th post, beyond the {floor:.0f} s pacing floor",
        f"{ms(wall - floor)} (wall {wall:.2f} s)",
    )
    gets = sum(c.operation in ("request", "response") for c in real_calls)
    result.notes.append(
        f"Sampling: {LOGS:,} seeded logs in the 24 h window. The real run posted {len(posts)} "
        f"of {COUNT} with {list_calls[0]} list calls and {gets} body reads "
        f"({len(real_calls)} gateway calls in all). Dry runs (separate processes): list calls "
        f"{[d[0] for d in dry]}, process wall times "
        f"{', '.join(f'{d[2]:.2f} s' for d in dry)} (Python start-up included). "
        f"Bot exit code {code}."
    )


def _posts(stack: Stack) -> list[ApiCall]:
    return [c for c in stack.slack.calls_to("chat.postMessage") if c.ok]


async def _dry_run(stack: Stack, index: int) -> tuple[int, float, float]:
    """(list calls, first → last gateway call, process wall time) of one dry run."""
    env = stack.env()
    env["AIG_DATABASE_URL"] = f"sqlite:///{stack.workdir / f'dry{index}.db'}"
    before = len(stack.gateway.calls)
    started = time.monotonic()
    with (stack.workdir / f"dry{index}.log").open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "sample",
            "--count",
            str(COUNT),
            "--dry-run",
            env=env,
            cwd=stack.workdir,
            stdout=log,
            stderr=log,
        )
        await asyncio.wait_for(process.wait(), timeout=RUN_TIMEOUT)
    wall = time.monotonic() - started
    calls = stack.gateway.calls[before:]
    span = calls[-1].at - calls[0].at if calls else 0.0
    return sum(c.operation == "list" for c in calls), span, wall

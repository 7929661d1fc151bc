"""Where the bot's time goes: py-spy attached to the bot process during single clicks and a
burst, summarised into the results (the raw collapsed stacks stay in bench/out/profile).

py-spy samples from outside the process (`--nonblocking`, so the bot is never paused), idle
threads included, so time spent waiting (for the store's lock, for an fsync) shows up as such;
each sample is put down to its innermost frame: a named wait, or the package running.
Skipped, with the reason, when py-spy is missing or may not attach.
"""

from __future__ import annotations

import asyncio
import collections
import random
import shutil
import sys
from pathlib import Path

from bench._clicks import ClickPlan, send
from bench._seed import post_samples
from bench._stack import Stack
from bot import ids

RATE = 250  # samples per second


def py_spy() -> str | None:
    """The py-spy executable next to this Python, or on PATH."""
    local = Path(sys.executable).with_name("py-spy")
    return str(local) if local.exists() else shutil.which("py-spy")


async def profile() -> list[str]:
    """Markdown lines: what the profiles show."""
    spy = py_spy()
    if spy is None:
        return ["py-spy is not installed (`pip install -e '.[bench]'`); no profile taken."]
    lines: list[str] = []
    async with Stack("profile") as stack:
        samples = await post_samples(stack, 106)
        await stack.start_bot()
        warm = ClickPlan("sequential", pause=0.02)
        for i, sample in enumerate(samples[:5]):
            warm.add(stack, sample.ts, ids.VOTE_UP, f"U0PWARM{i}")
        await send(stack, warm, "warmup")
        single = ClickPlan("sequential", pause=0.05)
        for i, sample in enumerate(samples[5:105]):
            single.add(stack, sample.ts, ids.VOTE_UP, f"U0PSINGLE{i:03d}")
        rng = random.Random(3)
        burst = ClickPlan("burst")
        for rater in range(40):
            for sample in samples[100:105]:
                burst.add(stack, sample.ts, rng.choice(ids.VOTE_ACTIONS), f"U0PBURST{rater:02d}")
        for name, plan in (("single clicks", single), ("burst", burst)):
            raw = stack.workdir / f"{name.split()[0]}.txt"
            recorder = await asyncio.create_subprocess_exec(
                spy,
                "record",
                "--pid",
                str(stack.bot.pid),
                "--nonblocking",
                "--threads",
                "--idle",
                "--rate",
                str(RATE),
                "--format",
                "raw",
                "--output",
                str(raw),
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
            await asyncio.sleep(1.0)  # attached before the first click
            await send(stack, plan, f"profile-{name.split()[0]}")
            await asyncio.sleep(2.0 if name == "burst" else 0.2)  # the burst's syncs
            recorder.send_signal(2)  # SIGINT: py-spy stops and writes what it has
            _, err = await recorder.communicate()
            if not raw.exists():
                return [f"py-spy could not profile the bot: {err.decode(errors='replace')[-300:]}"]
            lines += _summary(name, raw, clicks=len(plan.clicks))
    return lines


IDLE = {
    "EpollSelector.select (selectors.py": "idle: the event loop waiting for I/O",
    "_worker (concurrent/futures/thread.py:81)": "idle: a worker thread waiting for work",
    "SqlStore._tx.<locals>.run (bot/store/_sql.py": "waiting for the store's lock",
    "DefaultDialect.do_commit (": "SQLite commit (the fsync)",
}


def _category(leaf: str) -> str:
    """What a sample's innermost frame was doing: a named wait, or the package running."""
    for prefix, name in IDLE.items():
        if leaf.startswith(prefix):
            return name
    where = leaf.rpartition(" (")[2].rstrip(")").rpartition(":")[0]
    if where.startswith("bot/"):
        return where.removesuffix(".py")  # the bot's own module
    return where.split("/")[0].removesuffix(".py")  # a library, or a stdlib module


def _summary(name: str, raw: Path, *, clicks: int) -> list[str]:
    groups: dict[str, collections.Counter[str]] = {
        "event loop": collections.Counter(),
        "worker threads": collections.Counter(),
    }
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if not count.isdigit() or len(frames) < 2:
            continue
        group = "event loop" if "MainThread" in frames[0] else "worker threads"
        groups[group][_category(frames[-1])] += int(count)
    out = [
        f"**{name}**: {clicks} clicks; py-spy at {RATE} Hz (raw stacks: "
        f"`bench/out/profile/{raw.name}`). Time not idle, by what the innermost frame was doing:",
        "",
        "| thread | doing what | share of busy time | ms per click |",
        "|---|---|---:|---:|",
    ]
    for group, counter in groups.items():
        busy = {c: n for c, n in counter.items() if not c.startswith("idle")}
        total = sum(busy.values()) or 1
        top = sorted(busy.items(), key=lambda item: -item[1])[:8]
        out += [
            f"| {group} | {category} | {n / total:.0%} | {n / RATE * 1000 / clicks:.2f} |"
            for category, n in top
        ]
        out.append(f"| {group} | *all busy time* | 100% | **{total / RATE * 1000 / clicks:.2f}** |")
    return [*out, ""]

"""`python -m bench`: run every phase, then write `bench/results.md`.

`--only NAME` runs some phases (ack, burst, edit, sampling, soak, profile); `--output PATH`
writes elsewhere. A phase that fails is reported as a miss with its error; the others still run.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from bench import _machine
from bench._ack import burst, single_clicks
from bench._edit import click_to_edit
from bench._profile import profile
from bench._report import PhaseResult, render
from bench._sampling import sampling
from bench._soak import soak
from bench._stack import OUT, ROOT

PHASES: dict[str, tuple[str, Callable[[PhaseResult], Awaitable[None]]]] = {
    "ack": ("Single clicks", single_clicks),
    "burst": ("Burst", burst),
    "edit": ("Click to edit", click_to_edit),
    "sampling": ("Sampling", sampling),
    "soak": ("Soak and memory", soak),
}


async def run(names: list[str]) -> tuple[str, int]:
    """Run the phases; the results' markdown and the exit code (1 when a target is missed)."""
    started, load_before = datetime.now(UTC), _machine.load()
    results: list[PhaseResult] = []
    for name in names:
        if name == "profile":
            continue
        title, phase = PHASES[name]
        result = PhaseResult(title)
        began = time.monotonic()
        print(f"bench: {name} …", flush=True)
        try:
            await phase(result)
        except Exception as exc:
            traceback.print_exc()
            error = f"{type(exc).__name__}: {exc}"[:200]
            result.add(name, f"{title}: the phase failed", error, "completes", passed=False)
        result.notes.append(f"Phase time: {time.monotonic() - began:.0f} s.")
        for figure in result.figures:
            print(f"  {figure.key:4} {figure.name}: {figure.value} [{figure.verdict}]", flush=True)
        results.append(result)
    profile_lines: list[str] = []
    if "profile" in names:
        print("bench: profile …", flush=True)
        try:
            profile_lines = await profile()
        except Exception as exc:
            traceback.print_exc()
            profile_lines = [f"The profile failed: {type(exc).__name__}: {exc}"]
    machine = _machine.describe(started, load_before)
    missed = any(f.passed is False for r in results for f in r.figures)
    return render(machine, results, profile_lines), 1 if missed else 0


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    choices = [*PHASES, "profile"]
    parser.add_argument("--only", action="append", choices=choices, help="run only this phase")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results.md")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    OUT.mkdir(parents=True, exist_ok=True)
    names = [n for n in choices if not args.only or n in args.only]
    markdown, code = asyncio.run(run(names))
    output = args.output.resolve()
    output.write_text(markdown)
    print(f"bench: wrote {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")
    sys.exit(code)


if __name__ == "__main__":
    main()

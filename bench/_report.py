"""Figures, the statistics behind them, and `bench/results.md`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured figure; `passed` is None for figures reported without a target."""

    key: str
    name: str
    value: str
    target: str = "—"
    passed: bool | None = None

    @property
    def verdict(self) -> str:
        if self.passed is None:
            return "info"
        return "**pass**" if self.passed else "**MISS**"


@dataclass(slots=True)
class PhaseResult:
    """What a phase measured, in words and numbers."""

    title: str
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(
        self, key: str, name: str, value: str, target: str = "—", passed: bool | None = None
    ) -> None:
        self.figures.append(Figure(key, name, value, target, passed))


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank percentile (q in 0–100) of non-empty `values`."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def render(
    machine: Sequence[tuple[str, str]], phases: Sequence[PhaseResult], profile: Sequence[str]
) -> str:
    """The markdown of `bench/results.md`."""
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`python -m bench`): the real bot process (`python -m bot run",
        "--http`, SQLite on disk) against the loopback stand-ins of Cloudflare's logs API and",
        "Slack, with clicks sent by a separate load-generator process. Times come from one run on",
        "a shared machine; compare ratios within this run rather than across runs.",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        *(f"| {name} | {value} |" for name, value in machine),
        "",
        "## Figures",
        "",
        "| # | figure | value | target | result |",
        "|---|---|---|---|---|",
    ]
    lines.extend(
        f"| {f.key} | {f.name} | {f.value} | {f.target} | {f.verdict} |"
        for phase in phases
        for f in phase.figures
    )
    misses = [f for p in phases for f in p.figures if f.passed is False]
    lines += ["", f"**{len(misses)} target(s) missed.**" if misses else "**Every target met.**"]
    for phase in phases:
        if phase.notes:
            lines += ["", f"## {phase.title}", ""]
            lines += [f"- {note}" for note in phase.notes]
    if profile:
        lines += ["", "## Profile", "", *profile]
    return "\n".join(lines) + "\n"

"""The doctor's report: one line per check as it finishes, and the verdict at the end."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TextIO


class Outcome(Enum):
    """How a check went, shown as the line's mark."""

    OK = "✓"
    FAIL = "✗"
    WARN = "!"
    SKIP = "–"


@dataclass(frozen=True, slots=True)
class Check:
    """One line of the report: the outcome, what was found, and what to do about it."""

    outcome: Outcome
    text: str
    fix: str = ""
    details: tuple[str, ...] = ()


class Report:
    """Prints checks as they finish and counts failures and warnings."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.checks: list[Check] = []

    @property
    def failed(self) -> int:
        return sum(check.outcome is Outcome.FAIL for check in self.checks)

    @property
    def warnings(self) -> int:
        return sum(check.outcome is Outcome.WARN for check in self.checks)

    def line(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def section(self, title: str) -> None:
        self.line(f"\n{title}")

    def add(self, check: Check) -> None:
        self.checks.append(check)
        lines = [f"  {check.outcome.value} {check.text}"]
        lines += [f"      - {detail}" for detail in check.details]
        if check.fix:
            lines.append(f"    fix: {check.fix}")
        self.line("\n".join(lines))

    def ok(self, text: str) -> None:
        self.add(Check(Outcome.OK, text))

    def fail(self, text: str, *, fix: str = "", details: tuple[str, ...] = ()) -> None:
        self.add(Check(Outcome.FAIL, text, fix, details))

    def warn(self, text: str, *, fix: str = "") -> None:
        self.add(Check(Outcome.WARN, text, fix))

    def skip(self, text: str) -> None:
        self.add(Check(Outcome.SKIP, text))

    def finish(self) -> int:
        """Print the verdict; return the exit status (1 when any check failed)."""
        warned = f", with {_count(self.warnings, 'warning')}" if self.warnings else ""
        if self.failed:
            self.line(
                f"\n✗ {_count(self.failed, 'check')} failed{warned}. "
                "Fix the ✗ lines and run `aig-feedback doctor` again."
            )
            return 1
        self.line(f"\n✓ All checks passed{warned}.")
        return 0


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"

"""Where and on what the figures were measured."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from bench._stack import ROOT


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _git(*args: str) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(ROOT), *args],  # noqa: S607  # git from PATH, as a developer runs it
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip()


def commit() -> str:
    """The commit measured, noting uncommitted changes to the bot's code."""
    head = _git("rev-parse", "--short=12", "HEAD") or os.environ.get("BENCH_COMMIT", "unknown")
    dirty = _git("status", "--porcelain", "--", "bot")
    return f"{head} (with uncommitted changes in bot/)" if dirty else head


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f} / {five:.2f}"


def describe(started: datetime, load_before: str) -> list[tuple[str, str]]:
    """Machine facts for the results table."""
    return [
        ("cores", str(os.cpu_count())),
        ("CPU", _cpu_model()),
        ("Python", platform.python_version()),
        ("OS", f"{platform.system()} {platform.release()}"),
        ("commit", commit()),
        ("date", started.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")),
        (
            "duration",
            f"{(datetime.now(UTC) - started).total_seconds():.0f} s",
        ),
        ("load average (1 / 5 min) before → after", f"{load_before} → {load()}"),
    ]

"""`aig-feedback export`: the team's rated logs as an eval dataset, one row per log.

Each row has the verdict written to Cloudflare (1, -1, or 0 on a tie), the tally, every
rater's vote, the reasons given with votes (category and text), free-text notes, the model,
provider, the log's creation time, its ID and route. JSON Lines keeps the structure; CSV
flattens lists into `;`-separated cells. Needs only the database: no Slack or Cloudflare
credentials. A progress bar goes to stderr, and only when stderr is a terminal.
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from bot.gateway import format_time
from bot.reports import ExportRow, export_row, rated_since
from bot.store import Note, Store, build_store

FORMATS = ("jsonl", "csv")
CSV_COLUMNS = (
    "log_id",
    "route",
    "created_at",
    "model",
    "provider",
    "verdict",
    "label",
    "up",
    "down",
    "raters_up",
    "raters_down",
    "reason_categories",
    "reasons",
    "notes",
    "last_voted_at",
)
NOTES_BATCH = 200
_LABELS = {1: "good", -1: "bad", 0: "tied"}

Progress = Callable[[int, int], None]  # (done, total)


@dataclass(frozen=True, slots=True)
class ExportSummary:
    """How an export went."""

    rows: int
    since: datetime
    until: datetime


async def export(
    store: Store,
    out: IO[str],
    *,
    since: datetime,
    until: datetime,
    fmt: str,
    progress: Progress | None = None,
) -> ExportSummary:
    """Write every log rated (👍/👎 cast) in [since, until) to `out`, oldest activity first."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    logs = rated_since(await store.activity(since, until), since)
    write = _csv_writer(out) if fmt == "csv" else _jsonl_writer(out)
    done = 0
    for start in range(0, len(logs), NOTES_BATCH):
        batch = logs[start : start + NOTES_BATCH]
        notes = await store.notes_for([log.log_id for log in batch])
        for log in batch:
            write(export_row(log, notes.get(log.log_id, [])))
        done += len(batch)
        if progress is not None:
            progress(done, len(logs))
    if progress is not None and not logs:
        progress(0, 0)
    return ExportSummary(len(logs), since, until)


def row_json(row: ExportRow) -> dict[str, Any]:
    """A row as one JSON Lines record."""
    return {
        "log_id": row.log.log_id,
        "route": row.route,
        "created_at": _time(row.created_at),
        "model": row.log.model,
        "provider": row.log.provider,
        "verdict": row.verdict,
        "label": _LABELS[row.verdict],
        "tally": {"up": row.up, "down": row.down},
        "raters": [
            {"user": v.rater, "vote": v.value, "voted_at": _time(v.voted_at)} for v in row.votes
        ],
        "reasons": [
            {
                "author": n.author,
                "category": n.category,
                "text": n.text,
                "vote": n.vote,
                "at": _time(n.created_at),
            }
            for n in row.reasons
        ],
        "notes": [
            {"author": n.author, "text": n.text, "source": n.source, "at": _time(n.created_at)}
            for n in row.notes
        ],
        "posted": (
            {"channel": row.log.channel, "ts": row.log.ts, "at": _time(row.log.posted_at)}
            if row.log.channel
            else None
        ),
    }


def row_csv(row: ExportRow) -> list[str]:
    """A row as CSV cells, in CSV_COLUMNS order."""
    return [
        row.log.log_id,
        row.route,
        _time(row.created_at) or "",
        row.log.model,
        row.log.provider,
        str(row.verdict),
        _LABELS[row.verdict],
        str(row.up),
        str(row.down),
        _joined(v.rater for v in row.votes if v.value > 0),
        _joined(v.rater for v in row.votes if v.value < 0),
        _joined(n.category or "" for n in row.reasons if n.category),
        _joined(_said(n) for n in row.reasons if n.text),
        _joined(_said(n) for n in row.notes if n.text),
        _time(max((v.voted_at for v in row.votes), default=None)) or "",
    ]


def _jsonl_writer(out: IO[str]) -> Callable[[ExportRow], None]:
    def write(row: ExportRow) -> None:
        out.write(json.dumps(row_json(row), ensure_ascii=False) + "\n")

    return write


def _csv_writer(out: IO[str]) -> Callable[[ExportRow], None]:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)

    def write(row: ExportRow) -> None:
        writer.writerow(row_csv(row))

    return write


def _said(note: Note) -> str:
    return f"{note.author}: {' '.join(note.text.split())}"


def _joined(items: Any) -> str:
    return "; ".join(str(i).replace(";", ",") for i in items)


def _time(when: datetime | None) -> str | None:
    return format_time(when) if when is not None else None


class ProgressBar:
    """`exporting [#####.....] 120/300 logs` redrawn in place on a terminal stream."""

    def __init__(self, stream: IO[str], *, width: int = 30) -> None:
        self.stream = stream
        self.width = width

    def __call__(self, done: int, total: int) -> None:
        filled = self.width if not total else self.width * done // total
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\rexporting [{bar}] {done}/{total} logs")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def run_export(
    *, database_url: str, since: timedelta, fmt: str, output: str | None, now: datetime
) -> ExportSummary:
    """The command line's export: from the database to `output` or stdout, with a progress
    bar when stderr is a terminal. A file is written beside `output` and moved into place
    when complete, so a failed export never leaves half a dataset."""
    progress = ProgressBar(sys.stderr) if sys.stderr.isatty() else None

    def run(out: IO[str]) -> ExportSummary:
        return asyncio.run(
            _from_database(
                database_url, out, since=now - since, until=now, fmt=fmt, progress=progress
            )
        )

    if output is None:
        return run(sys.stdout)
    target = Path(output)
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            summary = run(out)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return summary


async def _from_database(url: str, out: IO[str], **options: Any) -> ExportSummary:
    store = build_store(url)
    try:
        await store.migrate()
        return await export(store, out, **options)
    finally:
        await store.close()

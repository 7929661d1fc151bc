"""The vote ledger's rules, as pure functions: how a click changes a rater's vote, and how
every rater's latest vote becomes the one verdict Cloudflare holds.

No IO here; the store persists what these functions decide.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

UP = 1
DOWN = -1
CLEAR = 0


@dataclass(frozen=True, slots=True)
class Vote:
    """A rater's current vote on a log: +1, -1, or 0 once undone."""

    log_id: str
    rater: str
    value: int
    voted_at: datetime


@dataclass(frozen=True, slots=True)
class Tally:
    """Who holds which vote on one log, in the order they voted."""

    up: tuple[str, ...] = ()
    down: tuple[str, ...] = ()

    @classmethod
    def from_votes(cls, votes: Iterable[Vote]) -> Tally:
        """Tally each rater's latest vote; undone votes (0) count for nothing."""
        ordered = sorted(votes, key=lambda v: v.voted_at)
        return cls(
            up=tuple(v.rater for v in ordered if v.value == UP),
            down=tuple(v.rater for v in ordered if v.value == DOWN),
        )

    @property
    def verdict(self) -> int:
        """The feedback to write: the sign of the sum of votes, 0 (not evaluated) on a tie."""
        total = len(self.up) - len(self.down)
        return (total > 0) - (total < 0)

    @property
    def count(self) -> int:
        """How many raters hold a vote."""
        return len(self.up) + len(self.down)


def next_value(current: int, clicked: int) -> int:
    """A click on the vote you already hold undoes it; any other click sets it."""
    return CLEAR if current == clicked else clicked


def is_repeat(
    *,
    previous_clicked: int | None,
    previous_at: datetime | None,
    previous_action_ts: str | None,
    clicked: int,
    at: datetime,
    action_ts: str,
    window_seconds: float,
) -> bool:
    """Whether a click is the previous one again: redelivered (same `action_ts`), or the same
    button pressed twice within `window_seconds` (a double click, not an undo)."""
    if previous_clicked is None or previous_at is None:
        return False
    if previous_action_ts == action_ts:
        return True
    return previous_clicked == clicked and abs((at - previous_at).total_seconds()) < window_seconds


class SyncState(Enum):
    """Where a log's verdict stands between the ledger and the gateway."""

    PENDING = "pending"  # queued, not yet written
    VERIFIED = "verified"  # written, and a GET reported the same feedback
    UNVERIFIABLE = "unverifiable"  # written; the GET does not report feedback
    MISMATCH = "mismatch"  # written, but the GET keeps reporting another value
    RETRYING = "retrying"  # the gateway failed or is rate limiting; will try again
    FAILED = "failed"  # the gateway refused the write; needs a person (Retry button)


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """What the message says about the write of `verdict` to the gateway."""

    state: SyncState
    verdict: int = CLEAR
    detail: str = ""

    def to_json(self) -> str:
        """Serialise for the store."""
        return json.dumps(
            {"state": self.state.value, "verdict": self.verdict, "detail": self.detail}
        )

    @classmethod
    def from_json(cls, raw: str) -> SyncStatus:
        """The inverse of `to_json`."""
        data = json.loads(raw)
        return cls(
            SyncState(data["state"]), int(data.get("verdict", 0)), str(data.get("detail", ""))
        )

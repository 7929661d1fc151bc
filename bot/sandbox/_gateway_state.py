"""The sandbox gateway's mutable state over its seeded logs: feedback, score, metadata, deletions.

Also answers the questions the HTTP layer asks: find a log, show it in the list or detail shape,
select a page. Selecting stays cheap for a million logs when the query is only a date window:
the window is found by bisecting timestamps and a page is computed by position, skipping
deleted logs by bisecting their sorted indices. Any other filter or ordering scans the window.
Knows nothing about HTTP.
"""

from __future__ import annotations

import json
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from bot.sandbox._gateway_params import (
    DeleteParams,
    Filter,
    FilterValue,
    ListParams,
    Patch,
    parse_time_ms,
)
from bot.sandbox._seed_bodies import request_body, response_body
from bot.sandbox.seed import LogSource, MetadataValue, SeedLog

Number = int | float
HEAD_CHARS = 1024  # the sandbox's guess at how much of a body `request_head`/`response_head` show
METADATA_LIMIT = 5  # documented cap for request-time metadata; assumed to hold after PATCH too
_BOOLEAN_WORDS = {"true": True, "false": False}


@dataclass(frozen=True, slots=True)
class Selection:
    """The logs a query matches, in its order: a lazy window, or explicit indices."""

    state: GatewayState
    low: int = 0
    high: int = 0
    descending: bool = True
    indices: tuple[int, ...] | None = None

    def __len__(self) -> int:
        if self.indices is not None:
            return len(self.indices)
        return self.state.alive_between(self.low, self.high)

    def at(self, position: int) -> int:
        """The index of the `position`-th log of the selection."""
        if self.indices is not None:
            return self.indices[position]
        rank = len(self) - 1 - position if self.descending else position
        return self.state.nth_alive(self.low, rank)

    def page(self, offset: int, size: int) -> list[int]:
        """Indices of up to `size` logs starting at `offset`."""
        return [self.at(position) for position in range(offset, min(offset + size, len(self)))]

    def __iter__(self) -> Iterator[int]:
        return (self.at(position) for position in range(len(self)))


class GatewayState:
    """Seeded logs plus everything clients have changed about them since."""

    def __init__(self, source: LogSource) -> None:
        self.source = source
        self._deleted: list[int] = []  # sorted indices
        self._feedback: dict[int, Number | None] = {}
        self._score: dict[int, Number | None] = {}
        self._metadata: dict[int, dict[str, MetadataValue]] = {}

    # --- lookups -------------------------------------------------------------------------------

    def find(self, log_id: str) -> int | None:
        """The index of a log that exists and is not deleted."""
        index = self.source.index_of(log_id)
        return None if index is None or self.is_deleted(index) else index

    def is_deleted(self, index: int) -> bool:
        """Whether a DELETE removed this log."""
        at = bisect_left(self._deleted, index)
        return at < len(self._deleted) and self._deleted[at] == index

    def alive_between(self, low: int, high: int) -> int:
        """How many logs with index in `[low, high)` are not deleted."""
        gone = bisect_left(self._deleted, high) - bisect_left(self._deleted, low)
        return max(0, high - low - gone)

    def nth_alive(self, low: int, rank: int) -> int:
        """The index of the `rank`-th (0-based) log at or after `low` that is not deleted."""
        before = bisect_left(self._deleted, low)
        candidate = low + rank
        while True:  # climbs to the least fixed point, which is never a deleted index
            moved = low + rank + bisect_right(self._deleted, candidate) - before
            if moved == candidate:
                return candidate
            candidate = moved

    def feedback(self, index: int) -> Number | None:
        """The feedback last PATCHed onto this log, None if never (or cleared with null)."""
        return self._feedback.get(index)

    def score(self, index: int) -> Number | None:
        """The score last PATCHed onto this log, None if never (or cleared with null)."""
        return self._score.get(index)

    def metadata(self, index: int, log: SeedLog | None = None) -> dict[str, MetadataValue]:
        """The log's metadata: the request-time entries merged with every PATCH since."""
        if index in self._metadata:
            return dict(self._metadata[index])
        return dict((log or self.source.log(index)).metadata)

    # --- shapes --------------------------------------------------------------------------------

    def summary(self, index: int) -> dict[str, Any]:
        """The list-item shape (no feedback, as documented)."""
        log = self.source.log(index)
        item = log.to_api()
        item.pop("metadata", None)
        metadata = self.metadata(index, log)
        if metadata:
            item["metadata"] = _encode(metadata)
        return item

    def detail(self, index: int, *, report_feedback: bool) -> dict[str, Any]:
        """The get-one shape: the list item plus heads and sizes of the bodies."""
        item = self.summary(index)
        log = self.source.log(index)
        if log.has_payload:
            request, (response, _) = request_body(log), response_body(log)
            for name, body in (("request", request), ("response", response)):
                text = body[: HEAD_CHARS * 4].decode(errors="ignore")[:HEAD_CHARS]
                item[f"{name}_head"] = text
                item[f"{name}_head_complete"] = len(text.encode()) == len(body)
                item[f"{name}_size"] = len(body)
        if report_feedback:
            item["feedback"] = self.feedback(index)
            item["score"] = self.score(index)
        return item

    def body(self, index: int, part: str) -> tuple[bytes, str]:
        """The stored request or response body; `{}` when the payload was not collected."""
        log = self.source.log(index)
        if not log.has_payload:
            return b"{}", "application/json"
        return (request_body(log), "application/json") if part == "request" else response_body(log)

    # --- queries -------------------------------------------------------------------------------

    def select(self, params: ListParams) -> Selection:
        """The logs a list request matches, in its order."""
        low, high = 0, self.source.count
        if params.start_ms is not None:
            low = self.source.first_at_or_after(params.start_ms)
        if params.end_ms is not None:
            high = max(low, self.source.first_after(params.end_ms))
        return self._select(
            low, high, params.filters, params.search, params.order_by, params.descending
        )

    def aggregates(self, selection: Selection) -> dict[str, Number]:
        """`result_info`'s min/max fields over a selection (scans it: slow for huge ones)."""
        columns: dict[str, list[Number]] = {
            "cost": [],
            "duration": [],
            "tokens_in": [],
            "tokens_out": [],
            "total_tokens": [],
        }
        for index in selection:
            log = self.source.log(index)
            columns["cost"].append(log.cost)
            columns["duration"].append(log.duration)
            if log.tokens_in is not None and log.tokens_out is not None:
                columns["tokens_in"].append(log.tokens_in)
                columns["tokens_out"].append(log.tokens_out)
                columns["total_tokens"].append(log.tokens_in + log.tokens_out)
        out: dict[str, Number] = {}
        for name, values in columns.items():
            out[f"min_{name}"], out[f"max_{name}"] = (
                (min(values), max(values)) if values else (0, 0)
            )
        return out

    # --- changes -------------------------------------------------------------------------------

    def patch(self, index: int, patch: Patch) -> None:
        """Apply a PATCH: feedback and score are replaced, metadata is merged (≤5 entries)."""
        values = patch.values
        if "feedback" in values:
            self._feedback[index] = _number(values["feedback"])
        if "score" in values:
            self._score[index] = _number(values["score"])
        if values.get("metadata") is not None:
            self._metadata[index] = merge_metadata(self.metadata(index), values["metadata"])

    def delete(self, params: DeleteParams) -> int:
        """Delete the first `limit` logs matching the request; returns how many went."""
        selection = self._select(
            0, self.source.count, params.filters, None, params.order_by, params.descending
        )
        doomed = selection.page(0, params.limit)
        for index in doomed:
            insort(self._deleted, index)
        return len(doomed)

    def _select(
        self,
        low: int,
        high: int,
        filters: tuple[Filter, ...],
        search: str | None,
        order_by: str,
        descending: bool,
    ) -> Selection:
        if not filters and not search and order_by == "created_at":
            return Selection(self, low, high, descending)
        rows = (
            (index, self._row(index)) for index in range(low, high) if not self.is_deleted(index)
        )
        matches = [(index, row) for index, row in rows if _matches(row, filters, search)]
        if order_by != "created_at":  # ties stay in time order, reversed with the rest
            matches.sort(key=lambda match: (_sort_key(match[1].get(order_by)), match[0]))
        if descending:
            matches.reverse()
        return Selection(self, descending=descending, indices=tuple(i for i, _ in matches))

    def _row(self, index: int) -> dict[str, Any]:
        """Every value a filter or an ordering may look at, computed once per log."""
        log = self.source.log(index)
        row = log.to_api()
        metadata = self.metadata(index, log)
        both = log.tokens_in is not None and log.tokens_out is not None
        row |= {
            "created_at": log.created_ms,
            "tokens": (log.tokens_in or 0) + (log.tokens_out or 0) if both else None,
            "feedback": self.feedback(index) or 0,  # 0 is "not evaluated", as documented
            "metadata": _encode(metadata),
            "metadata.key": list(metadata),
            "metadata.value": list(metadata.values()),
        }
        return row


def _matches(row: dict[str, Any], filters: tuple[Filter, ...], search: str | None) -> bool:
    if search and search.lower() not in row["metadata"].lower():
        return False
    return all(_holds(condition, row.get(condition.key)) for condition in filters)


def merge_metadata(
    current: dict[str, MetadataValue], incoming: dict[str, MetadataValue]
) -> dict[str, MetadataValue]:
    """PATCH metadata merged into the log's: incoming keys win and always stay; older entries
    fill the remaining room up to 5 in their order. Beyond 5 incoming, the first 5 are kept.
    """
    incoming = dict(list(incoming.items())[:METADATA_LIMIT])
    room = METADATA_LIMIT - len(incoming)
    merged: dict[str, MetadataValue] = {}
    for key, value in current.items():
        if key in incoming:
            merged[key] = incoming[key]
        elif room > 0:
            merged[key] = value
            room -= 1
    for key, value in incoming.items():
        merged.setdefault(key, value)
    return merged


def _holds(condition: Filter, attribute: Any) -> bool:
    if isinstance(attribute, list):  # metadata.key / metadata.value: any entry may match
        if condition.operator == "neq":
            equal = replace(condition, operator="eq")
            return not any(_holds(equal, element) for element in attribute)
        return any(_holds(condition, element) for element in attribute)
    operator, values = condition.operator, condition.values
    if operator == "eq":
        return any(_equal(attribute, value) for value in values)
    if operator == "neq":
        return not any(_equal(attribute, value) for value in values)
    if operator == "contains":
        return isinstance(attribute, str) and any(
            str(value).lower() in attribute.lower() for value in values if value is not None
        )
    if not values or attribute is None or isinstance(attribute, str | bool):
        return False
    bound = _as_number(values[0], ms=condition.key == "created_at")
    if bound is None:
        return False
    value = float(attribute)
    if operator in ("lt", "le"):
        return value < bound or (operator == "le" and value == bound)
    return value > bound or (operator == "ge" and value == bound)


def _equal(attribute: Any, value: FilterValue) -> bool:
    if value is None or attribute is None:
        return value is None and attribute is None
    if isinstance(attribute, bool):
        if isinstance(value, str):
            return _BOOLEAN_WORDS.get(value.lower()) is attribute
        return value is attribute
    if isinstance(attribute, int | float):
        number = _as_number(value, ms=False)
        return number is not None and number == attribute
    return str(value).lower() == str(attribute).lower()


def _as_number(value: FilterValue, *, ms: bool) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        if ms:
            return parse_time_ms(value)
        try:
            return float(value)
        except ValueError:
            return None
    return float(value)


def _sort_key(value: Any) -> tuple[bool, Any]:
    return (value is not None, value if value is not None else 0)


def _number(value: Number | None) -> Number | None:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _encode(metadata: dict[str, MetadataValue]) -> str:
    return json.dumps(metadata, separators=(",", ":"))

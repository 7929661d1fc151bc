"""Conditions on logs for the list operation, and their two wire forms.

Cloudflare's current mechanism is the `filters` array of `{key, operator, value[]}`. Its query
encoding is not documented; we send what the official SDK sends (`nested_format="dots"`,
`array_format="repeat"`): `filters.key=model&filters.operator=eq&filters.value=gpt-4o`. With
several filters the keys, operators and values are zipped in order, which is only unambiguous
with one value per filter, so a query never mixes a many-valued filter with others.

Servers that reject `filters` (HTTP 400) get the deprecated simple parameters instead
(`model=…`, `success=…`, `min_cost=…`). What those cannot say (`neq`, metadata, `feedback`) is
checked here, on the logs that come back: the count (`total_count`) then covers a superset,
but every log on a page still has the same chance of being drawn, so sampling stays uniform.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from bot.gateway._models import Log

FilterValue = str | int | float | bool | None

KEYS = frozenset(
    (
        *("id", "created_at", "request_content_type", "response_content_type", "request_type"),
        *("success", "cached", "provider", "model", "model_type", "cost", "tokens", "tokens_in"),
        *("tokens_out", "duration", "feedback", "event_id", "metadata.key", "metadata.value"),
        *("authentication", "wholesale", "compatibilityMode", "dlp_action", "user_agent"),
    )
)
OPERATORS = frozenset(("eq", "neq", "contains", "lt", "gt"))

# Deprecated simple parameters that say exactly what an `eq` filter says.
_SIMPLE_EQ = frozenset(("success", "cached", "model", "provider", "model_type"))
# ... and the `min_*`/`max_*` pairs for `gt`/`lt` (inclusive on the server; we re-check strictly).
_SIMPLE_RANGE = {
    "cost": "cost",
    "duration": "duration",
    "tokens_in": "tokens_in",
    "tokens_out": "tokens_out",
    "tokens": "total_tokens",
}
_INTEGRAL = frozenset(("duration", "tokens_in", "tokens_out", "tokens"))


class FilterEncoding(enum.Enum):
    """How a list query's filters travel: the `filters` array, or the deprecated parameters."""

    FILTERS = "filters"
    SIMPLE = "simple"


@dataclass(frozen=True, slots=True)
class Filter:
    """One condition: `key operator value…` (several values mean any of them)."""

    key: str
    operator: str
    values: tuple[FilterValue, ...]

    def __post_init__(self) -> None:
        if self.key not in KEYS:
            raise ValueError(f"unknown filter key {self.key!r}")
        if self.operator not in OPERATORS:
            raise ValueError(f"unknown filter operator {self.operator!r}")
        if not self.values:
            raise ValueError("a filter needs at least one value")

    def __str__(self) -> str:
        shown = ",".join(_text(value) for value in self.values)
        return f"{self.key} {self.operator} {shown}"

    def check(self, log: Log) -> bool | None:
        """Whether the log satisfies this condition; None when a list item cannot tell
        (`feedback` is absent from list items, and some keys are not parsed)."""
        attribute = _attribute(log, self.key)
        if attribute is _UNKNOWN:
            return None
        if isinstance(attribute, list):  # metadata keys or values: any entry may match
            hits = [_compare(self.operator, item, self.values) for item in attribute]
            return not any(not hit for hit in hits) if self.operator == "neq" else any(hits)
        return _compare(self.operator, attribute, self.values)


def expand(filters: Iterable[Filter]) -> tuple[Filter, ...]:
    """The same conditions with one value per filter where that is equivalent (`neq a,b` is
    `neq a` and `neq b`); a many-valued `eq`/`contains` is only allowed on its own."""
    out: list[Filter] = []
    for condition in filters:
        if condition.operator == "neq" and len(condition.values) > 1:
            out += [Filter(condition.key, "neq", (value,)) for value in condition.values]
        else:
            out.append(condition)
    if len(out) > 1 and any(len(condition.values) > 1 for condition in out):
        raise ValueError("a filter with several values cannot be combined with other filters")
    return tuple(out)


def filters_params(filters: Iterable[Filter]) -> list[tuple[str, str]]:
    """The SDK's dots/repeat encoding of the `filters` array."""
    out: list[tuple[str, str]] = []
    for condition in expand(filters):
        out += [("filters.key", condition.key), ("filters.operator", condition.operator)]
        out += [("filters.value", _text(value)) for value in condition.values]
    return out


def simple_params(filters: Iterable[Filter]) -> tuple[list[tuple[str, str]], bool]:
    """The deprecated parameters for what they can express, and whether that is all of it.

    `feedback` is never sent this way: the deprecated `feedback` takes only 0 or 1, and older
    documentation read 0 as 👎, so `feedback=0` might select exactly the wrong logs.
    """
    out: list[tuple[str, str]] = []
    exact = True
    search: str | None = None
    for condition in filters:
        key, operator, values = condition.key, condition.operator, condition.values
        single = values[0] if len(values) == 1 else None
        if operator == "eq" and key in _SIMPLE_EQ and single is not None:
            out.append((key, _text(single)))
        elif operator in ("gt", "lt") and key in _SIMPLE_RANGE and _is_number(single):
            bound = single
            if key in _INTEGRAL and isinstance(bound, int):
                bound = bound + 1 if operator == "gt" else bound - 1  # exact for whole numbers
            else:
                exact = False  # inclusive on the server; the strict check happens on arrival
            prefix = "min_" if operator == "gt" else "max_"
            out.append((prefix + _SIMPLE_RANGE[key], _text(bound)))
        elif key in ("metadata.key", "metadata.value") and operator == "eq" and single:
            # free-text search over metadata narrows the list; the exact check follows
            if search is None or key == "metadata.value":
                search = _text(single)
            exact = False
        else:
            exact = False
    if search is not None:
        out.append(("search", search))
    return out, exact


def admits(filters: Iterable[Filter], log: Log) -> bool:
    """Whether no filter rules the log out (conditions a list item cannot show are let by)."""
    return all(condition.check(log) is not False for condition in filters)


class _Unknown:
    pass


_UNKNOWN = _Unknown()


def _attribute(log: Log, key: str) -> object:
    if key in ("success", "cached", "provider", "model", "cost", "tokens_in", "tokens_out"):
        return getattr(log, key)
    if key == "model_type":
        return log.model_type if log.model_type is not None else _UNKNOWN
    if key == "id":
        return log.id
    if key == "duration":
        return log.duration_ms
    if key == "tokens":
        both = log.tokens_in is not None and log.tokens_out is not None
        return (log.tokens_in or 0) + (log.tokens_out or 0) if both else None
    if key == "feedback":
        return _UNKNOWN if log.feedback is None else log.feedback
    if key == "metadata.key":
        return list(log.metadata)
    if key == "metadata.value":
        return list(log.metadata.values())
    return _UNKNOWN


def _compare(operator: str, attribute: object, values: tuple[FilterValue, ...]) -> bool:
    if operator == "eq":
        return any(_equal(attribute, value) for value in values)
    if operator == "neq":
        return not any(_equal(attribute, value) for value in values)
    if operator == "contains":
        return isinstance(attribute, str) and any(
            _text(value).lower() in attribute.lower() for value in values if value is not None
        )
    bound = values[0]
    if not _is_number(attribute) or not _is_number(bound):
        return False
    assert isinstance(attribute, int | float) and isinstance(bound, int | float)  # for mypy
    return attribute > bound if operator == "gt" else attribute < bound


def _equal(attribute: object, value: FilterValue) -> bool:
    if value is None or attribute is None:
        return value is None and attribute is None
    if isinstance(attribute, bool) or isinstance(value, bool):
        return _text(attribute) == _text(value)
    if _is_number(attribute) and _is_number(value):
        return attribute == value
    return _text(attribute).lower() == _text(value).lower()


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)

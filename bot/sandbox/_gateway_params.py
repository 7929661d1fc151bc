"""What clients may send the sandbox gateway: list and delete query strings, PATCH bodies.

The rules mirror the OpenAPI operations (`aig-config-list-gateway-logs`,
`aig-config-delete-gateway-logs`, `aig-config-patch-gateway-log`): declared parameters are
typed, bounded and never empty; undeclared parameters are ignored; values are cast the way
OpenAPI tooling casts query strings. The deprecated simple filters (`success`, `model`,
`min_cost`, …) become `Filter`s. `filters` is accepted both as the SDK's dots/repeat encoding
(`filters.key=…&filters.operator=…&filters.value=…`) and as a JSON array. Pure parsing: no
knowledge of logs.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

FilterValue = str | int | float | bool | None

FILTER_KEYS = frozenset(
    (
        *("id", "created_at", "request_content_type", "response_content_type", "request_type"),
        *("success", "cached", "provider", "model", "model_type", "cost", "tokens", "tokens_in"),
        *("tokens_out", "duration", "feedback", "event_id", "metadata.key", "metadata.value"),
        *("authentication", "wholesale", "compatibilityMode", "dlp_action", "user_agent"),
    )
)
OPERATORS = frozenset(("eq", "neq", "contains", "lt", "gt"))
LIST_ORDER = ("created_at", "provider", "model", "model_type", "success", "cached")
DELETE_ORDER = (*LIST_ORDER, "cost", "tokens_in", "tokens_out", "duration", "feedback")
_TRUE = ("y", "yes", "t", "true", "on", "1")
_FALSE = ("n", "no", "f", "false", "off", "0")
_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(?:\.(\d+))?"
    r"(?:Z|([+-])([01]\d|2[0-3]):([0-5]\d))",
    re.ASCII,
)
# The deprecated simple filters, as (filter key, operator); `start_date`/`end_date` are separate.
_EQUALS = ("success", "cached", "feedback", "model", "model_type", "provider")
_EQUALS_TYPE = ("request_content_type", "response_content_type")
_RANGES = {"cost": "cost", "duration": "duration", "tokens_in": "tokens_in"} | {
    "tokens_out": "tokens_out",
    "total_tokens": "tokens",
}
_SIMPLE: dict[str, tuple[str, str]] = {
    **{name: (name, "eq") for name in (*_EQUALS, *_EQUALS_TYPE)},
    **{f"min_{name}": (key, "ge") for name, key in _RANGES.items()},
    **{f"max_{name}": (key, "le") for name, key in _RANGES.items()},
}
_LIST_TYPES: dict[str, str] = {
    "search": "string",
    "page": "integer",
    "per_page": "integer",
    "order_by": "string",
    "order_by_direction": "string",
    "direction": "string",
    "meta_info": "boolean",
    "start_date": "date-time",
    "end_date": "date-time",
    "success": "boolean",
    "cached": "boolean",
    "feedback": "number",
    **{name: "number" for name in _SIMPLE if name.startswith(("min_", "max_"))},
    **dict.fromkeys(("model", "model_type", "provider", *_EQUALS_TYPE), "string"),
}
_DELETE_TYPES = {"order_by": "string", "order_by_direction": "string", "limit": "integer"}


class Invalid(Exception):
    """The request breaks the operation's schema; `messages` says how (one per problem)."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


@dataclass(frozen=True, slots=True)
class Filter:
    """One condition on logs. Operators are the API's plus `ge`/`le` for `min_*`/`max_*`."""

    key: str
    operator: str
    values: tuple[FilterValue, ...]


@dataclass(frozen=True, slots=True)
class ListParams:
    """A validated list request. `end_ms` is inclusive."""

    page: int = 1
    per_page: int = 20
    order_by: str = "created_at"
    descending: bool = True
    start_ms: int | None = None
    end_ms: int | None = None
    filters: tuple[Filter, ...] = ()
    search: str | None = None
    meta_info: bool = False


@dataclass(frozen=True, slots=True)
class DeleteParams:
    """A validated delete request: the first `limit` matching logs in this order go."""

    filters: tuple[Filter, ...] = ()
    order_by: str = "created_at"
    descending: bool = False
    limit: int = 10_000


@dataclass(frozen=True, slots=True)
class Patch:
    """A validated PATCH body; only the keys the client sent are present."""

    values: Mapping[str, Any] = field(default_factory=dict)


def parse_list(pairs: Iterable[tuple[str, str]]) -> ListParams:
    """The list operation's query string, or `Invalid`."""
    first, filter_parts = _split(pairs)
    errors: list[str] = []
    values = _typed(first, _LIST_TYPES, errors)
    _check_range(values, "page", 1, None, errors)
    _check_range(values, "per_page", 1, 50, errors)
    _check_enum(values, "order_by", LIST_ORDER, errors)
    for name in ("order_by_direction", "direction"):
        _check_enum(values, name, ("asc", "desc"), errors)
    if values.get("feedback") not in (None, 0, 1):
        errors.append("feedback: must be one of 0, 1")
    filters = _filters(first.get("filters"), filter_parts, errors)
    if errors:
        raise Invalid(errors)
    filters += tuple(
        Filter(key, operator, (values[name],))
        for name, (key, operator) in _SIMPLE.items()
        if name in values
    )
    start, end = values.get("start_date"), values.get("end_date")
    direction = values.get("order_by_direction", values.get("direction", "desc"))
    return ListParams(
        page=values.get("page", 1),
        per_page=values.get("per_page", 20),
        order_by=values.get("order_by", "created_at"),
        descending=direction == "desc",
        start_ms=None if start is None else math.ceil(start.timestamp() * 1000),
        end_ms=None if end is None else math.floor(end.timestamp() * 1000),
        filters=filters,
        search=values.get("search"),
        meta_info=values.get("meta_info", False),
    )


def parse_delete(pairs: Iterable[tuple[str, str]]) -> DeleteParams:
    """The delete operation's query string, or `Invalid`."""
    first, filter_parts = _split(pairs)
    errors: list[str] = []
    values = _typed(first, _DELETE_TYPES, errors)
    _check_range(values, "limit", 1, 10_000, errors)
    _check_enum(values, "order_by", DELETE_ORDER, errors)
    _check_enum(values, "order_by_direction", ("asc", "desc"), errors)
    filters = _filters(first.get("filters"), filter_parts, errors)
    if errors:
        raise Invalid(errors)
    return DeleteParams(
        filters=filters,
        order_by=values.get("order_by", "created_at"),
        descending=values.get("order_by_direction", "asc") == "desc",
        limit=values.get("limit", 10_000),
    )


def parse_patch(raw: bytes) -> Patch:
    """The PATCH body (JSON object; feedback -1..1, score 0..100, flat metadata), or `Invalid`."""
    if not raw.strip():
        return Patch()
    try:
        body = json.loads(raw, parse_constant=_reject_constant)
    except ValueError as error:
        raise Invalid([f"body: not valid JSON ({error})"]) from None
    if not isinstance(body, dict):
        raise Invalid(["body: must be a JSON object"])
    errors: list[str] = []
    for name, low, high in (("feedback", -1, 1), ("score", 0, 100)):
        value = body.get(name)
        if value is not None and (not _is_number(value) or not low <= value <= high):
            errors.append(f"{name}: must be a number between {low} and {high}, or null")
    metadata = body.get("metadata")
    if metadata is not None:
        if not isinstance(metadata, dict):
            errors.append("metadata: must be an object")
        else:
            errors += [
                f"metadata.{key}: must be a string, number or boolean"
                for key, value in metadata.items()
                if not isinstance(value, str | int | float)  # bool is an int
            ]
    if errors:
        raise Invalid(errors)
    return Patch({k: body[k] for k in ("feedback", "score", "metadata") if k in body})


def parse_time_ms(text: str) -> int | None:
    """An RFC 3339 date-time (`T`/`Z` in any case) as epoch ms, or None."""
    match = _RFC3339.fullmatch(text.upper())
    if match is None:
        return None
    stamp = _datetime(match)
    return None if stamp is None else math.floor(stamp.timestamp() * 1000)


def _split(pairs: Iterable[tuple[str, str]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """First value of each parameter (as servers read repeats), and the `filters.*` lists."""
    first: dict[str, str] = {}
    parts: dict[str, list[str]] = {}
    for name, value in pairs:
        if name.startswith("filters."):
            parts.setdefault(name.removeprefix("filters."), []).append(value)
        else:
            first.setdefault(name, value)
    return first, parts


def _typed(first: Mapping[str, str], types: Mapping[str, str], errors: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, kind in types.items():
        if name not in first:
            continue
        raw = first[name]
        value = _cast(raw, kind) if raw != "" else None
        if value is None:
            errors.append(f"{name}: {'cannot be empty' if raw == '' else f'not a valid {kind}'}")
        else:
            out[name] = value
    return out


def _cast(raw: str, kind: str) -> Any:
    try:
        if kind == "integer":
            return int(raw)
        if kind == "number":
            return float(raw)
    except ValueError:
        return None
    if kind == "boolean":
        lowered = raw.lower()
        return True if lowered in _TRUE else False if lowered in _FALSE else None
    if kind == "date-time":
        match = _RFC3339.fullmatch(raw.upper())
        return None if match is None else _datetime(match)
    return raw


def _datetime(match: re.Match[str]) -> datetime | None:
    year, month, day, hour, minute, second = (int(match[i]) for i in range(1, 7))
    micros = int((match[7] or "0")[:6].ljust(6, "0"))
    zone = UTC
    if match[8]:
        offset = timedelta(hours=int(match[9]), minutes=int(match[10]))
        zone = timezone(offset if match[8] == "+" else -offset)
    try:
        return datetime(year, month, day, hour, minute, second, micros, tzinfo=zone)
    except ValueError:  # e.g. February 30th, or year 0
        return None


def _check_range(
    values: dict[str, Any], name: str, low: int, high: int | None, errors: list[str]
) -> None:
    value = values.get(name)
    if value is not None and (value < low or (high is not None and value > high)):
        bound = f"between {low} and {high}" if high is not None else f">= {low}"
        errors.append(f"{name}: must be an integer {bound}")


def _check_enum(
    values: dict[str, Any], name: str, allowed: tuple[str, ...], errors: list[str]
) -> None:
    value = values.get(name)
    if value is not None and value not in allowed:
        errors.append(f"{name}: must be one of {', '.join(allowed)}")


def _filters(
    encoded: str | None, parts: Mapping[str, list[str]], errors: list[str]
) -> tuple[Filter, ...]:
    items: list[Any] = []
    if encoded is not None:
        try:
            parsed = json.loads(encoded)
        except ValueError:
            parsed = None
        if not isinstance(parsed, list):
            errors.append("filters: must be an array of {key, operator, value}")
            return ()
        items += parsed
    if parts:
        items += _from_dots(parts, errors)
    out: list[Filter] = []
    for number, item in enumerate(items):
        found = _filter(item)
        if found is None:
            errors.append(f"filters[{number}]: needs a known key, an operator and a value array")
        else:
            out.append(found)
    return tuple(out)


def _from_dots(parts: Mapping[str, list[str]], errors: list[str]) -> list[dict[str, Any]]:
    """`filters.key`/`filters.operator` zipped; values all go to a sole filter, else one each."""
    keys, operators = parts.get("key", []), parts.get("operator", [])
    values = parts.get("value", [])
    if len(keys) != len(operators) or set(parts) - {"key", "operator", "value"}:
        errors.append("filters: each filter needs exactly one key and one operator")
        return []
    if len(keys) == 1:
        return [{"key": keys[0], "operator": operators[0], "value": values}]
    if len(values) != len(keys):
        errors.append("filters: with several filters, give exactly one value each")
        return []
    return [
        {"key": k, "operator": o, "value": [v]}
        for k, o, v in zip(keys, operators, values, strict=True)
    ]


def _filter(item: object) -> Filter | None:
    if not isinstance(item, dict):
        return None
    key, operator, values = item.get("key"), item.get("operator"), item.get("value")
    if key not in FILTER_KEYS or operator not in OPERATORS or not isinstance(values, list):
        return None
    if not all(value is None or isinstance(value, str | int | float) for value in values):
        return None
    return Filter(str(key), str(operator), tuple(values))


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")

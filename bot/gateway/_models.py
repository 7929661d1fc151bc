"""Typed values parsed from Cloudflare AI Gateway's logs API.

Parsing is lenient on purpose: the published schema marks most fields optional, `tokens_in`
and `tokens_out` may be null, `metadata` is a JSON *string*, and fields the schema does not
promise (`feedback`, `score`) may or may not appear. Unknown fields are ignored.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

MetadataValue = str | int | float | bool


@dataclass(frozen=True, slots=True)
class Log:
    """One gateway log: what a list item or a get-one result carries."""

    id: str
    created_at: datetime
    provider: str = ""
    model: str = ""
    path: str = ""
    duration_ms: int = 0
    success: bool = True
    cached: bool = False
    tokens_in: int | None = None
    tokens_out: int | None = None
    cost: float | None = None
    status_code: int | None = None
    model_type: str | None = None
    metadata: Mapping[str, MetadataValue] = field(default_factory=dict)
    # Not in the published schema; read when the gateway reports them, None otherwise.
    feedback: int | None = None
    score: float | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Log:
        """Build a Log from one `result` object, tolerating missing and odd fields."""
        return cls(
            id=str(data["id"]),
            created_at=parse_time(data.get("created_at")),
            provider=_str(data.get("provider")),
            model=_str(data.get("model")),
            path=_str(data.get("path")),
            duration_ms=_int(data.get("duration")) or 0,
            success=bool(data.get("success", True)),
            cached=bool(data.get("cached", False)),
            tokens_in=_int(data.get("tokens_in")),
            tokens_out=_int(data.get("tokens_out")),
            cost=_float(data.get("cost")),
            status_code=_int(data.get("status_code")),
            model_type=data.get("model_type") if isinstance(data.get("model_type"), str) else None,
            metadata=parse_metadata(data.get("metadata")),
            feedback=_feedback(data.get("feedback")),
            score=_float(data.get("score")),
        )

    def to_api(self) -> dict[str, Any]:
        """The inverse of `from_api`, in the wire shape (metadata as a JSON string)."""
        out: dict[str, Any] = {
            "id": self.id,
            "created_at": format_time(self.created_at),
            "provider": self.provider,
            "model": self.model,
            "path": self.path,
            "duration": self.duration_ms,
            "success": self.success,
            "cached": self.cached,
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
        }
        if self.cost is not None:
            out["cost"] = self.cost
        if self.status_code is not None:
            out["status_code"] = self.status_code
        if self.model_type is not None:
            out["model_type"] = self.model_type
        if self.metadata:
            out["metadata"] = json.dumps(dict(self.metadata))
        return out


@dataclass(frozen=True, slots=True)
class ListRequest:
    """One list request as sent, and the status it got: what a dry run shows."""

    params: tuple[tuple[str, str], ...]
    status: int

    def __str__(self) -> str:
        query = "&".join(f"{name}={value}" for name, value in self.params)
        return f"GET /logs?{query} → {self.status}"


@dataclass(frozen=True, slots=True)
class LogPage:
    """One page of the list operation; `total_count` is None when the server omits it.

    `exact` is False when some filters could only be checked on the logs that came back
    (see `_filters`): the page then holds only matching logs, but `total_count` counts a
    superset. `requests` are the requests it took (two when `filters` had to fall back).
    """

    logs: tuple[Log, ...]
    page: int
    per_page: int
    total_count: int | None
    exact: bool = True
    requests: tuple[ListRequest, ...] = ()

    @property
    def page_count(self) -> int | None:
        """Pages in the whole result, from `total_count` (the API sends no `total_pages`)."""
        if self.total_count is None:
            return None
        return math.ceil(self.total_count / self.per_page) if self.per_page else 0


@dataclass(frozen=True, slots=True)
class Body:
    """A stored request or response body, as the gateway returns it (not enveloped)."""

    content_type: str
    text: str
    data: Any = None  # the parsed JSON value, or None when the body is not JSON
    size: int = 0

    @classmethod
    def from_bytes(cls, raw: bytes, content_type: str) -> Body:
        """Decode a body, parsing JSON where it looks like JSON whatever the header says."""
        text = raw.decode("utf-8", errors="replace")
        data: Any = None
        stripped = text.lstrip()
        if stripped[:1] in ("{", "["):
            try:
                data = json.loads(text)
            except (ValueError, RecursionError):  # absurdly deep nesting is not worth parsing
                data = None
        return cls(content_type=content_type, text=text, data=data, size=len(raw))


@dataclass(frozen=True, slots=True)
class TokenStatus:
    """What Cloudflare's token-verify endpoint says about the API token in use."""

    id: str
    status: str  # "active", "disabled" or "expired"
    owner: str  # "user" (GET /user/tokens/verify) or "account" (/accounts/{id}/tokens/verify)
    expires_on: datetime | None = None

    @property
    def active(self) -> bool:
        """Whether the token may be used now."""
        return self.status == "active"

    @classmethod
    def from_api(cls, data: Mapping[str, Any], *, owner: str) -> TokenStatus:
        """Build from the verify operation's `result` object."""
        expires = data.get("expires_on")
        return cls(
            id=_str(data.get("id")),
            status=_str(data.get("status")) or "unknown",
            owner=owner,
            expires_on=parse_time(expires) if isinstance(expires, str) else None,
        )


def parse_metadata(raw: object) -> dict[str, MetadataValue]:
    """The log's metadata: a JSON string per the schema, an object in some answers."""
    value: object = raw
    if isinstance(raw, str):
        try:
            value = json.loads(raw)
        except ValueError:
            return {"metadata": raw} if raw else {}
    if not isinstance(value, Mapping):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, str | int | float | bool)}


def parse_time(raw: object) -> datetime:
    """An ISO 8601 timestamp (with `Z`), as UTC; the epoch when missing or malformed."""
    if isinstance(raw, str):
        try:
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return datetime.fromtimestamp(0, UTC)


def format_time(value: datetime) -> str:
    """UTC, millisecond precision, `Z` suffix: the shape the API itself uses."""
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _int(value: object) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return int(value)
    return None


def _float(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _feedback(value: object) -> int | None:
    number = _float(value)
    if number is None:
        return None
    return (number > 0) - (number < 0)

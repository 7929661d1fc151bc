"""A Card is everything a Slack message about one log shows, apart from its votes.

Built once from the gateway's log and its bodies, stored with the post, and rendered by
`blocks.py` each time the votes change, so an edit needs no gateway call.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from bot.excerpts import prompt_excerpt, response_excerpt
from bot.gateway import Body, Log, format_time, parse_time
from bot.redact import Redactor

MetadataValue = str | int | float | bool
DEFAULT_REDACTOR = Redactor()  # safe by default: callers pass the configured one


@dataclass(frozen=True, slots=True)
class Card:
    """The details of one log as a teammate sees them."""

    log_id: str
    created_at: datetime
    model: str = ""
    provider: str = ""
    success: bool = True
    status_code: int | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    cost: float | None = None
    duration_ms: int = 0
    cached: bool = False
    prompt: str = ""
    response: str = ""
    metadata: Mapping[str, MetadataValue] = field(default_factory=dict)

    @classmethod
    def from_log(
        cls,
        log: Log,
        request: Body | None,
        response: Body | None,
        *,
        redact: Callable[[str], str] = DEFAULT_REDACTOR,
    ) -> Card:
        """Summarise a log and excerpt its bodies (either may be missing), masking secrets and
        personal data with `redact`."""
        return cls(
            log_id=log.id,
            created_at=log.created_at,
            model=log.model,
            provider=log.provider,
            success=log.success,
            status_code=log.status_code,
            tokens_in=log.tokens_in,
            tokens_out=log.tokens_out,
            cost=log.cost,
            duration_ms=log.duration_ms,
            cached=log.cached,
            prompt=redact(prompt_excerpt(request)),
            response=redact(response_excerpt(response)),
            metadata={k: redact(v) if isinstance(v, str) else v for k, v in log.metadata.items()},
        )

    def to_json(self) -> str:
        """Serialise for the store."""
        data: dict[str, Any] = asdict(self)
        data["created_at"] = format_time(self.created_at)
        data["metadata"] = dict(self.metadata)
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str) -> Card:
        """The inverse of `to_json`; unknown keys (from newer versions) are ignored."""
        data = json.loads(raw)
        known = set(cls.__dataclass_fields__)
        values = {k: v for k, v in data.items() if k in known}
        values["created_at"] = parse_time(values.get("created_at"))
        return cls(**values)

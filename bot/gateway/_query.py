"""What a list request asks for, in either wire form (see `_filters` for the two forms)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.gateway._filters import Filter, FilterEncoding, filters_params, simple_params
from bot.gateway._models import format_time


@dataclass(frozen=True, slots=True)
class ListQuery:
    """What to ask the list operation for. Dates use the simple (deprecated, still accepted)
    `start_date`/`end_date` parameters in both forms; `filters` are all ANDed."""

    page: int = 1
    per_page: int = 50
    order_by: str = "created_at"
    order_by_direction: str = "desc"
    start_date: datetime | None = None
    end_date: datetime | None = None
    filters: tuple[Filter, ...] = ()

    def params(self) -> dict[str, str | int]:
        """The query parameters other than filters, in the wire form."""
        out: dict[str, str | int] = {
            "page": max(1, self.page),
            "per_page": min(50, max(1, self.per_page)),
            "order_by": self.order_by,
            "order_by_direction": self.order_by_direction,
        }
        if self.start_date is not None:
            out["start_date"] = format_time(self.start_date)
        if self.end_date is not None:
            out["end_date"] = format_time(self.end_date)
        return out

    def wire(self, encoding: FilterEncoding) -> tuple[list[tuple[str, str]], bool]:
        """Every query parameter with the filters in `encoding`, and whether the server can
        apply all of them (False: some are left to check on the logs that come back)."""
        base = [(name, str(value)) for name, value in self.params().items()]
        if encoding is FilterEncoding.FILTERS:
            return base + filters_params(self.filters), True
        extra, exact = simple_params(self.filters)
        return base + extra, exact

"""Cloudflare AI Gateway logs API: the only code that speaks HTTP to Cloudflare."""

from bot.gateway._budget import Budget, Priority
from bot.gateway._client import FilterSupport, GatewayClient
from bot.gateway._errors import (
    BadRequest,
    GatewayError,
    NotFound,
    PermissionDenied,
    RateLimited,
    Unavailable,
)
from bot.gateway._filters import Filter, FilterEncoding, FilterValue
from bot.gateway._models import (
    Body,
    ListRequest,
    Log,
    LogPage,
    MetadataValue,
    TokenStatus,
    format_time,
    parse_time,
)
from bot.gateway._query import ListQuery

__all__ = [
    "BadRequest",
    "Body",
    "Budget",
    "Filter",
    "FilterEncoding",
    "FilterSupport",
    "FilterValue",
    "GatewayClient",
    "GatewayError",
    "ListQuery",
    "ListRequest",
    "Log",
    "LogPage",
    "MetadataValue",
    "NotFound",
    "PermissionDenied",
    "Priority",
    "RateLimited",
    "TokenStatus",
    "Unavailable",
    "format_time",
    "parse_time",
]

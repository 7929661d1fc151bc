"""Cloudflare AI Gateway logs API: the only code that speaks HTTP to Cloudflare."""

from bot.gateway._budget import Budget, Priority
from bot.gateway._client import GatewayClient
from bot.gateway._errors import (
    BadRequest,
    GatewayError,
    NotFound,
    PermissionDenied,
    RateLimited,
    Unavailable,
)
from bot.gateway._models import (
    Body,
    ListQuery,
    Log,
    LogPage,
    TokenStatus,
    format_time,
    parse_time,
)

__all__ = [
    "BadRequest",
    "Body",
    "Budget",
    "GatewayClient",
    "GatewayError",
    "ListQuery",
    "Log",
    "LogPage",
    "NotFound",
    "PermissionDenied",
    "Priority",
    "RateLimited",
    "TokenStatus",
    "Unavailable",
    "format_time",
    "parse_time",
]

"""The gateway's exceptions: every failure of a Cloudflare call becomes one of these.

GatewayError
├── NotFound            404: no such log (wrong ID, wrong gateway, or deleted)
├── PermissionDenied    401/403: token invalid or lacking AI Gateway Read/Edit (code 10000, 9109)
├── BadRequest          other 4xx: the request itself is wrong; retrying will not help
├── RateLimited         429: every call must wait `retry_after` seconds
└── Unavailable         5xx, timeouts, connection errors: worth retrying with backoff
"""

from __future__ import annotations


class GatewayError(Exception):
    """A Cloudflare AI Gateway API call failed."""

    def __init__(self, message: str, *, status: int | None = None, code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code

    @property
    def retryable(self) -> bool:
        """Whether the same call may succeed later without any change."""
        return False


class NotFound(GatewayError):
    """The log does not exist on this gateway."""


class PermissionDenied(GatewayError):
    """The API token is invalid or lacks a permission."""


class BadRequest(GatewayError):
    """The server rejected the request as malformed."""


class RateLimited(GatewayError):
    """Cloudflare's API rate limit: no call may be made for `retry_after` seconds."""

    def __init__(
        self, message: str, *, retry_after: float, status: int | None = 429, code: int | None = None
    ) -> None:
        super().__init__(message, status=status, code=code)
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return True


class Unavailable(GatewayError):
    """The gateway could not be reached or failed on its side."""

    @property
    def retryable(self) -> bool:
        return True

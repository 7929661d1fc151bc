"""Failures the sandbox gateway produces, in the envelopes Cloudflare uses for them.

`Failure` builders for each documented error, the queue behind `fail_next`, and the global
rate limit scaled down: over `limit` requests in `window` seconds answers 429 (code 971) and
then blocks every call for a full window, as Cloudflare documents for its API. Time comes from
the clock passed in, so tests can move it.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

THROTTLED = "Please wait and consider throttling your request speed"


@dataclass(frozen=True, slots=True)
class Failure:
    """An error answer: status, JSON body and extra headers."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def cloudflare_error(
    status: int,
    code: int,
    message: str,
    *,
    retry_after: float | None = None,
    chain: tuple[tuple[int, str], ...] = (),
) -> Failure:
    """The generic v4 failure envelope (`success`, `errors`, `messages`, `result: null`)."""
    error: dict[str, Any] = {"code": code, "message": message}
    if chain:
        error["error_chain"] = [{"code": c, "message": m} for c, m in chain]
    body = {"success": False, "errors": [error], "messages": [], "result": None}
    headers = {} if retry_after is None else {"Retry-After": str(math.ceil(retry_after))}
    return Failure(status, body, headers)


def not_found() -> Failure:
    """No such log (AI Gateway's own, narrower 404 shape)."""
    return Failure(404, {"errors": [{"code": 7002, "message": "Not Found"}], "success": False})


def no_route() -> Failure:
    """Unknown path, account or gateway."""
    return cloudflare_error(404, 7003, "No route for the URI")


def bad_request(messages: list[str]) -> Failure:
    """A request that breaks the operation's schema (AI Gateway's documented 400 shape)."""
    errors = [{"message": message} for message in messages]
    return Failure(400, {"errors": errors, "result": {}, "success": False})


def bad_headers() -> Failure:
    """Missing or malformed `Authorization` header."""
    chain = ((6111, "Invalid format for Authorization header"),)
    return cloudflare_error(400, 6003, "Invalid request headers", chain=chain)


def rate_limited(retry_after: float) -> Failure:
    """Cloudflare's global API rate limit."""
    return cloudflare_error(429, 971, THROTTLED, retry_after=retry_after)


def injected(status: int, retry_after: float | None) -> Failure:
    """The answer `fail_next` asked for, shaped the way Cloudflare shapes that status."""
    if status == 429:
        return rate_limited(1 if retry_after is None else retry_after)
    if status == 404:
        return not_found()
    if status == 400:
        return bad_request(["Bad Request"])
    if status in (401, 403):
        code, message = (
            (9109, "Invalid access token") if status == 401 else (10000, "Authentication error")
        )
        return cloudflare_error(status, code, message, retry_after=retry_after)
    message = "Internal error" if status >= 500 else "Request failed"
    return cloudflare_error(status, 10001, message, retry_after=retry_after)


@dataclass(slots=True)
class _Pending:
    remaining: int
    status: int
    operation: str | None
    retry_after: float | None


class FaultPlan:
    """Failures queued by `fail_next`, consumed in order by the requests they match."""

    def __init__(self) -> None:
        self._pending: list[_Pending] = []

    def add(
        self, count: int, status: int, operation: str | None, retry_after: float | None
    ) -> None:
        """Fail the next `count` requests (of `operation`, if given) with `status`."""
        if count > 0:
            self._pending.append(_Pending(count, status, operation, retry_after))

    def take(self, operation: str) -> Failure | None:
        """The failure this request gets, if one is queued for it."""
        for pending in self._pending:
            if pending.operation in (None, operation):
                pending.remaining -= 1
                if pending.remaining == 0:
                    self._pending.remove(pending)
                return injected(pending.status, pending.retry_after)
        return None


@dataclass(frozen=True, slots=True)
class Admission:
    """The rate limiter's verdict on one request, and the headers that describe the budget."""

    allowed: bool
    retry_after: float
    headers: dict[str, str]


class RateLimiter:
    """At most `limit` requests per sliding `window` seconds; exceeding it blocks a full window."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float]) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("rate_limit needs at least 1 request per positive window")
        self.limit = limit
        self.window = window
        self._clock = clock
        self._admitted: deque[float] = deque()
        self._blocked_until: float | None = None

    def admit(self) -> Admission:
        """Count one request, or refuse it."""
        now = self._clock()
        if self._blocked_until is not None and now < self._blocked_until:
            return self._refuse(self._blocked_until - now)
        self._blocked_until = None
        while self._admitted and self._admitted[0] <= now - self.window:
            self._admitted.popleft()
        if len(self._admitted) >= self.limit:
            self._blocked_until = now + self.window
            self._admitted.clear()
            return self._refuse(self.window)
        self._admitted.append(now)
        reset = self._admitted[0] + self.window - now
        return Admission(True, 0, self._headers(self.limit - len(self._admitted), reset))

    def _refuse(self, wait: float) -> Admission:
        return Admission(False, wait, self._headers(0, wait))

    def _headers(self, remaining: int, reset: float) -> dict[str, str]:
        window = math.ceil(self.window)
        return {
            "Ratelimit": f'"default";r={remaining};t={math.ceil(reset)}',
            "Ratelimit-Policy": f'"default";q={self.limit};w={window}',
        }

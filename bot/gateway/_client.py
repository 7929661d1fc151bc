"""The async client for the AI Gateway logs API.

Every call goes through the shared `Budget`; every failure leaves as one of the gateway's
own exceptions (see `_errors`), so nothing above this module parses Cloudflare envelopes.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import quote

import httpx

from bot.gateway._budget import Budget, Priority
from bot.gateway._errors import (
    BadRequest,
    GatewayError,
    NotFound,
    PermissionDenied,
    RateLimited,
    Unavailable,
)
from bot.gateway._filters import FilterEncoding, admits
from bot.gateway._models import (
    Body,
    ListRequest,
    Log,
    LogPage,
    MetadataValue,
    TokenStatus,
)
from bot.gateway._query import ListQuery

logger = logging.getLogger(__name__)

DEFAULT_RETRY_AFTER = 300.0  # Cloudflare blocks for five minutes when its limit is exceeded
USER_AGENT = "aig-feedback/0.1 (+Slack review bot)"


class FilterSupport:
    """Which filter encoding each gateway accepts, learned from its answers. One instance is
    shared by the clients of a process, so routes on the same gateway learn it once."""

    def __init__(self) -> None:
        self._known: dict[str, FilterEncoding] = {}

    def get(self, gateway: str) -> FilterEncoding | None:
        """What works for this gateway; None until a filtered list has been answered."""
        return self._known.get(gateway)

    def learn(self, gateway: str, encoding: FilterEncoding) -> None:
        """Remember what works."""
        self._known[gateway] = encoding


class GatewayClient:
    """Reads logs from, and writes feedback to, one AI Gateway."""

    def __init__(
        self,
        *,
        base_url: str,
        account_id: str,
        gateway_id: str,
        token: str,
        budget: Budget | None = None,
        timeout: float = 15.0,
        transport: httpx.AsyncBaseTransport | None = None,
        filter_support: FilterSupport | None = None,
    ) -> None:
        self.account_id = account_id
        self.gateway_id = gateway_id
        self.budget = budget or Budget(600)
        self.calls = 0
        self.filter_support = filter_support or FilterSupport()
        self._gateway_key = f"{base_url.rstrip('/')}/accounts/{account_id}/gateways/{gateway_id}"
        account, gateway = quote(account_id, safe=""), quote(gateway_id, safe="")
        prefix = f"/accounts/{account}/ai-gateway/gateways/{gateway}"
        # token verification lives outside the gateway's prefix; absolute URLs bypass base_url
        self._verify_urls = (
            ("user", base_url.rstrip("/") + "/user/tokens/verify"),
            ("account", base_url.rstrip("/") + f"/accounts/{account}/tokens/verify"),
        )
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + prefix,
            headers={"Authorization": f"Bearer {token}", "User-Agent": USER_AGENT},
            timeout=httpx.Timeout(timeout, connect=5.0),
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"GatewayClient(account_id={self.account_id!r}, gateway_id={self.gateway_id!r})"

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    @property
    def filter_encoding(self) -> FilterEncoding | None:
        """How this gateway takes filters, once known: `filters`, or the deprecated params."""
        return self.filter_support.get(self._gateway_key)

    async def list_logs(
        self, query: ListQuery, *, priority: Priority = Priority.BACKGROUND
    ) -> LogPage:
        """One page of logs, newest first by default, filtered by `query.filters`.

        Filters go as the `filters` array first. A gateway that answers that with 400, or
        visibly ignores it (returns logs the filters rule out), gets the deprecated simple
        parameters from then on; what those cannot express is checked on arrival.
        """
        known = self.filter_encoding
        if not query.filters or known is FilterEncoding.SIMPLE:
            page, _ = await self._list(query, known or FilterEncoding.FILTERS, priority)
            return page
        params, _ = query.wire(FilterEncoding.FILTERS)
        try:
            page, ignored = await self._list(query, FilterEncoding.FILTERS, priority)
        except BadRequest as rejected:
            if known is not None or rejected.status != 400:
                raise
            logger.warning(
                "gateway %s rejected the filters parameter (%s); using the deprecated "
                "simple parameters from now on",
                self.gateway_id,
                rejected.message,
            )
            earlier = ListRequest(tuple(params), 400)
        else:
            if known is not None or not ignored:
                self.filter_support.learn(self._gateway_key, FilterEncoding.FILTERS)
                return page
            logger.warning(
                "gateway %s ignored the filters parameter; using the deprecated simple "
                "parameters from now on",
                self.gateway_id,
            )
            earlier = page.requests[0]
        fallback, _ = await self._list(query, FilterEncoding.SIMPLE, priority)
        self.filter_support.learn(self._gateway_key, FilterEncoding.SIMPLE)
        return replace(fallback, requests=(earlier, *fallback.requests))

    async def _list(
        self, query: ListQuery, encoding: FilterEncoding, priority: Priority
    ) -> tuple[LogPage, bool]:
        """The page, and whether the server returned logs that the filters rule out."""
        params, exact = query.wire(encoding)
        data = await self._json("GET", "/logs", priority, params=params)
        items = data.get("result") if isinstance(data, Mapping) else None
        info = data.get("result_info") if isinstance(data, Mapping) else None
        info = info if isinstance(info, Mapping) else {}
        returned = [
            Log.from_api(item)
            for item in (items or [])
            if isinstance(item, Mapping) and "id" in item
        ]
        logs = tuple(log for log in returned if admits(query.filters, log))
        total = info.get("total_count")
        page = LogPage(
            logs=logs,
            page=_as_int(info.get("page"), query.page),
            per_page=_as_int(info.get("per_page"), min(50, max(1, query.per_page))),
            total_count=_as_int(total, 0) if total is not None else None,
            exact=exact,
            requests=(ListRequest(tuple(params), 200),),
        )
        return page, len(logs) < len(returned)

    async def get_log(self, log_id: str, *, priority: Priority = Priority.INTERACTIVE) -> Log:
        """The log's details; `feedback` and `score` are set only if the gateway reports them."""
        data = await self._json("GET", _log_path(log_id), priority)
        result = data.get("result") if isinstance(data, Mapping) else None
        if not isinstance(result, Mapping) or "id" not in result:
            raise Unavailable(f"the gateway answered log {log_id} without a result")
        return Log.from_api(result)

    async def patch_log(
        self,
        log_id: str,
        *,
        feedback: int | None = None,
        score: float | None = None,
        metadata: Mapping[str, MetadataValue] | None = None,
    ) -> None:
        """Write feedback (-1, 0 or 1), a score (0–100) and/or metadata to a log."""
        body: dict[str, Any] = {}
        if feedback is not None:
            if feedback not in (-1, 0, 1):
                raise ValueError("feedback must be -1, 0 or 1")
            body["feedback"] = feedback
        if score is not None:
            body["score"] = min(100.0, max(0.0, float(score)))
        if metadata is not None:
            body["metadata"] = dict(metadata)
        await self._json("PATCH", _log_path(log_id), Priority.INTERACTIVE, json=body)

    async def verify_token(self) -> TokenStatus:
        """The API token's status: `GET /user/tokens/verify`, and for account-owned tokens
        (which that endpoint rejects) `GET /accounts/{account_id}/tokens/verify`.

        When both reject the token, the user endpoint's error is raised.
        """
        rejections: list[GatewayError] = []
        for owner, url in self._verify_urls:
            try:
                return await self._verify(url, owner)
            except (PermissionDenied, NotFound, BadRequest) as rejected:
                rejections.append(rejected)
        raise rejections[0]

    async def _verify(self, url: str, owner: str) -> TokenStatus:
        data = await self._json("GET", url, Priority.INTERACTIVE)
        result = data.get("result") if isinstance(data, Mapping) else None
        if not isinstance(result, Mapping):
            raise Unavailable(f"GET {url} answered without a result")
        return TokenStatus.from_api(result, owner=owner)

    async def request_body(self, log_id: str, *, priority: Priority = Priority.INTERACTIVE) -> Body:
        """The stored request body (raw, not enveloped)."""
        return await self._body(_log_path(log_id) + "/request", priority)

    async def response_body(
        self, log_id: str, *, priority: Priority = Priority.INTERACTIVE
    ) -> Body:
        """The stored response body (raw, not enveloped)."""
        return await self._body(_log_path(log_id) + "/response", priority)

    async def bodies(
        self, log_id: str, *, priority: Priority = Priority.INTERACTIVE
    ) -> tuple[Body | None, Body | None]:
        """The request and response bodies; None for one that was not stored (payload
        collection off for that request) or could not be read. A body is a nicety next to the
        log itself, so only a rate limit (which stops every call) is raised."""
        return (
            await _unless_missing(self.request_body(log_id, priority=priority), log_id),
            await _unless_missing(self.response_body(log_id, priority=priority), log_id),
        )

    async def _body(self, path: str, priority: Priority) -> Body:
        response = await self._send("GET", path, priority)
        return Body.from_bytes(response.content, response.headers.get("content-type", ""))

    async def _json(self, method: str, path: str, priority: Priority, **kwargs: Any) -> Any:
        response = await self._send(method, path, priority, **kwargs)
        try:
            data = response.json()
        except ValueError as exc:
            raise Unavailable(f"the gateway answered {method} {path} with invalid JSON") from exc
        if isinstance(data, Mapping) and data.get("success") is False:
            raise BadRequest(_error_text(data) or "the gateway reported failure", status=200)
        return data

    async def _send(
        self, method: str, path: str, priority: Priority, **kwargs: Any
    ) -> httpx.Response:
        await self.budget.acquire(priority)
        self.calls += 1
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise Unavailable(f"{method} {path} timed out") from exc
        except httpx.HTTPError as exc:
            raise Unavailable(f"{method} {path} failed: {type(exc).__name__}") from exc
        finally:
            self.budget.release()
        if response.is_success:
            return response
        raise self._error(method, path, response)

    def _error(self, method: str, path: str, response: httpx.Response) -> GatewayError:
        status = response.status_code
        try:
            envelope = response.json()
        except ValueError:
            envelope = None
        code = _error_code(envelope)
        text = _error_text(envelope) or response.reason_phrase or f"HTTP {status}"
        message = f"{method} {path}: {status} {text}" + (f" (code {code})" if code else "")
        if status == 429:
            retry_after = _retry_after(response.headers.get("retry-after"))
            self.budget.pause(retry_after)
            logger.warning(
                "Cloudflare rate limit hit; pausing all gateway calls for %.0f s", retry_after
            )
            return RateLimited(message, retry_after=retry_after, code=code)
        if status == 404:
            return NotFound(message, status=status, code=code)
        if status in (401, 403):
            return PermissionDenied(message, status=status, code=code)
        if 400 <= status < 500:
            return BadRequest(message, status=status, code=code)
        return Unavailable(message, status=status, code=code)


async def _unless_missing(fetch: Awaitable[Body], log_id: str) -> Body | None:
    try:
        return await fetch
    except NotFound:
        return None
    except RateLimited:
        raise
    except GatewayError as exc:
        logger.warning("log %s: a body could not be read, shown without it: %s", log_id, exc)
        return None


def _log_path(log_id: str) -> str:
    return "/logs/" + quote(log_id, safe="")


def _errors(envelope: object) -> list[Mapping[str, Any]]:
    if not isinstance(envelope, Mapping):
        return []
    errors = envelope.get("errors")
    return [e for e in errors if isinstance(e, Mapping)] if isinstance(errors, list) else []


def _error_text(envelope: object) -> str:
    return "; ".join(str(e.get("message", "")) for e in _errors(envelope) if e.get("message"))


def _error_code(envelope: object) -> int | None:
    for error in _errors(envelope):
        code = error.get("code")
        if isinstance(code, int) and not isinstance(code, bool):
            return code
    return None


def _retry_after(raw: str | None) -> float:
    if raw is None:
        return DEFAULT_RETRY_AFTER
    try:
        seconds = float(raw)
    except ValueError:
        return DEFAULT_RETRY_AFTER
    return seconds if math.isfinite(seconds) and seconds >= 0 else DEFAULT_RETRY_AFTER


def _as_int(value: object, default: int) -> int:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return int(value)
    return default

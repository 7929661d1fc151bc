"""The Slack sandbox's HTTP edges: reading Web API arguments, injected faults, webhook bodies.

Web API calls arrive as query strings, form bodies or JSON bodies (slack_sdk sends all three);
the token comes from `Authorization: Bearer` or, for form and query calls only, a `token`
argument (docs.slack.dev/apis/web-api: JSON bodies must carry the token in the header).
Injected faults reproduce how Slack fails: 429 + `Retry-After` + `ratelimited`, `ok: false`,
and 5xx with Slack's HTML error page. No state beyond the fault queue.
"""

from __future__ import annotations

import contextlib
import json
from collections import deque
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from bot.sandbox._slack_records import JSON
from bot.sandbox._slack_state import SlackError

FORM = "application/x-www-form-urlencoded"
JSON_STRING_ARGS = ("blocks", "attachments", "view", "metadata")
SERVER_ERROR_PAGE = "<!DOCTYPE html><html><head><title>Server Error | Slack</title></head></html>"

Answer = tuple[int, JSON | str, dict[str, str]]  # status, JSON or HTML body, headers


async def read_args(request: web.Request) -> tuple[JSON, str | None]:
    """Merged query, form or JSON arguments (JSON-string arguments decoded), and the token."""
    args: JSON = dict(request.query)
    raw = await request.read()
    if raw and request.content_type == "application/json":
        try:
            parsed: Any = json.loads(raw)
        except ValueError:
            raise SlackError("invalid_json") from None
        if not isinstance(parsed, dict):
            raise SlackError("invalid_json")
        parsed.pop("token", None)  # never authenticates a JSON body
        args.update(parsed)
    elif raw:
        try:
            args.update(parse_qsl(raw.decode(), keep_blank_values=True, strict_parsing=True))
        except (ValueError, UnicodeDecodeError):
            raise SlackError("invalid_form_data") from None
    token = args.pop("token", None)
    authorization = request.headers.get("Authorization", "")
    if authorization.startswith("Bearer "):
        token = authorization.removeprefix("Bearer ").strip()
    for key in JSON_STRING_ARGS:
        if isinstance(args.get(key), str):
            # one that does not parse stays a string; the method answers it as malformed
            with contextlib.suppress(ValueError):
                args[key] = json.loads(args[key])
    return args, token if isinstance(token, str) else None


def webhook_body(raw: bytes, content_type: str) -> JSON:
    """A response_url POST's JSON (or legacy `payload=` form), or `invalid_payload`."""
    try:
        if content_type == FORM:
            raw = dict(parse_qsl(raw.decode())).get("payload", "").encode()
        parsed: Any = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise SlackError("invalid_payload", status=400) from None
    if not isinstance(parsed, dict):
        raise SlackError("invalid_payload", status=400)
    return parsed


@dataclass(slots=True)
class _Fault:
    status: int
    error: str | None
    retry_after: int | None
    remaining: int

    def answer(self) -> Answer:
        headers = {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}
        if self.status == 429:
            headers["Retry-After"] = str(self.retry_after if self.retry_after is not None else 1)
            return 429, {"ok": False, "error": "ratelimited"}, headers
        if self.status >= 500 and self.error is None:
            return self.status, SERVER_ERROR_PAGE, headers
        return self.status, {"ok": False, "error": self.error or "fatal_error"}, headers


class Faults:
    """Queued failures per Web API method, consumed one call at a time in order."""

    def __init__(self) -> None:
        self._queues: dict[str, deque[_Fault]] = {}

    def add(
        self, method: str, count: int, *, status: int, error: str | None, retry_after: int | None
    ) -> None:
        if count < 1:
            raise ValueError(f"count must be at least 1, not {count}")
        fault = _Fault(status, error, retry_after, count)
        self._queues.setdefault(method, deque()).append(fault)

    def take(self, method: str) -> Answer | None:
        """The injected answer for this call of `method`, if one is queued."""
        queue = self._queues.get(method)
        if not queue:
            return None
        fault = queue[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            queue.popleft()
        return fault.answer()

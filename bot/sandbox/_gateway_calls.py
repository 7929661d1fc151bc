"""Which logs-API operation a request is, and the record the sandbox keeps of each one.

`route` is the sandbox's router: a method and path become an operation name ("list", "get",
"patch", "request", "response", "delete", or "other") plus the account, gateway and log ID
in the path. `RecordedCall` is what tests read back afterwards.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

API_PREFIX = "/client/v4"
OPERATIONS = ("list", "get", "patch", "request", "response", "delete", "other")
_LOGS = re.compile(
    r"/client/v4/accounts/(?P<account>[^/]+)/ai-gateway/gateways/(?P<gateway>[^/]+)/logs"
    r"(?:/(?P<log_id>[^/]+)(?:/(?P<part>request|response))?)?/?"
)
_VERIFY = re.compile(r"/client/v4/(?:user|accounts/(?P<account>[^/]+))/tokens/verify/?")
_METHODS: dict[tuple[str, bool, str | None], str] = {
    ("GET", False, None): "list",
    ("DELETE", False, None): "delete",
    ("GET", True, None): "get",
    ("PATCH", True, None): "patch",
    ("GET", True, "request"): "request",
    ("GET", True, "response"): "response",
}


@dataclass(frozen=True, slots=True)
class Route:
    """Where a request goes. `operation` is "other" for anything but the six logs operations."""

    operation: str
    account: str | None = None
    gateway: str | None = None
    log_id: str | None = None
    verify_token: bool = False  # GET /user/tokens/verify or /accounts/{id}/tokens/verify


def route(method: str, path: str) -> Route:
    """Classify a request by its method and raw (still percent-encoded) path."""
    match = _LOGS.fullmatch(path)
    if match is not None:
        key = (method.upper(), match["log_id"] is not None, match["part"])
        operation = _METHODS.get(key, "other")
        account, gateway, log_id = (
            _segment(match[name]) for name in ("account", "gateway", "log_id")
        )
        return Route(operation, account, gateway, log_id)
    verify = _VERIFY.fullmatch(path)
    if verify is not None and method.upper() == "GET":
        return Route("other", account=_segment(verify["account"]), verify_token=True)
    return Route("other")


def _segment(raw: str | None) -> str | None:
    return None if raw is None else unquote(raw)


@dataclass(frozen=True, slots=True)
class RecordedCall:
    """One request the sandbox answered, with the status it gave."""

    method: str
    path: str  # as sent, percent-escapes included
    query: dict[str, list[str]]
    json: Any  # the parsed JSON body, None when there was none or it was not JSON
    status: int
    at: float  # when it arrived, on the sandbox's clock (monotonic by default)

    @property
    def operation(self) -> str:
        """ "list", "get", "patch", "request", "response", "delete", or "other"."""
        return route(self.method, self.path).operation

    @property
    def log_id(self) -> str | None:
        """The log ID in the path, for the per-log operations."""
        return route(self.method, self.path).log_id

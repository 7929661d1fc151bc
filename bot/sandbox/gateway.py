"""A loopback stand-in for Cloudflare AI Gateway's logs REST API, served over real HTTP.

Behind `aig-feedback demo`, the end-to-end tests and the benchmarks. It speaks the six logs
operations with the documented shapes and errors (checked against the published OpenAPI
operations in tests/sandbox), Bearer auth, a scaled-down global rate limit, and faults on
demand (`fail_next`, `latency`). Every request is recorded in `calls`.

Sandbox assumptions where Cloudflare documents nothing: GET-one reports `feedback` and `score`
(null until set) unless `report_feedback=False`; PATCH `metadata` merges into the log's and
keeps at most 5 entries (incoming keys win); `null` feedback or score clears it, `null`
metadata changes nothing; a log collected without payload answers `{}` for its bodies;
`request_head`/`response_head` are the first 1,024 characters. A write is applied before
`latency` elapses, so a client that times out may still have changed the log, as in life.
This module must not be imported by the bot itself, only by the demo and tests.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import socket
import time
from bisect import insort
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, overload

from aiohttp import web

from bot.gateway import Log
from bot.sandbox._gateway_calls import API_PREFIX, OPERATIONS, RecordedCall, Route, route
from bot.sandbox._gateway_faults import (
    Failure,
    FaultPlan,
    RateLimiter,
    bad_headers,
    bad_request,
    cloudflare_error,
    no_route,
    not_found,
    rate_limited,
)
from bot.sandbox._gateway_params import Invalid, parse_delete, parse_list, parse_patch
from bot.sandbox._gateway_state import GatewayState, Number
from bot.sandbox._served import Served
from bot.sandbox.seed import LogSource, MetadataValue, build_logs

DEFAULT_ACCOUNT_ID = "0123456789abcdef0123456789abcdef"
DEFAULT_GATEWAY_ID = "demo-gateway"
DEFAULT_TOKEN = "sandbox-cloudflare-token"
_WRITES = ("patch", "delete")


class GatewaySandbox(Served):
    """Cloudflare's AI Gateway logs API on 127.0.0.1, over seeded logs."""

    def __init__(
        self,
        *,
        account_id: str = DEFAULT_ACCOUNT_ID,
        gateway_id: str = DEFAULT_GATEWAY_ID,
        token: str = DEFAULT_TOKEN,
        logs: LogSource | None = None,
        report_feedback: bool = True,
        can_write: bool = True,
        rate_limit: tuple[int, float] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.account_id = account_id
        self.gateway_id = gateway_id
        self.report_feedback = report_feedback
        self.can_write = can_write
        self.latency = 0.0
        self.calls: list[RecordedCall] = []
        self.token = token
        self._clock = clock
        self._state = GatewayState(logs if logs is not None else build_logs(200, now=_now()))
        self._faults = FaultPlan()
        self._limiter = None if rate_limit is None else RateLimiter(*rate_limit, clock)
        self._runner: web.AppRunner | None = None
        self._host, self._port = "127.0.0.1", 0

    # --- lifecycle -----------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Bind and serve; port 0 picks a free one."""
        if self._runner is not None:
            raise RuntimeError("the gateway sandbox is already running")
        app = web.Application(client_max_size=1024**2)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        # In-flight answers (say, ones held back by `latency`) get a short grace period on stop.
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        await web.SockSite(runner, sock).start()
        self._runner, self._host, self._port = runner, host, sock.getsockname()[1]

    async def stop(self) -> None:
        """Stop serving (idempotent)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        """The API base (what `CLOUDFLARE_API_BASE_URL` is set to)."""
        if not self._port:
            raise RuntimeError("the gateway sandbox has not been started")
        return f"http://{self._host}:{self._port}{API_PREFIX}"

    @property
    def logs_url(self) -> str:
        """The list endpoint of this sandbox's gateway."""
        return f"{self.url}/accounts/{self.account_id}/ai-gateway/gateways/{self.gateway_id}/logs"

    # --- what tests arrange ----------------------------------------------------------------------

    def fail_next(
        self,
        count: int,
        *,
        status: int = 503,
        operation: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        """Answer the next `count` matching requests with `status` in Cloudflare's envelope.

        429 gets code 971 and `Retry-After` (1 s unless given); 5xx gets code 10001.
        """
        if operation is not None and operation not in OPERATIONS:
            raise ValueError(f"unknown operation {operation!r}; expected one of {OPERATIONS}")
        self._faults.add(count, status, operation, retry_after)

    # --- what tests inspect ----------------------------------------------------------------------

    def calls_for(self, operation: str, log_id: str | None = None) -> list[RecordedCall]:
        """The recorded calls of one operation (on one log, if given), in arrival order."""
        return [
            call
            for call in self.calls
            if call.operation == operation and (log_id is None or call.log_id == log_id)
        ]

    @property
    def logs(self) -> LogSource:
        """The seeded logs (index 0 is the oldest)."""
        return self._state.source

    @property
    def log_ids(self) -> Sequence[str]:
        """IDs of the logs that exist now, newest first (a lazy view; cheap for 1M logs)."""
        return _NewestFirst(self._state)

    def log(self, log_id: str) -> Log:
        """The log as GET-one would show it now."""
        return Log.from_api(self._state.detail(self._index(log_id), report_feedback=True))

    def feedback_of(self, log_id: str) -> Number | None:
        """The feedback last written to this log, None if never (or cleared with null)."""
        return self._state.feedback(self._index(log_id))

    def score_of(self, log_id: str) -> Number | None:
        """The score last written to this log, None if never (or cleared with null)."""
        return self._state.score(self._index(log_id))

    def metadata_of(self, log_id: str) -> dict[str, MetadataValue]:
        """The log's metadata now: request-time entries merged with every PATCH."""
        return self._state.metadata(self._index(log_id))

    def _index(self, log_id: str) -> int:
        index = self._state.source.index_of(log_id)
        if index is None:
            raise KeyError(log_id)
        return index

    # --- serving ---------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        arrived = self._clock()
        raw = await request.read()
        path = request.rel_url.raw_path  # as sent: a log ID may carry percent-escapes
        where = route(request.method, path)
        status, body, content_type, headers = self._answer(request, where, raw)
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        call = RecordedCall(
            method=request.method,
            path=path,
            query={name: request.query.getall(name) for name in request.query},
            json=_json_or_none(raw),
            status=status,
            at=arrived,
        )
        insort(self.calls, call, key=lambda recorded: recorded.at)
        return web.Response(
            body=body, status=status, headers=headers | {"Content-Type": content_type}
        )

    def _answer(
        self, request: web.Request, where: Route, raw: bytes
    ) -> tuple[int, bytes, str, dict[str, str]]:
        """Status, body, content type and headers; synchronous, so state changes are atomic."""
        limit_headers: dict[str, str] = {}
        if self._limiter is not None:
            admission = self._limiter.admit()
            limit_headers = admission.headers
            if not admission.allowed:
                return _failure(rate_limited(admission.retry_after), limit_headers)
        answer = self._faults.take(where.operation) or self._check(request, where)
        if isinstance(answer, Failure):
            return _failure(answer, limit_headers)
        result = self._operate(request, where, raw)
        if isinstance(result, Failure):
            return _failure(result, limit_headers)
        body, content_type = result
        return 200, body, content_type, limit_headers

    def _check(self, request: web.Request, where: Route) -> Failure | None:
        """Routing, authentication and permission, in Cloudflare's order."""
        if where.operation == "other" and not where.verify_token:
            return no_route()
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return bad_headers()
        if token.strip() != self.token:
            return cloudflare_error(403, 9109, "Invalid access token")
        if where.account not in (None, self.account_id):
            return no_route()
        if where.gateway not in (None, self.gateway_id):
            return no_route()
        if where.operation in _WRITES and not self.can_write:
            return cloudflare_error(403, 10000, "Authentication error")
        return None

    def _operate(
        self, request: web.Request, where: Route, raw: bytes
    ) -> tuple[bytes, str] | Failure:
        if where.verify_token:
            result = {"id": "sandbox-token", "status": "active"}
            message = {"code": 10000, "message": "This API Token is valid and active"}
            return _dump({"result": result, "success": True, "errors": [], "messages": [message]})
        pairs = list(request.query.items())
        try:
            if where.operation == "list":
                return self._list(pairs)
            if where.operation == "delete":
                self._state.delete(parse_delete(pairs))
                return _dump({"success": True})
            patch = parse_patch(raw) if where.operation == "patch" else None
        except Invalid as invalid:
            return bad_request(invalid.messages)
        index = self._state.find(where.log_id or "")
        if index is None:
            return not_found()
        if patch is not None:
            self._state.patch(index, patch)
            return _dump({"result": {}, "success": True})
        if where.operation == "get":
            detail = self._state.detail(index, report_feedback=self.report_feedback)
            return _dump({"result": detail, "success": True})
        return self._state.body(index, where.operation)

    def _list(self, pairs: list[tuple[str, str]]) -> tuple[bytes, str]:
        params = parse_list(pairs)
        selection = self._state.select(params)
        offset = (params.page - 1) * params.per_page
        indices = selection.page(offset, params.per_page) if offset < len(selection) else []
        info: dict[str, Any] = {
            "page": params.page,
            "per_page": params.per_page,
            "count": len(indices),
            "total_count": len(selection),
        }
        if params.meta_info:
            info |= self._state.aggregates(selection)
        items = [self._state.summary(index) for index in indices]
        return _dump({"result": items, "result_info": info, "success": True})


class _NewestFirst(Sequence[str]):
    """IDs of the logs that are not deleted, newest first, computed on access."""

    def __init__(self, state: GatewayState) -> None:
        self._state = state

    def __len__(self) -> int:
        return self._state.alive_between(0, self._state.source.count)

    @overload
    def __getitem__(self, position: int) -> str: ...
    @overload
    def __getitem__(self, position: slice) -> list[str]: ...
    def __getitem__(self, position: int | slice) -> str | list[str]:
        if isinstance(position, slice):
            return [self[i] for i in range(*position.indices(len(self)))]
        size = len(self)
        if position < 0:
            position += size
        if not 0 <= position < size:
            raise IndexError(position)
        rank = size - 1 - position
        return self._state.source.id_at(self._state.nth_alive(0, rank))


def _failure(failure: Failure, extra: dict[str, str]) -> tuple[int, bytes, str, dict[str, str]]:
    body, content_type = _dump(failure.body)
    return failure.status, body, content_type, extra | failure.headers


def _dump(value: object) -> tuple[bytes, str]:
    return json.dumps(value).encode(), "application/json"


def _json_or_none(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw.strip() else None
    except ValueError:
        return None


def _now() -> datetime:
    return datetime.now(UTC)


def main(argv: Sequence[str] | None = None) -> None:
    """`python -m bot.sandbox.gateway`: serve seeded logs until Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8787)
    parser.add_argument("--count", type=int, default=500, help="logs to seed")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--huge-body-every", type=int, default=None)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added per answer")
    args = parser.parse_args(argv)
    logs = build_logs(args.count, now=_now(), seed=args.seed, huge_body_every=args.huge_body_every)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how it is meant to stop
        asyncio.run(_serve(GatewaySandbox(logs=logs), args.host, args.port, args.latency))


async def _serve(sandbox: GatewaySandbox, host: str, port: int, latency: float) -> None:
    sandbox.latency = latency
    await sandbox.start(host, port)
    try:
        print(f"CLOUDFLARE_API_BASE_URL={sandbox.url}", flush=True)
        print(f"CLOUDFLARE_API_TOKEN={sandbox.token}", flush=True)
        print(f"CLOUDFLARE_ACCOUNT_ID={sandbox.account_id}", flush=True)
        print(f"CLOUDFLARE_GATEWAY_ID={sandbox.gateway_id}", flush=True)
        print(f"# serving {len(sandbox.logs)} logs; Ctrl-C to stop", flush=True)
        await asyncio.Event().wait()
    finally:
        await sandbox.stop()


if __name__ == "__main__":
    main()

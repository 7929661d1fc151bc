"""The Slack sandbox's Socket Mode: `apps.connections.open` and the WebSocket Slack pushes over.

Follows docs.slack.dev/apis/events-api/using-socket-mode and the `apps.connections.open`
reference: an app-level token (`xapp-…`, accepted only in the Authorization header) buys a
`ws://…/link/?ticket=…&app_id=…` URL; each connection first gets a `hello`, then envelopes
`{"envelope_id", "type", "payload", "accepts_response_payload"}` which the app acknowledges by
sending `{"envelope_id", "payload"?}` back within 3 s. Slack spreads envelopes over an app's
open connections (at most 10), asks for a fresh one with `{"type": "disconnect", "reason":
"refresh_requested"}` and closes the old one a little later. Tests can also cut a connection's
TCP stream with no close frame (`drop`) or make it half-open (`freeze`: pings go unanswered and
nothing gets through either way). Envelopes and acks are recorded; the sandbox's other state
is untouched here.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

from bot.sandbox._slack_driver import SlackDriver
from bot.sandbox._slack_http import Answer
from bot.sandbox._slack_records import JSON
from bot.sandbox._slack_state import Workspace
from bot.sandbox._slack_webapi import WebApi

logger = logging.getLogger(__name__)

OPEN_METHOD = "apps.connections.open"
LINK_PATH = "/link/"
MAX_CONNECTIONS = 10  # per app, as Slack documents
REFRESH_CLOSE_AFTER = 10.0  # seconds Slack keeps a connection after asking for a new one


@dataclass(frozen=True, slots=True)
class SocketConnection:
    """One WebSocket connection the app opened, as it stands now.

    `closed_by` is "client" (the app closed it), "server" (the sandbox closed it: a refresh, too
    many connections, or the sandbox stopping), "dropped" (TCP cut without a close frame), or
    None while open. Times are `time.monotonic()`.
    """

    id: int
    ticket: str
    opened_at: float
    closed_at: float | None
    closed_by: str | None
    frozen: bool
    envelopes: int
    acks: int

    @property
    def open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True, slots=True)
class SocketAck:
    """An acknowledgement the app sent: its envelope, optional payload, and how long it took.

    `late` acks arrived after Slack had given up (the user already saw `operation_timeout`).
    """

    envelope_id: str
    payload: JSON | None
    connection: int
    at: float
    elapsed: float
    late: bool = False


@dataclass(frozen=True, slots=True)
class SocketEnvelope:
    """An envelope the sandbox pushed to the app, over connection `connection`."""

    envelope_id: str
    type: str
    payload: JSON
    accepts_response_payload: bool
    connection: int
    sent_at: float


@dataclass(slots=True, eq=False)
class _Link:
    id: int
    ticket: str
    ws: web.WebSocketResponse
    request: web.Request
    opened_at: float
    closed_at: float | None = None
    closed_by: str | None = None
    frozen: bool = False
    envelopes: int = 0
    acks: int = 0
    closer: asyncio.TimerHandle | None = None

    def snapshot(self) -> SocketConnection:
        return SocketConnection(
            self.id,
            self.ticket,
            self.opened_at,
            self.closed_at,
            self.closed_by,
            self.frozen,
            self.envelopes,
            self.acks,
        )


@dataclass(slots=True)
class _Pending:
    envelope_id: str
    link: _Link
    sent_at: float
    answer: asyncio.Future[JSON | None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class SocketModeServer:
    """Socket Mode for one app: issues connection URLs, serves them, delivers envelopes."""

    def __init__(self, *, app_token: str, app_id: str, base_url: Callable[[], str]) -> None:
        self.app_token = app_token
        self.app_id = app_id
        self.acks: list[SocketAck] = []
        self.envelopes: list[SocketEnvelope] = []
        self._base_url = base_url
        self._tickets: set[str] = set()
        self._links: list[_Link] = []
        self._pending: dict[str, _Pending] = {}
        self._ids = itertools.count(1)
        self._turn = 0
        self._closing: set[asyncio.Task[None]] = set()

    # --- apps.connections.open -----------------------------------------------------------------

    def open(self, authorization: str | None) -> Answer:
        """Answers `apps.connections.open` for the given Authorization header."""
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip()
        if scheme != "Bearer" or not token:
            # the app-level token is accepted in the header only, never as a form field
            return 200, {"ok": False, "error": "not_authed"}, {}
        if not token.startswith("xapp-"):
            return 200, {"ok": False, "error": "not_allowed_token_type"}, {}
        if not secrets.compare_digest(token, self.app_token):
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        ticket = uuid.uuid4().hex
        self._tickets.add(ticket)
        ws_base = self._base_url().replace("http://", "ws://", 1)
        url = f"{ws_base}{LINK_PATH}?ticket={ticket}&app_id={self.app_id}"
        return 200, {"ok": True, "url": url}, {}

    # --- the WebSocket -------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """The `/link/` endpoint: hello, then envelopes out and acks in until it closes."""
        ticket = request.query.get("ticket", "")
        if ticket not in self._tickets:
            return web.json_response({"ok": False, "error": "invalid_ticket"}, status=401)
        # pings are answered by hand, so that a frozen (half-open) connection can ignore them
        ws = web.WebSocketResponse(autoping=False)
        await ws.prepare(request)
        link = _Link(next(self._ids), ticket, ws, request, time.monotonic())
        self._links.append(link)
        if len(self.open_links()) > MAX_CONNECTIONS:
            await self._send(link, {"type": "disconnect", "reason": "too_many_websockets"})
            await self._close(link, by="server")
            return ws
        await self._send(link, self._hello())
        logger.info("Socket Mode connection %d opened", link.id)
        try:
            async for message in ws:
                if link.frozen:
                    continue  # half-open: whatever the app sends never arrives
                if message.type == WSMsgType.PING:
                    await ws.pong(message.data)
                elif message.type == WSMsgType.TEXT:
                    self._received(link, message.data)
        finally:
            # a close frame from the app sets a proper code; a vanished peer leaves 1006 or none
            dropped = ws.close_code in (None, 1006)
            self._closed(link, by="dropped" if dropped else "client")
        return ws

    def _hello(self) -> JSON:
        return {
            "type": "hello",
            "num_connections": len(self.open_links()),
            "debug_info": {
                "host": "applink-sandbox",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": self.app_id},
        }

    def _received(self, link: _Link, raw: str) -> None:
        try:
            message: Any = json.loads(raw)
        except ValueError:
            logger.warning("Socket Mode connection %d sent something that is not JSON", link.id)
            return
        envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
        if not isinstance(envelope_id, str):
            return
        payload = message.get("payload")
        payload = payload if isinstance(payload, dict) else None
        link.acks += 1
        pending = self._pending.get(envelope_id)
        now = time.monotonic()
        if pending is None or pending.answer.done():
            sent = next((e for e in self.envelopes if e.envelope_id == envelope_id), None)
            elapsed = now - sent.sent_at if sent else 0.0
            self.acks.append(SocketAck(envelope_id, payload, link.id, now, elapsed, late=True))
            return
        self.acks.append(SocketAck(envelope_id, payload, link.id, now, now - pending.sent_at))
        pending.answer.set_result(payload)

    # --- delivering ----------------------------------------------------------------------------

    async def deliver(
        self, kind: str, payload: JSON, *, accepts_response_payload: bool, timeout: float
    ) -> tuple[int, str, float, str | None]:
        """Sends one envelope and waits for its ack, as `SlackDriver.deliver` answers."""
        link = self._next_link()
        if link is None:
            return 0, "", 0.0, "dispatch_failed"  # no app connected: Slack cannot reach it
        envelope_id = str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "payload": payload,
            "type": kind,
            "accepts_response_payload": accepts_response_payload,
        }
        pending = _Pending(envelope_id, link, time.monotonic())
        self._pending[envelope_id] = pending
        self.envelopes.append(
            SocketEnvelope(
                envelope_id, kind, payload, accepts_response_payload, link.id, pending.sent_at
            )
        )
        link.envelopes += 1
        try:
            await self._send(link, envelope)
            async with asyncio.timeout(timeout):
                answer = await pending.answer
        except TimeoutError:
            return 0, "", time.monotonic() - pending.sent_at, "operation_timeout"
        except ConnectionError:
            return 0, "", time.monotonic() - pending.sent_at, "dispatch_failed"
        finally:
            del self._pending[envelope_id]
        elapsed = time.monotonic() - pending.sent_at
        return 200, json.dumps(answer) if answer else "", elapsed, None

    def _next_link(self) -> _Link | None:
        """The next open connection in turn (Slack spreads envelopes over all of them)."""
        links = self.open_links()
        if not links:
            return None
        self._turn += 1
        return links[self._turn % len(links)]

    async def _send(self, link: _Link, message: JSON) -> None:
        if link.frozen:
            return  # swallowed by the half-open connection
        await link.ws.send_str(json.dumps(message, separators=(",", ":")))

    # --- what tests do to connections ----------------------------------------------------------

    def open_links(self) -> list[_Link]:
        return [link for link in self._links if link.closed_at is None]

    @property
    def connections(self) -> list[SocketConnection]:
        """Every connection ever opened, oldest first."""
        return [link.snapshot() for link in self._links]

    @property
    def open_connections(self) -> list[SocketConnection]:
        """The connections open now."""
        return [link.snapshot() for link in self.open_links()]

    async def disconnect(
        self, reason: str = "refresh_requested", *, close_after: float = REFRESH_CLOSE_AFTER
    ) -> None:
        """Asks every open connection to reconnect, closing each `close_after` seconds later."""
        loop = asyncio.get_running_loop()
        for link in self.open_links():
            await self._send(link, {"type": "disconnect", "reason": reason})
            link.closer = loop.call_later(close_after, self._close_later, link)

    def _close_later(self, link: _Link) -> None:
        task = asyncio.ensure_future(self._close(link, "server"))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    def drop(self) -> int:
        """Cuts every open connection's TCP stream with no close frame; returns how many."""
        links = self.open_links()
        for link in links:
            transport = link.request.transport
            self._closed(link, by="dropped")
            if transport is not None:
                transport.abort()
        return len(links)

    def freeze(self) -> int:
        """Makes every open connection half-open: still open, but nothing gets through."""
        links = self.open_links()
        for link in links:
            link.frozen = True
        return len(links)

    async def close(self) -> None:
        """Closes every connection (the sandbox is stopping)."""
        for link in self.open_links():
            await self._close(link, "server")
        if self._closing:
            await asyncio.wait(self._closing)

    async def _close(self, link: _Link, by: str) -> None:
        if link.closed_at is not None:
            return
        self._closed(link, by=by)
        with contextlib.suppress(ConnectionError, RuntimeError):
            async with asyncio.timeout(1.0):
                await link.ws.close(code=1001)
        if link.request.transport is not None:
            link.request.transport.abort()  # a frozen peer never answers the close frame

    def _closed(self, link: _Link, *, by: str) -> None:
        if link.closed_at is not None:
            return
        link.closed_at, link.closed_by = time.monotonic(), by
        if link.closer is not None:
            link.closer.cancel()
        for pending in self._pending.values():
            if pending.link is link and not pending.answer.done():
                pending.answer.set_exception(ConnectionError("the connection closed"))
        logger.info("Socket Mode connection %d closed (%s)", link.id, by)


class SocketModeDriver(SlackDriver):
    """The sandbox's driver, delivering over Socket Mode instead of signed HTTP requests.

    The slash command and click payloads are built exactly as for HTTP (by `SlackDriver`); only
    the transport differs: the form body becomes an envelope's `payload`, and the ack comes back
    over the WebSocket.
    """

    def __init__(
        self,
        workspace: Workspace,
        web_api: WebApi,
        *,
        base_url: Callable[[], str],
        server: SocketModeServer,
    ) -> None:
        # no events URL and nothing to sign: envelopes travel over the app's own connection
        super().__init__(workspace, web_api, base_url=base_url, signing_secret="", events_url=None)
        self.server = server

    async def deliver(
        self,
        body: bytes,
        *,
        content_type: str,
        timestamp: int | None = None,
        secret: str | None = None,
    ) -> tuple[int, str, float, str | None]:
        if content_type == "application/json":  # an Events API callback
            payload, kind, accepts = json.loads(body), "events_api", False
        else:
            fields = dict(parse_qsl(body.decode(), keep_blank_values=True))
            if "payload" in fields:
                payload = json.loads(fields["payload"])
                # only a modal submission can be answered in the ack (response_action)
                kind, accepts = "interactive", payload.get("type") == "view_submission"
            else:
                payload, kind, accepts = fields, "slash_commands", True
        return await self.server.deliver(
            kind, payload, accepts_response_payload=accepts, timeout=self.ack_timeout
        )

"""Socket Mode: the bot's WebSocket to Slack, and the watchdog that keeps it alive.

slack_sdk's aiohttp Socket Mode client reconnects by itself, but it is known to go deaf: its
monitor task can stop while the process lives on (bolt-python #1529), and it can loop on a
closed session (python-slack-sdk #1446, #1922). While the socket is down, clicks fail in front
of the user (Slack never redelivers them), so the watchdog here checks twice a second. A closed
session, or one nothing has been heard on for `STALE_SECONDS` (no pong, no message), is
reconnected under the client's own connect lock, so it never races the SDK's reconnect nor leaves
a second socket behind for Slack to route clicks to. An attempt that hangs gets the whole client
replaced; one that fails (Slack unreachable) is retried with capped backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from aiohttp import WSMessage
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot.config import ConfigError

logger = logging.getLogger(__name__)

PING_SECONDS = 3.0  # the SDK pings this often; aiohttp drops a socket silent for 1.5x this
CHECK_SECONDS = 0.5
STALE_SECONDS = 7.5  # nothing heard for this long (two missed pongs): the socket is deaf
RECONNECT_TIMEOUT = 5.0  # an attempt taking longer is stuck: replace the client
MAX_BACKOFF = 30.0
# apps.connections.open answers that no retry can fix: the token is wrong, not Slack
REFUSED = frozenset(
    {"invalid_auth", "not_authed", "not_allowed_token_type", "token_revoked", "account_inactive"}
)


class SocketModeLink:
    """One Socket Mode connection for the Bolt app: connect, watch, report, close."""

    def __init__(self, app: AsyncApp, app_token: str) -> None:
        self._app = app
        self._app_token = app_token
        self.handler = self._new_handler()
        self.sessions = 0  # connections seen so far, whoever opened them (the SDK or the watchdog)
        self.reconnects = 0  # reconnections the watchdog itself made
        self.replaced = 0  # clients replaced because a reconnect hung
        self.last_problem: str | None = None
        self._session: object | None = None
        self._session_since = time.monotonic()
        self._heard_at = time.monotonic()
        self._failures = 0

    def _new_handler(self) -> AsyncSocketModeHandler:
        handler = AsyncSocketModeHandler(self._app, self._app_token, ping_interval=PING_SECONDS)
        handler.client.on_message_listeners.append(self._heard)
        return handler

    async def _heard(self, message: WSMessage) -> None:
        self._heard_at = time.monotonic()

    async def connect(self) -> None:
        """Open a connection, within `RECONNECT_TIMEOUT`; ConfigError when Slack refuses the
        app-level token (the SDK would otherwise retry a wrong token forever)."""
        client = self.handler.client
        async with asyncio.timeout(RECONNECT_TIMEOUT), client.connect_operation_lock:
            try:
                client.wss_uri = await client.issue_new_wss_url()
            except SlackApiError as exc:
                error = exc.response.get("error")
                if error in REFUSED:
                    raise ConfigError(
                        [
                            f"Slack refused SLACK_APP_TOKEN ({error}): it must be an app-level "
                            "token (xapp-…) with the connections:write scope"
                        ]
                    ) from None
                raise
            await client.connect()  # type: ignore[no-untyped-call]  # unannotated in slack_sdk

    async def close(self, timeout: float = 2.0) -> None:
        """Close the connection and the client's resources, within `timeout` seconds."""
        await _close_quietly(self.handler, timeout)

    async def watch(self) -> None:
        """Reconnect whenever the connection is down or deaf; runs until cancelled."""
        while True:
            await asyncio.sleep(CHECK_SECONDS)
            try:
                await self._check()
            except Exception:  # the watchdog itself must outlive anything it runs into
                logger.exception("Socket Mode watchdog check failed; checking again")

    async def _check(self) -> None:
        problem = await self.problem()
        if problem is None:
            self._failures = 0
            return
        self.last_problem = problem
        logger.warning("Socket Mode connection %s; reconnecting", problem)
        try:
            await self._reconnect()
        except TimeoutError:
            logger.warning("Socket Mode reconnect hung; starting a fresh client")
            await self._replace()
        except Exception as exc:
            self._failures += 1
            delay = min(MAX_BACKOFF, 2.0 ** (self._failures - 1))
            logger.warning("Socket Mode reconnect failed (%s); retrying in %.0f s", exc, delay)
            await asyncio.sleep(delay)

    async def problem(self) -> str | None:
        """What is wrong with the connection now, or None when it is alive."""
        client = self.handler.client
        session = client.current_session
        if session is not self._session:
            self._session, self._session_since = session, time.monotonic()
            self.sessions += session is not None
        if session is None or session.closed:
            return "is closed"
        if not await client.is_connected():
            return "is down"
        silent = time.monotonic() - self._last_heard()
        if silent > STALE_SECONDS:
            return f"has been silent for {silent:.0f} s"
        return None

    def _last_heard(self) -> float:
        heard = max(self._heard_at, self._session_since)
        pong = self.handler.client.last_ping_pong_time  # wall-clock seconds, set on each pong
        if pong is not None:
            heard = max(heard, time.monotonic() - max(0.0, time.time() - pong))
        return heard

    async def _reconnect(self) -> None:
        client = self.handler.client
        async with asyncio.timeout(RECONNECT_TIMEOUT), client.connect_operation_lock:
            if await self.problem() is None:
                return  # the SDK reconnected while we waited for its lock
            client.wss_uri = await client.issue_new_wss_url()
            await client.connect()  # type: ignore[no-untyped-call]  # unannotated in slack_sdk
        self.reconnects += 1
        self._heard_at = time.monotonic()
        logger.info("Socket Mode reconnected (%d so far)", self.reconnects)

    async def _replace(self) -> None:
        old, self.handler = self.handler, self._new_handler()
        self.replaced += 1
        await _close_quietly(old)
        try:
            await self.connect()
        except Exception:
            logger.warning("the fresh Socket Mode client could not connect yet", exc_info=True)
        else:
            self.reconnects += 1
            self._heard_at = time.monotonic()

    async def status(self) -> dict[str, Any]:
        """For /healthz: whether the connection is alive, and how it has fared."""
        problem = await self.problem()
        return {
            "connected": problem is None,
            "problem": problem,
            "connected_seconds": (
                round(time.monotonic() - self._session_since, 1) if problem is None else None
            ),
            "last_heard_seconds": round(time.monotonic() - self._last_heard(), 1),
            "reconnects": max(0, self.sessions - 1),
            "watchdog_reconnects": self.reconnects,
            "clients_replaced": self.replaced,
            "last_problem": self.last_problem,
        }


async def _close_quietly(handler: AsyncSocketModeHandler, timeout: float = 2.0) -> None:
    with contextlib.suppress(Exception):
        async with asyncio.timeout(timeout):
            await handler.close_async()  # type: ignore[no-untyped-call]  # unannotated in bolt

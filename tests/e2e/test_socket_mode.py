"""Socket Mode through the real bot process: clicks over the WebSocket, drops, the watchdog."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import httpx
import pytest
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import ids
from bot.sandbox import GatewaySandbox, SlackSandbox
from bot.socket_mode import SocketModeLink
from tests.e2e.harness import CHANNEL, BotProcess
from tests.e2e.test_core_loop import status_text, vote_value

RECONNECT_BUDGET = 10.0  # seconds: the promise made to users for a dropped connection


@dataclass
class SocketBotProcess(BotProcess):
    """The bot run as `aig-feedback run --socket`: an app-level token and no signing secret;
    /healthz answers 200 only once the socket is up."""

    mode: ClassVar[str] = "--socket"

    def env(self) -> dict[str, str]:
        env = super().env()
        env.pop("SLACK_SIGNING_SECRET")
        env.setdefault("SLACK_APP_TOKEN", self.slack.app_token)  # extra_env may set another
        return env

    async def health(self) -> tuple[int, dict[str, object]]:
        async with httpx.AsyncClient() as client:
            response = await client.get(f"{self.url}/healthz")
        return response.status_code, response.json()


@pytest.fixture
async def socket_bot(
    gateway: GatewaySandbox, slack: SlackSandbox, tmp_path: Path
) -> AsyncIterator[SocketBotProcess]:
    process = SocketBotProcess(gateway, slack, tmp_path / "bot.db", tmp_path / "bot.log")
    await process.start()
    yield process
    code = await process.stop()
    assert code == 0, process.output()[-3000:]


async def posted_sample(slack: SlackSandbox) -> tuple[str, str]:
    """Asks for one sample over the socket; returns the message's ts and its log ID."""
    result = await slack.socket_slash("sample 1", channel=CHANNEL)
    assert result.status == 200, result
    await slack.wait_for(lambda: len(slack.messages(CHANNEL)) == 1, timeout=10)
    message = slack.messages(CHANNEL)[0]
    return message.ts, vote_value(message.blocks)


async def test_click_over_socket_mode_is_acked_and_written(
    socket_bot: SocketBotProcess, slack: SlackSandbox, gateway: GatewaySandbox
) -> None:
    """A 👍 sent as an envelope is acked over the socket, then PATCHed and shown as saved."""
    ts, log_id = await posted_sample(slack)
    click = await slack.socket_click(CHANNEL, ts, ids.VOTE_UP, user="U0BOB")
    assert click.status == 200 and click.error is None
    assert click.elapsed < 1.0  # well inside Slack's 3 s
    ack = slack.socket_mode.acks[-1]
    assert ack.envelope_id == slack.socket_mode.envelopes[-1].envelope_id and not ack.late
    await slack.wait_for(lambda: gateway.feedback_of(log_id) == 1, timeout=5)
    await slack.wait_for(
        lambda: "saved" in status_text(slack.message(CHANNEL, ts).blocks), timeout=5
    )
    assert "<@U0BOB>" in status_text(slack.message(CHANNEL, ts).blocks)
    assert [c.json for c in gateway.calls_for("patch", log_id)] == [{"feedback": 1}]
    assert len(slack.socket_mode.open_connections) == 1  # no stray second socket


async def test_dropped_connection_is_replaced_within_10_s_and_clicks_work_again(
    socket_bot: SocketBotProcess, slack: SlackSandbox, gateway: GatewaySandbox
) -> None:
    """After the TCP stream is cut with no close frame, the bot is back within 10 s."""
    ts, log_id = await posted_sample(slack)
    dropped_at = time.monotonic()
    assert slack.socket_mode.drop() == 1
    await slack.wait_for(lambda: len(slack.socket_mode.open_connections) == 1, RECONNECT_BUDGET)
    assert slack.socket_mode.open_connections[0].opened_at - dropped_at < RECONNECT_BUDGET
    click = await slack.socket_click(CHANNEL, ts, ids.VOTE_DOWN, user="U0CAROL")
    assert click.status == 200, click
    await slack.wait_for(lambda: gateway.feedback_of(log_id) == -1, timeout=5)
    status, health = await socket_bot.health()
    assert status == 200 and health["socket_mode"]["connected"] is True  # type: ignore[index]


async def test_healthz_is_503_while_the_socket_cannot_reconnect(
    socket_bot: SocketBotProcess, slack: SlackSandbox
) -> None:
    """/healthz says 503 with the socket's problem while Slack refuses new connections."""
    status, health = await socket_bot.health()
    assert status == 200 and health["socket_mode"]["connected"] is True  # type: ignore[index]
    slack.fail_next("apps.connections.open", 1, status=200, error="internal_error")
    slack.socket_mode.drop()
    seen: list[tuple[int, dict[str, object]]] = []

    async def unhealthy() -> bool:
        seen.append(await socket_bot.health())
        return seen[-1][0] == 503

    for _ in range(100):  # bounded: about 5 s
        if await unhealthy():
            break
        await asyncio.sleep(0.05)
    code, details = seen[-1]
    assert code == 503 and details["socket_mode"]["connected"] is False  # type: ignore[index]
    assert details["status"] == "unhealthy"
    await slack.wait_for(lambda: len(slack.socket_mode.open_connections) == 1, RECONNECT_BUDGET)
    for _ in range(40):  # the next health check sees the new connection
        code, details = await socket_bot.health()
        if code == 200:
            break
        await asyncio.sleep(0.05)
    assert code == 200 and details["socket_mode"]["reconnects"] >= 1  # type: ignore[index]


async def test_acked_clicks_survive_a_drop_mid_burst(
    socket_bot: SocketBotProcess, slack: SlackSandbox, gateway: GatewaySandbox
) -> None:
    """Clicks around a drop: every acked one is counted; the others showed the user an error."""
    ts, log_id = await posted_sample(slack)
    raters = [f"U0R{i:02d}" for i in range(12)]

    async def click(rater: str) -> tuple[str, int, str | None]:
        result = await slack.socket_click(CHANNEL, ts, ids.VOTE_UP, user=rater)
        return rater, result.status, result.error

    before = len(slack.socket_mode.acks)
    first = [asyncio.create_task(click(r)) for r in raters[:6]]
    await slack.wait_for(lambda: len(slack.socket_mode.acks) > before, timeout=5)
    slack.socket_mode.drop()
    results = list(await asyncio.gather(*first))
    await slack.wait_for(lambda: len(slack.socket_mode.open_connections) == 1, RECONNECT_BUDGET)
    results += await asyncio.gather(*(click(r) for r in raters[6:]))
    acked = [r for r, status, _ in results if status == 200]
    assert len(acked) >= 7  # the first click, and all six sent after the reconnect
    for _, status, error in results:
        assert status == 200 or error in ("dispatch_failed", "operation_timeout")

    def shown() -> str:
        return status_text(slack.message(CHANNEL, ts).blocks)

    await slack.wait_for(lambda: all(f"<@{r}>" in shown() for r in acked), timeout=10)
    assert gateway.feedback_of(log_id) == 1


async def test_a_refused_app_token_stops_the_bot_with_a_clear_error(
    gateway: GatewaySandbox, slack: SlackSandbox, tmp_path: Path
) -> None:
    """An app-level token Slack refuses makes `run --socket` exit 2 naming the problem."""
    process = SocketBotProcess(
        gateway,
        slack,
        tmp_path / "bot.db",
        tmp_path / "bot.log",
        extra_env={"SLACK_APP_TOKEN": "xapp-1-A0OTHER-1-revoked"},
    )
    with pytest.raises(RuntimeError, match=r"Slack refused SLACK_APP_TOKEN \(invalid_auth\)"):
        await process.start()
    assert process.process is not None and await process.process.wait() == 2


async def test_apps_connections_open_wants_the_app_token_in_the_header(
    slack: SlackSandbox,
) -> None:
    """The stand-in refuses a bot token and a token sent as a form field, as Slack does."""
    client = AsyncWebClient(base_url=slack.api_url)
    with pytest.raises(SlackApiError, match="not_allowed_token_type"):
        await client.apps_connections_open(app_token=slack.bot_token)
    with pytest.raises(SlackApiError, match="invalid_auth"):
        await client.apps_connections_open(app_token="xapp-1-A0OTHER-1-nope")
    with pytest.raises(SlackApiError, match="not_authed"):
        await client.api_call(
            "apps.connections.open", data={"token": slack.app_token}, http_verb="POST"
        )
    answer = await client.apps_connections_open(app_token=slack.app_token)
    assert str(answer["url"]).startswith("ws://127.0.0.1:")


# --- the watchdog, in-process: where the SDK's own reconnect does not help ---------------------


@pytest.fixture
async def link(slack: SlackSandbox) -> AsyncIterator[SocketModeLink]:
    app = AsyncApp(
        client=AsyncWebClient(token=slack.bot_token, base_url=slack.api_url),
        signing_secret="unused-in-socket-mode",
        request_verification_enabled=False,
    )

    @app.command("/aig")
    async def on_aig(ack: AsyncAck) -> None:
        await ack(text="pong")

    socket = SocketModeLink(app, slack.app_token)
    await socket.connect()
    watchdog = asyncio.create_task(socket.watch())
    yield socket
    watchdog.cancel()
    await socket.close()


async def test_watchdog_reconnects_when_the_sdk_monitor_has_died(
    link: SocketModeLink, slack: SlackSandbox
) -> None:
    """With the SDK's monitor task gone (its known failure), a drop is still healed in 10 s."""
    monitor = link.handler.client.current_session_monitor
    assert monitor is not None
    monitor.cancel()  # the SDK would now never notice the drop by itself
    slack.socket_mode.drop()
    await slack.wait_for(lambda: len(slack.socket_mode.open_connections) == 1, RECONNECT_BUDGET)
    answer = await slack.socket_slash("ping")
    assert answer.status == 200 and answer.body == {"text": "pong"}
    assert link.reconnects == 1


async def test_watchdog_replaces_a_half_open_connection(
    link: SocketModeLink, slack: SlackSandbox
) -> None:
    """A socket that stays open but lets nothing through is abandoned for a new one in 10 s."""
    frozen_at = time.monotonic()
    slack.socket_mode.freeze()
    await slack.wait_for(
        lambda: any(c.open and not c.frozen for c in slack.socket_mode.connections),
        RECONNECT_BUDGET,
    )
    assert time.monotonic() - frozen_at < RECONNECT_BUDGET
    answer = await slack.socket_slash("ping")
    assert answer.status == 200 and answer.body == {"text": "pong"}
    assert len(slack.socket_mode.open_connections) == 1


async def test_watchdog_replaces_a_client_stuck_in_its_own_reconnect(
    link: SocketModeLink, slack: SlackSandbox
) -> None:
    """A client that hangs holding its connect lock is replaced by a fresh one within 10 s."""
    stuck = link.handler.client
    await stuck.connect_operation_lock.acquire()  # as the SDK's endless connect loop holds it
    dropped_at = time.monotonic()
    slack.socket_mode.drop()
    await slack.wait_for(lambda: len(slack.socket_mode.open_connections) == 1, RECONNECT_BUDGET)
    assert time.monotonic() - dropped_at < RECONNECT_BUDGET
    assert link.handler.client is not stuck and link.replaced == 1
    answer = await slack.socket_slash("ping")
    assert answer.status == 200 and answer.body == {"text": "pong"}

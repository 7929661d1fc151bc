"""Failures over real HTTP: the bot process against stand-ins that fail the way the real ones do.

Each test breaks one thing (the gateway, Slack, the process itself, the requests it gets) and
pins what a teammate would notice: the vote still lands, the message still says so, the bot
stays up, and nothing is written on a forged or junk request.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import httpx
from aiohttp import web

from bot import ids
from bot.sandbox import GatewaySandbox, SlackSandbox
from tests.e2e.harness import CHANNEL, BotProcess
from tests.e2e.test_core_loop import status_text, vote_value

FORM = "application/x-www-form-urlencoded"


async def posted_sample(slack: SlackSandbox) -> tuple[str, str]:
    """Asks for one sample; returns the posted message's ts and its log ID."""
    result = await slack.slash("sample 1", channel=CHANNEL)
    assert result.status == 200, result
    await slack.wait_for(lambda: len(slack.messages(CHANNEL)) == 1, timeout=10)
    message = slack.messages(CHANNEL)[0]
    return message.ts, vote_value(message.blocks)


def shown(slack: SlackSandbox, ts: str) -> str:
    """The status line of a posted sample, as teammates see it."""
    return status_text(slack.message(CHANNEL, ts).blocks)


async def health(bot: BotProcess) -> tuple[int, dict[str, object]]:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{bot.url}/healthz")
    return response.status_code, response.json()


async def test_vote_survives_two_gateway_5xx(
    bot: BotProcess, slack: SlackSandbox, gateway: GatewaySandbox
) -> None:
    """Two 503s on the PATCH are retried with backoff; the third lands and the message says saved."""
    ts, log_id = await posted_sample(slack)
    gateway.fail_next(2, status=503, operation="patch")
    click = await slack.click(CHANNEL, ts, ids.VOTE_UP, user="U0BOB")
    assert click.status == 200
    await slack.wait_for(lambda: gateway.feedback_of(log_id) == 1, timeout=10)
    await slack.wait_for(lambda: "saved" in shown(slack, ts), timeout=5)
    patches = gateway.calls_for("patch", log_id)
    assert [c.status for c in patches] == [503, 503, 200]
    assert all(c.json == {"feedback": 1} for c in patches)
    assert patches[2].at - patches[0].at > 0.5  # backed off, not hammered


async def test_429_pauses_every_gateway_call_until_retry_after(
    bot: BotProcess, slack: SlackSandbox, gateway: GatewaySandbox
) -> None:
    """After a 429 with Retry-After: 2, no gateway call of any kind for 2 s; then the vote lands."""
    ts, log_id = await posted_sample(slack)
    gateway.fail_next(1, status=429, operation="patch", retry_after=2)
    await slack.click(CHANNEL, ts, ids.VOTE_UP, user="U0BOB")
    await slack.wait_for(lambda: any(c.status == 429 for c in gateway.calls), timeout=5)
    limited_at = next(c.at for c in gateway.calls if c.status == 429)
    code, details = await health(bot)
    assert code == 200 and details["gateway"]["paused"] is True  # type: ignore[index]
    # a lookup asked for during the pause waits too, instead of spending the budget
    other = gateway.log_ids[7]
    await slack.slash(f"log {other}", user="U0ALICE")
    await slack.wait_for(lambda: gateway.feedback_of(log_id) == 1, timeout=10)
    await slack.wait_for(
        lambda: any(other in e.text for e in slack.ephemerals("U0ALICE")), timeout=5
    )
    after = [c for c in gateway.calls if c.at > limited_at]
    assert after and min(c.at for c in after) >= limited_at + 2.0 - 0.05, [
        (c.operation, round(c.at - limited_at, 2)) for c in after
    ]
    assert {"patch", "get"} <= {c.operation for c in after}


class CuttingProxy:
    """Loopback proxy to the gateway that, for the next `cut` PATCHes, passes the request on
    (so the write happens) and then cuts the connection without an answer: what a timeout
    leaves behind (the client cannot know whether the write landed), minus the wait."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.cut = 0
        self.cuts = 0
        self.url = ""
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/client/v4"
        self._session = aiohttp.ClientSession()

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        assert self._session is not None
        target = self.upstream + request.rel_url.raw_path.removeprefix("/client/v4")
        if request.query_string:
            target += "?" + request.query_string
        headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
        async with self._session.request(
            request.method, target, data=await request.read(), headers=headers
        ) as answer:
            body = await answer.read()
            if request.method == "PATCH" and self.cut > 0:
                self.cut -= 1
                self.cuts += 1
                assert request.transport is not None
                request.transport.abort()  # the write happened; its answer never arrives
                return web.Response(status=204)
            return web.Response(status=answer.status, body=body, content_type=answer.content_type)


async def test_vote_survives_a_gateway_that_never_answers(
    gateway: GatewaySandbox, slack: SlackSandbox, tmp_path: Path
) -> None:
    """A PATCH whose answer is lost (as on a timeout) is retried; the vote is confirmed."""
    proxy = CuttingProxy(gateway.url)
    await proxy.start()
    bot = BotProcess(
        gateway,
        slack,
        tmp_path / "bot.db",
        tmp_path / "bot.log",
        extra_env={"CLOUDFLARE_API_BASE_URL": proxy.url},
    )
    await bot.start()
    try:
        ts, log_id = await posted_sample(slack)
        proxy.cut = 1
        await slack.click(CHANNEL, ts, ids.VOTE_DOWN, user="U0BOB")
        await slack.wait_for(lambda: "saved" in shown(slack, ts), timeout=10)
        assert proxy.cuts == 1
        assert len(gateway.calls_for("patch", log_id)) == 2  # the same write, safely repeated
        assert gateway.feedback_of(log_id) == -1
    finally:
        assert await bot.stop() == 0, bot.output()[-3000:]
        await proxy.stop()


async def test_sigkill_right_after_the_ack_loses_no_vote(
    bot: BotProcess, slack: SlackSandbox, gateway: GatewaySandbox
) -> None:
    """Killed with SIGKILL just after acking a click, the bot applies the vote once restarted."""
    ts, log_id = await posted_sample(slack)
    gateway.fail_next(1, status=503, operation="patch")  # the first try cannot land
    click = await slack.click(CHANNEL, ts, ids.VOTE_UP, user="U0BOB")
    assert bot.process is not None
    bot.process.send_signal(signal.SIGKILL)
    assert click.status == 200  # Slack (and so the user) saw the ack
    assert await bot.process.wait() == -signal.SIGKILL
    assert gateway.feedback_of(log_id) is None  # nothing reached the gateway before the kill
    await bot.start()  # same database
    await slack.wait_for(lambda: gateway.feedback_of(log_id) == 1, timeout=10)
    await slack.wait_for(lambda: "<@U0BOB>" in shown(slack, ts), timeout=5)
    assert "saved" in shown(slack, ts)


async def test_sigterm_with_a_sync_in_flight_exits_0_in_10_s_and_the_vote_lands_later(
    bot: BotProcess, slack: SlackSandbox, gateway: GatewaySandbox
) -> None:
    """SIGTERM mid-PATCH: exit 0 within 10 s; the cut-off sync is redone after the restart."""
    ts, log_id = await posted_sample(slack)
    gateway.latency = 30.0  # the PATCH's answer would come long after the process must be gone
    await slack.click(CHANNEL, ts, ids.VOTE_UP, user="U0BOB")
    # the sandbox applies a write on arrival and answers `latency` later: the PATCH is in flight
    await slack.wait_for(lambda: gateway.feedback_of(log_id) == 1, timeout=5)
    assert bot.process is not None
    sent_at = time.monotonic()
    bot.process.send_signal(signal.SIGTERM)
    code = await asyncio.wait_for(bot.process.wait(), timeout=15)
    assert code == 0, bot.output()[-3000:]
    assert time.monotonic() - sent_at < 10.0
    assert "saved" not in shown(slack, ts)  # the sync was cut off before it could say so
    gateway.latency = 0.0
    await bot.start()
    await slack.wait_for(lambda: "saved" in shown(slack, ts), timeout=10)
    assert [c.status for c in gateway.calls_for("patch", log_id)][-1] == 200  # written again
    assert gateway.feedback_of(log_id) == 1


async def test_slack_5xx_on_chat_update_is_retried_until_the_message_is_edited(
    bot: BotProcess, slack: SlackSandbox, gateway: GatewaySandbox
) -> None:
    """chat.update failing with 503 more often than the SDK retries still ends edited."""
    ts, log_id = await posted_sample(slack)
    slack.fail_next("chat.update", 3, status=503)  # the SDK's own 2 retries are not enough
    await slack.click(CHANNEL, ts, ids.VOTE_UP, user="U0BOB")
    await slack.wait_for(lambda: "saved" in shown(slack, ts), timeout=15)
    updates = slack.calls_to("chat.update")
    assert [c.status for c in updates[:3]] == [503] * 3 and updates[-1].ok
    assert gateway.feedback_of(log_id) == 1


async def test_forged_and_stale_requests_get_401_and_write_nothing(
    bot: BotProcess, slack: SlackSandbox, gateway: GatewaySandbox
) -> None:
    """A click signed with the wrong secret, or replayed 10 minutes later, changes nothing."""
    ts, _ = await posted_sample(slack)
    real = await slack.click(CHANNEL, ts, ids.VOTE_UP, user="U0ALICE")
    await slack.wait_for(lambda: "saved" in shown(slack, ts), timeout=5)
    assert real.payload is not None
    before = (len(gateway.calls), len(slack.calls), slack.message(CHANNEL, ts).edits)
    forged = {**real.payload, "user": {"id": "U0EVE", "username": "eve", "team_id": "T0SANDBOX"}}
    forged["actions"] = [{**real.payload["actions"][0], "action_id": ids.VOTE_DOWN}]
    body = urlencode({"payload": json.dumps(forged)}).encode()
    for attempt in (
        {"secret": "not-the-signing-secret"},
        {"timestamp": int(time.time()) - 600},  # a replay outside the 5-minute window
    ):
        status, _ = await slack.send_signed(body, content_type=FORM, **attempt)  # type: ignore[arg-type]
        assert status == 401
    assert (len(gateway.calls), len(slack.calls), slack.message(CHANNEL, ts).edits) == before
    assert "<@U0EVE>" not in shown(slack, ts)
    code, details = await health(bot)
    assert code == 200 and details["outbox"]["pending"] == 0  # type: ignore[index]


async def test_junk_bodies_get_4xx_and_the_bot_stays_healthy(
    bot: BotProcess, slack: SlackSandbox, gateway: GatewaySandbox
) -> None:
    """Invalid JSON, non-form, huge, unknown, incomplete and mistyped requests: 4xx, no writes."""
    ts, _ = await posted_sample(slack)
    good = (await slack.click(CHANNEL, ts, ids.VOTE_UP, user="U0ALICE")).payload
    await slack.wait_for(lambda: "saved" in shown(slack, ts), timeout=5)
    assert good is not None
    before = (len(gateway.calls), len(slack.calls_to("chat.update")))
    action = good["actions"][0]

    def click(**changes: object) -> bytes:
        return urlencode({"payload": json.dumps({**good, **changes})}).encode()

    junk: list[tuple[str, bytes, str]] = [
        ("invalid JSON in payload=", b"payload=%7Bnot+json", FORM),
        ("payload= is a JSON array", b"payload=%5B1%2C2%5D", FORM),
        ("JSON body that is not an object", b"[1, 2, 3]", "application/json"),
        ("JSON body that does not parse", b'{"type": ', "application/json"),
        ("not text at all", b"\xff\xfe\x00\x81garbage", "application/octet-stream"),
        ("XML", b"<payload>yes</payload>", "text/xml"),
        ("about 1 MB of nonsense", b"payload=" + b"%7B" * 330_000, FORM),
        ("over the 1 MiB limit", b"x=" + b"y" * 1_100_000, FORM),
        ("unknown action_id", click(actions=[{**action, "action_id": "aig_nuke"}]), FORM),
        ("no user", click(user=None), FORM),
        ("no actions", click(actions=[]), FORM),
        ("actions is a string", click(actions="aig_vote_up"), FORM),
        ("value is a number", click(actions=[{**action, "value": 12}]), FORM),
        ("value is not a log ID", click(actions=[{**action, "value": "../../etc"}]), FORM),
        ("type is a number", click(type=7), FORM),
        ("empty body", b"", FORM),
    ]
    for name, body, content_type in junk:
        status, text = await slack.send_signed(body, content_type=content_type)
        assert 400 <= status < 500, (name, status, text[:200])
    assert (len(gateway.calls), len(slack.calls_to("chat.update"))) == before
    code, details = await health(bot)
    assert code == 200 and details["outbox"]["pending"] == 0  # type: ignore[index]
    assert "Traceback" not in bot.output()
    after = await slack.click(CHANNEL, ts, ids.VOTE_DOWN, user="U0BOB")  # still serving clicks
    assert after.status == 200
    await slack.wait_for(lambda: "<@U0BOB>" in shown(slack, ts), timeout=5)

"""Fuzzing the payload parsing: junk is refused with BadPayload/ValueError or a 4xx, never a crash."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_bolt.request.async_request import AsyncBoltRequest

from bot import ids
from bot.app import Bot
from bot.config import Settings
from bot.sandbox import SlackSandbox
from bot.slack.payloads import (
    LOG_ID,
    BadPayload,
    malformed_body,
    parse_click,
    parse_command,
    parse_count,
    parse_log_reference,
)
from bot.store import MemoryStore

SECRET = "fuzz-signing-secret"
FORM = "application/x-www-form-urlencoded"
UNREACHABLE = "http://127.0.0.1:9"  # the discard port: nothing listens, so calls fail at once

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.sampled_from(["", "01JADMCQQQBWH3NXZ5GCRN98DP", ids.VOTE_UP, "block_actions", "U0A"])
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def click_payload(response_url: str) -> dict[str, Any]:
    """A well-formed 👍 click, the starting point for mutations."""
    return {
        "type": "block_actions",
        "user": {"id": "U0ALICE", "username": "alice", "team_id": "T0SANDBOX"},
        "api_app_id": "A0AIGFEEDBACK",
        "team": {"id": "T0SANDBOX", "domain": "sandbox"},
        "container": {"type": "message", "message_ts": "1.000100", "channel_id": "C0FEEDBACK"},
        "channel": {"id": "C0FEEDBACK", "name": "feedback"},
        "trigger_id": "1.2.3",
        "response_url": response_url,
        "actions": [
            {
                "action_id": ids.VOTE_UP,
                "block_id": ids.VOTE_BLOCK,
                "type": "button",
                "value": "01JADMCQQQBWH3NXZ5GCRN98DP",
                "action_ts": "1.5",
            }
        ],
    }


@st.composite
def mutated(draw: st.DrawFn, template: dict[str, Any]) -> dict[str, Any]:
    """The template with some fields dropped or replaced by values of any type, at any depth."""
    payload = json.loads(json.dumps(template))
    for _ in range(draw(st.integers(0, 4))):
        target: Any = payload
        path = draw(
            st.lists(st.sampled_from(["actions", 0, "user", "container", "value"]), max_size=2)
        )
        for step in path:
            if isinstance(target, dict) and step in target:
                target = target[step]
            elif isinstance(target, list) and isinstance(step, int) and target:
                target = target[0]
        if not isinstance(target, dict) or not target:
            continue
        key = draw(st.sampled_from(sorted(target)))
        if draw(st.booleans()):
            del target[key]
        else:
            target[key] = draw(json_values)
    return payload


def confined(payload: Any, response_url: str) -> Any:
    """Points every response_url at loopback, so the fuzz never reaches the internet."""
    if isinstance(payload, dict):
        if "response_url" in payload:
            payload["response_url"] = response_url
        payload.pop("response_urls", None)
    return payload


@st.composite
def junk_bodies(draw: st.DrawFn, response_url: str) -> tuple[bytes, str]:
    """A request body and its content type, from nearly right to nonsense."""
    kind = draw(st.sampled_from(["click", "json_payload", "command", "json", "bytes"]))
    if kind == "click":
        payload = confined(draw(mutated(click_payload(response_url))), response_url)
        return urlencode({"payload": json.dumps(payload)}).encode(), FORM
    if kind == "json_payload":
        raw = json.dumps(confined(draw(json_values), response_url))
        return urlencode({"payload": raw}).encode(), FORM
    if kind == "command":
        fields = draw(
            st.dictionaries(
                st.sampled_from(["command", "text", "user_id", "channel_id", "trigger_id", "x"]),
                st.text(max_size=30) | st.sampled_from(["/aig", "help", "log", "sample 0"]),
            )
        )
        fields["response_url"] = response_url
        return urlencode(fields).encode(), FORM
    if kind == "json":
        body = json.dumps(confined(draw(json_values), response_url)).encode()
        return body, "application/json"
    content_type = draw(st.sampled_from([FORM, "application/json", "text/plain", ""]))
    return draw(st.binary(max_size=64)), content_type


def signed(body: bytes, content_type: str) -> dict[str, str]:
    timestamp = str(int(time.time()))
    base = b"v0:" + timestamp.encode() + b":" + body  # Slack signs raw bytes, text or not
    signature = "v0=" + hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest()
    headers = {"x-slack-request-timestamp": timestamp, "x-slack-signature": signature}
    if content_type:
        headers["content-type"] = content_type
    return headers


@given(st.dictionaries(st.text(max_size=10), json_values, max_size=6) | mutated(click_payload("")))
@settings(max_examples=150, deadline=None)
def test_parse_click_refuses_junk_with_bad_payload_only(payload: dict[str, Any]) -> None:
    """Any JSON object either parses into a click with a well-formed log ID or raises BadPayload."""
    try:
        click = parse_click(payload)
    except BadPayload:
        return
    assert LOG_ID.match(click.log_id) and click.user and click.clicked in (1, -1)


@given(st.text())
@settings(max_examples=150, deadline=None)
def test_command_text_never_crashes_the_parsers(text: str) -> None:
    """Whatever follows `/aig`, the parsers answer or raise ValueError with a reason to show."""
    command = parse_command(text)
    assert command.name in {"log", "sample", "stats", "help", "unknown"}
    for parse in (parse_log_reference, lambda t: parse_count(t, default=5, maximum=20)):
        try:
            parse(text)
        except ValueError as exc:
            reason = str(exc)
        else:
            reason = "parsed"
        assert reason  # a refusal always says why


@given(st.text() | st.from_regex(r"https?://[a-z./?=&_-]{0,40}", fullmatch=True))
@settings(max_examples=150, deadline=None)
def test_log_reference_is_a_log_id_or_a_value_error(reference: str) -> None:
    """A reference resolves to something shaped like a log ID, or is refused with ValueError."""
    try:
        log_id = parse_log_reference(reference)
    except ValueError:
        return
    assert LOG_ID.match(log_id)


@pytest.fixture(scope="module")
def app_loop() -> Iterator[tuple[asyncio.AbstractEventLoop, Bot, SlackSandbox]]:
    """The real Bolt app, built as the bot builds it, on its own loop against the Slack sandbox."""
    loop = asyncio.new_event_loop()
    sandbox = SlackSandbox()
    loop.run_until_complete(sandbox.start())
    bot = Bot.build(
        Settings(
            slack_bot_token=sandbox.bot_token,
            slack_signing_secret=SECRET,
            slack_api_url=sandbox.api_url,
            cloudflare_api_token="fuzz",
            cloudflare_account_id="0" * 32,
            cloudflare_gateway_id="fuzz",
            cloudflare_api_base_url=f"{UNREACHABLE}/client/v4",
            feedback_channel="C0FEEDBACK",
        ),
        store=MemoryStore(),
        with_schedule=False,
    )
    loop.run_until_complete(bot.store.migrate())
    yield loop, bot, sandbox

    async def wind_down() -> None:
        # lookups and samples spawned by fuzzed commands fail fast against UNREACHABLE
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        if others:
            _, pending = await asyncio.wait(others, timeout=10)
            for task in pending:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*pending, return_exceptions=True)
        await bot.stop(timeout=1)
        await sandbox.stop()

    loop.run_until_complete(wind_down())
    loop.close()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_signed_junk_never_gets_a_5xx(
    app_loop: tuple[asyncio.AbstractEventLoop, Bot, SlackSandbox], data: st.DataObject
) -> None:
    """Signed requests with malformed bodies get a 2xx or 4xx from the bot, never a 5xx."""
    loop, bot, sandbox = app_loop
    body, content_type = data.draw(junk_bodies(f"{sandbox.base_url}/response/T0SANDBOX/1/fuzz"))
    headers = signed(body, content_type)

    async def answer() -> int:
        # what the HTTP edge does: unreadable bodies stop at the middleware, the rest reach Bolt
        if malformed_body(body, charset=None, headers=headers) is not None:
            return 400
        response = await bot.app.async_dispatch(
            AsyncBoltRequest(body=body.decode(), headers=headers)
        )
        return response.status

    status = loop.run_until_complete(answer())
    assert status < 500, (body[:300], content_type, status)

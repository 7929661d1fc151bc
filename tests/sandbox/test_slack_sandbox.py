"""The Slack sandbox against the real slack_sdk client and a real Bolt app over loopback HTTP."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp import web
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.sandbox import SlackSandbox

CHANNEL = "C0FEEDBACK"
FORM = "application/x-www-form-urlencoded"


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def button(action_id: str, text: str, value: str) -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": text},
        "value": value,
    }


def vote_blocks(log_id: str = "log-1") -> list[dict[str, Any]]:
    return [
        {"type": "section", "block_id": "log", "text": {"type": "mrkdwn", "text": f"`{log_id}`"}},
        {
            "type": "actions",
            "block_id": "votes",
            "elements": [
                button("vote_up", "👍", f"{log_id}:up"),
                button("vote_down", "👎", f"{log_id}:down"),
            ],
        },
    ]


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def sandbox(clock: Clock) -> AsyncIterator[SlackSandbox]:
    async with SlackSandbox(channels=(CHANNEL, "C0OTHER"), clock=clock) as sandbox:
        yield sandbox


@pytest.fixture
def client(sandbox: SlackSandbox) -> AsyncWebClient:
    return AsyncWebClient(token=sandbox.bot_token, base_url=sandbox.api_url)


@pytest.fixture
async def bolt(sandbox: SlackSandbox) -> AsyncIterator[AsyncApp]:
    """A Bolt app served over HTTP on loopback, with the sandbox as its Slack."""
    app = AsyncApp(
        client=AsyncWebClient(token=sandbox.bot_token, base_url=sandbox.api_url),
        signing_secret=sandbox.signing_secret,
    )
    runner = web.AppRunner(app.web_app())
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    sandbox.events_url = f"http://{host}:{port}/slack/events"
    yield app
    await runner.cleanup()


# --- Web API through slack_sdk --------------------------------------------------------------


async def test_auth_test_answers_the_bot_identity_and_scopes(
    sandbox: SlackSandbox, client: AsyncWebClient
) -> None:
    """auth.test returns the bot's user, bot and team IDs, and the token's scopes in a header."""
    response = await client.auth_test()
    assert response["user_id"] == "U0AIGBOT"
    assert response["bot_id"] == sandbox.bot_id
    assert response["team_id"] == "T0SANDBOX"
    assert "chat:write" in response.headers["x-oauth-scopes"]


async def test_post_update_and_history(sandbox: SlackSandbox, client: AsyncWebClient) -> None:
    """postMessage then chat.update: history shows the current text and keeps the old version."""
    posted = await client.chat_postMessage(channel=CHANNEL, text="to rate", blocks=vote_blocks())
    assert posted["channel"] == CHANNEL
    assert posted["message"]["blocks"] == vote_blocks()

    updated = await client.chat_update(
        channel=CHANNEL, ts=posted["ts"], text="rated", blocks=vote_blocks("log-2")
    )

    assert updated["ts"] == posted["ts"]
    assert updated["text"] == "rated"
    [message] = sandbox.messages(CHANNEL)
    assert (message.text, message.edits, message.user) == ("rated", 1, "U0AIGBOT")
    assert message.blocks == vote_blocks("log-2")
    assert message.history[0].text == "to rate"
    assert [c.method for c in sandbox.calls] == ["chat.postMessage", "chat.update"]
    assert sandbox.calls_to("chat.update")[0].args["blocks"] == vote_blocks("log-2")


async def test_message_ts_look_like_slacks_and_increase(client: AsyncWebClient) -> None:
    """Each ts is epoch seconds plus six digits, strictly increasing."""
    stamps = [(await client.chat_postMessage(channel=CHANNEL, text=str(i)))["ts"] for i in range(5)]
    assert all(len(ts.split(".")[1]) == 6 and ts.split(".")[0].isdigit() for ts in stamps)
    assert [float(ts) for ts in stamps] == sorted({float(ts) for ts in stamps})
    assert abs(float(stamps[0]) - time.time()) < 60


async def test_update_with_text_only_drops_blocks(
    sandbox: SlackSandbox, client: AsyncWebClient
) -> None:
    """chat.update with text and no blocks removes the old blocks, as Slack documents."""
    posted = await client.chat_postMessage(channel=CHANNEL, text="a", blocks=vote_blocks())
    await client.chat_update(channel=CHANNEL, ts=posted["ts"], text="plain now")
    assert sandbox.message(CHANNEL, posted["ts"]).blocks == []


async def test_blocks_in_a_form_body_arrive_as_a_json_string(
    sandbox: SlackSandbox, client: AsyncWebClient
) -> None:
    """A form-encoded call with `blocks` as a JSON string is decoded like a JSON body."""
    form = {"channel": CHANNEL, "text": "form", "blocks": json.dumps(vote_blocks())}
    response = await client.api_call("chat.postMessage", data=form)
    assert sandbox.message(CHANNEL, response["ts"]).blocks == vote_blocks()

    with pytest.raises(SlackApiError) as raised:
        await client.api_call("chat.postMessage", data={**form, "blocks": "[not json"})
    assert raised.value.response["error"] == "invalid_blocks_format"


async def test_blocks_without_ids_get_them_as_slack_stores_them(
    sandbox: SlackSandbox, client: AsyncWebClient
) -> None:
    """Blocks posted without a block_id come back with a generated, unique one."""
    posted = await client.chat_postMessage(channel=CHANNEL, text="x", blocks=[section("a")] * 3)
    ids = [block["block_id"] for block in sandbox.message(CHANNEL, posted["ts"]).blocks]
    assert len(set(ids)) == 3
    assert all(ids)


async def test_ephemeral_is_recorded_for_its_user(
    sandbox: SlackSandbox, client: AsyncWebClient
) -> None:
    """chat.postEphemeral returns message_ts and the message shows for that user only."""
    response = await client.chat_postEphemeral(channel=CHANNEL, user="U0BOB", text="psst")
    [ephemeral] = sandbox.ephemerals("U0BOB")
    assert (ephemeral.ts, ephemeral.text) == (response["message_ts"], "psst")
    assert (ephemeral.source, ephemeral.response_url) == ("chat.postEphemeral", None)
    assert sandbox.ephemerals("U0ALICE") == []
    assert sandbox.messages(CHANNEL) == []


@pytest.mark.parametrize(
    ("method", "kwargs", "error"),
    [
        ("chat_postMessage", {"channel": "C0NOWHERE", "text": "x"}, "channel_not_found"),
        ("chat_postMessage", {"channel": CHANNEL}, "no_text"),
        ("chat_update", {"channel": CHANNEL, "ts": "1.000001", "text": "x"}, "message_not_found"),
        ("chat_update", {"channel": CHANNEL, "ts": "", "text": "x"}, "invalid_arguments"),
        ("chat_getPermalink", {"channel": CHANNEL, "message_ts": "1.1"}, "message_not_found"),
        ("conversations_info", {"channel": "C0NOWHERE"}, "channel_not_found"),
        ("users_info", {"user": "not-a-user"}, "user_not_found"),
        ("usergroups_users_list", {"usergroup": "S0NONE"}, "no_such_subteam"),
        ("views_open", {"trigger_id": "1.2.3", "view": {"type": "modal"}}, "invalid_arguments"),
    ],
)
@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing:UserWarning")
async def test_errors_raise_slack_api_error_with_slacks_name(
    client: AsyncWebClient, method: str, kwargs: dict[str, Any], error: str
) -> None:
    """Bad calls answer HTTP 200 ok:false with Slack's error name, which the SDK raises."""
    with pytest.raises(SlackApiError) as raised:
        await getattr(client, method)(**kwargs)
    assert raised.value.response.status_code == 200
    assert raised.value.response["error"] == error


async def test_not_in_channel_when_the_bot_was_not_invited(
    sandbox: SlackSandbox, client: AsyncWebClient
) -> None:
    """Posting to a known channel the bot is not a member of answers not_in_channel."""
    sandbox.member_of.discard("C0OTHER")
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel="C0OTHER", text="hello")
    assert raised.value.response["error"] == "not_in_channel"
    info = await client.conversations_info(channel="C0OTHER")
    assert info["channel"]["is_member"] is False


async def test_cannot_update_someone_elses_message(
    sandbox: SlackSandbox, client: AsyncWebClient
) -> None:
    """chat.update on a person's message answers cant_update_message."""
    theirs = sandbox.post_user_message(CHANNEL, "my own words", user="U0ALICE")
    with pytest.raises(SlackApiError) as raised:
        await client.chat_update(channel=CHANNEL, ts=theirs.ts, text="edited by bot")
    assert raised.value.response["error"] == "cant_update_message"


async def test_wrong_missing_token_and_unknown_method(sandbox: SlackSandbox) -> None:
    """A wrong token is invalid_auth, none is not_authed, an unknown method unknown_method."""
    wrong = AsyncWebClient(token="xoxb-wrong", base_url=sandbox.api_url)
    anonymous = AsyncWebClient(base_url=sandbox.api_url)
    right = AsyncWebClient(token=sandbox.bot_token, base_url=sandbox.api_url)
    for call, error in [
        (wrong.auth_test(), "invalid_auth"),
        (anonymous.auth_test(), "not_authed"),
        (right.api_call("chat.teleport"), "unknown_method"),
    ]:
        with pytest.raises(SlackApiError) as raised:
            await call
        assert raised.value.response["error"] == error
    assert [(c.method, c.ok) for c in sandbox.calls][-1] == ("chat.teleport", False)


async def test_rate_limit_is_retried_by_the_sdk_handler(
    sandbox: SlackSandbox, client: AsyncWebClient
) -> None:
    """A 429 carries Retry-After; AsyncRateLimitErrorRetryHandler waits and the retry posts."""
    sandbox.fail_next("chat.postMessage", status=429, retry_after=0)
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=1))

    response = await client.chat_postMessage(channel=CHANNEL, text="eventually")

    calls = sandbox.calls_to("chat.postMessage")
    assert [(c.status, c.error) for c in calls] == [(429, "ratelimited"), (200, None)]
    assert [m.ts for m in sandbox.messages(CHANNEL)] == [response["ts"]]


async def test_rate_limit_without_a_handler_surfaces_retry_after(
    sandbox: SlackSandbox, client: AsyncWebClient
) -> None:
    """Without a retry handler the SDK raises, exposing HTTP 429 and the Retry-After header."""
    sandbox.fail_next("chat.update", status=429, retry_after=7)
    posted = await client.chat_postMessage(channel=CHANNEL, text="x")
    with pytest.raises(SlackApiError) as raised:
        await client.chat_update(channel=CHANNEL, ts=posted["ts"], text="y")
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "7"
    assert raised.value.response["error"] == "ratelimited"
    assert sandbox.message(CHANNEL, posted["ts"]).text == "x"


async def test_injected_faults_take_no_effect_then_clear(
    sandbox: SlackSandbox, client: AsyncWebClient
) -> None:
    """ok:false and 5xx faults fail exactly `count` calls and post nothing."""
    sandbox.fail_next("chat.postMessage", status=200, error="fatal_error")
    sandbox.fail_next("chat.postMessage", 2, status=503)

    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel=CHANNEL, text="1")
    assert raised.value.response["error"] == "fatal_error"
    for _ in range(2):
        with pytest.raises(SlackApiError) as raised:
            await client.chat_postMessage(channel=CHANNEL, text="2")
        assert raised.value.response.status_code == 503
    await client.chat_postMessage(channel=CHANNEL, text="3")

    assert [m.text for m in sandbox.messages(CHANNEL)] == ["3"]
    errors = [c.error for c in sandbox.calls_to("chat.postMessage")]
    assert errors == ["fatal_error", "http_503", "http_503", None]


async def test_latency_delays_every_answer(sandbox: SlackSandbox, client: AsyncWebClient) -> None:
    """Setting latency slows each Web API answer by at least that much."""
    sandbox.latency = 0.2
    started = time.monotonic()
    await client.auth_test()
    assert time.monotonic() - started >= 0.2


async def test_lookups_users_groups_channels_permalinks(
    sandbox: SlackSandbox, client: AsyncWebClient
) -> None:
    """users.info, usergroups.users.list, conversations.info and chat.getPermalink answer."""
    sandbox.usergroups["S0RATERS"] = ["U0ALICE", "U0BOB"]
    sandbox.users["U0ALICE"] = "alice"
    posted = await client.chat_postMessage(channel=CHANNEL, text="x")

    assert (await client.users_info(user="U0ALICE"))["user"]["name"] == "alice"
    assert (await client.usergroups_users_list(usergroup="S0RATERS"))["users"] == [
        "U0ALICE",
        "U0BOB",
    ]
    assert (await client.conversations_info(channel=CHANNEL))["channel"]["name"] == "c0feedback"
    link = (await client.chat_getPermalink(channel=CHANNEL, message_ts=posted["ts"]))["permalink"]
    assert link.endswith(f"/archives/{CHANNEL}/p{posted['ts'].replace('.', '')}")


async def test_views_publish_stores_app_home_per_user(
    sandbox: SlackSandbox, client: AsyncWebClient
) -> None:
    """views.publish keeps one Home view per user and refuses a stale hash."""
    home = {"type": "home", "blocks": [section("stats")]}
    first = await client.views_publish(user_id="U0ALICE", view=home)
    second = await client.views_publish(user_id="U0ALICE", view={**home, "blocks": [section("2")]})

    assert first["view"]["id"] == second["view"]["id"]
    stored = sandbox.home("U0ALICE")
    assert stored is not None
    assert stored.blocks == [section("2")]
    with pytest.raises(SlackApiError) as raised:
        await client.views_publish(user_id="U0ALICE", view=home, hash=first["view"]["hash"])
    assert raised.value.response["error"] == "hash_conflict"


# --- Block Kit limits -------------------------------------------------------------------------


def long_text_blocks(count: int) -> list[dict[str, Any]]:
    return [section("x" * 2900) for _ in range(count)]


@pytest.mark.parametrize(
    ("blocks", "pointer"),
    [
        ([{"type": "divider"}] * 51, "/blocks]"),
        ([section("x" * 3001)], "/blocks/0/text/text]"),
        ([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], "/text/text]"),
        ([{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}], "/blocks/0/text/type]"),
        (
            [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}],
            "/blocks/0/elements]",
        ),
        (
            [{"type": "actions", "elements": [button(f"a{i}", "b", "v") for i in range(26)]}],
            "/blocks/0/elements]",
        ),
        ([{"type": "actions", "elements": [button("a", "t" * 76, "v")]}], "/elements/0/text/text]"),
        ([{"type": "actions", "elements": [button("a", "t", "v" * 2001)]}], "/elements/0/value]"),
        ([{"type": "actions", "elements": [button("a" * 256, "t", "v")]}], "/0/action_id]"),
        (
            [{"type": "actions", "elements": [button("same", "1", "v"), button("same", "2", "v")]}],
            "/blocks/0/elements/1/action_id]",
        ),
        ([{**section("a"), "block_id": "b"}, {**section("b"), "block_id": "b"}], "/1/block_id]"),
        ([{"type": "carousel"}], "/blocks/0/type]"),
        ([{"type": "section"}], "/blocks/0]"),
    ],
)
async def test_block_kit_limits_answer_invalid_blocks(
    sandbox: SlackSandbox, client: AsyncWebClient, blocks: list[dict[str, Any]], pointer: str
) -> None:
    """Each Block Kit limit breach answers invalid_blocks, pointing at the offending field."""
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel=CHANNEL, text="fallback", blocks=blocks)
    assert raised.value.response["error"] == "invalid_blocks"
    assert any(e.endswith(pointer) for e in raised.value.response["errors"]), raised.value.response
    assert sandbox.messages(CHANNEL) == []
    assert sandbox.calls[-1].error == "invalid_blocks"


async def test_block_kit_limits_are_inclusive(client: AsyncWebClient) -> None:
    """Exactly 50 blocks, 3,000-char sections and 75-char buttons are accepted."""
    at_limit = [section("x" * 3000)] + [{"type": "divider"}] * 48
    at_limit.append({"type": "actions", "elements": [button("a", "t" * 75, "v" * 2000)]})
    await client.chat_postMessage(channel=CHANNEL, text="fallback", blocks=at_limit)


async def test_aggregate_block_text_answers_msg_blocks_too_long(
    sandbox: SlackSandbox, client: AsyncWebClient
) -> None:
    """Blocks each within limits but over ~12,000 characters in total are refused."""
    await client.chat_postMessage(channel=CHANNEL, text="ok", blocks=long_text_blocks(4))
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel=CHANNEL, text="too", blocks=long_text_blocks(5))
    assert raised.value.response["error"] == "msg_blocks_too_long"
    assert len(sandbox.messages(CHANNEL)) == 1


async def test_top_level_text_is_truncated_at_40000(
    sandbox: SlackSandbox, client: AsyncWebClient
) -> None:
    """Text beyond 40,000 characters is cut, as Slack does, not refused."""
    posted = await client.chat_postMessage(channel=CHANNEL, text="y" * 40_010)
    assert len(sandbox.message(CHANNEL, posted["ts"]).text) == 40_000


# --- the driver against a real Bolt app -------------------------------------------------------


async def test_signed_slash_command_reaches_bolt_and_text_ack_shows(
    sandbox: SlackSandbox, bolt: AsyncApp
) -> None:
    """A slash command arrives with Slack's fields; a text ack shows to the user ephemerally."""
    received: list[dict[str, Any]] = []

    @bolt.command("/aig")
    async def on_aig(ack: AsyncAck, command: dict[str, Any]) -> None:
        received.append(command)
        await ack(f"looking up {command['text']}")

    result = await sandbox.slash("log 01JABC", user="U0BOB")

    assert (result.status, result.text, result.error) == (200, "looking up log 01JABC", None)
    [command] = received
    assert command["text"] == "log 01JABC"
    assert (command["user_id"], command["channel_id"], command["team_id"]) == (
        "U0BOB",
        CHANNEL,
        "T0SANDBOX",
    )
    assert command["response_url"] == result.response_url
    assert command["trigger_id"] == result.trigger_id
    assert command["is_enterprise_install"] == "false"
    [shown] = sandbox.ephemerals("U0BOB")
    assert (shown.text, shown.source, shown.response_url) == (
        "looking up log 01JABC",
        "ack",
        result.response_url,
    )


async def test_json_ack_in_channel_posts_to_the_channel(
    sandbox: SlackSandbox, bolt: AsyncApp
) -> None:
    """An ack with blocks and response_type in_channel is posted where the command was typed."""

    @bolt.command("/aig")
    async def on_aig(ack: AsyncAck) -> None:
        await ack(text="stats", blocks=[section("*42* ratings")], response_type="in_channel")

    result = await sandbox.slash("stats", channel="C0OTHER")

    assert result.body is not None
    assert result.body["response_type"] == "in_channel"
    [posted] = sandbox.messages("C0OTHER")
    assert (posted.text, posted.user) == ("stats", sandbox.bot_user_id)
    assert sandbox.ephemerals() == []


async def test_click_reaches_bolt_with_a_genuine_payload(
    sandbox: SlackSandbox, bolt: AsyncApp, client: AsyncWebClient
) -> None:
    """A click sends block_actions with container, message and action; chat.update applies."""
    bodies: list[dict[str, Any]] = []

    @bolt.action("vote_up")
    async def on_vote(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        bodies.append(body)
        channel, ts = body["channel"]["id"], body["container"]["message_ts"]
        await client.chat_update(channel=channel, ts=ts, text="👍 1", blocks=vote_blocks())

    posted = await client.chat_postMessage(channel=CHANNEL, text="rate", blocks=vote_blocks())
    result = await sandbox.click(CHANNEL, posted["ts"], "vote_up", user="U0CAROL")
    await sandbox.wait_for(lambda: sandbox.message(CHANNEL, posted["ts"]).edits == 1)

    assert (result.status, result.text) == (200, "")
    [body] = bodies
    assert body["type"] == "block_actions"
    assert body["user"]["id"] == "U0CAROL"
    assert body["container"] == {
        "type": "message",
        "message_ts": posted["ts"],
        "channel_id": CHANNEL,
        "is_ephemeral": False,
    }
    assert body["message"]["blocks"] == vote_blocks()
    assert body["message"]["bot_id"] == sandbox.bot_id
    [action] = body["actions"]
    assert (action["action_id"], action["block_id"], action["value"]) == (
        "vote_up",
        "votes",
        "log-1:up",
    )
    assert action["text"]["text"] == "👍"
    assert body["response_url"] == result.response_url
    assert sandbox.message(CHANNEL, posted["ts"]).text == "👍 1"


async def test_click_on_native_feedback_buttons(
    sandbox: SlackSandbox, bolt: AsyncApp, client: AsyncWebClient
) -> None:
    """A feedback_buttons element reports the chosen side's value and text."""
    actions: list[dict[str, Any]] = []

    @bolt.action("rate")
    async def on_rate(ack: AsyncAck, action: dict[str, Any]) -> None:
        await ack()
        actions.append(action)

    def side(text: str, value: str) -> dict[str, Any]:
        return {"text": {"type": "plain_text", "text": text}, "value": value}

    element = {
        "type": "feedback_buttons",
        "action_id": "rate",
        "positive_button": side("👍", "good"),
        "negative_button": side("👎", "bad"),
    }
    blocks = [{"type": "context_actions", "block_id": "fb", "elements": [element]}]
    posted = await client.chat_postMessage(channel=CHANNEL, text="rate", blocks=blocks)

    await sandbox.click(CHANNEL, posted["ts"], "rate", value="bad")
    await sandbox.click(CHANNEL, posted["ts"], "rate")

    assert [(a["type"], a["value"], a["text"]["text"]) for a in actions] == [
        ("feedback_buttons", "bad", "👎"),
        ("feedback_buttons", "good", "👍"),
    ]


async def test_failing_or_unreachable_bot_reports_dispatch_failed(
    sandbox: SlackSandbox, bolt: AsyncApp
) -> None:
    """A listener that raises before ack (HTTP 500) or a dead URL shows dispatch_failed."""

    @bolt.command("/aig")
    async def on_aig(ack: AsyncAck) -> None:
        raise RuntimeError("store is down")

    failed = await sandbox.slash("help")
    sandbox.events_url = "http://127.0.0.1:9/slack/events"
    unreachable = await sandbox.slash("help")

    assert (failed.status, failed.error) == (500, "dispatch_failed")
    assert (unreachable.status, unreachable.error) == (0, "dispatch_failed")


async def test_click_ephemeral_then_replace_original(sandbox: SlackSandbox, bolt: AsyncApp) -> None:
    """A button on an ephemeral reply is clicked without `message`; replace_original rewrites it."""
    payloads: list[dict[str, Any]] = []

    @bolt.command("/aig")
    async def on_aig(ack: AsyncAck, respond: AsyncRespond) -> None:
        await ack()
        await respond(text="rate log-9", blocks=vote_blocks("log-9"))

    @bolt.action("vote_down")
    async def on_vote(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        payloads.append(body)
        await respond(replace_original=True, text="thanks")

    command = await sandbox.slash("log log-9")
    await sandbox.wait_for(lambda: len(sandbox.ephemerals("U0ALICE")) == 1)
    [card] = sandbox.ephemerals("U0ALICE")
    assert (card.source, card.response_url) == ("response_url", command.response_url)

    click = await sandbox.click_ephemeral(card, "vote_down")
    await sandbox.wait_for(lambda: sandbox.ephemerals("U0ALICE")[0].edits == 1)

    [body] = payloads
    assert "message" not in body
    assert body["container"]["is_ephemeral"] is True
    assert body["container"]["message_ts"] == card.ts
    assert body["actions"][0]["value"] == "log-9:down"
    [replaced] = sandbox.ephemerals("U0ALICE")
    assert (replaced.text, replaced.blocks, replaced.replaced_via) == (
        "thanks",
        [],
        click.response_url,
    )
    assert replaced.history[0].text == "rate log-9"
    with pytest.raises(ValueError, match="only U0ALICE"):
        await sandbox.click_ephemeral(card, "vote_down", user="U0BOB")


async def test_forged_or_stale_requests_get_401(sandbox: SlackSandbox, bolt: AsyncApp) -> None:
    """A wrong signing secret or a 10-minute-old timestamp is refused before any listener."""
    calls: list[str] = []

    @bolt.command("/aig")
    async def on_aig(ack: AsyncAck) -> None:
        calls.append("called")
        await ack()

    body = urlencode({"command": "/aig", "text": "help", "team_id": "T0SANDBOX"}).encode()
    forged = await sandbox.send_signed(body, content_type=FORM, secret="not-the-secret")
    stale = await sandbox.send_signed(body, content_type=FORM, timestamp=int(time.time()) - 600)
    genuine = await sandbox.send_signed(body, content_type=FORM)

    assert forged[0] == 401
    assert stale[0] == 401
    assert genuine[0] == 200
    assert calls == ["called"]


async def test_response_url_works_five_times_then_404(
    sandbox: SlackSandbox, bolt: AsyncApp
) -> None:
    """A response_url accepts five messages, then answers 404 used_url."""

    @bolt.command("/aig")
    async def on_aig(ack: AsyncAck) -> None:
        await ack()

    command = await sandbox.slash("help")
    webhook = AsyncWebhookClient(command.response_url)
    statuses = [(await webhook.send(text=f"reply {i}")).status_code for i in range(6)]

    assert statuses == [200] * 5 + [404]
    assert sandbox.responses(command.response_url)[-1].error == "used_url"
    assert [e.text for e in sandbox.ephemerals("U0ALICE")] == [f"reply {i}" for i in range(5)]


async def test_response_url_expires_after_thirty_minutes(
    sandbox: SlackSandbox, bolt: AsyncApp, clock: Clock
) -> None:
    """A response_url older than 30 minutes answers 404 expired_url."""

    @bolt.command("/aig")
    async def on_aig(ack: AsyncAck) -> None:
        await ack()

    command = await sandbox.slash("help")
    clock.now += 30 * 60 + 1
    response = await AsyncWebhookClient(command.response_url).send(text="late")
    assert response.status_code == 404
    assert json.loads(response.body)["error"] == "expired_url"


async def test_response_url_refuses_invalid_blocks(sandbox: SlackSandbox, bolt: AsyncApp) -> None:
    """A response_url message breaking Block Kit limits is refused and not shown."""

    @bolt.command("/aig")
    async def on_aig(ack: AsyncAck) -> None:
        await ack()

    command = await sandbox.slash("help")
    response = await AsyncWebhookClient(command.response_url).send(
        text="x", blocks=[section("x" * 3001)]
    )
    assert response.status_code == 400
    assert sandbox.responses()[-1].error == "invalid_blocks"
    assert sandbox.ephemerals() == []


async def test_in_channel_replies_and_deletes_through_response_url(
    sandbox: SlackSandbox, bolt: AsyncApp, client: AsyncWebClient
) -> None:
    """response_type in_channel posts to the channel; delete_original removes the clicked one."""

    @bolt.action("vote_up")
    async def on_vote(ack: AsyncAck, respond: AsyncRespond) -> None:
        await ack()
        await respond(text="announced", response_type="in_channel")
        await respond(delete_original=True)

    posted = await client.chat_postMessage(channel=CHANNEL, text="rate", blocks=vote_blocks())
    await sandbox.click(CHANNEL, posted["ts"], "vote_up")
    await sandbox.wait_for(lambda: sandbox.message(CHANNEL, posted["ts"]).deleted)

    assert [m.text for m in sandbox.messages(CHANNEL)] == ["announced"]


async def test_trigger_ids_are_single_use_and_expire(
    sandbox: SlackSandbox, bolt: AsyncApp, client: AsyncWebClient, clock: Clock
) -> None:
    """views.open accepts a click's trigger_id once, within 3 seconds."""

    @bolt.action("vote_up")
    async def on_vote(ack: AsyncAck) -> None:
        await ack()

    posted = await client.chat_postMessage(channel=CHANNEL, text="rate", blocks=vote_blocks())
    modal = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Why?"},
        "blocks": [section("tell us")],
    }
    first = await sandbox.click(CHANNEL, posted["ts"], "vote_up", user="U0BOB")
    opened = await client.views_open(trigger_id=first.trigger_id, view=modal)
    assert opened["view"]["id"] == sandbox.views("U0BOB")[0].id

    second = await sandbox.click(CHANNEL, posted["ts"], "vote_up")
    clock.now += 3.5
    for trigger_id, error in [
        (first.trigger_id, "exchanged_trigger_id"),
        (second.trigger_id, "expired_trigger_id"),
    ]:
        with pytest.raises(SlackApiError) as raised:
            await client.views_open(trigger_id=trigger_id, view=modal)
        assert raised.value.response["error"] == error


async def test_unanswered_request_reports_operation_timeout(
    sandbox: SlackSandbox, bolt: AsyncApp
) -> None:
    """A bot that never acks within the ack timeout gets Slack's operation_timeout."""
    release = asyncio.Event()

    @bolt.command("/aig")
    async def on_aig(ack: AsyncAck) -> None:
        await release.wait()
        await ack()

    sandbox.ack_timeout = 0.2
    result = await sandbox.slash("help")
    release.set()
    assert (result.status, result.error) == (0, "operation_timeout")


async def test_click_on_a_missing_button_names_the_present_ones(
    sandbox: SlackSandbox, client: AsyncWebClient
) -> None:
    """Clicking an action_id that is not on the message raises LookupError listing the ids."""
    sandbox.events_url = "http://127.0.0.1:9/slack/events"
    posted = await client.chat_postMessage(channel=CHANNEL, text="rate", blocks=vote_blocks())
    with pytest.raises(LookupError, match="vote_down"):
        await sandbox.click(CHANNEL, posted["ts"], "vote_sideways")


async def test_wait_for_times_out_with_the_condition_and_recent_calls(
    sandbox: SlackSandbox, client: AsyncWebClient
) -> None:
    """wait_for raises TimeoutError quoting the predicate and the last Web API calls."""
    await client.auth_test()
    with pytest.raises(TimeoutError, match=r"messages\(CHANNEL\).*auth\.test ok"):
        await sandbox.wait_for(lambda: len(sandbox.messages(CHANNEL)) == 1, timeout=0.05)


ROOT = Path(__file__).resolve().parents[2]


async def test_standalone_module_prints_its_api_url() -> None:
    """`python -m bot.sandbox.slack --port 0` serves and prints the Web API URL."""
    root = ROOT
    env = {**os.environ, "PYTHONPATH": str(root)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.sandbox.slack", "--port", "0",
        cwd=root, env=env, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), timeout=20)).decode().strip()
        assert line.startswith("http://127.0.0.1:")
        assert line.endswith("/api/")
        response = await AsyncWebClient(token="xoxb-sandbox-token", base_url=line).auth_test()
        assert response["user_id"] == "U0AIGBOT"
    finally:
        process.terminate()
        await process.wait()

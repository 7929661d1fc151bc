"""The Slack sandbox's modal submissions and thread replies, against a real Bolt app on
loopback HTTP: payloads shaped like Slack's, signed, and acks applied as Slack applies them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox import SlackSandbox

CHANNEL = "C0FEEDBACK"


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def form(**extra: Any) -> dict[str, Any]:
    """A modal with a required radio group and an optional multi-line text input."""
    view = {
        "type": "modal",
        "callback_id": "why",
        "title": plain("Why?"),
        "submit": plain("Save"),
        "private_metadata": '{"log": "L1"}',
        "blocks": [
            {
                "type": "input",
                "block_id": "reason",
                "label": plain("Reason"),
                "element": {
                    "type": "radio_buttons",
                    "action_id": "choice",
                    "options": [
                        {"text": plain("Wrong"), "value": "wrong"},
                        {"text": plain("Slow"), "value": "slow"},
                    ],
                },
            },
            {
                "type": "input",
                "block_id": "note",
                "optional": True,
                "label": plain("Note"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "text",
                    "multiline": True,
                    "max_length": 20,
                },
            },
        ],
    }
    return view | extra


@pytest.fixture
async def sandbox() -> AsyncIterator[SlackSandbox]:
    async with SlackSandbox(channels=(CHANNEL, "C0OTHER")) as sandbox:
        sandbox.member_of = {CHANNEL}
        yield sandbox


@pytest.fixture
def client(sandbox: SlackSandbox) -> AsyncWebClient:
    return AsyncWebClient(token=sandbox.bot_token, base_url=sandbox.api_url)


@pytest.fixture
async def received(sandbox: SlackSandbox) -> AsyncIterator[list[dict[str, Any]]]:
    """The bodies a Bolt app served on loopback received; its view ack is `acks[0]` if set."""
    bodies: list[dict[str, Any]] = []
    app = AsyncApp(
        client=AsyncWebClient(token=sandbox.bot_token, base_url=sandbox.api_url),
        signing_secret=sandbox.signing_secret,
    )

    async def on_view(ack: AsyncAck, body: dict[str, Any]) -> None:
        bodies.append(body)
        values = body["view"]["state"]["values"]
        if values["note"]["text"]["value"] == "bad":
            await ack(response_action="errors", errors={"note": "Not that."})
        elif values["note"]["text"]["value"] == "again":
            await ack(response_action="update", view=form(title=plain("Thanks")))
        else:
            await ack()

    async def on_message(event: dict[str, Any]) -> None:
        bodies.append(event)

    app.view("why")(on_view)
    app.event("message")(on_message)
    runner = web.AppRunner(app.web_app())
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    sandbox.events_url = f"http://{host}:{port}/slack/events"
    yield bodies
    await runner.cleanup()


async def open_form(sandbox: SlackSandbox, client: AsyncWebClient, **extra: Any) -> str:
    """Open the form for U0ALICE with a fresh trigger; return the view's ID."""
    trigger = sandbox.workspace.issue_trigger("U0ALICE")
    opened = await client.views_open(trigger_id=trigger, view=form(**extra))
    return str(opened["view"]["id"])


async def test_submission_reaches_bolt_shaped_like_slacks(
    sandbox: SlackSandbox, client: AsyncWebClient, received: list[dict[str, Any]]
) -> None:
    """A signed view_submission with the view, its private_metadata and every input's state;
    an empty ack closes the modal."""
    view_id = await open_form(sandbox, client)
    result = await sandbox.submit_view(view_id, {"choice": "slow"})
    assert (result.status, result.closed, result.errors) == (200, True, None)
    (body,) = received
    assert body["type"] == "view_submission" and body["user"]["id"] == "U0ALICE"
    assert body["trigger_id"] and body["view"]["id"] == view_id
    assert body["view"]["private_metadata"] == '{"log": "L1"}'
    assert body["view"]["callback_id"] == "why" and body["view"]["hash"]
    assert body["view"]["state"]["values"] == {
        "reason": {
            "choice": {
                "type": "radio_buttons",
                "selected_option": {"text": plain("Slow"), "value": "slow"},
            }
        },
        "note": {"text": {"type": "plain_text_input", "value": None}},
    }
    assert sandbox.views("U0ALICE")[0].closed
    with pytest.raises(LookupError, match="closed"):
        await sandbox.submit_view(view_id, {"choice": "slow"})


async def test_errors_keep_the_modal_open_and_update_replaces_it(
    sandbox: SlackSandbox, client: AsyncWebClient, received: list[dict[str, Any]]
) -> None:
    """`response_action: errors` is reported by block and leaves the modal open; `update`
    replaces the view in place."""
    view_id = await open_form(sandbox, client)
    refused = await sandbox.submit_view(view_id, {"choice": "wrong", "text": "bad"})
    assert refused.errors == {"note": "Not that."} and not refused.closed
    updated = await sandbox.submit_view(view_id, {"choice": "wrong", "text": "again"})
    assert not updated.closed and sandbox.views("U0ALICE")[0].raw["title"]["text"] == "Thanks"
    assert len(received) == 2


async def test_what_slacks_client_would_not_submit_is_refused(
    sandbox: SlackSandbox, client: AsyncWebClient, received: list[dict[str, Any]]
) -> None:
    """Empty required inputs, options not offered, over-long text and unknown inputs never
    reach the app; only the modal's owner can submit it."""
    view_id = await open_form(sandbox, client)
    cases: list[tuple[type[Exception], dict[str, Any]]] = [
        (ValueError, {"text": "no choice"}),
        (ValueError, {"choice": "unsafe"}),
        (ValueError, {"choice": "slow", "text": "x" * 21}),
        (LookupError, {"choice": "slow", "nope": "?"}),
    ]
    for error, inputs in cases:
        with pytest.raises(error):
            await sandbox.submit_view(view_id, inputs)
    with pytest.raises(ValueError, match="only U0ALICE"):
        await sandbox.submit_view(view_id, {"choice": "slow"}, user="U0BOB")
    assert received == []


async def test_views_open_refuses_inputs_without_a_submit_button(
    sandbox: SlackSandbox, client: AsyncWebClient
) -> None:
    """A modal with input blocks must define `submit`, as Slack's views.open requires."""
    view = form()
    del view["submit"]
    with pytest.raises(SlackApiError) as caught:
        await client.views_open(trigger_id=sandbox.workspace.issue_trigger("U0A"), view=view)
    assert "must define submit" in str(caught.value.response["response_metadata"])


async def test_thread_reply_is_stored_and_delivered_as_a_message_event(
    sandbox: SlackSandbox, client: AsyncWebClient, received: list[dict[str, Any]]
) -> None:
    """The reply is kept in the channel under its parent, and the app gets a signed
    `event_callback` whose `message` event names the thread and the parent's author."""
    parent = await client.chat_postMessage(channel=CHANNEL, text="a sample")
    delivery = await sandbox.post_thread_reply(CHANNEL, parent["ts"], "note: hi", user="U0GUS")
    assert delivery is not None and delivery.status == 200
    assert delivery.payload["type"] == "event_callback"
    assert delivery.payload["authorizations"][0]["user_id"] == sandbox.bot_user_id
    await sandbox.wait_for(lambda: bool(received))  # Bolt acks before its listener runs
    (event,) = received
    assert event["type"] == "message" and "subtype" not in event
    assert (event["text"], event["user"], event["channel"]) == ("note: hi", "U0GUS", CHANNEL)
    assert event["thread_ts"] == parent["ts"] and event["parent_user_id"] == sandbox.bot_user_id
    assert event["ts"] != parent["ts"] and event["channel_type"] == "channel"
    reply = sandbox.messages(CHANNEL)[-1]
    assert (reply.thread_ts, reply.user, reply.bot_id) == (parent["ts"], "U0GUS", None)


async def test_no_event_from_a_channel_the_bot_is_not_in(
    sandbox: SlackSandbox, received: list[dict[str, Any]]
) -> None:
    """Slack sends channel message events only where the bot is a member."""
    parent = sandbox.post_user_message("C0OTHER", "elsewhere")
    assert await sandbox.post_thread_reply("C0OTHER", parent.ts, "note: x") is None
    assert received == []
    with pytest.raises(LookupError):
        await sandbox.post_thread_reply(CHANNEL, "1.000001", "note: no parent")

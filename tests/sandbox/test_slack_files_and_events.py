"""The Slack sandbox's files upload v2 (through slack_sdk's `files_upload_v2`) and its Events
API driver (a signed `app_home_opened` reaching a real Bolt app)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox import SlackSandbox

CHANNEL = "C0FEEDBACK"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture
async def sandbox() -> AsyncIterator[SlackSandbox]:
    async with SlackSandbox(channels=(CHANNEL, "C0OTHER")) as sandbox:
        yield sandbox


@pytest.fixture
def client(sandbox: SlackSandbox) -> AsyncWebClient:
    return AsyncWebClient(token=sandbox.bot_token, base_url=sandbox.api_url)


async def error_of(call: Any) -> str:
    with pytest.raises(SlackApiError) as caught:
        await call
    return str(caught.value.response["error"])


async def test_files_upload_v2_delivers_the_bytes_and_shares_them(
    sandbox: SlackSandbox, client: AsyncWebClient
) -> None:
    """files_upload_v2 takes three steps; the file keeps its bytes and is shared with its comment."""
    response = await client.files_upload_v2(
        channel=CHANNEL,
        file=PNG,
        filename="chart.png",
        title="👍 share by model",
        alt_txt="bar chart",
        initial_comment="This week's chart",
    )
    assert [c.method for c in sandbox.calls] == [
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]
    assert sandbox.calls[0].args["length"] == str(len(PNG))
    [uploaded] = sandbox.files()
    assert uploaded.data == PNG and uploaded.length == len(PNG)
    assert (uploaded.filename, uploaded.title, uploaded.alt_txt) == (
        "chart.png",
        "👍 share by model",
        "bar chart",
    )
    assert (uploaded.mimetype, uploaded.filetype, uploaded.channels) == (
        "image/png",
        "png",
        (CHANNEL,),
    )
    assert response["file"]["id"] == uploaded.id and response["file"]["size"] == len(PNG)
    [message] = sandbox.messages(CHANNEL)
    assert message.text == "This week's chart" and message.ts == uploaded.message_ts[0]
    assert message.user == sandbox.bot_user_id


async def test_upload_in_a_thread_and_without_a_channel(
    sandbox: SlackSandbox, client: AsyncWebClient
) -> None:
    """thread_ts makes the share a reply; no channel keeps the file private (no message)."""
    parent = await client.chat_postMessage(channel=CHANNEL, text="digest")
    await client.files_upload_v2(
        channel=CHANNEL, thread_ts=parent["ts"], content="a", filename="a.txt"
    )
    await client.files_upload_v2(content="b", filename="b.txt")
    threaded, private = sandbox.files()
    assert threaded.thread_ts == parent["ts"] and threaded.filetype == "txt"
    assert private.channels == () and private.message_ts == ()
    assert [m.thread_ts for m in sandbox.messages(CHANNEL)] == [None, parent["ts"]]


async def test_get_upload_url_checks_its_arguments(client: AsyncWebClient) -> None:
    """Missing filename or length, a length that is not a positive integer and a long alt text
    are refused with Slack's error names."""
    assert await error_of(client.api_call("files.getUploadURLExternal", params={"length": 3})) == (
        "invalid_arguments"
    )
    for length in ("", "abc", "0"):
        call = client.api_call(
            "files.getUploadURLExternal", params={"filename": "a", "length": length}
        )
        assert await error_of(call) == "invalid_arguments"
    long_alt = client.files_getUploadURLExternal(filename="a", length=1, alt_txt="x" * 1001)
    assert await error_of(long_alt) == "alt_txt_too_large"


async def test_upload_url_takes_exactly_the_declared_bytes_once(
    sandbox: SlackSandbox, client: AsyncWebClient
) -> None:
    """The upload URL refuses a wrong length, a second upload and an unknown ticket; a
    multipart form is accepted like raw bytes."""
    ticket = await client.files_getUploadURLExternal(filename="a.bin", length=3)
    url = str(ticket["upload_url"])
    assert url.startswith(sandbox.base_url + "/upload/v1/")
    async with aiohttp.ClientSession() as http:
        async with http.post(url, data=b"ab") as short:
            assert short.status == 400 and "issued for 3 bytes" in await short.text()
        form = aiohttp.FormData()
        form.add_field("file", b"abc", filename="a.bin")
        async with http.post(url, data=form) as fine:
            assert (fine.status, await fine.text()) == (200, "OK - 3")
            assert fine.content_type == "text/plain"
        async with http.post(url, data=b"abc") as again:
            assert again.status == 400
        async with http.post(url + "x", data=b"abc") as stranger:
            assert stranger.status == 404


async def test_complete_refuses_unknown_unsent_or_completed_files(
    sandbox: SlackSandbox, client: AsyncWebClient
) -> None:
    """file_not_found for a ticket never issued, bytes never sent, or completed already."""
    assert await error_of(client.files_completeUploadExternal(files=[{"id": "F0NOSUCH"}])) == (
        "file_not_found"
    )
    unsent = await client.files_getUploadURLExternal(filename="a", length=1)
    complete = client.files_completeUploadExternal(files=[{"id": unsent["file_id"]}])
    assert await error_of(complete) == "file_not_found"
    await client.files_upload_v2(channel=CHANNEL, content="x", filename="x.txt")
    done = sandbox.files()[0].id
    again = client.files_completeUploadExternal(files=[{"id": done}], channel_id=CHANNEL)
    assert await error_of(again) == "file_not_found"
    missing = client.api_call("files.completeUploadExternal", params={"channel_id": CHANNEL})
    assert await error_of(missing) == "invalid_arguments"


async def test_complete_checks_the_channel(sandbox: SlackSandbox, client: AsyncWebClient) -> None:
    """An unknown channel is channel_not_found; one the bot is not in is not_in_channel."""
    assert await error_of(client.files_upload_v2(channel="C0NOPE", content="x", filename="x")) == (
        "channel_not_found"
    )
    sandbox.member_of = {CHANNEL}
    assert await error_of(client.files_upload_v2(channel="C0OTHER", content="x", filename="x")) == (
        "not_in_channel"
    )
    assert sandbox.files() == [] and sandbox.messages("C0OTHER") == []


# --- Events API: app_home_opened --------------------------------------------------------------


@pytest.fixture
async def bolt(sandbox: SlackSandbox) -> AsyncIterator[tuple[AsyncApp, list[dict[str, Any]]]]:
    """A Bolt app on loopback that publishes a Home tab whenever one is opened."""
    app = AsyncApp(
        client=AsyncWebClient(token=sandbox.bot_token, base_url=sandbox.api_url),
        signing_secret=sandbox.signing_secret,
    )
    seen: list[dict[str, Any]] = []

    @app.event("app_home_opened")
    async def home(event: dict[str, Any], client: AsyncWebClient) -> None:
        seen.append(event)
        blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": f"hi <@{event['user']}>"}}]
        await client.views_publish(user_id=event["user"], view={"type": "home", "blocks": blocks})

    runner = web.AppRunner(app.web_app())
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    sandbox.events_url = f"http://{host}:{port}/slack/events"
    yield app, seen
    await runner.cleanup()


async def test_open_home_sends_a_signed_app_home_opened_event(
    sandbox: SlackSandbox, bolt: tuple[AsyncApp, list[dict[str, Any]]]
) -> None:
    """Bolt verifies the event_callback's signature, runs its listener, which publishes a view;
    the second opening carries the published view, as Slack's does."""
    _, seen = bolt
    first = await sandbox.open_home("U0ALICE")
    assert first.status == 200 and first.error is None
    assert first.payload["type"] == "event_callback" and first.payload["event"]["tab"] == "home"
    await sandbox.wait_for(lambda: sandbox.home("U0ALICE") is not None)
    assert "view" not in seen[0] and seen[0]["channel"].startswith("D")
    await sandbox.open_home("U0ALICE")
    await sandbox.wait_for(lambda: len(seen) == 2)
    view = seen[1]["view"]
    home = sandbox.home("U0ALICE")
    assert home is not None and view["id"] == home.id and view["type"] == "home"


async def test_events_with_a_wrong_secret_are_refused(
    sandbox: SlackSandbox, bolt: tuple[AsyncApp, list[dict[str, Any]]]
) -> None:
    """A forged event never reaches the listener: Bolt answers 401."""
    _, seen = bolt
    sandbox.driver.signing_secret = "not-the-secret"
    result = await sandbox.open_home("U0ALICE")
    assert (result.status, result.error) == (401, "dispatch_failed")
    await asyncio.sleep(0)  # let any (wrongly) started listener run before looking
    assert seen == []

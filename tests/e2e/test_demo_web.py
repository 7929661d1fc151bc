"""The sandbox page's HTTP side, without a browser: its files, JSON endpoints and event stream."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot import ids
from bot.demo import CHANNEL, DemoStack
from bot.demo_walkthrough import log_id_of, status_line


@pytest.fixture
async def demo() -> AsyncIterator[DemoStack]:
    async with DemoStack(seed_logs=200) as stack:
        await stack.serve_page("127.0.0.1", 0)
        yield stack


@pytest.fixture
async def page(demo: DemoStack) -> AsyncIterator[httpx.AsyncClient]:
    assert demo.page is not None
    async with httpx.AsyncClient(base_url=demo.page.url, timeout=10) as client:
        yield client


async def state(page: httpx.AsyncClient, user: str = "U0DANA") -> dict[str, Any]:
    response = await page.get("/api/state", params={"user": user})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def sample(page: httpx.AsyncClient, demo: DemoStack, count: int) -> None:
    response = await page.post(
        "/api/slash", json={"user": "U0DANA", "text": f"/aig sample {count}"}
    )
    assert response.status_code == 200 and response.json()["error"] is None
    await demo.slack.wait_for(lambda: len(demo.slack.messages(CHANNEL)) >= count, timeout=20)


async def test_page_and_its_files_are_served_with_a_strict_policy(page: httpx.AsyncClient) -> None:
    """`/` and its scripts are served with a CSP that forbids inline and foreign scripts."""
    index = await page.get("/")
    assert index.status_code == 200 and index.headers["content-type"].startswith("text/html")
    assert "/static/blockkit.js" in index.text and "/static/app.js" in index.text
    assert "script-src 'self'" in index.headers["content-security-policy"]
    for name, kind in (("app.js", "text/javascript"), ("style.css", "text/css")):
        asset = await page.get(f"/static/{name}")
        assert asset.status_code == 200 and asset.headers["content-type"].startswith(kind)
    assert (await page.get("/static/..%2Fweb.py")).status_code == 404
    assert (await page.get("/static/secret.txt")).status_code == 404


async def test_slash_command_from_the_page_posts_samples_and_a_private_ack(
    page: httpx.AsyncClient, demo: DemoStack
) -> None:
    """`/aig sample 2` typed on the page reaches the bot signed; two posts and dana's ack show."""
    await sample(page, demo, 2)
    dana = await state(page, "U0DANA")
    posts = [item for item in dana["timeline"] if item["kind"] == "message"]
    assert len(posts) == 2 and all(item["is_bot"] for item in posts)
    acks = [item for item in dana["timeline"] if item["kind"] == "ephemeral"]
    assert any("Posting 2 samples" in item["text"] for item in acks)
    sam = await state(page, "U0SAM")
    assert [item for item in sam["timeline"] if item["kind"] == "ephemeral"] == []
    assert {t["id"] for t in dana["teammates"]} == {"U0DANA", "U0SAM", "U0ALEX"}
    assert dana["users"]["U0SAM"] == "sam"


async def test_click_from_the_page_patches_confirms_and_edits_the_message(
    page: httpx.AsyncClient, demo: DemoStack
) -> None:
    """👍 clicked on the page: PATCH feedback 1 → GET → edit; the panel lists those calls."""
    await sample(page, demo, 1)
    message = demo.slack.messages(CHANNEL)[0]
    log_id = log_id_of(message.blocks)
    response = await page.post(
        "/api/click",
        json={
            "user": "U0SAM",
            "ts": message.ts,
            "action_id": ids.VOTE_UP,
            "value": log_id,
            "label": "👍 Good",
        },
    )
    assert response.status_code == 200 and response.json()["status"] == 200
    await demo.slack.wait_for(
        lambda: "saved ✓ verified" in status_line(demo.slack.message(CHANNEL, message.ts).blocks),
        timeout=10,
    )
    assert demo.gateway.feedback_of(log_id) == 1
    shown = await state(page, "U0SAM")
    edited = next(item for item in shown["timeline"] if item["ts"] == message.ts)
    assert edited["edits"] >= 1 and "<@U0SAM>" in json.dumps(edited["blocks"])
    web = demo.page
    assert web is not None
    await demo.slack.wait_for(
        lambda: any(row.title == f"GET /logs/{log_id}" for row in web.feed.rows), timeout=5
    )
    rows = (await state(page, "U0SAM"))["activity"]
    patch = next(r for r in rows if r["source"] == "gateway" and r["title"].startswith("PATCH"))
    assert patch["log_id"] == log_id and patch["body"] == {"feedback": 1}
    assert patch["status"] == 200 and patch["note"] == "feedback now 1"
    assert any(r["source"] == "page" and "U0SAM clicked 👍 Good" in r["title"] for r in rows)


async def test_event_stream_announces_each_change(page: httpx.AsyncClient, demo: DemoStack) -> None:
    """`/api/events` sends the current version at once, then a higher one after a change."""
    async with asyncio.timeout(15), page.stream("GET", "/api/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        versions = _versions(stream.aiter_lines())
        first = await anext(versions)
        posted = await page.post("/api/slash", json={"user": "U0ALEX", "text": "hello team"})
        assert posted.status_code == 200
        assert await anext(versions) > first


async def _versions(lines: AsyncIterator[str]) -> AsyncIterator[int]:
    async for line in lines:
        if line.startswith("data: "):
            yield int(line.removeprefix("data: "))


async def test_text_typed_on_the_page_is_escaped_as_slack_does(
    page: httpx.AsyncClient, demo: DemoStack
) -> None:
    """A message typed on the page is stored with &, < and > escaped, so it can't be markup."""
    text = "<b>hi</b> & <@U0SAM> <script>alert(1)</script>"
    response = await page.post("/api/slash", json={"user": "U0ALEX", "text": text})
    assert response.status_code == 200
    [message] = demo.slack.messages(CHANNEL)
    assert message.user == "U0ALEX"
    assert message.text == (
        "&lt;b&gt;hi&lt;/b&gt; &amp; &lt;@U0SAM&gt; &lt;script&gt;alert(1)&lt;/script&gt;"
    )


async def test_malformed_and_cross_site_requests_are_refused(
    page: httpx.AsyncClient, demo: DemoStack
) -> None:
    """Form posts, bad user IDs, unknown commands and unknown messages get clear errors."""
    form = await page.post("/api/slash", data={"user": "U0DANA", "text": "/aig help"})
    assert form.status_code == 415
    bad_user = await page.post("/api/slash", json={"user": "<script>", "text": "/aig help"})
    assert bad_user.status_code == 400
    unknown = await page.post("/api/slash", json={"user": "U0DANA", "text": "/deploy prod"})
    assert (
        unknown.status_code == 400 and "/deploy is not a valid command" in unknown.json()["error"]
    )
    missing = await page.post(
        "/api/click",
        json={"user": "U0DANA", "ts": "1.000001", "action_id": ids.VOTE_UP},
    )
    assert missing.status_code == 404
    assert (await page.get("/api/state", params={"user": "x"})).status_code == 400
    assert demo.slack.calls_to("chat.postMessage") == []


async def test_modals_and_app_home_that_the_bot_opens_are_shown(
    page: httpx.AsyncClient, demo: DemoStack
) -> None:
    """A modal opened with views.open shows until closed on the page; a published Home shows."""
    client = AsyncWebClient(token=demo.slack.bot_token, base_url=demo.slack.api_url)
    trigger = demo.slack.workspace.issue_trigger("U0DANA")
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "*Why* was it bad?"}}
    opened = await client.views_open(
        trigger_id=trigger,
        view={
            "type": "modal",
            "title": {"type": "plain_text", "text": "Tell us more"},
            "blocks": [section],
        },
    )
    await client.views_publish(user_id="U0DANA", view={"type": "home", "blocks": [section]})
    shown = await state(page, "U0DANA")
    assert [m["title"] for m in shown["modals"]] == ["Tell us more"]
    assert shown["home"]["blocks"][0]["text"]["text"] == "*Why* was it bad?"
    assert (await state(page, "U0SAM"))["modals"] == []
    view_id = opened["view"]["id"]
    closed = await page.post(f"/api/views/{view_id}/close", json={"user": "U0DANA"})
    assert closed.status_code == 200
    assert (await state(page, "U0DANA"))["modals"] == []


async def test_opening_the_home_tab_sends_app_home_opened(
    page: httpx.AsyncClient, demo: DemoStack
) -> None:
    """Opening the Home tab on the page delivers a signed `app_home_opened` for that person."""
    response = await page.post("/api/home/open", json={"user": "U0ALEX"})
    assert response.status_code == 200 and response.json()["status"] != 0
    rows = (await state(page, "U0ALEX"))["activity"]
    assert any(r["source"] == "page" and r["title"] == "U0ALEX opened the App Home" for r in rows)


async def _reason_view(page: httpx.AsyncClient, demo: DemoStack, user: str) -> tuple[str, str]:
    """Clicks 👎 on a fresh sample as `user` and returns (message ts, the "Why 👎?" view id)."""
    await sample(page, demo, 1)
    message = demo.slack.messages(CHANNEL)[0]
    clicked = await page.post(
        "/api/click",
        json={
            "user": user,
            "ts": message.ts,
            "action_id": ids.VOTE_DOWN,
            "value": log_id_of(message.blocks),
            "label": "👎 Bad",
        },
    )
    assert clicked.status_code == 200 and clicked.json()["status"] == 200
    await demo.slack.wait_for(
        lambda: any(v.type == "modal" and not v.closed for v in demo.slack.views(user)),
        timeout=5,
    )
    [modal] = (await state(page, user))["modals"]
    assert modal["title"] == "Why 👎?" and modal["submit"] == "Save"
    return message.ts, str(modal["id"])


async def test_reason_modal_submitted_from_the_page_closes_and_shows_on_the_sample(
    page: httpx.AsyncClient, demo: DemoStack
) -> None:
    """Save in "Why 👎?" sends a view_submission; the modal closes and the card counts it."""
    ts, view_id = await _reason_view(page, demo, "U0SAM")
    inputs = {ids.REASON_CATEGORY: "wrong", ids.REASON_NOTE: "Quotes a policy we don't have"}
    response = await page.post(
        f"/api/views/{view_id}/submit", json={"user": "U0SAM", "inputs": inputs}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["closed"] is True and body["errors"] == {} and body["error"] is None
    assert (await state(page, "U0SAM"))["modals"] == []
    await demo.slack.wait_for(
        lambda: "📝 1 reason" in _text(demo.slack.message(CHANNEL, ts).blocks), timeout=10
    )
    shown = _text(demo.slack.message(CHANNEL, ts).blocks)
    assert "wrong" in shown and "Quotes a policy we don't have" in shown
    rows = (await state(page, "U0SAM"))["activity"]
    assert any(r["source"] == "page" and r["title"] == "U0SAM submitted Why 👎?" for r in rows)


async def test_reason_modal_submission_without_a_reason_is_refused(
    page: httpx.AsyncClient, demo: DemoStack
) -> None:
    """Like Slack's client, the page can't submit "Why 👎?" without its required reason, nor
    an option it does not offer; the modal stays open."""
    _, view_id = await _reason_view(page, demo, "U0SAM")
    submit = f"/api/views/{view_id}/submit"
    missing = await page.post(
        submit, json={"user": "U0SAM", "inputs": {ids.REASON_NOTE: "no category"}}
    )
    assert missing.status_code == 400 and "required" in missing.json()["error"]
    unknown = await page.post(
        submit, json={"user": "U0SAM", "inputs": {ids.REASON_CATEGORY: "not-an-option"}}
    )
    assert unknown.status_code == 400 and "offers no option" in unknown.json()["error"]
    malformed = await page.post(submit, json={"user": "U0SAM", "inputs": {"x": 1}})
    assert malformed.status_code == 400
    gone = await page.post("/api/views/V0NOPE/submit", json={"user": "U0SAM", "inputs": {}})
    assert gone.status_code == 400 and "no modal" in gone.json()["error"]
    assert len((await state(page, "U0SAM"))["modals"]) == 1


def _text(blocks: object) -> str:
    return json.dumps(blocks, ensure_ascii=False)

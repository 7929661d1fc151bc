"""The sandbox page in a real browser: a person samples, rates, switches teammate, reads."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.demo import CHANNEL, DemoStack
from bot.demo_walkthrough import log_id_of

VIEWPORT = {"width": 1440, "height": 900}


async def open_page(browser: Any, demo: DemoStack) -> tuple[Any, list[str]]:
    from playwright.async_api import expect

    assert demo.page is not None
    page = await browser.new_page(viewport=VIEWPORT)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(demo.page.url)
    await expect(page.locator("#live")).to_have_text("● live")
    return page, errors


async def test_a_person_samples_and_rates_in_the_browser(
    browser: Any, demo: DemoStack, artifacts: Path
) -> None:
    """`/aig sample 2` from the box, 👍 as dana: the message is edited in place with the tally
    and "saved ✓ verified", the panel shows the PATCH; sam's 👎 then joins the tally."""
    from playwright.async_api import expect

    page, errors = await open_page(browser, demo)
    await page.get_by_label("Message or slash command").fill("/aig sample 2")
    await page.keyboard.press("Enter")
    posts = page.locator('article.msg[data-kind="message"]')
    await expect(posts).to_have_count(2, timeout=20_000)
    await expect(page.locator("article.ephemeral")).to_contain_text("Only visible to you")
    await expect(page.locator("article.ephemeral")).to_contain_text("Posting 2 samples")
    log_id = log_id_of(demo.slack.messages(CHANNEL)[0].blocks)
    first = posts.first
    await expect(first).to_contain_text(log_id)
    await expect(first).to_contain_text("No votes yet")

    await first.get_by_role("button", name="👍 Good").click()
    await expect(first).to_contain_text("saved ✓ verified", timeout=10_000)
    await expect(first).to_contain_text("👍 1 · 👎 0 — @dana 👍")
    await expect(first).to_contain_text("(edited)")
    patch = page.locator("#activity .row.gateway", has_text=f"/logs/{log_id}").filter(
        has_text="PATCH"
    )
    await expect(patch).to_contain_text('{"feedback":1}')
    await expect(patch).to_contain_text("200")
    assert demo.gateway.feedback_of(log_id) == 1
    await first.scroll_into_view_if_needed()
    await page.screenshot(path=str(artifacts / "sandbox-page.png"))

    await page.get_by_label("Acting as").select_option("U0SAM")
    await expect(page.locator("article.ephemeral")).to_have_count(0)  # dana's, not sam's
    await posts.first.get_by_role("button", name="👎 Bad").click()
    await expect(posts.first).to_contain_text("👍 1 · 👎 1", timeout=10_000)
    await expect(posts.first).to_contain_text("@sam 👎")
    await page.screenshot(path=str(artifacts / "sandbox-page-two-raters.png"))
    assert errors == []


async def test_block_kit_and_mrkdwn_render_safely(
    browser: Any, demo: DemoStack, artifacts: Path
) -> None:
    """Every block type and mrkdwn form the bot uses renders; markup in text stays text."""
    from playwright.async_api import expect

    assert demo.page is not None
    page, errors = await open_page(browser, demo)
    client = AsyncWebClient(token=demo.slack.bot_token, base_url=demo.slack.api_url)
    text = (
        "*bold* _italic_ ~struck~ `code` snake_case_name <@U0SAM> <#C0FEEDBACK> "
        "<!date^1700049600^{date_num}|Nov 15> <https://example.com/a?b=1&amp;c=2|a link> "
        "<javascript:alert(1)|not a link> &lt;b&gt;not bold&lt;/b&gt; "
        "<script>window.__xss = 1</script>\n&gt; quoted\n```<img src=x onerror=window.__xss=2>```"
    )
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Rendering <check>"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": "*Model*\ngpt-4o"},
                {"type": "plain_text", "text": "*not bold* in plain text"},
            ],
        },
        {"type": "divider"},
        {
            "type": "image",
            "image_url": f"{demo.page.url}/static/missing.png",
            "alt_text": "a chart",
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "small print"}]},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": "go",
                    "style": "primary",
                    "text": {"type": "plain_text", "text": "Go"},
                },
                {"type": "overflow", "action_id": "more", "options": []},
            ],
        },
    ]
    await client.chat_postMessage(channel=CHANNEL, text="rendering check", blocks=blocks)
    message = page.locator('article.msg[data-kind="message"]').last
    await expect(message.locator(".bk-header")).to_have_text("Rendering <check>")
    await expect(message.locator("b").first).to_have_text("bold")
    await expect(message.locator("i").first).to_have_text("italic")
    await expect(message.locator("s")).to_have_text("struck")
    await expect(message.locator("code.inline-code")).to_have_text("code")
    await expect(message.locator(".mention").first).to_have_text("@sam")
    await expect(message.locator(".mention.channel")).to_have_text("#ai-feedback")
    await expect(message.locator("time.date")).to_have_text("2023-11-15")
    link = message.locator("a.link")
    await expect(link).to_have_count(1)
    await expect(link).to_have_attribute("href", "https://example.com/a?b=1&c=2")
    await expect(message).to_contain_text("snake_case_name")
    await expect(message).to_contain_text("not a link")
    await expect(message).to_contain_text("<b>not bold</b>")
    await expect(message.locator(".quote")).to_have_text("quoted")
    await expect(message.locator("pre")).to_have_text("<img src=x onerror=window.__xss=2>")
    await expect(message.locator(".bk-fields")).to_contain_text("*not bold* in plain text")
    await expect(message.locator(".img-missing")).to_have_text("🖼 a chart")
    await expect(message.locator(".bk-button.primary")).to_have_text("Go")
    await expect(message.locator(".bk-unsupported")).to_contain_text("overflow")
    assert await page.locator("script:not([src])").count() == 0
    assert await page.locator("img[src='x']").count() == 0
    assert await page.evaluate("window.__xss") is None
    await message.scroll_into_view_if_needed()
    await page.screenshot(path=str(artifacts / "sandbox-rendering.png"))
    assert errors == []


async def test_modals_and_the_app_home_show_what_the_bot_opened(
    browser: Any, demo: DemoStack, artifacts: Path
) -> None:
    """A views.open modal overlays the page until closed; a published Home shows on its tab."""
    from playwright.async_api import expect

    page, errors = await open_page(browser, demo)
    client = AsyncWebClient(token=demo.slack.bot_token, base_url=demo.slack.api_url)
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "*Your* reviews this week"}}
    await client.views_publish(user_id="U0DANA", view={"type": "home", "blocks": [section]})
    await client.views_open(
        trigger_id=demo.slack.workspace.issue_trigger("U0DANA"),
        view={
            "type": "modal",
            "title": {"type": "plain_text", "text": "Why 👎?"},
            "close": {"type": "plain_text", "text": "Cancel"},
            "blocks": [section],
        },
    )
    dialog = page.get_by_role("dialog", name="Why 👎?")
    await expect(dialog).to_contain_text("Your reviews this week")
    await dialog.get_by_role("button", name="Cancel").click()
    await expect(dialog).to_have_count(0)
    await page.get_by_role("button", name="aig-feedback · Home").click()
    await expect(page.locator("#composer")).to_be_hidden()
    opened = page.locator("#activity .row.page", has_text="U0DANA opened the App Home")
    await expect(opened).to_have_count(1)
    # The bot may answer app_home_opened by publishing its own Home over the one above; either
    # way the tab must end up showing the Home the sandbox holds now.
    await home_shown(page, demo, "U0DANA")
    await page.screenshot(path=str(artifacts / "sandbox-home.png"))
    assert errors == []


async def home_shown(page: Any, demo: DemoStack, user: str) -> None:
    """Waits (bounded) until the Home tab renders as many blocks as the user's current Home."""
    blocks = page.locator("#home > :not(.empty)")
    for _ in range(200):
        home = demo.slack.home(user)
        if home is not None and await blocks.count() == len(home.blocks):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the Home tab never showed {user}'s Home: {demo.slack.home(user)}")


async def test_the_reason_modal_is_filled_in_and_submitted_in_the_browser(
    browser: Any, demo: DemoStack, artifacts: Path
) -> None:
    """👎 opens "Why 👎?"; Save without a reason is refused in the dialog, then a reason and a
    note are saved: the dialog closes and the sample shows the reason."""
    from playwright.async_api import expect

    page, errors = await open_page(browser, demo)
    await page.get_by_label("Message or slash command").fill("/aig sample 1")
    await page.keyboard.press("Enter")
    post = page.locator('article.msg[data-kind="message"]').first
    await expect(post).to_contain_text("No votes yet", timeout=20_000)
    await post.get_by_role("button", name="👎 Bad").click()
    dialog = page.get_by_role("dialog", name="Why 👎?")
    await expect(dialog).to_contain_text("Main reason", timeout=10_000)
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog.locator(".modal-error")).to_contain_text("required")
    await dialog.get_by_role("radio", name="Wrong or hallucinated").check()
    await dialog.locator("textarea").fill("Quotes a <b>policy</b> we don't have")
    await page.screenshot(path=str(artifacts / "sandbox-reason-modal.png"))
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_have_count(0, timeout=10_000)
    await expect(post).to_contain_text("📝 1 reason", timeout=10_000)
    await expect(post).to_contain_text("Quotes a <b>policy</b> we don't have")
    submitted = page.locator("#activity .row.page", has_text="U0DANA submitted Why 👎?")
    await expect(submitted).to_have_count(1)
    assert errors == []

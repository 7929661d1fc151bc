"""The modals' rendering: the reason form and "Show full", within Slack's view limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from bot import ids
from bot.cards import Card
from bot.config import DEFAULT_REASON_CATEGORIES
from bot.excerpts import EMPTY, NOT_STORED, FullText
from bot.modals import (
    CHUNK,
    MAX_CHUNKS,
    VIEW_BUDGET,
    full_log_error_view,
    full_log_loading_view,
    full_log_view,
    reason_view,
)
from bot.sandbox._blockkit import VIEW_MAX_BLOCKS, check_blocks

LOG_ID = "01JADMCQQQBWH3NXZ5GCRN98DP"
CARD = Card(log_id=LOG_ID, created_at=datetime(2026, 11, 27, tzinfo=UTC), model="gpt-4o-mini")


def assert_valid_modal(view: dict[str, Any]) -> None:
    """What Slack checks on views.open: 100 blocks, Block Kit limits, title, metadata, size."""
    assert view["type"] == "modal"
    assert check_blocks(view["blocks"], max_blocks=VIEW_MAX_BLOCKS) == []
    for key in ("title", "submit", "close"):
        if key in view:
            assert view[key]["type"] == "plain_text" and 0 < len(view[key]["text"]) <= 24
    assert len(view.get("private_metadata", "")) <= 3000
    assert len(json.dumps(view)) <= 250_000
    if any(b["type"] == "input" for b in view["blocks"]):
        assert "submit" in view


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The view's input blocks by block_id."""
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


def code_text(view: dict[str, Any], header: str, sep: str = "\n") -> str:
    """The code under `header`, fences removed and chunks joined (a chunk ends at a line break,
    which is not repeated in it, unless a line was longer), still mrkdwn-escaped."""
    chunks, inside = [], False
    for block in view["blocks"]:
        if block["type"] == "header":
            inside = block["text"]["text"] == header
        elif inside and block["type"] == "section" and block["text"]["text"].startswith("```"):
            chunks.append(block["text"]["text"][4:-4])
    return sep.join(chunks)


# -- the reason form ---------------------------------------------------------------------------


def test_thumbs_down_form_requires_a_category() -> None:
    """After a 👎 the category is required, the note optional; metadata names log and vote."""
    view = reason_view(LOG_ID, -1, DEFAULT_REASON_CATEGORIES)
    assert_valid_modal(view)
    assert view["callback_id"] == ids.REASON_VIEW and view["title"]["text"] == "Why 👎?"
    category, note = inputs(view)[ids.REASON_CATEGORY_BLOCK], inputs(view)[ids.REASON_NOTE_BLOCK]
    assert category["optional"] is False and note["optional"] is True
    assert category["element"]["type"] == "radio_buttons"
    assert category["element"]["action_id"] == ids.REASON_CATEGORY
    assert [o["value"] for o in category["element"]["options"]] == [
        "wrong",
        "unsafe",
        "unhelpful",
        "formatting",
        "slow",
        "other",
    ]
    assert note["element"]["action_id"] == ids.REASON_NOTE and note["element"]["multiline"]
    assert json.loads(view["private_metadata"]) == {"log_id": LOG_ID, "vote": -1}


@pytest.mark.parametrize("vote", [1, None])
def test_note_form_makes_the_category_optional(vote: int | None) -> None:
    """After a 👍 (or with no vote) the same form asks for a note; nothing is required."""
    view = reason_view(LOG_ID, vote, DEFAULT_REASON_CATEGORIES)
    assert_valid_modal(view)
    assert view["title"]["text"] == "Add a note"
    assert all(block["optional"] for block in inputs(view).values())
    assert json.loads(view["private_metadata"])["vote"] == vote


def test_configured_categories_are_clipped_to_slacks_limits() -> None:
    """Up to 10 options of at most 75 characters, whatever the configuration says."""
    categories = tuple((f"k{i}", "L" * 90) for i in range(12))
    view = reason_view(LOG_ID, -1, categories)
    assert_valid_modal(view)
    options = inputs(view)[ids.REASON_CATEGORY_BLOCK]["element"]["options"]
    assert len(options) == 10 and all(len(o["text"]["text"]) == 75 for o in options)


# -- "Show full" -------------------------------------------------------------------------------


def test_loading_and_error_views_are_valid_modals() -> None:
    """The view opened at once and the one shown on a gateway failure are valid and closable."""
    for view in (full_log_loading_view(LOG_ID), full_log_error_view(LOG_ID, "down <now>")):
        assert_valid_modal(view)
        assert view["callback_id"] == ids.FULL_LOG_VIEW and "submit" not in view
    assert "down &lt;now&gt;" in json.dumps(full_log_error_view(LOG_ID, "down <now>"))


def test_a_long_response_is_shown_whole_in_chunks() -> None:
    """A 20,000-character response is split into sections of at most CHUNK characters at line
    breaks, and joining them gives back every character."""
    lines = [f"line {n}: " + "word " * (n % 17) for n in range(400)]
    answer = "\n".join(lines)
    view = full_log_view(LOG_ID, CARD, FullText("the prompt"), FullText(answer))
    assert_valid_modal(view)
    assert code_text(view, "Response") == answer
    assert code_text(view, "Prompt") == "the prompt"
    texts = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]
    codes = [text for text in texts if text.startswith("```")]
    assert all(len(text) <= CHUNK + 8 for text in codes)
    assert all(text.endswith("\n```") and not text[4:-4].startswith("\n") for text in codes)
    assert "✂️" not in json.dumps(view, ensure_ascii=False)
    assert "gpt-4o-mini" in json.dumps(view["blocks"][0])


def test_escaping_never_splits_an_entity_or_closes_the_code_block() -> None:
    """`&`, `<`, `>` are escaped without cutting an entity; backticks cannot end the fence."""
    answer = ("a&b<c>d```e" * 700)[:7000]
    view = full_log_view(LOG_ID, None, FullText("p"), FullText(answer))
    assert_valid_modal(view)
    shown = code_text(view, "Response", sep="")
    assert "```" not in shown
    unescaped = shown.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert unescaped == answer.replace("`", "\u02cb")


def test_an_oversized_text_is_cut_with_a_note() -> None:
    """More than MAX_CHUNKS sections of text: the first ones are shown and a note says it was
    cut; the view stays under 100 blocks and 250 kB."""
    answer = "x" * (CHUNK * (MAX_CHUNKS + 10))
    view = full_log_view(LOG_ID, CARD, FullText("short"), FullText(answer[:69_600], False))
    assert_valid_modal(view)
    codes = [b for b in view["blocks"] if b["type"] == "section" and "```" in b["text"]["text"]]
    assert len(codes) == MAX_CHUNKS
    assert "✂️" in json.dumps(view, ensure_ascii=False) and "dashboard" in json.dumps(view)


def test_sections_are_shared_fairly_between_prompt_and_response() -> None:
    """When both are huge each gets half of the sections; a short one leaves the rest."""
    huge = "y" * (CHUNK * MAX_CHUNKS)
    both = full_log_view(LOG_ID, None, FullText(huge), FullText(huge))
    assert code_text(both, "Prompt").count("\n") + 1 == MAX_CHUNKS // 2
    assert code_text(both, "Response").count("\n") + 1 == MAX_CHUNKS // 2
    short = full_log_view(LOG_ID, None, FullText("q"), FullText(huge))
    assert code_text(short, "Response").count("\n") + 1 == MAX_CHUNKS - 1


def test_heavy_characters_keep_the_view_under_the_size_cap() -> None:
    """Text that grows when JSON-escaped (emoji, quotes) drops sections to stay under 250 kB."""
    heavy = ('😀"\\' * 30_000)[:69_000]
    view = full_log_view(LOG_ID, CARD, FullText(heavy), FullText(heavy))
    assert_valid_modal(view)
    assert len(json.dumps(view)) <= VIEW_BUDGET
    assert "✂️" in json.dumps(view, ensure_ascii=False)


@pytest.mark.parametrize("note", [NOT_STORED, EMPTY])
def test_missing_bodies_are_said_not_shown_as_code(note: str) -> None:
    """A body the gateway did not keep reads "(not stored)" in italics, not as a code block."""
    view = full_log_view(LOG_ID, None, FullText(note), FullText("answer"))
    assert_valid_modal(view)
    assert {"type": "section", "text": {"type": "mrkdwn", "text": f"_{note}_"}} in view["blocks"]
    assert code_text(view, "Response") == "answer"

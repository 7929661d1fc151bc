"""Reading reason submissions and thread replies, validating reasons, and the review bits of a
card: the "Show full" button, the notes line, the note offered after a 👍."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from bot import ids
from bot.blocks import lookup_message, note_prompt_message, note_saved_message, sample_message
from bot.cards import Card
from bot.config import DEFAULT_REASON_CATEGORIES
from bot.notes import NoteSummary, Said
from bot.slack.events import ThreadReply, parse_thread_reply
from bot.slack.payloads import BadPayload
from bot.slack.views import ReasonSubmission, parse_reason_submission, reason_errors
from bot.votes import Tally

LOG_ID = "01JADMCQQQBWH3NXZ5GCRN98DP"
CARD = Card(log_id=LOG_ID, created_at=datetime(2026, 11, 27, tzinfo=UTC))


def submission_body(
    *, category: str | None, text: str | None, metadata: str | None = None
) -> dict[str, Any]:
    """A view_submission payload shaped like Slack's (bolt-python's scenario tests)."""
    option = (
        {"text": {"type": "plain_text", "text": category, "emoji": True}, "value": category}
        if category
        else None
    )
    return {
        "type": "view_submission",
        "team": {"id": "T111", "domain": "acme"},
        "user": {"id": "U0CAROL", "username": "carol", "name": "carol", "team_id": "T111"},
        "api_app_id": "A111",
        "token": "verification-token",
        "trigger_id": "111.222.xxx",
        "view": {
            "id": "V111",
            "team_id": "T111",
            "type": "modal",
            "blocks": [],
            "private_metadata": metadata or json.dumps({"log_id": LOG_ID, "vote": -1}),
            "callback_id": ids.REASON_VIEW,
            "state": {
                "values": {
                    ids.REASON_CATEGORY_BLOCK: {
                        ids.REASON_CATEGORY: {"type": "radio_buttons", "selected_option": option}
                    },
                    ids.REASON_NOTE_BLOCK: {
                        ids.REASON_NOTE: {"type": "plain_text_input", "value": text}
                    },
                }
            },
            "hash": "1596530361.3wRYuk3R",
            "root_view_id": "V111",
            "previous_view_id": None,
            "app_id": "A111",
            "bot_id": "B111",
        },
        "response_urls": [],
        "is_enterprise_install": False,
    }


def sub(vote: int | None, category: str | None, text: str = "") -> ReasonSubmission:
    """A parsed submission."""
    return ReasonSubmission("U1", LOG_ID, vote, category, text)


# -- reason submissions ------------------------------------------------------------------------


def test_submission_is_read_from_state_values_and_private_metadata() -> None:
    """Who, which log and vote, the chosen category and the trimmed note."""
    body = submission_body(category="wrong", text="  made up a policy \n")
    assert parse_reason_submission(body) == ReasonSubmission(
        "U0CAROL", LOG_ID, -1, "wrong", "made up a policy"
    )


def test_empty_inputs_read_as_nothing() -> None:
    """Slack sends null for an untouched radio group and an empty text input."""
    parsed = parse_reason_submission(submission_body(category=None, text=None))
    assert (parsed.category, parsed.text) == (None, "")


@pytest.mark.parametrize(
    "metadata", ["not json", json.dumps({"vote": -1}), json.dumps({"log_id": "a b", "vote": 1})]
)
def test_tampered_private_metadata_is_a_bad_payload(metadata: str) -> None:
    """private_metadata that names no valid log is refused, not stored."""
    with pytest.raises(BadPayload):
        parse_reason_submission(submission_body(category="wrong", text="", metadata=metadata))


@pytest.mark.parametrize(
    ("submission", "block"),
    [
        (sub(-1, None, "text only"), ids.REASON_CATEGORY_BLOCK),
        (sub(-1, "made-up-key"), ids.REASON_CATEGORY_BLOCK),
        (sub(-1, "other"), ids.REASON_NOTE_BLOCK),
        (sub(-1, "wrong", "x" * 3001), ids.REASON_NOTE_BLOCK),
        (sub(1, None, ""), ids.REASON_NOTE_BLOCK),
        (sub(None, None, ""), ids.REASON_NOTE_BLOCK),
    ],
)
def test_bad_submissions_get_an_error_under_the_right_input(
    submission: ReasonSubmission, block: str
) -> None:
    """Each problem is reported under the input that has to change."""
    assert list(reason_errors(submission, DEFAULT_REASON_CATEGORIES)) == [block]


@pytest.mark.parametrize(
    "submission",
    [
        sub(-1, "wrong"),
        sub(-1, "other", "asks for a passport"),
        sub(1, None, "great"),
        sub(1, "slow"),
    ],
)
def test_good_submissions_have_no_errors(submission: ReasonSubmission) -> None:
    """A category (with a note for "other"), or after a 👍 either one, is enough."""
    assert reason_errors(submission, DEFAULT_REASON_CATEGORIES) == {}


# -- thread replies ----------------------------------------------------------------------------


def reply_event(**changes: Any) -> dict[str, Any]:
    """A `message` event for a thread reply, as Slack sends it."""
    event = {
        "client_msg_id": "a8744611",
        "type": "message",
        "text": "note: wrong key",
        "user": "U0GUS",
        "ts": "1700000002.000200",
        "team": "T111",
        "thread_ts": "1700000001.000100",
        "parent_user_id": "U0AIGBOT",
        "channel": "C0FEEDBACK",
        "event_ts": "1700000002.000200",
        "channel_type": "channel",
    }
    event.update(changes)
    return {k: v for k, v in event.items() if v is not None}


def test_a_thread_reply_is_read() -> None:
    """Channel, author, text and both timestamps of a reply."""
    assert parse_thread_reply(reply_event()) == ThreadReply(
        "C0FEEDBACK", "U0GUS", "note: wrong key", "1700000002.000200", "1700000001.000100"
    )


def test_a_reply_also_sent_to_the_channel_still_counts() -> None:
    """`thread_broadcast` replies are replies too."""
    assert parse_thread_reply(reply_event(subtype="thread_broadcast")) is not None


@pytest.mark.parametrize(
    "changes",
    [
        {"thread_ts": None},  # top-level message
        {"thread_ts": "1700000002.000200"},  # the thread's parent itself
        {"bot_id": "B0AIG"},  # a bot, e.g. this one
        {"subtype": "message_changed"},
        {"subtype": "message_deleted"},
        {"user": None},
        {"type": "app_mention"},
    ],
)
def test_other_messages_are_not_replies(changes: dict[str, Any]) -> None:
    """Top-level posts, parents, bots, edits and deletions are ignored."""
    assert parse_thread_reply(reply_event(**changes)) is None


# -- the card ----------------------------------------------------------------------------------


def elements(message: Any, block_id: str) -> list[dict[str, Any]]:
    """The elements of the block with this block_id."""
    (block,) = [b for b in message.blocks if b.get("block_id") == block_id]
    return list(block["elements"])


@pytest.mark.parametrize("render", [sample_message, lookup_message])
def test_every_card_has_a_show_full_button(render: Any) -> None:
    """Samples and lookup cards both carry "Show full", valued with the log ID, after the votes."""
    buttons = elements(render(CARD, Tally()), ids.VOTE_BLOCK)
    assert [b["action_id"] for b in buttons] == [ids.VOTE_UP, ids.VOTE_DOWN, ids.SHOW_FULL]
    assert buttons[-1]["value"] == LOG_ID and buttons[-1]["text"]["text"] == "Show full"


def test_no_notes_line_until_there_are_notes() -> None:
    """A card without reasons or notes has no notes block."""
    for notes in (None, NoteSummary()):
        message = sample_message(CARD, Tally(), notes=notes)
        assert all(b.get("block_id") != ids.NOTES_BLOCK for b in message.blocks)


def test_notes_line_counts_reasons_and_quotes_the_latest() -> None:
    """ "📝 3 reasons: wrong ×2, unsafe ×1 — latest from @U1: “…”" and a notes count."""
    summary = NoteSummary(
        reasons=3,
        notes=1,
        categories=(("wrong", 2), ("unsafe", 1)),
        latest_reason=Said("U0CAROL", "cites <@U0BOSS> & a made-up policy", "wrong"),
        latest_note=Said("U0GUS", "see thread"),
    )
    reasons, notes = (
        e["text"] for e in elements(lookup_message(CARD, Tally(), notes=summary), ids.NOTES_BLOCK)
    )
    assert reasons == (
        "📝 3 reasons: wrong ×2, unsafe ×1 — latest from <@U0CAROL>: "
        "“cites &lt;@U0BOSS&gt; &amp; a made-up policy”"
    )
    assert notes == "💬 1 note — latest from <@U0GUS>: “see thread”"


def test_a_reason_without_text_is_quoted_by_its_category() -> None:
    """When the latest reason has no text its category is shown instead."""
    summary = NoteSummary(
        reasons=1, categories=(("slow", 1),), latest_reason=Said("U1", "", "slow")
    )
    (line,) = (
        e["text"] for e in elements(sample_message(CARD, Tally(), notes=summary), ids.NOTES_BLOCK)
    )
    assert line == "📝 1 reason: slow ×1 — latest from <@U1>: slow"


def test_a_long_note_is_clipped_on_the_card() -> None:
    """A note of thousands of characters is quoted short, on one line."""
    summary = NoteSummary(notes=1, latest_note=Said("U1", "line\n" * 2000))
    (line,) = (
        e["text"] for e in elements(sample_message(CARD, Tally(), notes=summary), ids.NOTES_BLOCK)
    )
    assert len(line) < 300 and "\n" not in line


def test_note_prompt_and_saved_messages() -> None:
    """After a 👍: an "Add a note" button valued with the log ID; after a note: a plain receipt."""
    prompt = note_prompt_message(LOG_ID)
    (button,) = [e for b in prompt.blocks if b["type"] == "actions" for e in b["elements"]]
    assert button["action_id"] == ids.ADD_NOTE and button["value"] == LOG_ID
    assert prompt.text and LOG_ID in prompt.text
    saved = note_saved_message(LOG_ID)
    assert "note" in saved.text and LOG_ID in saved.text

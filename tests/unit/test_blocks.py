"""Block Kit rendering: what each message says, and that it stays valid whatever the input."""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block

from bot import ids
from bot.blocks import (
    Message,
    error_message,
    help_message,
    lookup_message,
    not_allowed_message,
    sample_message,
    sampled_message,
)
from bot.cards import Card
from bot.excerpts import NOT_STORED
from bot.sandbox._blockkit import MESSAGE_MAX_BLOCKS, block_text_length, check_blocks
from bot.votes import SyncState, SyncStatus, Tally

LOG_ID = "01JADMCQQQBWH3NXZ5GCRN98DP"
WHEN = datetime(2025, 3, 10, 14, 5, 9, tzinfo=UTC)

CARD = Card(
    log_id=LOG_ID,
    created_at=WHEN,
    model="gpt-4o-mini",
    provider="openai",
    success=True,
    status_code=200,
    tokens_in=1234,
    tokens_out=None,
    cost=0.000123,
    duration_ms=850,
    prompt="How do I reset my password?",
    response="Go to Settings → Security → Reset.",
    metadata={"team": "support", "beta": True, "tier": 2},
)

# Slack's own markup that the renderer emits on purpose; anything else with < or > is escaped.
OUR_TOKENS = re.compile(r"<!date\^-?\d+\^\{date_short_pretty\} \{time\}\|[^<>|]+>|<[@#][A-Z0-9]+>")
RAW_AMPERSAND = re.compile(r"&(?!amp;|lt;|gt;)")


def texts(value: object) -> Iterator[tuple[str, str]]:
    """(type, text) of every text object inside `value`."""
    if isinstance(value, dict):
        if value.get("type") in ("plain_text", "mrkdwn") and isinstance(value.get("text"), str):
            yield value["type"], value["text"]
        for item in value.values():
            yield from texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from texts(item)


def buttons(message: Message) -> list[dict[str, Any]]:
    """Every button of the message, in order."""
    return [e for b in message.blocks if b["type"] == "actions" for e in b["elements"]]


def block(message: Message, block_id: str) -> dict[str, Any]:
    """The block with `block_id`."""
    return next(b for b in message.blocks if b.get("block_id") == block_id)


def status_line(message: Message) -> str:
    """The status context's text, elements joined."""
    return " | ".join(e["text"] for e in block(message, ids.STATUS_BLOCK)["elements"])


def all_text(message: Message) -> str:
    """Every text in the blocks, joined."""
    return "\n".join(text for _, text in texts(message.blocks))


def assert_valid(message: Message) -> None:
    """Assert Slack would accept `message`, by Block Kit's limits and the SDK's own checks."""
    assert isinstance(message.text, str)
    assert 0 < len(message.text) <= 3000
    assert len(message.blocks) <= MESSAGE_MAX_BLOCKS
    assert check_blocks(message.blocks, max_blocks=MESSAGE_MAX_BLOCKS) == []
    assert block_text_length(message.blocks) <= 11_000
    json.dumps({"text": message.text, "blocks": message.blocks}, ensure_ascii=False).encode()
    block_ids = [b["block_id"] for b in message.blocks if "block_id" in b]
    assert len(block_ids) == len(set(block_ids))
    action_ids = [e["action_id"] for e in buttons(message)]
    assert len(action_ids) == len(set(action_ids))
    for raw in message.blocks:
        parsed = Block.parse(raw)
        assert parsed is not None, raw
        parsed.validate_json()
        if raw["type"] == "header":
            assert len(raw["text"]["text"]) <= 150
        if raw["type"] == "section":
            assert len(raw.get("text", {}).get("text", "")) <= 3000
            assert len(raw.get("fields", [])) <= 10
            assert all(len(f["text"]) <= 2000 for f in raw.get("fields", []))
        if raw["type"] == "context":
            assert len(raw["elements"]) <= 10
            assert all(len(e["text"]) <= 2000 for e in raw["elements"])
    for button in buttons(message):
        assert len(button["text"]["text"]) <= 75
        assert 0 < len(button.get("value", "x")) <= 2000
    for kind, text in [*texts(message.blocks), ("mrkdwn", message.text)]:
        assert text.strip(), "Slack rejects empty text objects"
        if kind == "mrkdwn":
            bare = OUR_TOKENS.sub("", text)
            assert "<" not in bare, text
            assert ">" not in bare, text
            assert not RAW_AMPERSAND.search(text), text


# -- the sample card ---------------------------------------------------------------------------


def test_sample_shows_the_log_details() -> None:
    """The sample card shows model, provider, status, tokens, cost, duration and time."""
    message = sample_message(CARD, Tally())
    fields = [f["text"] for b in message.blocks for f in b.get("fields", [])]
    assert "*Model*\ngpt-4o-mini" in fields
    assert "*Provider*\nopenai" in fields
    assert "*Status*\n✅ success" in fields
    assert "*Tokens*\n1,234 in · — out" in fields
    assert "*Cost*\n$0.000123" in fields
    assert "*Duration*\n850 ms" in fields
    stamp = int(WHEN.timestamp())
    expected_time = f"<!date^{stamp}^{{date_short_pretty}} {{time}}|2025-03-10T14:05:09.000Z>"
    assert f"*Time*\n{expected_time}" in fields
    assert_valid(message)


def test_sample_header_and_fallback_text() -> None:
    """The sample has a header and a notification text naming the model, provider and log."""
    message = sample_message(CARD, Tally())
    assert message.blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "🧪 AI Gateway sample", "emoji": True},
    }
    assert message.text == f"AI Gateway sample: gpt-4o-mini (openai) — log {LOG_ID}"


def test_the_log_id_and_metadata_appear_in_a_context_line() -> None:
    """The log ID is in the message as code, and metadata as short key=value pairs."""
    context = next(b for b in sample_message(CARD, Tally()).blocks if b["type"] == "context")
    assert context["elements"][0]["text"] == f"Log ID `{LOG_ID}`"
    assert context["elements"][1]["text"] == "🏷️ team=support · beta=true · tier=2"


def test_no_metadata_means_no_metadata_element() -> None:
    """A log without metadata shows just its ID."""
    card = Card(log_id=LOG_ID, created_at=WHEN)
    context = next(b for b in sample_message(card, Tally()).blocks if b["type"] == "context")
    assert len(context["elements"]) == 1


def test_prompt_and_response_sections_are_code_blocks() -> None:
    """Prompt and response each get a section with the excerpt in a code block."""
    sections = [b["text"]["text"] for b in sample_message(CARD, Tally()).blocks if "text" in b]
    assert "*Prompt*\n```\nHow do I reset my password?\n```" in sections
    assert "*Response*\n```\nGo to Settings → Security → Reset.\n```" in sections


def test_missing_bodies_are_an_italic_note() -> None:
    """An excerpt that is a note ("(not stored)") or empty is shown in italics, not as code."""
    card = Card(log_id=LOG_ID, created_at=WHEN, prompt=NOT_STORED, response="")
    sections = [b["text"]["text"] for b in sample_message(card, Tally()).blocks if "text" in b]
    assert "*Prompt*\n_(not stored)_" in sections
    assert "*Response*\n_(empty)_" in sections


@pytest.mark.parametrize(
    ("success", "status_code", "cached", "expected"),
    [
        (True, 200, False, "✅ success"),
        (True, 200, True, "✅ success · cached"),
        (False, 429, False, "❌ 429"),
        (False, None, False, "❌ failed"),
    ],
)
def test_status_field(success: bool, status_code: int | None, cached: bool, expected: str) -> None:
    """Success shows ✅; failure shows ❌ with the status code when known."""
    card = Card(
        log_id=LOG_ID, created_at=WHEN, success=success, status_code=status_code, cached=cached
    )
    fields = [f["text"] for b in sample_message(card, Tally()).blocks for f in b.get("fields", [])]
    assert f"*Status*\n{expected}" in fields


@pytest.mark.parametrize(
    ("cost", "duration_ms", "cost_text", "duration_text"),
    [
        (None, 0, "—", "0 ms"),
        (0.0, 999, "$0", "999 ms"),
        (0.0123, 1000, "$0.0123", "1.0 s"),
        (1.5, 65_432, "$1.50", "65.4 s"),
        (float("nan"), -1, "—", "—"),
    ],
)
def test_cost_and_duration_formats(
    cost: float | None, duration_ms: int, cost_text: str, duration_text: str
) -> None:
    """Cost shows three significant digits under a cent (— when missing); duration ms or s."""
    card = Card(log_id=LOG_ID, created_at=WHEN, cost=cost, duration_ms=duration_ms)
    fields = [f["text"] for b in sample_message(card, Tally()).blocks for f in b.get("fields", [])]
    assert f"*Cost*\n{cost_text}" in fields
    assert f"*Duration*\n{duration_text}" in fields


# -- buttons -----------------------------------------------------------------------------------


def test_vote_buttons_carry_thumbs_and_the_log_id() -> None:
    """The actions block holds 👍 and 👎 buttons whose value is the log ID."""
    message = sample_message(CARD, Tally())
    actions = block(message, ids.VOTE_BLOCK)
    up, down = actions["elements"][:2]
    assert (up["action_id"], down["action_id"]) == (ids.VOTE_UP, ids.VOTE_DOWN)
    assert "👍" in up["text"]["text"]
    assert "👎" in down["text"]["text"]
    assert up["value"] == down["value"] == LOG_ID


@pytest.mark.parametrize("state", list(SyncState))
def test_buttons_stay_in_every_state(state: SyncState) -> None:
    """Votes can always be added, changed or undone: the buttons never go away."""
    message = sample_message(CARD, Tally(up=("U1",)), SyncStatus(state, 1, "detail"))
    action_ids = [b["action_id"] for b in buttons(message)]
    assert action_ids[:2] == [ids.VOTE_UP, ids.VOTE_DOWN]
    assert (ids.RETRY_SYNC in action_ids) is (state is SyncState.FAILED)
    assert_valid(message)


def test_failed_sync_offers_a_retry_for_the_log() -> None:
    """A failed write adds a Retry button whose value is the log ID."""
    message = sample_message(CARD, Tally(down=("U1",)), SyncStatus(SyncState.FAILED, -1, "403"))
    retry = buttons(message)[2]
    assert retry["action_id"] == ids.RETRY_SYNC
    assert retry["text"]["text"] == "Retry"
    assert retry["value"] == LOG_ID


def test_lookup_is_the_same_card_under_another_header() -> None:
    """The /aig log card has the same details and buttons, with a "Log lookup" header."""
    sample = sample_message(CARD, Tally(up=("U1",)))
    lookup = lookup_message(CARD, Tally(up=("U1",)))
    assert "Log lookup" in lookup.blocks[0]["text"]["text"]
    assert lookup.blocks[1:] == sample.blocks[1:]
    assert LOG_ID in lookup.text
    assert_valid(lookup)


# -- tally and sync status ---------------------------------------------------------------------


def test_no_votes_invites_a_rating() -> None:
    """Before anyone votes, the status line invites a rating."""
    assert status_line(sample_message(CARD, Tally())) == "No votes yet — rate this response"


def test_tally_lists_who_voted_what() -> None:
    """The tally counts each side and names every rater with their vote."""
    message = sample_message(CARD, Tally(up=("U1", "U2"), down=("U3",)))
    assert status_line(message) == "👍 2 · 👎 1 — <@U1> 👍, <@U2> 👍, <@U3> 👎"


def test_long_rater_lists_are_summarised() -> None:
    """With 200 raters the line names a few and counts the rest."""
    tally = Tally(
        up=tuple(f"U{i:08d}" for i in range(150)), down=tuple(f"W{i:08d}" for i in range(50))
    )
    line = status_line(sample_message(CARD, tally))
    assert line.startswith("👍 150 · 👎 50 — <@U00000000> 👍")
    assert line.endswith(" and 185 more")
    assert len(line) < 1000


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (SyncStatus(SyncState.PENDING, 1), "Verdict 👍 (feedback 1): saving…"),
        (SyncStatus(SyncState.VERIFIED, 1), "Verdict 👍 (feedback 1): saved ✓ verified"),
        (
            SyncStatus(SyncState.UNVERIFIABLE, -1),
            "Verdict 👎 (feedback -1): saved (gateway does not report feedback)",
        ),
        (
            SyncStatus(SyncState.MISMATCH, 1, "gateway has -1"),
            "Verdict 👍 (feedback 1): ⚠️ saved, but the gateway reports a different value"
            " (gateway has -1)",
        ),
        (
            SyncStatus(SyncState.RETRYING, 1, "rate limited, next try in 30 s"),
            "Verdict 👍 (feedback 1): ⏳ gateway busy — will retry"
            " (rate limited, next try in 30 s)",
        ),
        (
            SyncStatus(SyncState.FAILED, -1, "token lacks permission"),
            "Verdict 👎 (feedback -1): ❌ couldn't save: token lacks permission",
        ),
        (
            SyncStatus(SyncState.FAILED, 1),
            "Verdict 👍 (feedback 1): ❌ couldn't save: unknown error",
        ),
        (
            SyncStatus(SyncState.VERIFIED, 0),
            "Verdict cleared (not evaluated): saved ✓ verified",
        ),
    ],
    ids=lambda value: value.state.value if isinstance(value, SyncStatus) else "",
)
def test_sync_status_wording(status: SyncStatus, expected: str) -> None:
    """Each sync state reads as the design says, next to the verdict it concerns."""
    message = sample_message(CARD, Tally(up=("U1",)), status)
    elements = block(message, ids.STATUS_BLOCK)["elements"]
    assert elements[1]["text"] == expected


def test_a_cleared_verdict_with_no_votes_left() -> None:
    """After every vote is undone the card invites a rating and says the verdict was cleared."""
    line = status_line(sample_message(CARD, Tally(), SyncStatus(SyncState.VERIFIED, 0)))
    assert (
        line
        == "No votes yet — rate this response | Verdict cleared (not evaluated): saved ✓ verified"
    )


# -- escaping ----------------------------------------------------------------------------------


def test_user_text_is_escaped_for_mrkdwn() -> None:
    """&, < and > from logs are escaped, so model output cannot ping @channel or fake links."""
    card = Card(
        log_id="<@U123>",
        created_at=WHEN,
        model="<!channel> & co",
        prompt="Reply with <!here> and <https://evil.example|a link>",
        response="a < b && c > d",
        metadata={"<k>": "<v>&"},
    )
    message = sample_message(
        card, Tally(down=("<!everyone>",)), SyncStatus(SyncState.FAILED, -1, "<x>")
    )
    text = all_text(message)
    for ping in ("<!channel>", "<!here>", "<!everyone>"):
        assert ping not in text
    assert "&lt;!channel&gt; &amp; co" in text
    assert "a &lt; b &amp;&amp; c &gt; d" in text
    assert "<https://evil" not in message.text + text
    assert_valid(message)


def test_backticks_cannot_break_the_code_block() -> None:
    """An excerpt full of ``` fences stays inside one code block."""
    card = Card(
        log_id=LOG_ID,
        created_at=WHEN,
        prompt="```\nrm -rf /\n```\n*not bold*",
        response="``````",
    )
    for section in (b for b in sample_message(card, Tally()).blocks if "text" in b):
        text = section["text"]["text"]
        if text.startswith(("*Prompt*", "*Response*")):
            assert text.count("```") == 2
            assert text.startswith(("*Prompt*\n```\n", "*Response*\n```\n"))
            assert text.endswith("\n```")


def test_a_huge_excerpt_is_clipped_within_its_section() -> None:
    """A Card holding an oversized excerpt (10 MB of &) still renders within the limits."""
    card = Card(log_id=LOG_ID, created_at=WHEN, prompt="&" * 10_000_000, response="é" * 5000)
    message = sample_message(card, Tally())
    prompt = next(
        b for b in message.blocks if b.get("text", {}).get("text", "").startswith("*Prompt*")
    )
    assert len(prompt["text"]["text"]) <= 3000
    assert prompt["text"]["text"].endswith("&amp;…\n```")
    assert_valid(message)


# -- the other messages ------------------------------------------------------------------------


def test_help_lists_every_subcommand() -> None:
    """Help names log, sample (with its maximum), stats and help."""
    message = help_message()
    text = all_text(message)
    for usage in (
        "`/aig log &lt;id or dashboard URL&gt;`",
        "`/aig sample [n]`",
        "n ≤ 20",
        "`/aig stats [7d|30d]`",
        "`/aig help`",
    ):
        assert usage in text
    assert_valid(message)


def test_help_quotes_what_it_did_not_understand() -> None:
    """Unknown input is quoted back (escaped, backticks neutralised) before the usage."""
    message = help_message(unknown="frobnicate `<!here>`", max_sample=10)
    first = message.blocks[0]["text"]["text"]
    grave = "\u02cb"  # the look-alike that replaces backticks inside code
    assert first.startswith(f"I don't know `frobnicate {grave}&lt;!here&gt;{grave}`.")
    assert "n ≤ 10" in first
    assert_valid(message)


def test_error_message_is_friendly_and_points_to_help() -> None:
    """Errors are private, escaped, keep channel mentions and hint at /aig help."""
    message = error_message("`/aig log` answers only in <#C0123ABC>. You typed <!here> & more")
    assert message.blocks[0]["text"]["text"] == (
        "⚠️ `/aig log` answers only in <#C0123ABC>. You typed &lt;!here&gt; &amp; more"
    )
    assert "/aig help" in all_text(message)
    assert message.text.startswith("⚠️ `/aig log`")
    assert_valid(message)


def test_error_message_is_never_empty() -> None:
    """An empty or huge error text still renders a valid message."""
    assert_valid(error_message(""))
    assert_valid(error_message("<" * 100_000))


def test_not_allowed_message() -> None:
    """A rater outside AIG_ALLOWED_RATERS is told they can't rate here."""
    message = not_allowed_message()
    assert "can't rate here" in message.text
    assert "AIG_ALLOWED_RATERS" in all_text(message)
    assert_valid(message)


@pytest.mark.parametrize(
    ("count", "channel", "expected"),
    [
        (3, "C0123ABC", "Posting 3 samples to <#C0123ABC>…"),
        (1, "C0123ABC", "Posting 1 sample to <#C0123ABC>…"),
        (0, "C0123ABC", "No new logs to post to <#C0123ABC> right now."),
        (2, "#reviews<x>", "Posting 2 samples to #reviews&lt;x&gt;…"),
    ],
)
def test_sampled_acknowledgement(count: int, channel: str, expected: str) -> None:
    """/aig sample acknowledges how many samples go to which channel."""
    message = sampled_message(count, channel)
    assert message.text == expected
    assert message.blocks[0]["text"]["text"] == expected
    assert_valid(message)


# -- whatever the input ------------------------------------------------------------------------

CHARACTERS = st.characters(codec="utf-8") | st.characters(categories=["Cs", "Cc"])
SMALL_TEXT = st.text(CHARACTERS, max_size=40)
SPECIAL = st.lists(
    st.sampled_from(["&", "<", ">", "`", "```", "<!channel>", "\n", "*", "_", "|", "👍", "é"]),
    max_size=30,
).map("".join)
BIG_TEXT = st.builds(
    operator.mul, st.text(CHARACTERS, min_size=1, max_size=8), st.integers(0, 20_000)
)
TEXT = SMALL_TEXT | SPECIAL | BIG_TEXT
RATER = st.from_regex(r"[UW][A-Z0-9]{8,10}", fullmatch=True) | SMALL_TEXT | SPECIAL
SCALAR = TEXT | st.integers() | st.floats() | st.booleans()

CARDS = st.builds(
    Card,
    log_id=st.from_regex(r"[0-9A-Z]{26}", fullmatch=True) | TEXT,
    created_at=st.datetimes(timezones=st.none() | st.just(UTC)),
    model=TEXT,
    provider=TEXT,
    success=st.booleans(),
    status_code=st.none() | st.integers(0, 999),
    tokens_in=st.none() | st.integers(-(10**30), 10**30),
    tokens_out=st.none() | st.integers(-(10**30), 10**30),
    cost=st.none() | st.floats(),
    duration_ms=st.integers(-(10**18), 10**18),
    cached=st.booleans(),
    prompt=TEXT | st.just(NOT_STORED),
    response=TEXT,
    metadata=st.dictionaries(SMALL_TEXT | SPECIAL, SCALAR, max_size=60),
)
TALLIES = st.builds(
    Tally,
    up=st.lists(RATER, max_size=200).map(tuple),
    down=st.lists(RATER, max_size=200).map(tuple),
)
STATUSES = st.none() | st.builds(
    SyncStatus, state=st.sampled_from(SyncState), verdict=st.integers(-3, 3), detail=TEXT
)


@settings(max_examples=150, deadline=None)
@given(card=CARDS, tally=TALLIES, status=STATUSES, lookup=st.booleans())
def test_any_card_renders_within_block_kit_limits(
    card: Card, tally: Tally, status: SyncStatus | None, lookup: bool
) -> None:
    """Whatever the card, tally and status, the message is valid Block Kit within every limit,
    with 👍/👎 buttons carrying the log ID and user text escaped."""
    message = (lookup_message if lookup else sample_message)(card, tally, status)
    assert_valid(message)
    up, down = buttons(message)[:2]
    assert "👍" in up["text"]["text"]
    assert "👎" in down["text"]["text"]
    for section in (b for b in message.blocks if "text" in b and b["type"] == "section"):
        assert section["text"]["text"].count("```") in (0, 2)


@settings(max_examples=100, deadline=None)
@given(text=TEXT, count=st.integers(-5, 10**9), channel=TEXT)
def test_any_notice_renders_within_block_kit_limits(text: str, count: int, channel: str) -> None:
    """Errors, help with unknown input and sampling acknowledgements stay valid for any text."""
    for message in (
        error_message(text),
        help_message(unknown=text),
        sampled_message(count, channel),
    ):
        assert_valid(message)

"""Rendering of the report views (`/aig stats`, App Home, the digest): what they say, and that
they stay within Block Kit's limits however many models, raters and logs there are."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot import ids
from bot.blocks import Message, digest_message, home_view, stats_message
from bot.reports import (
    Disputed,
    Home,
    LogRef,
    MyVote,
    Period,
    RaterCount,
    Share,
    Stats,
)
from bot.sandbox._blockkit import (
    MAX_BLOCK_TEXT,
    MESSAGE_MAX_BLOCKS,
    VIEW_MAX_BLOCKS,
    block_text_length,
    check_blocks,
)

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
WEEK = Period("7 days", NOW - timedelta(days=7), NOW)
LINK = "https://sandbox.slack.com/archives/C0FEEDBACK/p1764244800000100"


def ref(log_id: str, model: str = "gpt-4o", provider: str = "openai") -> LogRef:
    return LogRef(log_id, model, provider, "C0FEEDBACK", "1764244800.000100", NOW)


STATS = Stats(
    period=WEEK,
    posted=12,
    rated=9,
    votes=20,
    up=14,
    down=6,
    by_model=(Share("gpt-4o-mini", 10, 2), Share("claude-3-5-sonnet", 4, 4)),
    by_provider=(Share("openai", 10, 2), Share("anthropic", 4, 4)),
    disputed=(Disputed(ref("01JDISPUTED", "claude-3-5-sonnet", "anthropic"), 2, 2),),
    raters=(RaterCount("U0ALICE", 12, 9), RaterCount("U0BOB", 8, 5)),
    unrated=(ref("01JUNRATED1"), ref("01JUNRATED2")),
)


def texts(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def assert_valid_message(message: Message) -> None:
    assert message.text
    assert check_blocks(message.blocks, max_blocks=MESSAGE_MAX_BLOCKS) == []
    assert block_text_length(message.blocks) <= MAX_BLOCK_TEXT


def assert_valid_home(view: dict[str, Any]) -> None:
    assert view["type"] == "home"
    assert check_blocks(view["blocks"], max_blocks=VIEW_MAX_BLOCKS) == []
    assert len(json.dumps(view)) < 250_000


def crowded_stats(names: list[str]) -> Stats:
    """Stats with many models, raters and logs, named by `names`."""
    shares = tuple(Share(name, i + 1, i % 3) for i, name in enumerate(names))
    refs = tuple(ref(f"01J{i:023d}", name, name) for i, name in enumerate(names))
    return Stats(
        period=WEEK,
        posted=len(names),
        rated=len(names) // 2,
        votes=10 * len(names),
        up=7 * len(names),
        down=3 * len(names),
        by_model=shares,
        by_provider=shares,
        disputed=tuple(Disputed(r, 3, 3) for r in refs[:5]),
        raters=tuple(RaterCount(f"U{i:010d}", 5, 3) for i in range(len(names))),
        unrated=refs,
    )


def test_stats_show_totals_and_percentages_by_model_and_provider() -> None:
    """The stats answer gives the totals and each model's and provider's 👍 share in percent."""
    message = stats_message(STATS, {})
    shown = texts(message.blocks)
    assert "last 7 days" in shown
    assert "*Samples posted*\\n12" in shown and "*Votes*\\n20 (👍 14 · 👎 6)" in shown
    assert "*83%* gpt-4o-mini (10 of 12 votes)" in shown
    assert "*50%* claude-3-5-sonnet (4 of 8 votes)" in shown
    assert "👍 share by provider" in shown and "*83%* openai" in shown
    assert "70%" in message.text and "12 samples posted" in message.text
    assert_valid_message(message)


def test_stats_link_disputed_and_unrated_logs_to_their_messages() -> None:
    """Disputed and unrated logs link to their Slack messages when a permalink is known."""
    message = stats_message(STATS, {"01JDISPUTED": LINK, "01JUNRATED1": LINK})
    shown = texts(message.blocks)
    assert f"<{LINK}|`01JDISPUTED`> · claude-3-5-sonnet (anthropic) — 👍 2 · 👎 2" in shown
    assert f"<{LINK}|`01JUNRATED1`>" in shown
    assert "`01JUNRATED2`" in shown and f"<{LINK}|`01JUNRATED2`>" not in shown


def test_stats_name_raters_as_mentions_with_their_share() -> None:
    """Most active raters appear as mentions with their votes and 👍 share."""
    shown = texts(stats_message(STATS, {}).blocks)
    assert "<@U0ALICE> — 12 votes (75% 👍)" in shown and "<@U0BOB> — 8 votes" in shown


def test_stats_never_link_to_anything_but_an_https_permalink() -> None:
    """A link that is not a clean https URL is dropped rather than injected into mrkdwn."""
    bad = {"01JDISPUTED": "javascript:alert(1)", "01JUNRATED1": "https://x|y>"}
    shown = texts(stats_message(STATS, bad).blocks)
    assert "javascript" not in shown and "x|y" not in shown


def test_stats_without_activity_say_so() -> None:
    """An empty period gets a short, friendly answer instead of a table of zeros."""
    empty = Stats(WEEK, 0, 0, 0, 0, 0, (), (), (), (), ())
    message = stats_message(empty, {})
    assert "Nothing was posted or rated in the last 7 days" in texts(message.blocks)
    assert_valid_message(message)


def test_stats_escape_model_names() -> None:
    """Model names from the gateway cannot inject mrkdwn links or mentions."""
    stats = crowded_stats(["<!channel> *evil*", "a&b<http://x|y>"])
    shown = texts(stats_message(stats, {}).blocks)
    assert "<!channel>" not in shown and "&lt;!channel&gt;" in shown
    assert "<http://x|y>" not in shown and "a&amp;b" in shown


def test_stats_stay_within_limits_with_hundreds_of_models_and_raters() -> None:
    """300 models, raters and unrated logs with long names still fit one valid message."""
    message = stats_message(crowded_stats([f"model-{i}-" + "x" * 200 for i in range(300)]), {})
    assert_valid_message(message)
    assert "more_" in texts(message.blocks)


@settings(max_examples=60, deadline=None)
@given(names=st.lists(st.text(min_size=0, max_size=300), min_size=1, max_size=40))
def test_every_report_view_is_valid_whatever_the_names(names: list[str]) -> None:
    """Any model or provider names keep stats, digest and Home within Block Kit's limits."""
    stats = crowded_stats(names)
    links = {r.log.log_id: LINK for r in stats.disputed}
    assert_valid_message(stats_message(stats, links))
    assert_valid_message(digest_message(stats, links, chart=True))
    home = Home("U0ALICE", stats, 3, (), stats.unrated[:20], len(stats.unrated))
    assert_valid_home(home_view(home, {r.log_id: LINK for r in stats.unrated}))


HOME = Home(
    user="U0ALICE",
    team=STATS,
    mine=12,
    recent=(
        MyVote(ref("01JVOTEDUP"), 1, NOW - timedelta(hours=1)),
        MyVote(ref("01JVOTEDDOWN", "claude"), -1, NOW - timedelta(hours=2)),
    ),
    waiting=(ref("01JWAIT1"), ref("01JWAIT2")),
    waiting_total=5,
)


def test_home_greets_and_lists_what_waits_with_open_buttons() -> None:
    """Home shows how many samples wait, one per block, each with an Open button to its message."""
    view = home_view(HOME, {"01JWAIT1": LINK})
    shown = texts(view)
    assert "<@U0ALICE>" in shown and "You cast 12 of the team's 20 votes" in shown
    assert "*Waiting for your vote* (5)" in shown
    buttons = [b["accessory"] for b in view["blocks"] if "accessory" in b]
    assert buttons == [
        {
            "type": "button",
            "action_id": f"{ids.HOME_OPEN_PREFIX}:0",
            "text": {"type": "plain_text", "text": "Open", "emoji": True},
            "url": LINK,
            "value": "01JWAIT1",
        }
    ]
    assert "`01JWAIT2`" in shown  # listed even without a link
    assert_valid_home(view)


def test_home_shows_my_recent_votes_and_the_team_numbers() -> None:
    """My votes are listed with their thumb; the team's totals and shares by model follow."""
    shown = texts(home_view(HOME, {"01JVOTEDUP": LINK}))
    assert f"👍 <{LINK}|`01JVOTEDUP`> · gpt-4o (openai)" in shown
    assert "👎 `01JVOTEDDOWN` · claude (openai)" in shown
    assert "The team, last 7 days" in shown and "*83%* gpt-4o-mini" in shown


def test_home_when_caught_up_and_new() -> None:
    """Nothing waiting and no votes yet each get a friendly line."""
    empty = Stats(WEEK, 0, 0, 0, 0, 0, (), (), (), (), ())
    shown = texts(home_view(Home("U0NEW", empty, 0, (), (), 0), {}))
    assert "all caught up" in shown and "None yet" in shown


def test_home_action_ids_are_unique_with_many_waiting() -> None:
    """Twenty Open buttons get distinct action_ids, and the view stays under 100 blocks."""
    waiting = tuple(ref(f"01JW{i:02d}") for i in range(20))
    home = Home("U0ALICE", STATS, 0, (), waiting, 60)
    view = home_view(home, {r.log_id: LINK for r in waiting})
    action_ids = [b["accessory"]["action_id"] for b in view["blocks"] if "accessory" in b]
    assert len(action_ids) == len(set(action_ids)) == 20
    assert_valid_home(view)


def test_digest_has_totals_shares_disputed_and_participation() -> None:
    """The digest names the week, the 👍 share per model, disputed logs and who rated."""
    message = digest_message(STATS, {"01JDISPUTED": LINK}, chart=True)
    shown = texts(message.blocks)
    assert "Weekly feedback digest" in shown and "Nov 20 – Nov 27" in shown
    assert "*83%* gpt-4o-mini" in shown and "The chart follows" in shown
    assert f"<{LINK}|`01JDISPUTED`>" in shown and "worth a second look" in shown
    assert "2 people rated: <@U0ALICE> 12, <@U0BOB> 8" in shown
    assert "9 of 12 samples rated (75%); 2 still waiting for a vote." in shown
    assert "20 votes" in message.text and "70% 👍" in message.text
    assert_valid_message(message)


def test_digest_without_chart_or_activity() -> None:
    """No chart means no promise of one; an empty week says so."""
    assert "chart" not in texts(digest_message(STATS, {}, chart=False).blocks)
    empty = Stats(WEEK, 0, 0, 0, 0, 0, (), (), (), (), ())
    message = digest_message(empty, {}, chart=False)
    assert "No samples were posted or rated this week" in texts(message.blocks)
    assert_valid_message(message)


def test_digest_with_many_raters_names_some_and_counts_the_rest() -> None:
    """Participation lists a bounded number of raters, then how many more."""
    message = digest_message(crowded_stats([f"m{i}" for i in range(40)]), {}, chart=True)
    assert "40 people rated" in texts(message.blocks) and "and 25 more" in texts(message.blocks)
    assert_valid_message(message)

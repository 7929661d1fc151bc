"""Parsing what Slack sends: clicks, the /aig grammar, log references and counts."""

from __future__ import annotations

import pytest

from bot import ids
from bot.slack.payloads import (
    BadPayload,
    parse_click,
    parse_command,
    parse_count,
    parse_log_reference,
)

LOG_ID = "01JADMCQQQBWH3NXZ5GCRN98DP"


def click_body(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "type": "block_actions",
        "user": {"id": "U111"},
        "container": {
            "type": "message",
            "message_ts": "1.2",
            "channel_id": "C1",
            "is_ephemeral": False,
        },
        "channel": {"id": "C1"},
        "response_url": "https://hooks.slack.com/actions/T/1/x",
        "actions": [
            {"action_id": ids.VOTE_DOWN, "value": LOG_ID, "action_ts": "9.9", "type": "button"}
        ],
    }
    body.update(overrides)
    return body


def test_click_is_parsed() -> None:
    """A block_actions payload yields rater, vote, log, message and action_ts."""
    click = parse_click(click_body())
    assert (click.user, click.clicked, click.log_id) == ("U111", -1, LOG_ID)
    assert (click.channel, click.message_ts, click.action_ts, click.ephemeral) == (
        "C1",
        "1.2",
        "9.9",
        False,
    )


@pytest.mark.parametrize(
    "overrides",
    [
        {"actions": []},
        {"actions": "x"},
        {"user": None},
        {"actions": [{"action_id": ids.VOTE_UP, "value": "../etc", "action_ts": "1"}]},
        {"actions": [{"action_id": ids.VOTE_UP, "action_ts": "1"}]},
    ],
)
def test_malformed_clicks_are_rejected(overrides: dict[str, object]) -> None:
    """Clicks missing fields, or with a value that is not a log ID, raise BadPayload."""
    with pytest.raises(BadPayload):
        parse_click(click_body(**overrides))


def test_click_without_action_ts_still_counts() -> None:
    """A click lacking action_ts is still parsed (its trigger_id identifies it)."""
    body = click_body(actions=[{"action_id": ids.VOTE_UP, "value": LOG_ID}], trigger_id="123.abc")
    assert parse_click(body).action_ts == "123.abc"


@pytest.mark.parametrize(
    ("text", "name", "argument"),
    [
        ("", "help", ""),
        ("help", "help", ""),
        ("LOG  abc ", "log", "abc"),
        ("sample", "sample", ""),
        ("sample 3", "sample", "3"),
        ("stats 7d", "stats", "7d"),
        ("frobnicate now", "unknown", "frobnicate now"),
    ],
)
def test_command_grammar(text: str, name: str, argument: str) -> None:
    """`/aig` text splits into a known subcommand and its argument, or 'unknown'."""
    command = parse_command(text)
    assert (command.name, command.argument) == (name, argument)


@pytest.mark.parametrize(
    "reference",
    [
        LOG_ID,
        f"<https://dash.cloudflare.com/0123456789abcdef0123456789abcdef/ai/ai-gateway/gateways/gw/logs/{LOG_ID}>",
        f"https://dash.cloudflare.com/acc/ai/ai-gateway/gateways/gw/logs?log_id={LOG_ID}",
    ],
)
def test_log_reference_accepts_ids_and_dashboard_urls(reference: str) -> None:
    """A bare ID, a dashboard URL (as Slack wraps it) and a URL with the ID in the query all work."""
    assert parse_log_reference(reference) == LOG_ID


@pytest.mark.parametrize(
    "reference", ["", "not a log id!", "a/b", "x" * 200, "https://example.com/"]
)
def test_bad_log_references_explain_themselves(reference: str) -> None:
    """Malformed references raise ValueError with a message meant for a person."""
    with pytest.raises(ValueError, match=r"log|Give|URL"):
        parse_log_reference(reference)


def test_sample_count_bounds() -> None:
    """`sample n` takes 1–20, defaulting to the configured size."""
    assert parse_count("", default=5, maximum=20) == 5
    assert parse_count("20", default=5, maximum=20) == 20
    for bad in ("0", "21", "three"):
        with pytest.raises(ValueError, match=r"number|between"):
            parse_count(bad, default=5, maximum=20)

"""The redactor: secrets and personal data are masked before text reaches Slack."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.cards import Card
from bot.gateway import Body, Log
from bot.redact import Redactor

redact = Redactor()


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("key sk-proj-abcdefghijklmnop1234 here", "sk-proj-abcdefghijklmnop1234"),
        ("anthropic sk-ant-api03-AAAABBBBCCCCDDDDEEEE", "sk-ant-api03-AAAABBBBCCCCDDDDEEEE"),
        ("slack xoxb-1234567890-abcdefghij", "xoxb-1234567890-abcdefghij"),
        ("gh ghp_abcdefghijklmnopqrstuvwxyz0123", "ghp_abcdefghijklmnopqrstuvwxyz0123"),
        ("aws AKIAABCDEFGHIJKLMNOP", "AKIAABCDEFGHIJKLMNOP"),
        ("Authorization: Bearer abcdef123456789", "abcdef123456789"),
        ('{"api_key": "0123456789abcdef"}', "0123456789abcdef"),
        ("mail bob.smith+x@example.co.uk now", "bob.smith+x@example.co.uk"),
        ("call +1 415-555-0132 today", "415-555-0132"),
        ("card 4111 1111 1111 1111 exp", "4111 1111 1111 1111"),
    ],
)
def test_secrets_and_personal_data_are_masked(text: str, hidden: str) -> None:
    """Keys, bearer tokens, emails, phone and card numbers do not survive redaction."""
    assert hidden not in redact(text)


@pytest.mark.parametrize(
    "text",
    [
        "The meeting is at 10:30 on 2025-01-02; 3 + 4 = 7; version 1.2.3",
        "order 1234567890123 shipped",  # not a valid card number (Luhn)
        "use the sk- prefix for keys",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    """Dates, versions, order numbers and prose pass through unchanged."""
    assert redact(text) == text


def test_extra_patterns_and_off_switch() -> None:
    """Configured patterns are masked too; AIG_REDACT=off passes text through."""
    extra = Redactor.build(enabled=True, extra_patterns=[r"TICKET-\d+"])
    assert extra("see TICKET-4411") == "see [redacted]"
    assert Redactor(enabled=False)("bob@example.com") == "bob@example.com"


def test_cards_are_redacted_before_they_are_rendered() -> None:
    """A card built from a log masks its prompt, response and metadata values."""
    log = Log(id="L1", created_at=datetime.now(UTC), metadata={"user": "ann@example.com"})
    request = Body.from_bytes(
        b'{"messages":[{"role":"user","content":"my key is sk-abcdefghijklmnopqrstu"}]}',
        "application/json",
    )
    response = Body.from_bytes(
        b'{"choices":[{"message":{"role":"assistant","content":"write to ann@example.com"}}]}',
        "application/json",
    )
    card = Card.from_log(log, request, response, redact=redact)
    assert "sk-abcdefghijklmnopqrstu" not in card.prompt
    assert "ann@example.com" not in card.response
    assert card.metadata["user"] == "[email]"

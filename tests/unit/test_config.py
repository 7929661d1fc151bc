"""Settings: defaults from DESIGN.md, one error naming every problem, .env under the real env."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings, read_environment

GOOD = {
    "SLACK_BOT_TOKEN": "xoxb-1",
    "SLACK_SIGNING_SECRET": "s",
    "CLOUDFLARE_API_TOKEN": "cf",
    "CLOUDFLARE_ACCOUNT_ID": "0123456789abcdef0123456789abcdef",
    "CLOUDFLARE_GATEWAY_ID": "my-gateway",
    "AIG_FEEDBACK_CHANNEL": "C0123ABCD",
}


def test_defaults_match_the_contract() -> None:
    """Unset settings take DESIGN.md's defaults."""
    s = load_settings(GOOD)
    assert (s.sample_size, s.sample_cron, s.timezone, s.port) == (5, "0 10,15 * * 1-5", "UTC", 3000)
    assert s.database_url == "sqlite:///aig-feedback.db" and s.gateway_budget == 600
    assert s.slack_api_url == "https://slack.com/api/"
    assert s.cloudflare_api_base_url == "https://api.cloudflare.com/client/v4"
    assert s.redact and not s.write_score and not s.socket_mode_available


def test_every_problem_is_reported_at_once() -> None:
    """Missing and malformed settings are all named in one error."""
    with pytest.raises(ConfigError) as caught:
        load_settings(
            {
                "SLACK_BOT_TOKEN": "xoxp-user",
                "AIG_SAMPLE_SIZE": "many",
                "AIG_TIMEZONE": "Mars/Base",
                "AIG_FEEDBACK_CHANNEL": "#general",
                "AIG_ALLOWED_RATERS": "U1AB,bob",
            },
            need_signing_secret=True,
        )
    text = str(caught.value)
    for needle in (
        "xoxb-",
        "SLACK_SIGNING_SECRET",
        "CLOUDFLARE_API_TOKEN",
        "CLOUDFLARE_ACCOUNT_ID",
        "AIG_SAMPLE_SIZE",
        "AIG_TIMEZONE",
        "AIG_FEEDBACK_CHANNEL",
        "bob",
    ):
        assert needle in text


def test_lists_and_switches_parse() -> None:
    """Rater and channel lists split on commas; on/off switches parse."""
    s = load_settings(
        {
            **GOOD,
            "AIG_ALLOWED_RATERS": "U01, S02 ,",
            "AIG_REDACT": "off",
            "AIG_LOOKUP_CHANNELS": "C01AB",
            "AIG_SAMPLE_INTERVAL_SECONDS": "30",
        }
    )
    assert s.allowed_raters == frozenset({"U01", "S02"})
    assert not s.redact and s.lookup_channels == frozenset({"C01AB"})
    assert s.sample_interval_seconds == 30


def test_bad_cron_is_rejected() -> None:
    """An invalid crontab fails at start-up, not at the first run."""
    with pytest.raises(ConfigError, match="AIG_SAMPLE_CRON"):
        load_settings({**GOOD, "AIG_SAMPLE_CRON": "every tuesday"})


def test_secrets_stay_out_of_repr() -> None:
    """Tokens and the signing secret never appear in the settings' repr."""
    text = repr(load_settings(GOOD))
    assert "xoxb-1" not in text and "'cf'" not in text


def test_real_environment_wins_over_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """.env fills in what the environment lacks; the environment overrides it."""
    (tmp_path / ".env").write_text("AIG_SAMPLE_SIZE=7\nAIG_TIMEZONE=Europe/Paris\n")
    monkeypatch.setenv("AIG_TIMEZONE", "Asia/Tokyo")
    env = read_environment(tmp_path)
    assert env["AIG_SAMPLE_SIZE"] == "7" and env["AIG_TIMEZONE"] == "Asia/Tokyo"


def test_reason_categories_default_to_the_modals_six() -> None:
    """Without AIG_REASON_CATEGORIES the reason modal offers the six documented categories."""
    keys = [key for key, _ in load_settings(GOOD).reason_categories]
    assert keys == ["wrong", "unsafe", "unhelpful", "formatting", "slow", "other"]


def test_reason_categories_take_keys_or_bare_labels() -> None:
    """`key:Label` keeps the key; a bare label (colons and all) gets one made from it."""
    raw = "wrong:Wrong or made up, Off topic, Tone: too casual, other:Other"
    s = load_settings(GOOD | {"AIG_REASON_CATEGORIES": raw})
    assert s.reason_categories == (
        ("wrong", "Wrong or made up"),
        ("off-topic", "Off topic"),
        ("tone-too-casual", "Tone: too casual"),
        ("other", "Other"),
    )


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        ("a:A, a:Again", "twice"),
        (",".join(f"c{i}" for i in range(11)), "1 to 10"),
        ("x:" + "L" * 76, "75 characters"),
        ("!!!", "key:Label"),
    ],
)
def test_bad_reason_categories_are_reported(raw: str, needle: str) -> None:
    """Duplicates, more than a radio group holds, long labels and unusable names are errors."""
    with pytest.raises(ConfigError) as caught:
        load_settings(GOOD | {"AIG_REASON_CATEGORIES": raw})
    assert "AIG_REASON_CATEGORIES" in str(caught.value) and needle in str(caught.value)


def test_extra_redaction_patterns_come_from_a_file(tmp_path: Path) -> None:
    """AIG_REDACT_PATTERNS_FILE adds one expression a line; a bad one is named with its line."""
    good = tmp_path / "patterns.txt"
    good.write_text("# internal ticket numbers\nTICKET-\\d+\n\nacct_[a-z0-9]{8}\n")
    s = load_settings({**GOOD, "AIG_REDACT_PATTERNS_FILE": str(good)})
    assert s.redact_patterns == ("TICKET-\\d+", "acct_[a-z0-9]{8}")
    bad = tmp_path / "bad.txt"
    bad.write_text("ok\n(unclosed\n")
    with pytest.raises(ConfigError, match="line 2"):
        load_settings({**GOOD, "AIG_REDACT_PATTERNS_FILE": str(bad)})
    with pytest.raises(ConfigError, match="cannot be read"):
        load_settings({**GOOD, "AIG_REDACT_PATTERNS_FILE": str(tmp_path / "missing.txt")})

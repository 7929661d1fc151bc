"""AIG_CONFIG: routes from a TOML file, defaults, tokens by variable name, every error named."""

from __future__ import annotations

from datetime import date, time, timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.routes import DEFAULT_ROUTE, LogFilters, QuietHours, Strategy

EXAMPLE = Path(__file__).parents[2] / "examples" / "routes.toml"
SLACK = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}
ACCOUNT = "0123456789abcdef0123456789abcdef"


def settings_with(tmp_path: Path, text: str, **env: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "routes.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings({**SLACK, "AIG_CONFIG": str(path), **env})


def test_the_example_file_parses_into_three_routes() -> None:
    """examples/routes.toml: accounts, tokens, schedules, strategies and filters per route."""
    settings = load_settings(
        {**SLACK, "AIG_CONFIG": str(EXAMPLE), "CLOUDFLARE_API_TOKEN": "t1", "CF_TOKEN_EU": "t2"}
    )
    support, code, spend = settings.route_list()
    assert (support.name, support.gateway_id, support.channel) == (
        "support",
        "support-assistant",
        "C0SUPPORT1",
    )
    assert support.account_id == ACCOUNT and support.api_token == "t1"
    assert support.plan.strategy is Strategy.STRATIFIED and support.plan.size == 9
    assert support.plan.skip_rated and support.plan.timezone == "Europe/Paris"
    assert support.plan.filters == LogFilters(success=True, metadata=(("team", "support"),))
    assert support.plan.quiet_hours == (QuietHours(time(12), time(13, 30)),)
    assert date(2026, 12, 25) in support.plan.holidays
    assert code.account_id == "fedcba9876543210fedcba9876543210" and code.api_token == "t2"
    assert code.plan.interval_seconds == 7200 and code.plan.business_days
    assert code.plan.strategy is Strategy.RECENT
    assert code.plan.quiet_hours == (QuietHours(time(19), time(8)),)
    assert spend.plan.cron == "0 9 * * 1" and spend.plan.interval_seconds is None
    assert spend.plan.window == timedelta(days=7) and spend.plan.quiet_hours == ()
    assert spend.plan.filters == LogFilters(min_cost=0.05, min_tokens=4000)
    # the single-gateway settings show the first route, for what reads them
    assert settings.cloudflare_gateway_id == "support-assistant"
    assert settings.feedback_channel == "C0SUPPORT1"


def test_missing_keys_fall_back_to_the_environment_then_the_defaults(tmp_path: Path) -> None:
    """Size, schedule, timezone and API base come from the single-gateway variables."""
    settings = settings_with(
        tmp_path,
        f'[routes.one]\naccount_id = "{ACCOUNT}"\ngateway_id = "gw"\nchannel = "C0ONE"\n',
        CLOUDFLARE_API_TOKEN="t",
        AIG_SAMPLE_SIZE="7",
        AIG_SAMPLE_INTERVAL_SECONDS="90",
        AIG_TIMEZONE="America/New_York",
        CLOUDFLARE_API_BASE_URL="http://127.0.0.1:9/client/v4/",
    )
    (route,) = settings.route_list()
    assert route.plan.size == 7 and route.plan.interval_seconds == 90
    assert route.plan.timezone == "America/New_York"
    assert route.api_base_url == "http://127.0.0.1:9/client/v4"
    assert route.plan.strategy is Strategy.UNIFORM and route.plan.window == timedelta(hours=24)


def test_a_routes_cron_wins_over_an_interval_in_defaults(tmp_path: Path) -> None:
    """The route's own choice of cron or interval replaces the other one from [defaults]."""
    settings = settings_with(
        tmp_path,
        f'[defaults]\ninterval = "15m"\naccount_id = "{ACCOUNT}"\n'
        '[routes.a]\ngateway_id = "gw"\nchannel = "C0A"\ncron = "0 9 * * *"\n'
        '[routes.b]\ngateway_id = "gw"\nchannel = "C0B"\n',
        CLOUDFLARE_API_TOKEN="t",
    )
    a, b = settings.route_list()
    assert (a.plan.cron, a.plan.interval_seconds) == ("0 9 * * *", None)
    assert b.plan.interval_seconds == 900


def test_every_problem_is_named_with_file_route_and_key(tmp_path: Path) -> None:
    """One ConfigError lists each problem: which file, which route, which key, and why."""
    text = f"""
colour = "blue"

[defaults]
sise = 3

[routes.eu]
account_id = "not-hex"
gateway_id = "EU Gateway"
channel = "#support"
api_token = "cf-secret"
size = 50
cron = "every day"

[routes.us]
account_id = "{ACCOUNT}"
gateway_id = "us"
channel = "C0US"
api_token_env = "CF_TOKEN_US"
cron = "0 9 * * *"
interval = "1h"
window = "200d"
strategy = "random"
stratify_by = "team"
quiet_hours = ["25:00-07:00", "09:00-09:00"]
business_days = "yes"
holidays = ["next tuesday"]
timezone = "Mars/Olympus"

[routes.us.filters]
modle = "gpt-4o"
metadata = {{ nested = {{ x = 1 }} }}
min_tokens = 0

[routes.empty]
"""
    path = tmp_path / "routes.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings({**SLACK, "AIG_CONFIG": str(path)})
    problems = caught.value.problems
    text_of = "\n".join(problems)
    where = str(path)
    expected = [
        f"{where}: unknown top-level table or key 'colour'",
        f"{where}: [defaults]: unknown key 'sise' (did you mean 'size'?)",
        f"{where}: route 'eu': account_id: must be the 32-character hex account ID",
        f"{where}: route 'eu': gateway_id: must be a gateway ID",
        f"{where}: route 'eu': channel: must be a channel ID",
        f"{where}: route 'eu': api_token: tokens do not go in this file",
        f"{where}: route 'eu': api_token_env: the environment variable CLOUDFLARE_API_TOKEN is not set",
        f"{where}: route 'eu': size: must be a whole number from 1 to 20, got 50",
        f"{where}: route 'eu': cron: 'every day' is not a valid crontab",
        f"{where}: route 'us': api_token_env: the environment variable CF_TOKEN_US is not set",
        f"{where}: route 'us': interval: set either cron or interval, not both",
        f"{where}: route 'us': window: must be between 1 minute and 90 days",
        f"{where}: route 'us': strategy: must be one of uniform, stratified, recent, got 'random'",
        f"{where}: route 'us': stratify_by: must be one of model, provider, got 'team'",
        f"{where}: route 'us': quiet_hours: '25:00-07:00' is not a span",
        f"{where}: route 'us': business_days: must be true or false",
        f"{where}: route 'us': holidays: 'next tuesday' is not a date",
        f"{where}: route 'us': timezone: 'Mars/Olympus' is not a known IANA timezone",
        f"{where}: route 'us': filters: unknown filter 'modle' (did you mean 'model'?)",
        "metadata.nested must be a string, number or boolean",
        "min_tokens must be a whole number ≥ 1, got 0",
        f"{where}: route 'empty': account_id: is required",
        f"{where}: route 'empty': gateway_id: is required",
        f"{where}: route 'empty': channel: is required",
    ]
    missing = [line for line in expected if line not in text_of]
    assert missing == []
    assert "cf-secret" not in text_of  # a secret put in the file is never echoed
    # the single-gateway variables are not asked for when AIG_CONFIG is set
    assert not any(p.startswith(("CLOUDFLARE_", "AIG_FEEDBACK_CHANNEL")) for p in problems)


def test_a_missing_file_and_broken_toml_are_reported(tmp_path: Path) -> None:
    """A wrong path or a syntax error is one clear problem, with the line for the latter."""
    with pytest.raises(ConfigError, match="AIG_CONFIG: no such file"):
        load_settings({**SLACK, "AIG_CONFIG": str(tmp_path / "nope.toml")})
    broken = tmp_path / "broken.toml"
    broken.write_text('[routes.a]\nchannel = "C0A\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"broken.toml: not valid TOML: .*line 2"):
        load_settings({**SLACK, "AIG_CONFIG": str(broken)})


def test_a_file_without_routes_is_an_error(tmp_path: Path) -> None:
    """Defaults alone route nothing anywhere: say so."""
    with pytest.raises(ConfigError, match=r"no routes; add at least one \[routes.<name>\]"):
        settings_with(tmp_path, "[defaults]\nsize = 3\n")


def test_tokens_are_not_needed_when_cloudflare_is_not(tmp_path: Path) -> None:
    """`migrate` and `digest` load settings without Cloudflare: no token variable is needed."""
    path = tmp_path / "routes.toml"
    path.write_text(
        f'[routes.a]\naccount_id = "{ACCOUNT}"\ngateway_id = "gw"\nchannel = "C0A"\n',
        encoding="utf-8",
    )
    settings = load_settings({**SLACK, "AIG_CONFIG": str(path)}, need_cloudflare=False)
    assert settings.route_list()[0].api_token == ""


def test_environment_only_configuration_still_gives_one_default_route() -> None:
    """Without AIG_CONFIG, the single-gateway variables make the one "default" route."""
    settings = load_settings(
        {
            **SLACK,
            "CLOUDFLARE_API_TOKEN": "cf",
            "CLOUDFLARE_ACCOUNT_ID": ACCOUNT,
            "CLOUDFLARE_GATEWAY_ID": "my-gateway",
            "AIG_FEEDBACK_CHANNEL": "C0123ABCD",
            "AIG_SAMPLE_SIZE": "3",
        }
    )
    (route,) = settings.route_list()
    assert route.name == DEFAULT_ROUTE and route.plan.size == 3
    assert route.plan.strategy is Strategy.UNIFORM and route.plan.filters == LogFilters()
    assert not route.plan.skip_rated and route.plan.quiet_hours == ()

"""`aig-feedback doctor`: checks the configured Slack app and Cloudflare gateway for real.

Each check prints one line as it finishes — ✓ passed, ✗ failed (followed by the fix), ! a
warning, – skipped — and the exit status is 1 when any check failed (warnings do not fail).
Cloudflare is reached only through `bot.gateway`, Slack through slack_sdk. Nothing is changed:
the write check PATCHes a log with the feedback it already has, or with an empty body. Tokens
are never printed.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from bot.config import ConfigError, Settings, load_settings
from bot.doctor._cloudflare import GatewayChecks
from bot.doctor._report import Check, Outcome, Report
from bot.doctor._slack import SlackChecks
from bot.gateway import Budget

__all__ = ["Check", "GatewayChecks", "Outcome", "Report", "SlackChecks", "run_doctor"]


async def run_doctor(out: TextIO = sys.stdout) -> int:
    """Check the configuration, Slack and Cloudflare; 0 when nothing failed."""
    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        # the report says what went wrong; library log lines would only interleave with it
        logging.getLogger().setLevel(logging.ERROR)
    report = Report(out)
    report.line("aig-feedback doctor: checking the configured Slack app and AI Gateway")
    report.section("Configuration")
    try:
        settings = load_settings()
    except ConfigError as exc:
        count = len(exc.problems)
        report.fail(
            f"settings do not load ({count} problem{'s' * (count != 1)})",
            fix="set them in the environment or in .env in this directory; "
            ".env.example describes every setting",
            details=tuple(exc.problems),
        )
        report.skip("Slack and Cloudflare checks: fix the settings first")
        return report.finish()
    check_mode(settings, report)
    routes = settings.route_list()
    channels = list(dict.fromkeys(route.channel for route in routes))
    await SlackChecks(settings, report, channels=channels).run()
    for route in routes:
        # a budget per route: a 429 on one must not stall the next route's checks
        checks = GatewayChecks.from_route(route, report, budget=Budget(settings.gateway_budget))
        await checks.run(title=f"route {route.name}" if len(routes) > 1 else "")
    return report.finish()


def check_mode(settings: Settings, report: Report) -> None:
    """The settings load, and the run mode has what it needs."""
    if settings.socket_mode_available:
        report.ok("settings load; Socket Mode (SLACK_APP_TOKEN is set)")
    elif settings.slack_signing_secret:
        report.ok("settings load; HTTP mode (SLACK_SIGNING_SECRET is set)")
    else:
        report.fail(
            "HTTP mode needs SLACK_SIGNING_SECRET, and SLACK_APP_TOKEN (Socket Mode) is unset",
            fix="copy the Signing Secret (Basic Information → App Credentials) into "
            "SLACK_SIGNING_SECRET, or set SLACK_APP_TOKEN to use Socket Mode",
        )
    if settings.config_file and not settings.routes:
        report.skip("AIG_CONFIG set, but it defined no routes; checking the CLOUDFLARE_* gateway")

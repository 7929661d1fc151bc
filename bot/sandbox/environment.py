"""The environment that points a real `aig-feedback` process at the stand-ins.

Used by the end-to-end tests and the benchmarks, which both start the bot as a separate
process: it is configured the way a user configures it, through DESIGN.md's variables.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from bot.sandbox.gateway import GatewaySandbox
from bot.sandbox.slack import SlackSandbox

NEVER = "0 0 1 1 *"  # a crontab for "no scheduled sampling while this runs" (once a year)


def bot_environment(
    gateway: GatewaySandbox,
    slack: SlackSandbox,
    *,
    channel: str,
    database_url: str,
    extra: Mapping[str, str] = {},
) -> dict[str, str]:
    """This process's environment without any Slack, Cloudflare or bot settings of its own,
    plus the settings of a bot wired to `gateway` and `slack`, then `extra`."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CLOUDFLARE_", "AIG_"))
    }
    env.update(
        {
            "SLACK_BOT_TOKEN": slack.bot_token,
            "SLACK_SIGNING_SECRET": slack.signing_secret,
            "SLACK_API_URL": slack.api_url,
            "CLOUDFLARE_API_TOKEN": gateway.token,
            "CLOUDFLARE_ACCOUNT_ID": gateway.account_id,
            "CLOUDFLARE_GATEWAY_ID": gateway.gateway_id,
            "CLOUDFLARE_API_BASE_URL": gateway.url,
            "AIG_FEEDBACK_CHANNEL": channel,
            "AIG_DATABASE_URL": database_url,
            "AIG_SAMPLE_CRON": NEVER,
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env

"""Slack checks: the bot token and its scopes, the feedback channel, the Socket Mode app token.

Uses slack_sdk's AsyncWebClient without retry handlers: a doctor answers promptly. The scopes
come from the `x-oauth-scopes` header Slack puts on every Web API answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.doctor._report import Report

REQUIRED_SCOPES = ("chat:write", "commands")
GROUP_SCOPE = "usergroups:read"  # usergroups.users.list, to expand S… rater groups
BAD_TOKEN = frozenset(
    {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"}
)
TIMEOUT = 10  # seconds
_NETWORK = (SlackClientError, aiohttp.ClientError, OSError, TimeoutError)


class SlackChecks:
    """Checks of the Slack side of the configuration."""

    def __init__(self, settings: Settings, report: Report, *, channels: Sequence[str] = ()) -> None:
        self.settings = settings
        self.report = report
        self.channels = list(channels) or [settings.feedback_channel]
        self.client = AsyncWebClient(
            token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=TIMEOUT
        )
        self.bot_name = "aig-feedback"
        self.reachable = True

    async def run(self) -> None:
        self.report.section(f"Slack ({self.settings.slack_api_url})")
        scopes = await self.check_token()
        if scopes is None:
            self.report.skip(
                "scopes and channel membership: skipped until the bot token check passes"
            )
        else:
            self.check_scopes(scopes)
            for channel in self.channels:
                await self.check_channel(channel)
        if self.settings.slack_app_token and self.reachable:
            await self.check_app_token()

    async def check_token(self) -> set[str] | None:
        """auth.test; the granted scopes (empty when Slack did not say), None on failure."""
        try:
            response = await self.client.auth_test()
        except SlackApiError as exc:
            error = _error(exc)
            if error in BAD_TOKEN:
                fix = (
                    "copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions "
                    "page into SLACK_BOT_TOKEN; reinstall the app if it was revoked"
                )
            else:
                fix = "check SLACK_API_URL and that the Slack app is installed"
            self.report.fail(f"Slack bot token rejected by auth.test: {error}", fix=fix)
            return None
        except _NETWORK as exc:
            self.unreachable(exc)
            return None
        self.bot_name = str(response.get("user") or self.bot_name)
        self.report.ok(
            f"Slack bot token is valid: @{self.bot_name} ({response.get('user_id')}) "
            f"in {response.get('team')} ({response.get('team_id')})"
        )
        headers = {str(k).lower(): str(v) for k, v in dict(response.headers).items()}
        raw = headers.get("x-oauth-scopes")
        return set() if raw is None else {s.strip() for s in raw.split(",") if s.strip()}

    def needed_scopes(self) -> list[str]:
        """chat:write and commands always; usergroups:read when raters include groups."""
        groups = any(rater.startswith("S") for rater in self.settings.allowed_raters)
        return [*REQUIRED_SCOPES, *([GROUP_SCOPE] if groups else [])]

    def check_scopes(self, granted: set[str]) -> None:
        needed = self.needed_scopes()
        if not granted:
            self.report.warn(
                "Slack did not report the token's scopes (no x-oauth-scopes header)",
                fix=f"make sure the app has {', '.join(needed)}",
            )
            return
        missing = [scope for scope in needed if scope not in granted]
        if not missing:
            self.report.ok(f"Slack scopes include {', '.join(needed)}")
            return
        why = (
            f" ({GROUP_SCOPE}: AIG_ALLOWED_RATERS names user groups)"
            if GROUP_SCOPE in missing
            else ""
        )
        self.report.fail(
            f"Slack token lacks scope{'s' * (len(missing) > 1)} {', '.join(missing)}{why}",
            fix="add them under OAuth & Permissions → Bot Token Scopes (manifest.yml lists "
            "them), then reinstall the app to the workspace",
        )

    async def check_channel(self, channel: str) -> None:
        """conversations.info: the feedback channel exists, is not archived, has the bot."""
        invite = f"invite the bot: type /invite @{self.bot_name} in the channel"
        try:
            response = await self.client.conversations_info(channel=channel)
        except SlackApiError as exc:
            error = _error(exc)
            if error in ("channel_not_found", "not_in_channel"):
                self.report.fail(
                    f"feedback channel {channel}: {error} (a private channel stays invisible "
                    "until the bot is invited)",
                    fix=f"{invite}; and check AIG_FEEDBACK_CHANNEL is the channel's ID "
                    "(channel details → About, at the bottom)",
                )
            elif error == "missing_scope":
                needed = exc.response.get("needed") or "channels:read"
                self.report.warn(
                    f"can't check the bot is in {channel}: the token lacks {needed}",
                    fix=f"add {needed} and reinstall the app, or make sure to {invite}",
                )
            else:
                self.report.fail(f"feedback channel {channel}: conversations.info said {error}")
            return
        except _NETWORK as exc:
            self.unreachable(exc)
            return
        info: dict[str, Any] = response.get("channel") or {}
        name = f"#{info.get('name', '?')} ({channel})"
        if info.get("is_archived"):
            self.report.fail(
                f"feedback channel {name} is archived",
                fix="unarchive it, or set AIG_FEEDBACK_CHANNEL to another channel",
            )
        elif not info.get("is_member"):
            self.report.fail(f"the bot is not a member of the feedback channel {name}", fix=invite)
        else:
            self.report.ok(f"feedback channel {name}: the bot is a member")

    async def check_app_token(self) -> None:
        """apps.connections.open issues a WebSocket URL; doctor never connects to it."""
        client = AsyncWebClient(base_url=self.settings.slack_api_url, timeout=TIMEOUT)
        try:
            await client.apps_connections_open(app_token=self.settings.slack_app_token)
        except SlackApiError as exc:
            error = _error(exc)
            if error == "unknown_method":
                self.report.skip(
                    "Socket Mode app token: not checked, this Slack API has no "
                    "apps.connections.open"
                )
            else:
                self.report.fail(
                    f"Socket Mode app token (SLACK_APP_TOKEN) rejected: {error}",
                    fix="turn on Socket Mode in the app settings and create an app-level token "
                    "with connections:write (Basic Information → App-Level Tokens)",
                )
            return
        except _NETWORK as exc:
            self.unreachable(exc)
            return
        self.report.ok("Socket Mode app token is valid (apps.connections.open)")

    def unreachable(self, exc: BaseException) -> None:
        self.reachable = False
        self.report.fail(
            f"Slack did not answer at {self.settings.slack_api_url} ({type(exc).__name__})",
            fix="check SLACK_API_URL (default https://slack.com/api/) and outbound HTTPS",
        )


def _error(exc: SlackApiError) -> str:
    return str(exc.response.get("error") or f"HTTP {exc.response.status_code}")

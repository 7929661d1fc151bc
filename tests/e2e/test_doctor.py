"""`aig-feedback doctor` as a real process against the loopback stand-ins, one failure at a time."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bot.sandbox import GatewaySandbox, SlackSandbox, build_logs
from tests.e2e.harness import BotProcess

SECRETS = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "CLOUDFLARE_API_TOKEN")


async def doctor(
    gateway: GatewaySandbox, slack: SlackSandbox, tmp_path: Path, **env: str | None
) -> tuple[int, str]:
    """Run `aig-feedback doctor` with the stand-ins' settings, changed by `env` (None unsets)."""
    settings = BotProcess(gateway, slack, tmp_path / "d.db", tmp_path / "d.log").env()
    for name, value in env.items():
        if value is None:
            settings.pop(name, None)
        else:
            settings[name] = value
    script = Path(sys.executable).with_name("aig-feedback")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "bot"]
    process = await asyncio.create_subprocess_exec(
        *command,
        "doctor",
        env=settings,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    text = out.decode("utf-8")
    for name in SECRETS:
        secret = settings.get(name)
        assert not secret or secret not in text, f"doctor printed {name}:\n{text}"
    assert process.returncode is not None
    return process.returncode, text


def marked(text: str, mark: str) -> list[str]:
    """The check lines (indented under a section) that carry `mark` (✓, ✗, ! or –)."""
    return [line.strip() for line in text.splitlines() if line.startswith(f"  {mark} ")]


async def test_all_good_exits_zero_with_every_check_passed(
    gateway: GatewaySandbox, slack: SlackSandbox, tmp_path: Path
) -> None:
    """Working credentials: exit 0, only ✓ lines, and the write check changed nothing."""
    newest = gateway.log_ids[0]
    code, out = await doctor(gateway, slack, tmp_path)
    assert code == 0, out
    assert not marked(out, "✗") and not marked(out, "!") and not marked(out, "–"), out
    passed = " ".join(marked(out, "✓"))
    for what in ("settings load", "bot token is valid", "scopes", "the bot is a member"):
        assert what in passed
    for what in ("API token is active", "logs are listable", "write permission"):
        assert what in passed
    assert [call.json for call in gateway.calls_for("patch", newest)] == [{}]
    assert gateway.feedback_of(newest) is None
    assert "All checks passed" in out


async def test_write_check_patches_the_current_feedback_back(
    gateway: GatewaySandbox, slack: SlackSandbox, tmp_path: Path
) -> None:
    """A log with feedback is PATCHed with that same value, so the rating stays as it was."""
    newest = gateway.log_ids[0]
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {gateway.token}"}) as client:
        response = await client.patch(f"{gateway.logs_url}/{newest}", json={"feedback": -1})
        response.raise_for_status()
    code, out = await doctor(gateway, slack, tmp_path)
    assert code == 0, out
    assert gateway.calls_for("patch", newest)[-1].json == {"feedback": -1}
    assert gateway.feedback_of(newest) == -1
    assert 'PATCH {"feedback": -1}' in out


async def test_unreported_feedback_is_never_guessed(slack: SlackSandbox, tmp_path: Path) -> None:
    """When GET does not report feedback, the write check PATCHes {} and the rating survives."""
    async with GatewaySandbox(
        logs=build_logs(5, now=datetime.now(UTC)), report_feedback=False
    ) as gateway:
        newest = gateway.log_ids[0]
        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {gateway.token}"}) as c:
            (await c.patch(f"{gateway.logs_url}/{newest}", json={"feedback": 1})).raise_for_status()
        code, out = await doctor(gateway, slack, tmp_path)
        assert code == 0, out
        assert gateway.calls_for("patch", newest)[-1].json == {}
        assert gateway.feedback_of(newest) == 1


async def test_bad_slack_token_fails_naming_slack(
    gateway: GatewaySandbox, slack: SlackSandbox, tmp_path: Path
) -> None:
    """A bot token Slack rejects: non-zero, the ✗ line names Slack and invalid_auth."""
    code, out = await doctor(gateway, slack, tmp_path, SLACK_BOT_TOKEN="xoxb-revoked")
    assert code != 0
    failed = marked(out, "✗")
    assert len(failed) == 1 and "Slack bot token" in failed[0] and "invalid_auth" in failed[0]
    assert "OAuth & Permissions" in out
    assert "logs are listable" in out  # Cloudflare is still checked


async def test_bad_cloudflare_token_fails_naming_cloudflare(
    gateway: GatewaySandbox, slack: SlackSandbox, tmp_path: Path
) -> None:
    """A Cloudflare token the API rejects: non-zero, the ✗ line names Cloudflare's token."""
    code, out = await doctor(gateway, slack, tmp_path, CLOUDFLARE_API_TOKEN="revoked-token")
    assert code != 0
    failed = marked(out, "✗")
    assert len(failed) == 1 and "Cloudflare API token" in failed[0] and "9109" in failed[0]
    assert "AI Gateway › Read and Edit" in out
    assert gateway.calls_for("list") == [] and gateway.calls_for("patch") == []


async def test_read_only_token_fails_naming_write_permission(
    gateway: GatewaySandbox, slack: SlackSandbox, tmp_path: Path
) -> None:
    """A token without AI Gateway Edit: reading passes, the write check fails with the fix."""
    gateway.can_write = False
    code, out = await doctor(gateway, slack, tmp_path)
    assert code != 0
    failed = marked(out, "✗")
    assert len(failed) == 1 and "write permission" in failed[0] and "10000" in failed[0]
    assert "AI Gateway › Edit" in out
    assert "logs are listable" in " ".join(marked(out, "✓"))


async def test_bot_outside_the_channel_is_told_to_invite_it(
    gateway: GatewaySandbox, slack: SlackSandbox, tmp_path: Path
) -> None:
    """The bot is not in the feedback channel: the ✗ names the channel and /invite @bot."""
    slack.member_of = set()
    code, out = await doctor(gateway, slack, tmp_path)
    assert code != 0
    failed = marked(out, "✗")
    assert len(failed) == 1 and "C0FEEDBACK" in failed[0] and "not a member" in failed[0]
    assert "/invite @aig-feedback" in out


async def test_unknown_channel_is_named_with_the_invite_fix(
    gateway: GatewaySandbox, slack: SlackSandbox, tmp_path: Path
) -> None:
    """A channel ID Slack does not know: channel_not_found, with /invite and the ID hint."""
    code, out = await doctor(gateway, slack, tmp_path, AIG_FEEDBACK_CHANNEL="C0NOSUCH")
    assert code != 0
    failed = marked(out, "✗")
    assert len(failed) == 1 and "C0NOSUCH" in failed[0] and "channel_not_found" in failed[0]
    assert "/invite @aig-feedback" in out and "AIG_FEEDBACK_CHANNEL" in out


async def test_missing_scope_is_named(
    gateway: GatewaySandbox, slack: SlackSandbox, tmp_path: Path
) -> None:
    """Scopes come from x-oauth-scopes; usergroups:read is needed once raters name a group."""
    slack.scopes = ["chat:write", "commands"]
    code, out = await doctor(gateway, slack, tmp_path, AIG_ALLOWED_RATERS="U0ALICE,S0REVIEW")
    assert code != 0
    failed = marked(out, "✗")
    assert len(failed) == 1 and "usergroups:read" in failed[0]
    assert "reinstall" in out

    slack.scopes = ["chat:write"]
    code, out = await doctor(gateway, slack, tmp_path)
    assert code != 0
    assert "commands" in " ".join(marked(out, "✗")) and "usergroups" not in out


async def test_configuration_problems_are_all_listed(
    gateway: GatewaySandbox, slack: SlackSandbox, tmp_path: Path
) -> None:
    """Bad settings: every problem is listed, the live checks are skipped, exit non-zero."""
    code, out = await doctor(gateway, slack, tmp_path, SLACK_BOT_TOKEN=None, AIG_SAMPLE_SIZE="lots")
    assert code != 0
    assert "SLACK_BOT_TOKEN is required" in out and "AIG_SAMPLE_SIZE" in out
    assert marked(out, "–") and gateway.calls == [] and slack.calls == []


async def test_empty_gateway_warns_about_the_new_logging_system(
    slack: SlackSandbox, tmp_path: Path
) -> None:
    """No logs at all: a warning pointing at the new logging system; warnings do not fail."""
    async with GatewaySandbox(logs=build_logs(0, now=datetime.now(UTC))) as gateway:
        code, out = await doctor(gateway, slack, tmp_path)
    assert code == 0, out
    warning = " ".join(marked(out, "!"))
    assert "2026-09-24" in warning and "new logging system" in warning
    assert "with 1 warning" in out


async def test_wrong_gateway_id_fails_with_a_404_hint(
    gateway: GatewaySandbox, slack: SlackSandbox, tmp_path: Path
) -> None:
    """A gateway the account does not have: ✗ naming the IDs to check, and the logging note."""
    code, out = await doctor(gateway, slack, tmp_path, CLOUDFLARE_GATEWAY_ID="no-such-gateway")
    assert code != 0
    failed = marked(out, "✗")
    assert len(failed) == 1 and "no-such-gateway" in failed[0] and "404" in failed[0]
    assert "CLOUDFLARE_GATEWAY_ID" in out and "2026-09-24" in out


async def test_rate_limit_names_code_971_and_stops_calling(
    gateway: GatewaySandbox, slack: SlackSandbox, tmp_path: Path
) -> None:
    """A 429 from Cloudflare: ✗ with code 971 and the wait, and no further gateway calls."""
    gateway.fail_next(1, status=429, retry_after=30)
    code, out = await doctor(gateway, slack, tmp_path)
    assert code != 0
    failed = marked(out, "✗")
    assert len(failed) == 1 and "rate limits" in failed[0] and "971" in failed[0]
    assert "30 s" in failed[0]
    assert len(gateway.calls) == 1


async def test_socket_mode_app_token_is_checked_or_skipped(
    gateway: GatewaySandbox, slack: SlackSandbox, tmp_path: Path
) -> None:
    """SLACK_APP_TOKEN goes through apps.connections.open where the Slack API offers it."""
    app_token = getattr(slack, "app_token", None)
    if app_token is None:
        code, out = await doctor(gateway, slack, tmp_path, SLACK_APP_TOKEN="xapp-1-unchecked")
        assert code == 0, out
        assert "apps.connections.open" in " ".join(marked(out, "–"))
        return
    code, out = await doctor(gateway, slack, tmp_path, SLACK_APP_TOKEN=app_token)
    assert code == 0, out
    assert "Socket Mode app token is valid" in " ".join(marked(out, "✓"))
    code, out = await doctor(gateway, slack, tmp_path, SLACK_APP_TOKEN="xapp-1-wrong")
    assert code != 0
    assert "SLACK_APP_TOKEN" in " ".join(marked(out, "✗"))


async def test_http_mode_without_signing_secret_fails(
    gateway: GatewaySandbox, slack: SlackSandbox, tmp_path: Path
) -> None:
    """Neither a signing secret nor an app token: the run mode check fails and says why."""
    code, out = await doctor(gateway, slack, tmp_path, SLACK_SIGNING_SECRET=None)
    assert code != 0
    assert "SLACK_SIGNING_SECRET" in " ".join(marked(out, "✗"))


async def test_channel_check_without_read_scope_only_warns(
    gateway: GatewaySandbox, slack: SlackSandbox, tmp_path: Path
) -> None:
    """conversations.info answering missing_scope: a warning with the /invite advice, exit 0."""
    slack.fail_next("conversations.info", status=200, error="missing_scope")
    code, out = await doctor(gateway, slack, tmp_path)
    assert code == 0, out
    warning = " ".join(marked(out, "!"))
    assert "C0FEEDBACK" in warning and "channels:read" in warning
    assert "/invite @aig-feedback" in out

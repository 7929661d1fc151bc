"""The requests Slack sends to an app, built the way Slack builds them: signed, form-encoded.

Slash commands are `application/x-www-form-urlencoded` fields; interactions are one form field,
`payload=<JSON>`. Every request carries `X-Slack-Request-Timestamp` and
`X-Slack-Signature: v0=HMAC-SHA256(secret, "v0:{ts}:{body}")` (docs.slack.dev/authentication/
verifying-requests-from-slack). Shapes follow docs.slack.dev/reference/interaction-payloads and
bolt-python's scenario tests. Pure functions: no IO, no state.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from bot.sandbox._blockkit import interactive_elements
from bot.sandbox._slack_records import JSON
from bot.sandbox._slack_state import Workspace

USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `X-Slack-Signature` header value for `body` sent at `timestamp`."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(
    *, secret: str, timestamp: int, body: bytes, content_type: str
) -> dict[str, str]:
    return {
        "Content-Type": content_type,
        "User-Agent": USER_AGENT,
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": signature(secret, timestamp, body),
    }


def slash_command_body(
    ws: Workspace,
    *,
    command: str,
    text: str,
    user: str,
    channel: str,
    response_url: str,
    trigger_id: str,
) -> bytes:
    """The form body of a slash command invocation."""
    fields = {
        "token": ws.verification_token,
        "team_id": ws.team_id,
        "team_domain": ws.domain,
        "channel_id": channel,
        "channel_name": ws.channels[channel],
        "user_id": user,
        "user_name": ws.user_name(user),
        "command": command,
        "text": text,
        "api_app_id": ws.app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }
    return urlencode(fields).encode()


def interaction_body(payload: JSON) -> bytes:
    """The form body of an interaction: `payload=<urlencoded JSON>`."""
    return urlencode({"payload": json.dumps(payload, separators=(",", ":"))}).encode()


def block_actions_payload(
    ws: Workspace,
    *,
    user: str,
    channel: str,
    container: JSON,
    message: JSON | None,
    action: JSON,
    response_url: str,
    trigger_id: str,
) -> JSON:
    """A `block_actions` payload; `message` is None for ephemeral containers, as in Slack."""
    name = ws.user_name(user)
    payload: JSON = {
        "type": "block_actions",
        "user": {"id": user, "username": name, "name": name, "team_id": ws.team_id},
        "api_app_id": ws.app_id,
        "token": ws.verification_token,
        "container": container,
        "trigger_id": trigger_id,
        "team": {"id": ws.team_id, "domain": ws.domain},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": ws.channels[channel]},
    }
    if message is not None:
        payload["message"] = message
    payload["state"] = {"values": {}}
    payload["response_url"] = response_url
    payload["actions"] = [action]
    return payload


def clicked_action(blocks: list[JSON], action_id: str, value: str | None) -> JSON:
    """The `actions[0]` entry for clicking the element `action_id` in `blocks`.

    Buttons report their own value unless `value` overrides it; a `feedback_buttons` element
    reports the positive button unless `value` names the other one. Raises LookupError when no
    element has that action_id, ValueError for elements the sandbox cannot click.
    """
    action_ts = f"{time.time():.6f}"
    for block_id, element in interactive_elements(blocks):
        if element.get("action_id") != action_id:
            continue
        kind = element.get("type")
        if kind == "button":
            action: JSON = {"action_id": action_id, "block_id": block_id, "type": "button"}
            chosen = value if value is not None else element.get("value")
            if chosen is not None:
                action["value"] = chosen
            action["text"] = element.get("text")
            if "style" in element:
                action["style"] = element["style"]
            action["action_ts"] = action_ts
            return action
        if kind == "feedback_buttons":
            button = _feedback_button(element, value)
            return {
                "action_id": action_id,
                "block_id": block_id,
                "type": "feedback_buttons",
                "value": button.get("value"),
                "text": button.get("text"),
                "action_ts": action_ts,
            }
        raise ValueError(f"the sandbox clicks buttons only; {action_id!r} is a {kind}")
    present = [str(e.get("action_id")) for _, e in interactive_elements(blocks)]
    raise LookupError(f"no clickable element with action_id {action_id!r}; present: {present}")


def _feedback_button(element: JSON, value: str | None) -> Any:
    positive, negative = element.get("positive_button", {}), element.get("negative_button", {})
    if value is not None and negative.get("value") == value:
        return negative
    if value is not None and positive.get("value") != value:
        raise ValueError(f"neither feedback button has value {value!r}")
    return positive


def event_callback(ws: Workspace, event: JSON) -> JSON:
    """The Events API envelope Slack POSTs (as JSON) for a bot event
    (docs.slack.dev/apis/events-api: the callback field overview)."""
    return {
        "token": ws.verification_token,
        "team_id": ws.team_id,
        "context_team_id": ws.team_id,
        "context_enterprise_id": None,
        "api_app_id": ws.app_id,
        "event": event,
        "type": "event_callback",
        "event_id": f"Ev{ws.short_id()}",
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": ws.team_id,
                "user_id": ws.bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{secrets.token_urlsafe(24)}",
    }


def app_home_opened(ws: Workspace, *, user: str, tab: str) -> JSON:
    """`app_home_opened` for `user` entering the app's `tab` ("home" or "messages"); a Home tab
    published before is included as `view` (docs.slack.dev/reference/events/app_home_opened)."""
    event: JSON = {
        "type": "app_home_opened",
        "user": user,
        "channel": "D" + user[1:],  # the app's DM with the user
        "tab": tab,
        "event_ts": f"{time.time():.6f}",
    }
    stored = ws.views.get(ws.homes.get(user, ""))
    if tab == "home" and stored is not None:
        event["view"] = {
            "id": stored.id,
            "team_id": ws.team_id,
            "type": "home",
            "blocks": stored.raw.get("blocks", []),
            "private_metadata": stored.raw.get("private_metadata", ""),
            "callback_id": stored.raw.get("callback_id", ""),
            "hash": stored.hash,
            "clear_on_close": False,
            "notify_on_close": False,
            "root_view_id": stored.root_view_id,
            "app_id": ws.app_id,
            "external_id": stored.raw.get("external_id", ""),
            "app_installed_team_id": ws.team_id,
            "bot_id": ws.bot_id,
        }
    return event

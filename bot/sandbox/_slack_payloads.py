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


# --- view submissions --------------------------------------------------------------------------

_SINGLE = frozenset({"radio_buttons", "static_select"})
_MULTI = frozenset({"checkboxes", "multi_static_select"})
InputValue = str | list[str] | None


def view_state_values(blocks: list[JSON], inputs: dict[str, InputValue]) -> JSON:
    """`view.state.values` for a modal whose inputs hold `inputs` (by action_id): every input
    block appears, empty ones with null values, as Slack sends them.

    Raises LookupError for an action_id no input has, and ValueError where Slack's client would
    not let the person submit: a required input left empty, an option the element does not
    offer, text outside the input's length limits.
    """
    values: JSON = {}
    unused = set(inputs)
    for index, block in enumerate(blocks):
        element = block.get("element") if block.get("type") == "input" else None
        if not isinstance(element, dict):
            continue
        action_id = str(element.get("action_id") or f"input{index}")
        given = inputs.get(action_id)
        unused.discard(action_id)
        if not given and not block.get("optional", False):
            raise ValueError(f"input {action_id!r} is required: Slack would not submit")
        state = _element_state(element, given, action_id)
        values.setdefault(str(block.get("block_id") or f"b{index}"), {})[action_id] = state
    if unused:
        raise LookupError(f"no input with action_id {sorted(unused)} in this modal")
    return values


def _element_state(element: JSON, given: InputValue, action_id: str) -> JSON:
    kind = element.get("type")
    if kind == "plain_text_input":
        if isinstance(given, list):
            raise ValueError(f"{action_id!r} takes text, not a list")
        text = given or None
        low, high = element.get("min_length", 0), element.get("max_length", 3000)
        if text is not None and not low <= len(text) <= high:
            raise ValueError(f"{action_id!r} takes {low}–{high} characters, got {len(text)}")
        return {"type": kind, "value": text}
    options = {str(o.get("value")): o for o in element.get("options", []) if isinstance(o, dict)}
    chosen = [given] if isinstance(given, str) else list(given or [])
    missing = [value for value in chosen if value not in options]
    if missing:
        raise ValueError(f"{action_id!r} offers no option {missing}; it has {sorted(options)}")
    if kind in _SINGLE:
        if len(chosen) > 1:
            raise ValueError(f"{action_id!r} takes one option")
        return {"type": kind, "selected_option": options[chosen[0]] if chosen else None}
    if kind in _MULTI:
        return {"type": kind, "selected_options": [options[value] for value in chosen]}
    raise ValueError(f"the sandbox cannot fill a {kind} input ({action_id!r})")


def view_submission_payload(
    ws: Workspace, *, user: str, view: JSON, state_values: JSON, trigger_id: str
) -> JSON:
    """A `view_submission` payload for `view` (as views.open returned it) with its state."""
    name = ws.user_name(user)
    submitted = {**view, "state": {"values": state_values}}
    submitted.setdefault("app_installed_team_id", ws.team_id)
    return {
        "type": "view_submission",
        "team": {"id": ws.team_id, "domain": ws.domain},
        "user": {"id": user, "username": name, "name": name, "team_id": ws.team_id},
        "api_app_id": ws.app_id,
        "token": ws.verification_token,
        "trigger_id": trigger_id,
        "view": submitted,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


# --- message events ---------------------------------------------------------------------------


def message_event(ws: Workspace, *, message: JSON, channel: str, parent_user: str | None) -> JSON:
    """The `message` event for a person's message as stored, with `thread_ts` and
    `parent_user_id` when it is a thread reply (docs.slack.dev/reference/events/message)."""
    event: JSON = {
        "client_msg_id": message.get("client_msg_id"),
        "type": "message",
        "text": message.get("text", ""),
        "user": message.get("user"),
        "ts": message["ts"],
        "blocks": message.get("blocks", []),
        "team": ws.team_id,
    }
    if message.get("thread_ts"):
        event["thread_ts"] = message["thread_ts"]
        if parent_user:
            event["parent_user_id"] = parent_user
    return event | {
        "channel": channel,
        "event_ts": message["ts"],
        "channel_type": "group" if channel.startswith("G") else "channel",
    }

"""manifest.yml validates against Slack's manifest schema and matches the registered listeners."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from bot import ids

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "tests" / "unit" / "slack-app-manifest.schema.json"


def manifest() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "manifest.yml").read_text())
    return data


def test_manifest_is_valid_per_slacks_schema() -> None:
    """The manifest a user pastes passes Slack's published JSON Schema (v1)."""
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator(schema).validate(manifest())


def test_declared_commands_have_listeners() -> None:
    """Every slash command in the manifest is one the bot registers."""
    commands = [c["command"] for c in manifest()["features"]["slash_commands"]]
    assert commands == [ids.SLASH_COMMAND]


def test_http_urls_point_at_the_events_endpoint() -> None:
    """Interactivity and the slash command both go to /slack/events."""
    m = manifest()
    assert m["settings"]["interactivity"]["is_enabled"] is True
    assert m["settings"]["interactivity"]["request_url"].endswith("/slack/events")
    assert all(c["url"].endswith("/slack/events") for c in m["features"]["slash_commands"])


def test_scopes_cover_what_the_bot_calls() -> None:
    """The bot can post and edit messages, receive commands, and resolve user groups."""
    scopes = set(manifest()["oauth_config"]["scopes"]["bot"])
    assert {"chat:write", "commands", "usergroups:read"} <= scopes


def test_app_home_and_digest_are_declared() -> None:
    """The Home tab is on with its `app_home_opened` event; the digest's chart upload has
    `files:write`."""
    m = manifest()
    assert m["features"]["app_home"]["home_tab_enabled"] is True
    assert "app_home_opened" in m["settings"]["event_subscriptions"]["bot_events"]
    assert "files:write" in m["oauth_config"]["scopes"]["bot"]


def test_thread_notes_are_declared() -> None:
    """`note:` replies need the message events and the history scopes of both channel kinds,
    and the events go to /slack/events like everything else."""
    m = manifest()
    events = m["settings"]["event_subscriptions"]
    assert {"message.channels", "message.groups"} <= set(events["bot_events"])
    assert {"channels:history", "groups:history"} <= set(m["oauth_config"]["scopes"]["bot"])
    assert events["request_url"].endswith("/slack/events")

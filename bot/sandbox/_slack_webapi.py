"""The Slack Web API methods the sandbox answers, with Slack's argument rules and error names.

Each method takes the call's merged arguments (query string, form or JSON body; JSON-in-a-string
arguments already decoded by the HTTP layer when they parse) and returns the JSON Slack would, or
raises `SlackError`. Token checks, fault injection, latency and recording happen in `slack`; the
state lives in `_slack_state.Workspace`. Sources for the rules: docs.slack.dev method references
(error names), and Block Kit limits via `_blockkit`.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from typing import Any

from bot.sandbox._blockkit import (
    MAX_BLOCK_TEXT,
    MAX_MESSAGE_TEXT,
    MESSAGE_MAX_BLOCKS,
    VIEW_MAX_BLOCKS,
    block_text_length,
    check_blocks,
)
from bot.sandbox._slack_records import JSON
from bot.sandbox._slack_state import SlackError, StoredView, Workspace, missing

Method = Callable[[JSON], JSON]

VIEW_MAX_BYTES = 250_000


def message_content(
    args: JSON, *, max_block_text: int = MAX_BLOCK_TEXT
) -> tuple[str, list[JSON] | None]:
    """The (text, blocks) of a message payload after Slack's checks; blocks None when absent.

    Raises `no_text` when there is neither, `invalid_blocks_format` when `blocks` is not an array,
    `invalid_blocks` (with `errors`) when Block Kit limits are broken and `msg_blocks_too_long`
    past the aggregate text cap. Text over 40,000 characters is truncated, as Slack does.
    """
    blocks = args.get("blocks")
    if blocks is not None and not isinstance(blocks, list):
        raise SlackError("invalid_blocks_format")
    text = args.get("text")
    if not text and not blocks and not args.get("attachments"):
        raise SlackError("no_text")
    if blocks:
        errors = check_blocks(blocks, max_blocks=MESSAGE_MAX_BLOCKS)
        if errors:
            raise SlackError(
                "invalid_blocks",
                errors=errors,
                response_metadata={"messages": [f"[ERROR] {error}" for error in errors]},
            )
        if block_text_length(blocks) > max_block_text:
            raise SlackError("msg_blocks_too_long")
    return str(text or "")[:MAX_MESSAGE_TEXT], blocks


class WebApi:
    """Dispatches `method` names to their implementations over one `Workspace`."""

    def __init__(self, workspace: Workspace) -> None:
        self.ws = workspace
        self.max_block_text = MAX_BLOCK_TEXT
        self.methods: dict[str, Method] = {
            "auth.test": self.auth_test,
            "chat.postMessage": self.chat_post_message,
            "chat.update": self.chat_update,
            "chat.postEphemeral": self.chat_post_ephemeral,
            "chat.getPermalink": self.chat_get_permalink,
            "conversations.info": self.conversations_info,
            "views.open": self.views_open,
            "views.push": self.views_push,
            "views.update": self.views_update,
            "views.publish": self.views_publish,
            "usergroups.users.list": self.usergroups_users_list,
            "users.info": self.users_info,
        }

    # --- auth ----------------------------------------------------------------------------------

    def auth_test(self, args: JSON) -> JSON:
        ws = self.ws
        return {
            "ok": True,
            "url": f"https://{ws.domain}.slack.com/",
            "team": ws.team_name,
            "user": ws.user_name(ws.bot_user_id),
            "team_id": ws.team_id,
            "user_id": ws.bot_user_id,
            "bot_id": ws.bot_id,
            "is_enterprise_install": False,
        }

    # --- chat ----------------------------------------------------------------------------------

    def _postable_channel(self, args: JSON) -> str:
        channel = self.ws.resolve_channel(args.get("channel"))
        if channel not in self.ws.member_of:
            raise SlackError("not_in_channel")
        return channel

    def chat_post_message(self, args: JSON) -> JSON:
        channel = self._postable_channel(args)
        text, blocks = message_content(args, max_block_text=self.max_block_text)
        thread_ts = args.get("thread_ts")
        metadata = args.get("metadata")
        message = self.ws.post_message(
            channel,
            text,
            blocks or [],
            user=self.ws.bot_user_id,
            bot_id=self.ws.bot_id,
            thread_ts=str(thread_ts) if thread_ts else None,
            metadata=metadata if isinstance(metadata, dict) else None,
        )
        return {"ok": True, "channel": channel, "ts": message.ts, "message": message.as_json()}

    def chat_update(self, args: JSON) -> JSON:
        for required in ("channel", "ts"):
            if not args.get(required):
                raise missing(required)
        channel = self.ws.resolve_channel(args["channel"])
        message = self.ws.find_message(channel, args["ts"])
        if message.user != self.ws.bot_user_id:
            raise SlackError("cant_update_message")
        text, blocks = message_content(args, max_block_text=self.max_block_text)
        # docs.slack.dev chat.update: without `blocks`, old blocks survive only if `text` is absent
        if blocks is None:
            blocks = [] if "text" in args else message.blocks
        message.rewrite(text, self.ws.with_block_ids(blocks))
        if isinstance(args.get("metadata"), dict):
            message.metadata = args["metadata"]
        return {
            "ok": True,
            "channel": channel,
            "ts": message.ts,
            "text": text,
            "message": message.as_json(),
        }

    def chat_post_ephemeral(self, args: JSON) -> JSON:
        channel = self._postable_channel(args)
        user = args.get("user")
        if not user:
            raise missing("user")
        if not self.ws.is_user(user):
            raise SlackError("user_not_in_channel")
        text, blocks = message_content(args, max_block_text=self.max_block_text)
        ephemeral = self.ws.post_ephemeral(
            channel, str(user), text, blocks or [], source="chat.postEphemeral", response_url=None
        )
        return {"ok": True, "message_ts": ephemeral.ts}

    def chat_get_permalink(self, args: JSON) -> JSON:
        channel = self.ws.resolve_channel(args.get("channel"))
        if not args.get("message_ts"):
            raise missing("message_ts")
        message = self.ws.find_message(channel, args["message_ts"])
        link = (
            f"https://{self.ws.domain}.slack.com/archives/{channel}/p{message.ts.replace('.', '')}"
        )
        if message.thread_ts:
            link += f"?thread_ts={message.thread_ts}&cid={channel}"
        return {"ok": True, "channel": channel, "permalink": link}

    # --- conversations, users, groups ----------------------------------------------------------

    def conversations_info(self, args: JSON) -> JSON:
        channel = self.ws.resolve_channel(args.get("channel"))
        name = self.ws.channels[channel]
        return {
            "ok": True,
            "channel": {
                "id": channel,
                "name": name,
                "name_normalized": name,
                "is_channel": True,
                "is_group": False,
                "is_im": False,
                "is_private": False,
                "is_archived": False,
                "is_general": False,
                "is_member": channel in self.ws.member_of,
                "created": 1_700_000_000,
                "context_team_id": self.ws.team_id,
            },
        }

    def users_info(self, args: JSON) -> JSON:
        user = args.get("user")
        if not user:
            raise missing("user")
        if not self.ws.is_user(user):
            raise SlackError("user_not_found")
        name = self.ws.user_name(str(user))
        return {
            "ok": True,
            "user": {
                "id": user,
                "team_id": self.ws.team_id,
                "name": name,
                "real_name": name.title(),
                "deleted": False,
                "is_bot": user == self.ws.bot_user_id,
                "tz": "UTC",
                "profile": {
                    "real_name": name.title(),
                    "display_name": name,
                    "team": self.ws.team_id,
                },
            },
        }

    def usergroups_users_list(self, args: JSON) -> JSON:
        group = args.get("usergroup")
        if not group:
            raise missing("usergroup")
        if group not in self.ws.usergroups:
            raise SlackError("no_such_subteam")
        return {"ok": True, "users": list(self.ws.usergroups[str(group)])}

    # --- views ---------------------------------------------------------------------------------

    def views_open(self, args: JSON) -> JSON:
        trigger_id = args.get("trigger_id") or args.get("interactivity_pointer")
        if not trigger_id:
            raise missing("trigger_id")
        view = self._view_arg(args, kinds=("modal",))
        trigger = self.ws.exchange_trigger(str(trigger_id))
        view_id = self.ws.short_id("V")
        stored = StoredView(view_id, trigger.user, view, _new_hash(), root_view_id=view_id)
        return self._store(stored)

    def views_push(self, args: JSON) -> JSON:
        if not args.get("trigger_id"):
            raise missing("trigger_id")
        view = self._view_arg(args, kinds=("modal",))
        trigger = self.ws.exchange_trigger(str(args["trigger_id"]))
        below = [
            v for v in self.ws.views.values() if v.user == trigger.user and v.raw["type"] == "modal"
        ]
        previous = below[-1] if below else None
        view_id = self.ws.short_id("V")
        stored = StoredView(
            view_id,
            trigger.user,
            view,
            _new_hash(),
            root_view_id=previous.root_view_id if previous else view_id,
            previous_view_id=previous.id if previous else None,
        )
        return self._store(stored)

    def views_update(self, args: JSON) -> JSON:
        view = self._view_arg(args, kinds=("modal", "home"))
        stored = self._find_view(args)
        if stored is None:
            raise SlackError("not_found")
        if args.get("hash") and args["hash"] != stored.hash:
            raise SlackError("hash_conflict")
        stored.raw, stored.hash = view, _new_hash()
        return self._store(stored)

    def views_publish(self, args: JSON) -> JSON:
        user = args.get("user_id")
        if not user:
            raise missing("user_id")
        view = self._view_arg(args, kinds=("home",))
        current = self.ws.views.get(self.ws.homes.get(str(user), ""))
        if args.get("hash") and (current is None or args["hash"] != current.hash):
            raise SlackError("hash_conflict")
        view_id = current.id if current else self.ws.short_id("V")
        self.ws.homes[str(user)] = view_id
        return self._store(StoredView(view_id, str(user), view, _new_hash(), root_view_id=view_id))

    def _find_view(self, args: JSON) -> StoredView | None:
        if args.get("view_id"):
            return self.ws.views.get(str(args["view_id"]))
        external_id = args.get("external_id")
        if not external_id:
            raise missing("view_id")
        for stored in self.ws.views.values():
            if stored.raw.get("external_id") == external_id:
                return stored
        return None

    def _view_arg(self, args: JSON, *, kinds: tuple[str, ...]) -> JSON:
        view = args.get("view")
        if view is None:
            raise missing("view")
        if not isinstance(view, dict):
            raise _invalid_view("must be a JSON object", "/view")
        if len(json.dumps(view)) > VIEW_MAX_BYTES:
            raise SlackError("view_too_large")
        problems = [] if view.get("type") in kinds else [f"must be one of {list(kinds)}"]
        problems = [f"{p} [json-pointer:/view/type]" for p in problems]
        if view.get("type") == "modal":
            problems += _check_view_text(view, "title", required=True)
            problems += _check_view_text(view, "submit") + _check_view_text(view, "close")
            blocks = view.get("blocks")
            has_input = isinstance(blocks, list) and any(
                isinstance(b, dict) and b.get("type") == "input" for b in blocks
            )
            if has_input and "submit" not in view:  # docs.slack.dev/reference/views/modal-views
                problems.append(
                    "must define submit to use an input block in modals [json-pointer:/view]"
                )
        problems += check_blocks(
            view.get("blocks"), max_blocks=VIEW_MAX_BLOCKS, pointer="/view/blocks"
        )
        if len(str(view.get("private_metadata", ""))) > 3000:
            problems.append(
                "must be less than 3001 characters [json-pointer:/view/private_metadata]"
            )
        if problems:
            raise _invalid_view(*problems)
        return view

    def _store(self, stored: StoredView) -> JSON:
        external_id = stored.raw.get("external_id")
        for other in self.ws.views.values():
            if (
                external_id
                and other.id != stored.id
                and other.raw.get("external_id") == external_id
            ):
                raise SlackError("duplicate_external_id")
        self.ws.views[stored.id] = stored
        view: JSON = {
            "callback_id": "",
            "private_metadata": "",
            "external_id": "",
            "clear_on_close": False,
            "notify_on_close": False,
            **stored.raw,
            "id": stored.id,
            "team_id": self.ws.team_id,
            "app_id": self.ws.app_id,
            "bot_id": self.ws.bot_id,
            "state": {"values": {}},
            "hash": stored.hash,
            "root_view_id": stored.root_view_id,
            "previous_view_id": stored.previous_view_id,
        }
        return {"ok": True, "view": view}


def _new_hash() -> str:
    return f"{int(time.time())}.{secrets.token_hex(4)}"


def _check_view_text(view: JSON, key: str, *, required: bool = False) -> list[str]:
    obj: Any = view.get(key)
    pointer = f"/view/{key}"
    if obj is None:
        return [f"missing required field: {key} [json-pointer:{pointer}]"] if required else []
    if not isinstance(obj, dict) or obj.get("type") != "plain_text":
        return [f"must be a plain_text object [json-pointer:{pointer}]"]
    text = obj.get("text")
    if not isinstance(text, str) or not 0 < len(text) <= 24:
        return [f"must be between 1 and 24 characters [json-pointer:{pointer}/text]"]
    return []


def _invalid_view(*problems: str) -> SlackError:
    """Slack answers a malformed view with invalid_arguments and one message per problem."""
    return SlackError(
        "invalid_arguments", response_metadata={"messages": [f"[ERROR] {p}" for p in problems]}
    )

"""What the Slack sandbox records and hands to tests: immutable snapshots, never live state.

Every value here is a frozen dataclass built from a deep copy, so a test may keep one, compare it
later and poke at its dicts without changing the sandbox. Collections of versions are tuples;
Block Kit payloads stay lists of dicts, as they arrive on the wire, so they compare equal to what
the bot rendered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

JSON = dict[str, Any]

EphemeralSource = Literal["chat.postEphemeral", "ack", "response_url"]


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One Web API call as the sandbox received and answered it (rejected calls included).

    `args` merges the query string, the form or JSON body; JSON-in-a-string arguments (`blocks`,
    `view`, `metadata`, `attachments`) are decoded when they parse. The token is never kept.
    `at` is `time.monotonic()` when the call arrived; `status` is the HTTP status answered.
    """

    method: str
    args: JSON
    ok: bool
    error: str | None
    at: float
    status: int = 200


@dataclass(frozen=True, slots=True)
class Version:
    """An earlier text and blocks of a message or ephemeral, kept when it was edited."""

    text: str
    blocks: list[JSON]


@dataclass(frozen=True, slots=True)
class Message:
    """A channel message as it stands now; `history` holds its previous versions, oldest first."""

    channel: str
    ts: str
    text: str
    blocks: list[JSON]
    user: str
    thread_ts: str | None
    edits: int
    history: tuple[Version, ...]
    bot_id: str | None
    deleted: bool = False
    metadata: JSON | None = None


@dataclass(frozen=True, slots=True)
class Ephemeral:
    """A message only `user` sees in `channel`.

    `source` says how it arrived: `chat.postEphemeral`, the inline `ack` body of a slash command,
    or a POST to a `response_url`. `response_url` is the URL it came through (None for
    chat.postEphemeral). When a later `replace_original` rewrote it, `edits` counts the rewrites,
    `history` holds what it said before and `replaced_via` names the response_url that did it.
    """

    channel: str
    user: str
    ts: str
    text: str
    blocks: list[JSON]
    source: EphemeralSource
    response_url: str | None
    edits: int = 0
    history: tuple[Version, ...] = ()
    replaced_via: str | None = None
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class View:
    """A modal (views.open / push / update) or an App Home (views.publish)."""

    id: str
    type: str
    user: str
    blocks: list[JSON]
    callback_id: str | None
    private_metadata: str
    external_id: str | None
    hash: str
    root_view_id: str
    previous_view_id: str | None
    raw: JSON
    closed: bool = False  # submitted and closed by the app's ack (or `clear`)


@dataclass(frozen=True, slots=True)
class ResponsePost:
    """One POST the bot made to a `response_url`, with the sandbox's answer."""

    response_url: str
    body: JSON
    status: int
    error: str | None
    at: float


@dataclass(frozen=True, slots=True)
class SlashResult:
    """What happened when the sandbox sent a slash command to the bot.

    `status` is the bot's HTTP status, 0 when it did not answer. `error` is what Slack would show
    the user: `operation_timeout` (no ack within the ack timeout), `dispatch_failed` (unreachable
    or not HTTP 200), or a Block Kit error in the ack body. `body` is the parsed JSON ack body
    (None when empty or not JSON), `text` the raw body. `response_url` and `trigger_id` are the
    fresh ones the payload carried. `elapsed` is seconds until the ack arrived.
    """

    status: int
    body: JSON | None
    text: str
    response_url: str
    trigger_id: str
    elapsed: float
    error: str | None = None


@dataclass(frozen=True, slots=True)
class ClickResult:
    """What happened when the sandbox sent a block_actions click to the bot (see SlashResult)."""

    status: int
    body: JSON | None
    text: str
    response_url: str
    trigger_id: str
    elapsed: float
    error: str | None = None
    payload: JSON | None = None


@dataclass(frozen=True, slots=True)
class EventDelivery:
    """What happened when the sandbox delivered an event (e.g. `app_home_opened`) to the bot.

    `status` is the bot's HTTP status, 0 when it did not answer; `error` is what Slack would
    record: `operation_timeout` (no answer within the ack timeout) or `dispatch_failed`.
    `payload` is the `event_callback` envelope that was sent.
    """

    status: int
    text: str
    elapsed: float
    payload: JSON
    error: str | None = None


@dataclass(frozen=True, slots=True)
class SubmitResult:
    """What happened when the sandbox submitted a modal to the bot (`view_submission`).

    `status`, `text`, `elapsed` and `error` are as for `SlashResult`. `body` is the parsed ack
    (None when empty). `errors` holds a `response_action: errors` ack's messages by block_id
    (the modal then stays open); `closed` says whether Slack closed the modal. `payload` is the
    exact payload sent.
    """

    status: int
    body: JSON | None
    text: str
    elapsed: float
    error: str | None = None
    errors: dict[str, str] | None = None
    closed: bool = False
    payload: JSON | None = None

"""A loopback stand-in for Slack: its Web API, its response_url webhooks, and Slack's own requests.

`SlackSandbox` is a real aiohttp server on 127.0.0.1. Point the bot's `SLACK_API_URL` at
`sandbox.api_url` and the sandbox answers `auth.test`, `chat.*`, `views.*`, … with Slack's rules
and error names, recording every call. Set `sandbox.events_url` to the bot's `POST /slack/events`
and the sandbox plays Slack towards the bot: signed slash commands and `block_actions` clicks whose
`response_url`s point back here. Faults (429 with Retry-After, `ok: false`, 5xx) and latency are
injectable. Behind `aig-feedback demo`, the end-to-end tests and the benchmarks; it must stay
faithful to documented Slack behaviour rather than convenient. `python -m bot.sandbox.slack`
runs one standalone.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import inspect
import logging
import time
from collections.abc import Callable, Iterable

from aiohttp import web

from bot.sandbox._served import Served
from bot.sandbox._slack_driver import SlackDriver
from bot.sandbox._slack_files import UPLOAD_PATH, FileUploads, UploadedFile
from bot.sandbox._slack_http import Answer, Faults, read_args, webhook_body
from bot.sandbox._slack_payloads import app_home_opened
from bot.sandbox._slack_records import (
    JSON,
    ApiCall,
    ClickResult,
    Ephemeral,
    EventDelivery,
    Message,
    ResponsePost,
    SlashResult,
    SubmitResult,
    Version,
    View,
)
from bot.sandbox._slack_state import SlackError, Workspace
from bot.sandbox._slack_webapi import WebApi, message_content
from bot.sandbox._socket_mode import (
    LINK_PATH,
    OPEN_METHOD,
    SocketAck,
    SocketConnection,
    SocketEnvelope,
    SocketModeDriver,
    SocketModeServer,
)

__all__ = [
    "ApiCall",
    "ClickResult",
    "Ephemeral",
    "EventDelivery",
    "Message",
    "ResponsePost",
    "SlackSandbox",
    "SlashResult",
    "SocketAck",
    "SocketConnection",
    "SocketEnvelope",
    "SubmitResult",
    "UploadedFile",
    "Version",
    "View",
]

logger = logging.getLogger(__name__)

DEFAULT_BOT_TOKEN = "xoxb-sandbox-token"
DEFAULT_SIGNING_SECRET = "sandbox-signing-secret"
DEFAULT_APP_TOKEN = "xapp-1-A0AIGFEEDBACK-1-sandbox"
DEFAULT_SCOPES = ("chat:write", "commands", "channels:read", "users:read", "usergroups:read")


class SlackSandbox(Served):
    """Slack on loopback: Web API + response_url webhooks + a driver that sends signed requests."""

    def __init__(
        self,
        *,
        bot_token: str = DEFAULT_BOT_TOKEN,
        signing_secret: str = DEFAULT_SIGNING_SECRET,
        app_token: str = DEFAULT_APP_TOKEN,
        channels: Iterable[str] = ("C0FEEDBACK",),
        team_id: str = "T0SANDBOX",
        bot_user_id: str = "U0AIGBOT",
        events_url: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bot_token = bot_token
        self.latency = 0.0
        self.scopes: list[str] = list(DEFAULT_SCOPES)  # sent as x-oauth-scopes, as Slack does
        self.calls: list[ApiCall] = []
        self.workspace = Workspace(
            team_id=team_id, bot_user_id=bot_user_id, channels=channels, clock=clock
        )
        self.web_api = WebApi(self.workspace)
        self.uploads = FileUploads(self.workspace, base_url=lambda: self.base_url)
        self.web_api.methods.update(self.uploads.methods)  # files upload v2
        self.driver = SlackDriver(
            self.workspace,
            self.web_api,
            base_url=lambda: self.base_url,
            signing_secret=signing_secret,
            events_url=events_url,
        )
        self.socket_mode = SocketModeServer(
            app_token=app_token, app_id=self.workspace.app_id, base_url=lambda: self.base_url
        )
        self.socket_driver = SocketModeDriver(
            self.workspace, self.web_api, base_url=lambda: self.base_url, server=self.socket_mode
        )
        self._faults = Faults()
        self._responses: list[ResponsePost] = []
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None
        self._listeners: list[Callable[[], None]] = []

    # --- settings (live: changing one changes the sandbox's next answers) ----------------------

    @property
    def events_url(self) -> str | None:
        """The bot's `POST /slack/events` URL, where the driver sends Slack's requests."""
        return self.driver.events_url

    @events_url.setter
    def events_url(self, url: str | None) -> None:
        self.driver.events_url = url

    @property
    def signing_secret(self) -> str:
        return self.driver.signing_secret

    @property
    def ack_timeout(self) -> float:
        """Seconds the driver waits for the bot's ack before reporting `operation_timeout`."""
        return self.driver.ack_timeout

    @ack_timeout.setter
    def ack_timeout(self, seconds: float) -> None:
        self.driver.ack_timeout = seconds
        self.socket_driver.ack_timeout = seconds

    @property
    def app_token(self) -> str:
        """The app-level token (`xapp-…`) that `apps.connections.open` accepts."""
        return self.socket_mode.app_token

    @property
    def channels(self) -> dict[str, str]:
        """Known channel IDs and their names; add one to create a channel."""
        return self.workspace.channels

    @property
    def member_of(self) -> set[str]:
        """Channels the bot is a member of; posting elsewhere answers `not_in_channel`."""
        return self.workspace.member_of

    @member_of.setter
    def member_of(self, channels: set[str]) -> None:
        self.workspace.member_of = channels

    @property
    def usergroups(self) -> dict[str, list[str]]:
        """User-group IDs (S…) and their members, for `usergroups.users.list`."""
        return self.workspace.usergroups

    @usergroups.setter
    def usergroups(self, groups: dict[str, list[str]]) -> None:
        self.workspace.usergroups = groups

    @property
    def users(self) -> dict[str, str]:
        """User IDs and names; any other U…/W… ID is a user named after its lower-cased ID."""
        return self.workspace.users

    @property
    def team_id(self) -> str:
        return self.workspace.team_id

    @property
    def bot_user_id(self) -> str:
        return self.workspace.bot_user_id

    @property
    def bot_id(self) -> str:
        return self.workspace.bot_id

    # --- lifecycle -----------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Serves on `host:port` (port 0 picks a free one) and opens the driver's HTTP client."""
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/response/{path:.+}", self._handle_response_url)
        app.router.add_post(UPLOAD_PATH, self._handle_upload)  # files upload v2's upload URLs
        app.router.add_get(LINK_PATH, self.socket_mode.handle)  # Socket Mode's WebSocket
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        bound_host, bound_port = self._runner.addresses[0][:2]
        self._base_url = f"http://{bound_host}:{bound_port}"
        await self.driver.open()
        logger.info("Slack sandbox serving the Web API at %s", self.api_url)

    async def stop(self) -> None:
        await self.socket_mode.close()  # open WebSockets would hold the server's shutdown
        await self.driver.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise RuntimeError("the Slack sandbox is not started; await start() first")
        return self._base_url

    @property
    def api_url(self) -> str:
        """The Web API base for `SLACK_API_URL` / `AsyncWebClient(base_url=…)`."""
        return f"{self.base_url}/api/"

    # --- what happened -------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[ApiCall]:
        return [call for call in self.calls if call.method == method]

    def messages(self, channel: str, *, include_deleted: bool = False) -> list[Message]:
        """The channel's messages (thread replies included) in posting order."""
        stored = self.workspace.messages.get(channel, {}).values()
        return [m.snapshot() for m in stored if include_deleted or not m.deleted]

    def message(self, channel: str, ts: str) -> Message:
        """One message, deleted or not; KeyError when it never existed."""
        try:
            return self.workspace.messages[channel][ts].snapshot()
        except KeyError:
            raise KeyError(f"no message {ts} in {channel}") from None

    def ephemerals(
        self, user: str | None = None, *, include_deleted: bool = False
    ) -> list[Ephemeral]:
        """Ephemeral messages (chat.postEphemeral, slash-command acks, response_url replies)."""
        return [
            e.snapshot()
            for e in self.workspace.ephemerals
            if user in (None, e.user) and (include_deleted or not e.deleted)
        ]

    def responses(self, response_url: str | None = None) -> list[ResponsePost]:
        """Every POST the bot made to a response_url (or to the given one), rejected ones too."""
        return [r for r in self._responses if response_url in (None, r.response_url)]

    def views(self, user: str | None = None) -> list[View]:
        """Modals and Home tabs, oldest first."""
        return [v.snapshot() for v in self.workspace.views.values() if user in (None, v.user)]

    def home(self, user: str) -> View | None:
        """The App Home last published for `user`."""
        view_id = self.workspace.homes.get(user)
        return self.workspace.views[view_id].snapshot() if view_id else None

    def files(self) -> list[UploadedFile]:
        """Files uploaded with files upload v2 and completed, with the bytes that arrived."""
        return self.uploads.files()

    def post_user_message(self, channel: str, text: str, *, user: str = "U0ALICE") -> Message:
        """Seeds a message written by a person (which the bot may not chat.update)."""
        channel = self.workspace.resolve_channel(channel)
        message = self.workspace.post_message(channel, text, [], user=user, bot_id=None)
        self._changed()
        return message.snapshot()

    def on_change(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Calls `listener()` after each Web API call, response_url post, slash command or click
        (whatever it changed); returns the function that unsubscribes it.

        Listeners run synchronously on the sandbox's event loop and must not block; the
        interactive sandbox page uses this to push live updates.
        """
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()

    # --- faults and waiting --------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        count: int = 1,
        *,
        status: int = 500,
        error: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Makes the next `count` calls of `method` fail instead of taking effect.

        429 answers HTTP 429 with `Retry-After` (default 1) and `ratelimited`; 200 answers
        `{"ok": false, "error": error}`; 5xx answers that status (Slack's HTML error page, or JSON
        with `error` when one is given).
        """
        self._faults.add(method, count, status=status, error=error, retry_after=retry_after)

    # the timeout bounds polling a plain predicate, which asyncio.timeout cannot wrap
    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Polls `predicate` until it holds; TimeoutError naming it and the last calls if not."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() >= deadline:
                recent = ", ".join(f"{c.method} {c.error or 'ok'}" for c in self.calls[-8:])
                raise TimeoutError(
                    f"still false after {timeout}s: {_describe(predicate)}; "
                    f"last Web API calls: [{recent}]"
                )
            await asyncio.sleep(0.01)

    # --- the driver: Slack's requests to the bot -----------------------------------------------

    async def slash(
        self,
        text: str,
        *,
        command: str = "/aig",
        user: str = "U0ALICE",
        channel: str = "C0FEEDBACK",
    ) -> SlashResult:
        """Sends a signed slash command, as Slack does when `user` presses Enter in `channel`."""
        try:
            return await self.driver.slash(text, command=command, user=user, channel=channel)
        finally:
            self._changed()  # the ack may have been shown to the user

    async def click(
        self,
        channel: str,
        ts: str,
        action_id: str,
        *,
        user: str = "U0ALICE",
        value: str | None = None,
    ) -> ClickResult:
        """Clicks the button `action_id` on channel message `ts` as `user` (block_actions)."""
        try:
            return await self.driver.click(channel, ts, action_id, user=user, value=value)
        finally:
            self._changed()

    async def click_ephemeral(
        self,
        ephemeral: Ephemeral,
        action_id: str,
        *,
        user: str | None = None,
        value: str | None = None,
    ) -> ClickResult:
        """Clicks a button on an ephemeral message; only its recipient can."""
        try:
            return await self.driver.click_ephemeral(ephemeral, action_id, user=user, value=value)
        finally:
            self._changed()

    # --- the driver over Socket Mode (the app connects with apps.connections.open) --------------

    async def socket_slash(
        self,
        text: str,
        *,
        command: str = "/aig",
        user: str = "U0ALICE",
        channel: str = "C0FEEDBACK",
    ) -> SlashResult:
        """`slash`, delivered as a `slash_commands` envelope over the app's WebSocket."""
        try:
            return await self.socket_driver.slash(text, command=command, user=user, channel=channel)
        finally:
            self._changed()

    async def socket_click(
        self,
        channel: str,
        ts: str,
        action_id: str,
        *,
        user: str = "U0ALICE",
        value: str | None = None,
    ) -> ClickResult:
        """`click`, delivered as an `interactive` envelope over the app's WebSocket.

        Returns once the ack arrives; `status` 0 with `operation_timeout` when none came within
        `ack_timeout`, `dispatch_failed` when no connection was open (or it closed meanwhile).
        """
        try:
            return await self.socket_driver.click(channel, ts, action_id, user=user, value=value)
        finally:
            self._changed()

    async def send_event(self, event: JSON) -> EventDelivery:
        """Sends an Events API `event_callback` wrapping `event` to the bot, signed."""
        try:
            return await self.driver.event(event)
        finally:
            self._changed()

    async def open_home(self, user: str = "U0ALICE", *, tab: str = "home") -> EventDelivery:
        """`user` opens the app's Home (or Messages) tab: Slack sends `app_home_opened`."""
        return await self.send_event(app_home_opened(self.workspace, user=user, tab=tab))

    async def submit_view(
        self,
        view_id: str,
        inputs: dict[str, str | list[str] | None] | None = None,
        *,
        user: str | None = None,
    ) -> SubmitResult:
        """`user` (the modal's owner) presses Submit with `inputs` filled in, by action_id: text
        for a text input, an option's value (or values) for radio buttons, selects and
        checkboxes. Sends a signed `view_submission` with `view.state.values` as Slack builds
        it, then applies the ack: the modal closes, shows `errors`, or is updated or cleared.

        Raises what Slack's client would prevent: ValueError for an empty required input or an
        option not offered, LookupError for an unknown input or a modal that is not open.
        """
        try:
            return await self.driver.submit_view(view_id, dict(inputs or {}), user=user)
        finally:
            self._changed()

    async def post_thread_reply(
        self, channel: str, thread_ts: str, text: str, *, user: str = "U0ALICE"
    ) -> EventDelivery | None:
        """`user` replies `text` in the thread of message `thread_ts`: the reply is stored, and
        the bot gets the signed `message` event (`event_callback`, as for `message.channels`)
        when it is in the channel; None when it is not, since Slack would not send it."""
        try:
            return await self.driver.thread_reply(channel, thread_ts, text, user=user)
        finally:
            self._changed()

    async def send_signed(
        self,
        body: bytes,
        *,
        content_type: str,
        timestamp: int | None = None,
        secret: str | None = None,
    ) -> tuple[int, str]:
        """POSTs raw `body` to the bot, signed with `secret` (default: the real one)."""
        status, text, _, _ = await self.driver.deliver(
            body, content_type=content_type, timestamp=timestamp, secret=secret
        )
        return status, text

    # --- HTTP handlers -------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        method, at = request.match_info["method"], time.monotonic()
        args: JSON = {}
        try:
            args, token = await read_args(request)
            if method == OPEN_METHOD:  # takes the app-level token, and only in the header
                authorization = request.headers.get("Authorization")
                fault = self._faults.take(method)
                status, body, headers = fault or self.socket_mode.open(authorization)
            else:
                status, body, headers = self._answer(method, args, token)
        except SlackError as e:
            status, body, headers = e.status, {"ok": False, "error": e.error, **e.extra}, {}
        if isinstance(body, dict):
            ok, error = bool(body.get("ok")), body.get("error")
        else:
            ok, error = False, f"http_{status}"
        self.calls.append(ApiCall(method, copy.deepcopy(args), ok, error, at, status))
        logger.debug("Slack sandbox answered %s: %s", method, error or "ok")
        self._changed()
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        headers["x-oauth-scopes"] = ",".join(self.scopes)
        if isinstance(body, str):
            return web.Response(text=body, status=status, content_type="text/html", headers=headers)
        return web.json_response(body, status=status, headers=headers)

    def _answer(self, method: str, args: JSON, token: str | None) -> Answer:
        implementation = self.web_api.methods.get(method)
        if implementation is None:
            return 200, {"ok": False, "error": "unknown_method", "req_method": method}, {}
        if not token:
            return 200, {"ok": False, "error": "not_authed"}, {}
        if token != self.bot_token:
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        fault = self._faults.take(method)
        if fault is not None:
            return fault
        try:
            return 200, implementation(args), {}
        except SlackError as e:
            return e.status, {"ok": False, "error": e.error, **e.extra}, {}

    async def _handle_upload(self, request: web.Request) -> web.Response:
        try:
            return await self.uploads.handle_upload(request)
        finally:
            self._changed()

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        url, at = f"{self.base_url}{request.path}", time.monotonic()
        body: JSON = {}
        answer: JSON = {"ok": True}
        try:
            entry = self.workspace.open_response_url(url)
            body = webhook_body(await request.read(), request.content_type)
            text, blocks = "", None
            if body.get("delete_original") is not True:
                text, blocks = message_content(body, max_block_text=self.web_api.max_block_text)
            self.workspace.respond(entry, body, text, blocks or [])
            status = 200
        except SlackError as e:
            # webhooks report errors with HTTP status codes rather than 200 + ok:false
            status = e.status if e.status != 200 else 400
            answer = {"ok": False, "error": e.error, **e.extra}
        error = None if status == 200 else str(answer["error"])
        self._responses.append(ResponsePost(url, copy.deepcopy(body), status, error, at))
        self._changed()
        return web.json_response(answer, status=status)


def _describe(predicate: Callable[[], bool]) -> str:
    try:
        return inspect.getsource(predicate).strip()
    except (OSError, TypeError):
        return repr(predicate)


def main(argv: list[str] | None = None) -> None:
    """`python -m bot.sandbox.slack`: serves a sandbox until interrupted; prints its api_url."""
    parser = argparse.ArgumentParser(
        prog="python -m bot.sandbox.slack", description="A loopback stand-in for Slack."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8788)
    parser.add_argument("--events-url", help="the bot's POST /slack/events URL")
    parser.add_argument("--channel", action="append", help="a channel ID (repeatable)")
    parser.add_argument("--bot-token", default=DEFAULT_BOT_TOKEN)
    parser.add_argument("--signing-secret", default=DEFAULT_SIGNING_SECRET)
    options = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(options))


async def _serve(options: argparse.Namespace) -> None:
    sandbox = SlackSandbox(
        bot_token=options.bot_token,
        signing_secret=options.signing_secret,
        channels=options.channel or ("C0FEEDBACK",),
        events_url=options.events_url,
    )
    await sandbox.start(options.host, options.port)
    print(sandbox.api_url, flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await sandbox.stop()


if __name__ == "__main__":
    main()

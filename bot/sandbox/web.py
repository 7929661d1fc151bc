"""The interactive sandbox page: the feedback channel as a person sees it in Slack, in a browser.

`SandboxWeb` serves a plain HTML/CSS/JS page (`static/`) on loopback and the small JSON API behind
it. The page renders each message from its Block Kit itself, escaping everything; its buttons, its
modals' Submit and its slash-command box go through `SlackSandbox`'s driver, so the bot receives
the same signed requests Slack would send. `GET /api/events` (server-sent events) tells the page
when anything changed and the page reloads `GET /api/state`. A side panel lists the sandbox
gateway's calls, and each one is also printed to the terminal when `echo` is set.

Must not: import the bot, or keep Slack or gateway state of its own beyond which modals a person
closed on the page. It only reads and drives the two sandboxes.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import re
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Any, Protocol

from aiohttp import web

from bot.sandbox._slack_records import JSON
from bot.sandbox._web_state import Activity, ActivityFeed, page_state
from bot.sandbox.gateway import GatewaySandbox
from bot.sandbox.slack import SlackSandbox


class Delivered(Protocol):
    """How the bot answered something the page sent (a slash command, click, event, submit)."""

    @property
    def status(self) -> int: ...

    @property
    def error(self) -> str | None: ...

    @property
    def elapsed(self) -> float: ...


__all__ = ["TEAMMATES", "SandboxWeb"]

logger = logging.getLogger(__name__)

TEAMMATES: Mapping[str, str] = {"U0DANA": "dana", "U0SAM": "sam", "U0ALEX": "alex"}
POLL_SECONDS = 0.1  # how soon a gateway call shows; Slack changes wake the watcher at once
KEEPALIVE_SECONDS = 15.0
_STATIC = {
    "index.html": "text/html",
    "app.js": "text/javascript",
    "blockkit.js": "text/javascript",
    "style.css": "text/css",
}
_USER = re.compile(r"[UW][A-Z0-9]{2,20}")
_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    # Nothing inline and nothing from elsewhere but images: message text can never run as code.
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' http: https: data:; style-src 'self'; "
        "script-src 'self'; connect-src 'self'; frame-ancestors 'none'"
    ),
}


class SandboxWeb:
    """Serves the sandbox page for one channel of `slack`, with `gateway`'s calls beside it."""

    def __init__(
        self,
        slack: SlackSandbox,
        gateway: GatewaySandbox,
        *,
        channel: str,
        teammates: Mapping[str, str] = TEAMMATES,
        commands: tuple[str, ...] = ("/aig",),
        echo: Callable[[str], None] | None = None,
    ) -> None:
        self.slack = slack
        self.gateway = gateway
        self.channel = channel
        self.teammates = dict(teammates)
        self.commands = commands
        self.echo = echo  # prints each activity line when set (the demo's terminal)
        self.feed = ActivityFeed(slack, gateway)
        self.version = 0
        self.closed_views: set[str] = set()
        self._poke = asyncio.Event()
        self._subscribers: set[asyncio.Event] = set()
        self._closing = False
        self._watcher: asyncio.Task[None] | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._runner: web.AppRunner | None = None
        self._url: str | None = None
        for user, name in self.teammates.items():
            slack.users.setdefault(user, name)

    # --- lifecycle -----------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 3000) -> None:
        """Serves on `host:port` (0 picks a free port); OSError when the port is taken."""
        app = web.Application()
        app.router.add_get("/", self._index)
        app.router.add_get("/static/{name}", self._static)
        app.router.add_get("/api/state", self._state)
        app.router.add_get("/api/events", self._events)
        app.router.add_post("/api/slash", self._slash)
        app.router.add_post("/api/click", self._click)
        app.router.add_post("/api/views/{view_id}/close", self._close_view)
        app.router.add_post("/api/views/{view_id}/submit", self._submit_view)
        app.router.add_post("/api/home/open", self._open_home)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        bound_host, bound_port = runner.addresses[0][:2]
        self._url = f"http://{bound_host}:{bound_port}"
        self.feed.poll()
        self._unsubscribe = self.slack.on_change(self._poke.set)
        self._watcher = asyncio.create_task(self._watch(), name="sandbox page watcher")

    async def stop(self) -> None:
        """Ends the event streams, then stops serving (idempotent)."""
        self._closing = True
        self._wake_subscribers()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
            self._watcher = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("the sandbox page is not served; await start() first")
        return self._url

    # --- change tracking -----------------------------------------------------------------------

    async def _watch(self) -> None:
        while not self._closing:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow the
            # cancellation that stop() sends, and this loop would then never end
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(POLL_SECONDS):
                    await self._poke.wait()
            slack_changed = self._poke.is_set()
            self._poke.clear()
            fresh = self.feed.poll()
            if slack_changed or fresh:
                self._bump(fresh)

    def _bump(self, fresh: list[Activity]) -> None:
        self.version += 1
        if self.echo is not None:
            for row in fresh:
                self.echo(row.line())
        self._wake_subscribers()

    def _wake_subscribers(self) -> None:
        for event in self._subscribers:
            event.set()

    # --- handlers ------------------------------------------------------------------------------

    async def _index(self, request: web.Request) -> web.Response:
        return _file("index.html")

    async def _static(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in _STATIC:
            raise web.HTTPNotFound()
        return _file(name)

    async def _state(self, request: web.Request) -> web.Response:
        user = request.query.get("user", next(iter(self.teammates), "U0DANA"))
        if not _USER.fullmatch(user):
            return _error(400, "user must be a Slack user ID such as U0DANA")
        state = page_state(
            self.slack,
            user=user,
            channel=self.channel,
            teammates=self.teammates,
            closed_views=self.closed_views,
        )
        state["version"] = self.version
        state["gateway_url"] = self.gateway.url
        state["activity"] = [row.as_json() for row in self.feed.rows]
        return web.json_response(state, headers=_HEADERS)

    async def _events(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={**_HEADERS, "Content-Type": "text/event-stream", "X-Accel-Buffering": "no"}
        )
        await response.prepare(request)
        wake = asyncio.Event()
        self._subscribers.add(wake)
        try:
            sent = -1
            while not self._closing:
                if sent != self.version:
                    sent = self.version
                    await response.write(f"event: change\ndata: {sent}\n\n".encode())
                else:
                    await response.write(b": keepalive\n\n")
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(KEEPALIVE_SECONDS):
                        await wake.wait()
                wake.clear()
        except ConnectionResetError:
            pass  # the page went away
        finally:
            self._subscribers.discard(wake)
        return response

    async def _slash(self, request: web.Request) -> web.Response:
        args = await _json_body(request)
        user, text = _user_of(args), str(args.get("text", "")).strip()
        if not text:
            return _error(400, "type a slash command such as /aig sample 2, or a message")
        if not text.startswith("/"):
            # Slack escapes what people type, so their text can never be taken as markup
            self.slack.post_user_message(self.channel, _escape(text), user=user)
            return web.json_response({"posted": True}, headers=_HEADERS)
        command, _, rest = text.partition(" ")
        if command not in self.commands:
            return _error(400, f"{command} is not a valid command. Try /aig help.")
        result = await self.slack.slash(
            rest.strip(), command=command, user=user, channel=self.channel
        )
        return self._answered(f"{user} typed {text}", result)

    async def _click(self, request: web.Request) -> web.Response:
        args = await _json_body(request)
        user, action_id = _user_of(args), str(args.get("action_id", ""))
        value = args.get("value")
        value = str(value) if isinstance(value, str) else None
        label = str(args.get("label") or action_id)
        ephemeral_ts = args.get("ephemeral_ts")
        try:
            if ephemeral_ts:
                ephemeral = next(
                    (e for e in self.slack.ephemerals(user) if e.ts == ephemeral_ts), None
                )
                if ephemeral is None:
                    return _error(404, "that private message is gone")
                result = await self.slack.click_ephemeral(
                    ephemeral, action_id, user=user, value=value
                )
            else:
                ts = str(args.get("ts", ""))
                result = await self.slack.click(self.channel, ts, action_id, user=user, value=value)
        except LookupError as exc:
            return _error(404, str(exc))
        except ValueError as exc:
            return _error(400, str(exc))
        return self._answered(f"{user} clicked {label}", result, log_id=value)

    async def _open_home(self, request: web.Request) -> web.Response:
        """The person opened the app's Home tab: Slack sends the bot `app_home_opened`."""
        user = _user_of(await _json_body(request))
        delivery = await self.slack.open_home(user)
        return self._answered(f"{user} opened the App Home", delivery, note="app_home_opened")

    async def _close_view(self, request: web.Request) -> web.Response:
        await _json_body(request)
        self.closed_views.add(request.match_info["view_id"])
        self._poke.set()
        return web.json_response({"closed": True}, headers=_HEADERS)

    async def _submit_view(self, request: web.Request) -> web.Response:
        """The person pressed a modal's Submit: Slack sends the bot a signed `view_submission`
        with what they filled in, then closes the modal, shows its errors or updates it."""
        args = await _json_body(request)
        user, view_id = _user_of(args), request.match_info["view_id"]
        inputs = _inputs_of(args.get("inputs", {}))
        if isinstance(inputs, str):
            return _error(400, inputs)
        title = next((_title(v.raw) for v in self.slack.views(user) if v.id == view_id), view_id)
        try:
            result = await self.slack.submit_view(view_id, inputs, user=user)
        except (LookupError, ValueError) as exc:
            return _error(400, str(exc))
        if result.closed:
            note = "closed"
        elif result.errors:
            note = "errors: " + "; ".join(result.errors.values())
        else:
            note = "kept open"
        return self._answered(
            f"{user} submitted {title}",
            result,
            note=f"{note},",
            extra={"errors": result.errors or {}, "closed": result.closed},
        )

    def _answered(
        self,
        what: str,
        result: Delivered,
        *,
        log_id: str | None = None,
        note: str = "",
        extra: dict[str, Any] | None = None,
    ) -> web.Response:
        """Log what the person did and how the bot answered, and tell the page."""
        row = self.feed.add_page_action(
            what,
            status=result.status,
            error=result.error,
            log_id=log_id,
            note=f"{note} acked in {result.elapsed * 1000:.0f} ms".lstrip(),
        )
        self._echo(row)
        body = {"status": result.status, "error": result.error, "elapsed_ms": _ms(result.elapsed)}
        return web.json_response({**body, **(extra or {})}, headers=_HEADERS)

    def _echo(self, row: Activity) -> None:
        if self.echo is not None:
            self.echo(row.line())


def _file(name: str) -> web.Response:
    data = resources.files("bot.sandbox").joinpath("static", name).read_bytes()
    return web.Response(body=data, content_type=_STATIC[name], charset="utf-8", headers=_HEADERS)


async def _json_body(request: web.Request) -> JSON:
    # Requiring JSON makes a cross-site form post impossible: browsers preflight it, and no
    # preflight is answered here.
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(text="send application/json")
    try:
        body: Any = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="the body is not JSON") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="the body must be a JSON object")
    return body


def _user_of(args: JSON) -> str:
    user = str(args.get("user", ""))
    if not _USER.fullmatch(user):
        raise web.HTTPBadRequest(text="user must be a Slack user ID such as U0DANA")
    return user


def _inputs_of(raw: Any) -> dict[str, str | list[str] | None] | str:
    """A submission's inputs by action_id, or what is wrong with them."""
    problem = "inputs must map action_ids to text, an option value, a list of them, or null"
    if not isinstance(raw, dict):
        return problem
    inputs: dict[str, str | list[str] | None] = {}
    for key, value in raw.items():
        if value is None or isinstance(value, str):
            inputs[key] = value
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            inputs[key] = list(value)
        else:
            return problem
    return inputs


def _title(view: JSON) -> str:
    title = view.get("title")
    return str(title.get("text", "")) if isinstance(title, dict) else ""


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=_HEADERS)


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def _ms(seconds: float) -> int:
    return round(seconds * 1000)

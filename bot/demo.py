"""`aig-feedback demo`: the whole loop on this machine, with no credentials.

Starts the loopback stand-ins of Cloudflare's logs API and of Slack, runs the bot against them
in HTTP mode (on a free port), and walks through it the way a team would: `/aig sample 3` →
three posts → a teammate's 👍 → PATCH → GET → the edited message; then a 👎 and a private
`/aig log` lookup. Every step prints what happened, with the real log IDs. Then it serves the
interactive sandbox page (http://127.0.0.1:3000 by default) where a person rates samples
themselves, printing each gateway call, until Ctrl-C. `--no-serve` stops after the walkthrough;
`--no-walkthrough` goes straight to the page.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.app import Bot
from bot.config import Settings
from bot.demo_walkthrough import walk
from bot.sandbox import GatewaySandbox, Served, SlackSandbox, build_logs
from bot.sandbox.web import TEAMMATES, SandboxWeb
from bot.store import MemoryStore

CHANNEL = "C0FEEDBACK"
CHANNEL_NAME = "ai-feedback"
SEED_LOGS = 500
DEFAULT_PORT = 3000


class Narrator:
    """Prints numbered steps with the time since the demo began."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.step = 0

    def __call__(self, text: str) -> None:
        self.step += 1
        print(f"[{time.monotonic() - self.started:5.2f}s] {self.step:>2}. {text}", flush=True)

    def detail(self, text: str) -> None:
        print(f"{'':14}{text}", flush=True)


@dataclass
class DemoStack(Served):
    """The sandbox gateway and Slack, the bot wired to them over HTTP, and the sandbox page."""

    seed_logs: int = SEED_LOGS
    sample_size: int = 3
    gateway: GatewaySandbox = field(init=False)
    slack: SlackSandbox = field(init=False)
    bot: Bot | None = field(default=None, init=False)
    page: SandboxWeb | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.gateway = GatewaySandbox(logs=build_logs(self.seed_logs, now=datetime.now(UTC)))
        self.slack = SlackSandbox(channels=(CHANNEL,))
        self.slack.channels[CHANNEL] = CHANNEL_NAME
        for user, name in TEAMMATES.items():
            self.slack.users.setdefault(user, name)

    async def start(self) -> None:
        """Starts both stand-ins, then the bot on a free loopback port, pointed at them."""
        await self.gateway.start()
        await self.slack.start()
        settings = Settings(
            slack_bot_token=self.slack.bot_token,
            slack_signing_secret=self.slack.signing_secret,
            slack_api_url=self.slack.api_url,
            cloudflare_api_token=self.gateway.token,
            cloudflare_account_id=self.gateway.account_id,
            cloudflare_gateway_id=self.gateway.gateway_id,
            cloudflare_api_base_url=self.gateway.url,
            feedback_channel=CHANNEL,
            sample_size=self.sample_size,
        )
        self.bot = Bot.build(settings, store=MemoryStore(), with_schedule=False)
        await self.bot.start()
        port = await self.bot.serve_http("127.0.0.1", 0)
        self.slack.events_url = f"http://127.0.0.1:{port}/slack/events"

    async def serve_page(self, host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> SandboxWeb:
        """Serves the interactive sandbox page; OSError when the port is taken."""
        self.page = SandboxWeb(self.slack, self.gateway, channel=CHANNEL)
        await self.page.start(host, port)
        return self.page

    async def stop(self) -> None:
        if self.page is not None:
            await self.page.stop()
        if self.bot is not None:
            await self.bot.stop(timeout=5)
        await self.slack.stop()
        await self.gateway.stop()


async def run_demo(
    *,
    walkthrough: bool = True,
    serve: bool = True,
    port: int = DEFAULT_PORT,
    host: str = "127.0.0.1",
) -> int:
    """Run the demo; 0 when every step happened as it should and it was stopped cleanly."""
    logging.getLogger().setLevel(logging.WARNING)
    say = Narrator()
    async with DemoStack() as stack:
        say(
            f"Sandbox AI Gateway serving {SEED_LOGS} logs from the last 24 h at {stack.gateway.url}"
        )
        say(f"Sandbox Slack Web API at {stack.slack.api_url} (channel {CHANNEL})")
        say(f"Bot running in HTTP mode at {stack.slack.events_url}")
        page: SandboxWeb | None = None
        if serve:
            try:
                page = await stack.serve_page(host, port)
            except OSError as exc:
                print(
                    f"aig-feedback demo: cannot serve the sandbox page on {host}:{port} "
                    f"({exc.strerror or exc}); pass another --port, or --no-serve",
                    file=sys.stderr,
                )
                return 1
            say(f"Sandbox Slack page at {page.url} (open it to watch the walkthrough live)")
        if walkthrough:
            try:
                await walk(say, stack.slack, stack.gateway, channel=CHANNEL)
            except TimeoutError as exc:
                print(f"\nThe demo stalled: {exc}")
                return 1
        if page is None:
            print(
                "\nNext: `make demo` to rate samples yourself in a browser; README.md explains "
                "connecting a real workspace."
            )
            return 0
        _serve_banner(page)
        page.echo = _echo
        await _until_stopped()
        print("\nStopping the sandbox.", flush=True)
    return 0


def _serve_banner(page: SandboxWeb) -> None:
    people = ", ".join(f"@{name}" for name in TEAMMATES.values())
    print(
        f"\nThe sandbox Slack is open at {page.url}\n"
        f"  Rate samples with 👍 / 👎, type `/aig sample 2` or `/aig log <id>`, act as {people}.\n"
        "  Every gateway call and Slack edit is shown there and printed below. Ctrl-C stops.\n",
        flush=True,
    )


def _echo(line: str) -> None:
    print(line, flush=True)


async def _until_stopped() -> None:
    """Waits for Ctrl-C or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in signals:
            with contextlib.suppress(ValueError, RuntimeError):
                loop.remove_signal_handler(sig)

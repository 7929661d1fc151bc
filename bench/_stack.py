"""One phase's world: the sandbox gateway and Slack in this process, the bot as a real process.

The bot is started exactly as in production (`python -m bot run --http`) with its settings in
the environment, on a SQLite file on disk (so every acknowledged vote costs a real fsync).
A second gateway sandbox over the *same* seeded logs serves the seeding, so seeding neither
shows in the bot-facing sandbox's call records nor spends its rate limit.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

import httpx

from bot.sandbox import GatewaySandbox, LogSource, SlackSandbox, build_logs
from bot.sandbox.environment import bot_environment

CHANNEL = "C0FEEDBACK"
ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in KiB, from /proc."""
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0])
    return values.get("VmRSS", 0), values.get("VmHWM", 0)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


@dataclass
class BotProcess:
    """`python -m bot run --http` on a free loopback port, with a log file."""

    env: Mapping[str, str]
    workdir: Path
    port: int = field(default_factory=free_port)
    process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError("the bot is not running")
        return self.process.pid

    @property
    def log_path(self) -> Path:
        return self.workdir / "bot.log"

    async def start(self, timeout: float = 60.0) -> float:
        """Start the process; returns the seconds until /healthz answered 200."""
        started = time.monotonic()
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                "--http",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                env=dict(self.env),
                stdout=log,
                stderr=log,
                cwd=self.workdir,
            )
        async with httpx.AsyncClient() as client:
            while time.monotonic() - started < timeout:
                if self.process.returncode is not None:
                    raise RuntimeError(f"the bot exited early:\n{self.tail()}")
                try:
                    if (await client.get(f"{self.url}/healthz")).status_code == 200:
                        return time.monotonic() - started
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)
        raise TimeoutError(f"the bot never became healthy:\n{self.tail()}")

    async def stop(self) -> int | None:
        """SIGTERM, then a bounded wait for a clean exit (SIGKILL after 20 s)."""
        if self.process is None or self.process.returncode is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), timeout=20)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            return None

    def tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""


@dataclass
class Stack:
    """The stand-ins and the bot for one phase; `async with` starts and stops all of it."""

    name: str
    log_count: int = 20_000
    rate_limit: tuple[int, float] | None = None
    budget: int = 600
    extra_env: Mapping[str, str] = field(default_factory=dict)
    logs: LogSource = field(init=False)
    gateway: GatewaySandbox = field(init=False)
    seed_gateway: GatewaySandbox = field(init=False)
    slack: SlackSandbox = field(init=False)
    bot: BotProcess = field(init=False)
    workdir: Path = field(init=False)
    startup_seconds: float = 0.0
    closed: bool = False
    exit_code: int | None = None

    def __post_init__(self) -> None:
        self.logs = build_logs(self.log_count, now=datetime.now(UTC))
        self.gateway = GatewaySandbox(logs=self.logs, rate_limit=self.rate_limit)
        self.seed_gateway = GatewaySandbox(logs=self.logs)
        self.slack = SlackSandbox(channels=(CHANNEL,))
        self.workdir = OUT / self.name
        shutil.rmtree(self.workdir, ignore_errors=True)
        self.workdir.mkdir(parents=True)

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.db_path}"

    @property
    def db_path(self) -> Path:
        return self.workdir / "bot.db"

    def env(self) -> dict[str, str]:
        return bot_environment(
            self.gateway,
            self.slack,
            channel=CHANNEL,
            database_url=self.database_url,
            extra={
                "AIG_GATEWAY_BUDGET": str(self.budget),
                # the bot of this tree, whatever the virtualenv's editable install points at
                "PYTHONPATH": os.pathsep.join(
                    p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p
                ),
                **self.extra_env,
            },
        )

    async def open(self) -> None:
        """Start the stand-ins (the bot starts separately, after seeding)."""
        await self.gateway.start()
        await self.seed_gateway.start()
        await self.slack.start()

    async def start_bot(self) -> None:
        self.bot = BotProcess(self.env(), self.workdir)
        self.slack.events_url = f"{self.bot.url}/slack/events"
        self.startup_seconds = await self.bot.start()

    def save_calls(self) -> None:
        """Keep the gateway's and Slack's call records in the phase's folder, for a look later."""
        gateway = [[c.at, c.method, c.path, c.status] for c in self.gateway.calls]
        slack = [[c.at, c.method, c.status, c.error] for c in self.slack.calls]
        (self.workdir / "calls.json").write_text(json.dumps({"gateway": gateway, "slack": slack}))

    async def close(self) -> int | None:
        """Stop the bot (its exit code) and the stand-ins; idempotent."""
        if self.closed:
            return self.exit_code
        self.closed = True
        code = None
        if hasattr(self, "bot"):
            code = await self.bot.stop()
            self.save_calls()
        await self.slack.stop()
        await self.seed_gateway.stop()
        await self.gateway.stop()
        self.exit_code = code
        return code

    async def __aenter__(self) -> Stack:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

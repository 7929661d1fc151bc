"""Runs the real `aig-feedback run --http` process against the loopback stand-ins."""

from __future__ import annotations

import asyncio
import socket
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import httpx

from bot.sandbox import GatewaySandbox, SlackSandbox
from bot.sandbox.environment import bot_environment

CHANNEL = "C0FEEDBACK"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class BotProcess:
    """A bot process and the stand-ins it talks to."""

    gateway: GatewaySandbox
    slack: SlackSandbox
    db_path: Path
    log_path: Path
    port: int = field(default_factory=free_port)
    extra_env: Mapping[str, str] = field(default_factory=dict)
    process: asyncio.subprocess.Process | None = None
    mode: ClassVar[str] = "--http"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return bot_environment(
            self.gateway,
            self.slack,
            channel=CHANNEL,
            database_url=f"sqlite:///{self.db_path}",
            extra=self.extra_env,
        )

    async def start(self) -> None:
        """Start the process and wait until /healthz answers 200."""
        log = self.log_path.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            self.mode,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            env=self.env(),
            stdout=log,
            stderr=log,
            cwd=self.db_path.parent,
        )
        if self.mode == "--http":
            self.slack.events_url = f"{self.url}/slack/events"
        async with httpx.AsyncClient() as client:
            for _ in range(300):
                if self.process.returncode is not None:
                    raise RuntimeError(f"bot exited early:\n{self.log_path.read_text()[-3000:]}")
                try:
                    if (await client.get(f"{self.url}/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)
        raise TimeoutError(f"bot never became healthy:\n{self.log_path.read_text()[-3000:]}")

    async def stop(self) -> int | None:
        """SIGTERM, then wait (bounded) for a clean exit."""
        if self.process is None or self.process.returncode is not None:
            return self.process.returncode if self.process else None
        self.process.terminate()
        try:
            return await asyncio.wait_for(self.process.wait(), timeout=15)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            return None

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

"""`aig-feedback demo` as a person runs it: the walkthrough, the served page, Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
from pathlib import Path

import httpx

from tests.e2e.harness import free_port

LOG_ID = r"[0-9A-HJKMNP-TV-Z]{26}"  # the sandbox's log IDs are ULIDs


def demo_env() -> dict[str, str]:
    """The environment less any real credentials: the demo must need none."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CLOUDFLARE_", "AIG_"))
    }
    env["PYTHONUNBUFFERED"] = "1"
    return env


async def start_demo(tmp_path: Path, *args: str) -> tuple[asyncio.subprocess.Process, Path]:
    output = tmp_path / "demo.out"
    with output.open("wb") as sink:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "demo",
            *args,
            env=demo_env(),
            cwd=tmp_path,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=sink,
            stderr=asyncio.subprocess.STDOUT,
        )
    return process, output


async def finish(process: asyncio.subprocess.Process, timeout: float) -> int:
    try:
        return await asyncio.wait_for(process.wait(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise


async def test_no_serve_runs_the_walkthrough_with_log_ids_and_exits_0(tmp_path: Path) -> None:
    """`demo --no-serve` prints each step with real log IDs, then exits 0 well within a minute."""
    process, output = await start_demo(tmp_path, "--no-serve")
    code = await finish(process, timeout=60)
    text = output.read_text(errors="replace")
    assert code == 0, text[-3000:]
    assert re.search(rf"U0DANA clicks 👍 on log {LOG_ID}", text), text
    assert re.search(rf"PATCH /logs/{LOG_ID} {{'feedback': 1}} → 200", text), text
    assert re.search(rf"GET /logs/{LOG_ID} → feedback 1 \(confirmed\)", text), text
    assert "saved ✓ verified" in text
    assert "sandbox Slack is open" not in text


async def test_demo_serves_the_page_until_interrupted(tmp_path: Path) -> None:
    """`demo --no-walkthrough --port N` serves the page on N; a page action is printed; Ctrl-C
    stops it cleanly with exit code 0."""
    port = free_port()
    process, output = await start_demo(tmp_path, "--no-walkthrough", "--port", str(port))
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            for _ in range(400):  # bounded: about 20 s for the stack to come up
                assert process.returncode is None, output.read_text(errors="replace")
                try:
                    if (await client.get("/api/state")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass  # not listening yet
                await asyncio.sleep(0.05)
            else:
                raise AssertionError(f"the page never answered:\n{output.read_text()}")
            typed = await client.post("/api/slash", json={"user": "U0SAM", "text": "/aig help"})
            assert typed.status_code == 200 and typed.json()["status"] == 200
        process.send_signal(signal.SIGINT)
        code = await finish(process, timeout=20)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    text = output.read_text(errors="replace")
    assert code == 0, text[-3000:]
    assert f"The sandbox Slack is open at {url}" in text
    assert "U0SAM typed /aig help → 200" in text
    assert "clicks 👍" not in text  # no walkthrough


async def test_a_taken_port_is_reported_before_anything_else_runs(tmp_path: Path) -> None:
    """When the page's port is taken the demo says so, suggests another, and exits 1."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process, output = await start_demo(tmp_path, "--port", str(port))
        code = await finish(process, timeout=30)
    text = output.read_text(errors="replace")
    assert code == 1, text
    assert f"cannot serve the sandbox page on 127.0.0.1:{port}" in text
    assert "--port" in text and "clicks 👍" not in text

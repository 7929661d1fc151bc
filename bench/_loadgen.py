"""The load generator: sends prepared clicks to the bot, signed as Slack signs them, and times
each acknowledgement. A process of its own, so its work never shares an event loop (or a GIL)
with the stand-ins or the bot.

It speaks just enough HTTP/1.1 over connections opened before the clock starts, so that what
is timed is the bot: a request's bytes are built and signed before its `sent` stamp, and a
200-click burst leaves in a few milliseconds instead of the fraction of a second a full
client library would spend on 200 requests.

`python -m bench._loadgen PLAN.json RESULT.json` writes `[[sent, acked, status], ...]` in
`time.monotonic()` seconds (CLOCK_MONOTONIC, the same clock in every process on the machine).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.sandbox._slack_payloads import interaction_body, signed_headers

FORM = "application/x-www-form-urlencoded"
TIMEOUT_SECONDS = 30.0  # far past Slack's 3 s, so slow acks are measured rather than cut off
Result = tuple[float, float, int]


class Connection:
    """One keep-alive HTTP/1.1 connection to the bot."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        return cls(*await asyncio.open_connection(host, port))

    def send(self, request: bytes) -> float:
        self.writer.write(request)
        return time.monotonic()

    async def answer(self) -> int:
        """Read one response; its status."""
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {
            k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:] if h)
        }
        if "content-length" in headers:
            await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding") == "chunked":
            while size := int((await self.reader.readline()).strip(), 16):
                await self.reader.readexactly(size + 2)
            await self.reader.readline()
        return status

    def close(self) -> None:
        self.writer.close()


class Target:
    """The bot's events URL and how to build a signed request to it."""

    def __init__(self, url: str, secret: str) -> None:
        parts = urlsplit(url)
        self.host, self.port, self.path = parts.hostname or "", parts.port or 80, parts.path
        self.secret = secret

    def request(self, body: bytes) -> bytes:
        headers = signed_headers(
            secret=self.secret, timestamp=int(time.time()), body=body, content_type=FORM
        )
        lines = [
            f"POST {self.path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            f"Content-Length: {len(body)}",
            "Connection: keep-alive",
            *(f"{k}: {v}" for k, v in headers.items()),
        ]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body

    async def connect(self) -> Connection:
        return await Connection.open(self.host, self.port)


async def _one(target: Target, connection: Connection, body: bytes) -> Result:
    request = target.request(body)
    sent = connection.send(request)
    try:
        status = await asyncio.wait_for(connection.answer(), TIMEOUT_SECONDS)
    except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
        status = 0
    return sent, time.monotonic(), status


async def _burst(target: Target, bodies: list[bytes]) -> list[Result]:
    connections = await asyncio.gather(*(target.connect() for _ in bodies))
    requests = [target.request(body) for body in bodies]
    sent = [c.send(r) for c, r in zip(connections, requests, strict=True)]

    async def answer(index: int) -> Result:
        try:
            status = await asyncio.wait_for(connections[index].answer(), TIMEOUT_SECONDS)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            status = 0
        return sent[index], time.monotonic(), status

    results = await asyncio.gather(*(answer(i) for i in range(len(bodies))))
    for connection in connections:
        connection.close()
    return list(results)


async def run(plan: dict[str, Any]) -> list[Result]:
    target = Target(plan["url"], plan["secret"])
    bodies = []
    for click in plan["clicks"]:
        payload = dict(click["payload"])
        payload["message"] = plan["messages"][click["message"]]
        bodies.append(interaction_body(payload))
    mode = plan["mode"]
    if mode == "burst":
        return await _burst(target, bodies)
    results: list[Result] = [(0.0, 0.0, 0)] * len(bodies)
    if mode == "sequential":
        connection = await target.connect()
        for index, body in enumerate(bodies):
            results[index] = await _one(target, connection, body)
            if results[index][2] == 0:  # the connection may be broken: start afresh
                connection.close()
                connection = await target.connect()
            await asyncio.sleep(plan["pause"])
        connection.close()
    elif mode == "stream":
        counter = itertools.count()

        async def worker() -> None:
            connection = await target.connect()
            while (index := next(counter)) < len(bodies):
                results[index] = await _one(target, connection, bodies[index])
                if results[index][2] == 0:
                    connection.close()
                    connection = await target.connect()
            connection.close()

        await asyncio.gather(*(worker() for _ in range(plan["concurrency"])))
    else:
        raise ValueError(f"unknown mode {mode!r}")
    return results


def main() -> None:
    plan_path, result_path = sys.argv[1:3]
    plan = json.loads(Path(plan_path).read_text())
    results = asyncio.run(run(plan))
    Path(result_path).write_text(json.dumps(results))


if __name__ == "__main__":
    main()

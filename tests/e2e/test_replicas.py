"""Several replicas on one PostgreSQL database, behind a round-robin proxy, one killed midway."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bot import ids
from bot.sandbox import GatewaySandbox, SlackSandbox
from bot.store import SqlStore
from bot.votes import Tally
from tests.e2e.harness import CHANNEL, BotProcess
from tests.fakes.postgres import postgres_schema

REPLICAS = 3
RATERS = 24


class RoundRobin:
    """A loopback load balancer: each request goes to the next replica; a replica that refuses
    the connection is skipped, as a real proxy's retry-next-upstream would."""

    def __init__(self, backends: list[str]) -> None:
        self.backends = backends
        self._next = itertools.cycle(range(len(backends)))
        self.url = ""
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.errors: list[str] = []

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/slack/events", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/slack/events"
        self._session = aiohttp.ClientSession()

    async def stop(self) -> None:
        if self._session:
            await self._session.close()
        if self._runner:
            await self._runner.cleanup()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        body = await request.read()
        headers = {
            k: v
            for k, v in request.headers.items()
            if k.lower().startswith(("x-slack", "content-type"))
        }
        start = next(self._next)
        for step in range(len(self.backends)):
            backend = self.backends[(start + step) % len(self.backends)]
            try:
                async with self._session.post(backend, data=body, headers=headers) as answer:
                    return web.Response(
                        status=answer.status,
                        body=await answer.read(),
                        content_type=answer.content_type,
                    )
            except aiohttp.ClientError as exc:
                self.errors.append(f"{backend}: {type(exc).__name__} {exc}")
                continue
        return web.Response(status=502)


@pytest.fixture
async def database() -> AsyncIterator[str]:
    with postgres_schema() as url:
        yield url


async def test_three_replicas_one_killed_apply_every_acked_vote_once(
    database: str, gateway: GatewaySandbox, slack: SlackSandbox, tmp_path: Path
) -> None:
    """Under a click burst with a replica SIGKILLed midway, every acknowledged vote reaches the
    gateway, each once, verdicts equal the ledger, and no sample is posted twice."""
    env = {"AIG_DATABASE_URL": database, "AIG_SAMPLE_INTERVAL_SECONDS": "1", "AIG_SAMPLE_SIZE": "2"}
    bots = [
        BotProcess(
            gateway, slack, tmp_path / f"r{i}" / "x.db", tmp_path / f"r{i}.log", extra_env=env
        )
        for i in range(REPLICAS)
    ]
    for bot in bots:
        bot.db_path.parent.mkdir()
    await asyncio.gather(*(bot.start() for bot in bots))  # they migrate the database together
    proxy = RoundRobin([f"{bot.url}/slack/events" for bot in bots])
    await proxy.start()
    slack.events_url = proxy.url
    try:
        # every replica runs the sampling schedule; only the leader may post
        await slack.wait_for(lambda: len(slack.messages(CHANNEL)) >= 6, timeout=30)
        messages = slack.messages(CHANNEL)[:6]

        rng = random.Random(5)
        plan = [
            (m, f"U{r:03d}", rng.choice((ids.VOTE_UP, ids.VOTE_DOWN)))
            for r in range(RATERS)
            for m in messages
        ]
        rng.shuffle(plan)
        acked: dict[str, list[int]] = {m.ts: [] for m in messages}
        half = len(plan) // 2
        failures: list[str] = []

        async def send(message_ts: str, rater: str, action: str) -> None:
            result = await slack.click(CHANNEL, message_ts, action, user=rater)
            if result.status == 200:
                acked[message_ts].append(1 if action == ids.VOTE_UP else -1)
            else:
                failures.append(
                    f"{result.status} {result.error} {result.elapsed:.2f}s {result.text[:200]}"
                )

        await asyncio.gather(*(send(m.ts, u, a) for m, u, a in plan[:half]))
        bots[1].process.kill()  # type: ignore[union-attr]
        await bots[1].process.wait()  # type: ignore[union-attr]
        await asyncio.gather(*(send(m.ts, u, a) for m, u, a in plan[half:]))

        log_ids = {m.ts: _log_id(m.blocks) for m in messages}
        expected = {log_ids[ts]: (sum(votes) > 0) - (sum(votes) < 0) for ts, votes in acked.items()}
        # a dead replica's claims are taken over once their lease (15 s) runs out
        await slack.wait_for(
            lambda: all(gateway.feedback_of(log) == verdict for log, verdict in expected.items()),
            timeout=40,
        )
    finally:
        await proxy.stop()
        for bot in (bots[0], bots[2]):
            assert await bot.stop() == 0, bot.output()[-2000:]

    assert failures == [], (
        proxy.errors
    )  # the proxy retried the dead replica; every click was acknowledged
    store = SqlStore(database)
    try:
        for ts, log_id in log_ids.items():
            tally = Tally.from_votes(await store.votes(log_id))
            assert tally.count == len(acked[ts])  # each acknowledged click counted once
            assert gateway.feedback_of(log_id) == tally.verdict
    finally:
        await store.close()
    posted = [_log_id(m.blocks) for m in slack.messages(CHANNEL)]
    assert len(posted) == len(set(posted))


def _log_id(blocks: list[dict[str, object]]) -> str:
    for block in blocks:
        if block.get("block_id") == ids.VOTE_BLOCK:
            return str(block["elements"][0]["value"])  # type: ignore[index]
    raise AssertionError("no vote buttons")

"""The composition root: builds the clients, the store, the scheduler and the Bolt app, and
serves them. Nothing else constructs these.

    Bot.build(settings) → await bot.start() → serve_http(port) | serve_socket() → await bot.stop()
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from aiohttp.typedefs import Handler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import ConfigError, Settings
from bot.digest import DIGEST_JOB_ID, build_digests, scheduled_digest
from bot.gateway import Budget
from bot.outbox import OutboxWorker
from bot.publisher import SlackPublisher, build_retry_handlers
from bot.redact import Redactor
from bot.routes import Gateways
from bot.sampling.jobs import Pacer, Sampler
from bot.sampling.scheduler import SAMPLE_JOB_ID, Schedule, sample_trigger
from bot.scheduled import leading_job
from bot.slack import Services, register_listeners
from bot.slack.payloads import malformed_body
from bot.slack.raters import RaterPolicy
from bot.socket_mode import SocketModeLink
from bot.store import Store, build_store

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


@dataclass(slots=True)
class Bot:
    """Everything the running bot is made of."""

    settings: Settings
    store: Store
    gateways: Gateways
    slack_client: AsyncWebClient
    publisher: SlackPublisher
    samplers: dict[str, Sampler]
    outbox: OutboxWorker
    schedule: Schedule
    app: AsyncApp
    services: Services
    socket: SocketModeLink | None = None
    _outbox_task: asyncio.Task[None] | None = None
    _runner: web.AppRunner | None = None
    _watchdog: asyncio.Task[None] | None = None

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        store: Store | None = None,
        rng: random.Random | None = None,
        with_schedule: bool = True,
    ) -> Bot:
        """Wire the bot from settings (a store may be given, e.g. the memory store)."""
        store = store or build_store(settings.database_url)
        routes = settings.route_list()
        gateways = Gateways(routes, Budget(settings.gateway_budget))
        slack_client = AsyncWebClient(
            token=settings.slack_bot_token,
            base_url=settings.slack_api_url,
            retry_handlers=build_retry_handlers(),
        )
        publisher = SlackPublisher(slack_client)
        rng = rng or random.Random()
        redactor = Redactor.build(enabled=settings.redact, extra_patterns=settings.redact_patterns)
        pacer = Pacer()  # one per process: routes sharing a channel share its pace
        samplers = {
            route.name: Sampler(
                store=store,
                gateway=gateways.client(route.name),
                publisher=publisher,
                channel=route.channel,
                plan=route.plan,
                route=route.name,
                rng=rng,
                redactor=redactor,
                pacer=pacer,
            )
            for route in routes
        }
        outbox = OutboxWorker(
            store=store,
            gateways=gateways,
            publisher=publisher,
            rng=rng,
            write_score=settings.write_score,
            write_metadata=settings.write_metadata,
        )
        schedule = Schedule(tz=settings.tz)
        if with_schedule:
            for route in routes:
                job_id = f"{SAMPLE_JOB_ID}:{route.name}"
                schedule.add(
                    job_id,
                    leading_job(job_id, store, _scheduled_sample(samplers[route.name])),
                    sample_trigger(
                        cron=route.plan.cron,
                        interval_seconds=route.plan.interval_seconds,
                        tz=ZoneInfo(route.plan.timezone),
                    ),
                )
            schedule.add(
                DIGEST_JOB_ID,
                leading_job(
                    DIGEST_JOB_ID,
                    store,
                    scheduled_digest(build_digests(routes, store=store, publisher=publisher)),
                ),
                sample_trigger(cron=settings.digest_cron, interval_seconds=None, tz=settings.tz),
            )
        app = AsyncApp(
            client=slack_client,
            signing_secret=settings.slack_signing_secret or "socket-mode-has-no-signing-secret",
            request_verification_enabled=bool(settings.slack_signing_secret),
            # Answer Slack as soon as a listener returns, instead of Bolt polling for the ack
            # every 10 ms; listeners hand anything slow after their ack to Services.spawn.
            process_before_response=True,
            logger=logging.getLogger("slack_bolt"),
        )
        services = Services(
            settings=settings,
            store=store,
            gateways=gateways,
            samplers=samplers,
            outbox=outbox,
            raters=RaterPolicy(settings.allowed_raters),
            redactor=redactor,
        )
        register_listeners(app, services)
        return cls(
            settings=settings,
            store=store,
            gateways=gateways,
            slack_client=slack_client,
            publisher=publisher,
            samplers=samplers,
            outbox=outbox,
            schedule=schedule,
            app=app,
            services=services,
        )

    @property
    def sampler(self) -> Sampler:
        """The first route's sampler (the only one with environment-only configuration)."""
        return self.samplers[self.gateways.default]

    async def start(self) -> None:
        """Migrate the store, start the outbox worker (resuming pending votes) and the scheduler."""
        revision = await self.store.migrate()
        freed = await self.store.recover(datetime.now(UTC))
        depth = await self.store.depth()
        logger.info(
            "store ready (schema %s); %d logs waiting to sync%s",
            revision,
            depth.pending,
            f", {freed} resumed after a crash" if freed else "",
        )
        self._outbox_task = asyncio.create_task(self.outbox.run(), name="outbox")
        await self._catch_up(datetime.now(UTC))
        self.schedule.start()

    async def _catch_up(self, now: datetime) -> None:
        """After downtime, one run of each job that missed a run time: never a flood."""
        for job_id in self.schedule.job_ids():
            last = await self.store.last_job_run(job_id)
            if last is None:
                continue  # never ran here: a first start is not a catch-up
            missed = self.schedule.missed_since(job_id, last, now)
            if missed is not None:
                logger.info(
                    "%s missed its run at %s while down; running it once now", job_id, missed
                )
                self.schedule.run_soon(job_id, now)

    def web_app(self) -> web.Application:
        """The HTTP app: `/slack/events` (when a signing secret is configured) and `/healthz`."""
        if self.settings.slack_signing_secret:
            application = self.app.web_app(path=EVENTS_PATH)
            application.middlewares.append(_reject_malformed)
        else:
            application = web.Application()
        application.router.add_get(HEALTH_PATH, self._health)
        return application

    async def serve_http(self, host: str, port: int) -> int:
        """Serve the HTTP app; returns the bound port (useful when `port` is 0)."""
        # in-flight requests get 3 s to finish on shutdown, within the 10 s a SIGTERM allows
        self._runner = web.AppRunner(self.web_app(), access_log=None, shutdown_timeout=3.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server  # aiohttp keeps the bound sockets here
        sockets = getattr(server, "sockets", None) or []
        bound = int(sockets[0].getsockname()[1]) if sockets else port
        logger.info("listening on http://%s:%d (%s, %s)", host, bound, EVENTS_PATH, HEALTH_PATH)
        return bound

    async def serve_socket(self) -> None:
        """Connect over Socket Mode, with a watchdog that reconnects a dead or deaf connection."""
        self.socket = SocketModeLink(self.app, self.settings.slack_app_token)
        try:
            await self.socket.connect()
        except ConfigError:
            raise  # a refused token will not start working by retrying
        except Exception as exc:
            logger.warning("Socket Mode did not connect yet (%s); the watchdog keeps trying", exc)
        else:
            logger.info("connected to Slack over Socket Mode")
        self._watchdog = asyncio.create_task(self.socket.watch(), name="socket watchdog")

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop taking work, let in-flight syncs finish or stay queued, close everything."""
        self.schedule.shutdown()
        if self._watchdog is not None:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watchdog
        if self.socket is not None:
            socket, self.socket = self.socket, None
            await socket.close(timeout=1.0)  # no new clicks from here; 1 s of the 10 s SIGTERM
        if self._runner is not None:
            await self._runner.cleanup()
        await self.outbox.stop(timeout=timeout)
        if self._outbox_task is not None:
            self._outbox_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._outbox_task
        await self.services.settle(timeout=1.0)  # replies and modals started by listeners
        await self.gateways.aclose()
        await self.store.close()
        logger.info("stopped")

    async def health(self) -> tuple[bool, dict[str, Any]]:
        """Whether the bot is healthy, with details."""
        store_ok = await self.store.ping()
        details: dict[str, Any] = {"store": store_ok, "scheduler": self.schedule.running}
        if store_ok:
            depth = await self.store.depth()
            now = datetime.now(UTC)
            details["outbox"] = {
                "pending": depth.pending,
                "parked": depth.parked,
                "oldest_pending_seconds": (
                    round((now - depth.oldest).total_seconds(), 1) if depth.oldest else None
                ),
            }
        budget = self.gateways.budget
        paused_for = budget.paused_for()
        details["gateway"] = {
            "paused": paused_for > 0,
            "paused_for_seconds": round(paused_for, 1) if paused_for > 0 else None,
            "calls": self.gateways.calls,
            "budget_used": budget.used(),
            "budget": budget.limit,
        }
        sampling: dict[str, Any] = {}
        for name, sampler in self.samplers.items():
            last = sampler.last_run
            next_run = self.schedule.next_run(f"{SAMPLE_JOB_ID}:{name}")
            sampling[name] = {
                "last_run": last.started_at.isoformat() if last else None,
                "last_posted": len(last.posted) if last else None,
                "last_errors": last.errors[:3] if last else [],
                "next_run": next_run.isoformat() if next_run else None,
            }
        details["sampling"] = sampling
        healthy = store_ok and self.schedule.running
        if self.socket is not None:  # Socket Mode chosen: the connection is part of health
            socket = await self.socket.status()
            details["socket_mode"] = socket
            healthy = healthy and bool(socket["connected"])
        details["status"] = "ok" if healthy else "unhealthy"
        return healthy, details

    async def _health(self, request: web.Request) -> web.Response:
        healthy, details = await self.health()
        return web.json_response(details, status=200 if healthy else 503)


@web.middleware
async def _reject_malformed(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A body Bolt cannot dispatch (unparseable, or a field of the wrong type) gets a 400,
    where Bolt itself would crash into a 500."""
    if request.method == "POST" and request.path == EVENTS_PATH:
        raw = await request.read()  # kept by aiohttp for Bolt's own read
        reason = malformed_body(raw, charset=request.charset, headers=request.headers)
        if reason is not None:
            logger.warning("rejected a malformed request to %s: %s", EVENTS_PATH, reason)
            return web.json_response({"error": "malformed_request"}, status=400)
    return await handler(request)


def _scheduled_sample(sampler: Sampler) -> Callable[[], Awaitable[None]]:
    async def sample() -> None:
        report = await sampler.run_scheduled()  # quiet hours and days off are checked here
        if report.closed is None:
            logger.info("scheduled sampling posted %d logs", len(report.posted))

    return sample

"""When sampling runs: the only module that imports APScheduler.

APScheduler 3.11's `AsyncIOScheduler` runs `async def` jobs on the bot's own event loop.
Jobs coalesce (after downtime, one catch-up run, never a flood), never overlap, and tolerate
an hour of lateness: a run missed by more than that is dropped, not made up. Downtime here
means the process was alive but could not run jobs (a suspended machine, a blocked loop);
jobs are kept in memory, so a restarted process simply waits for the next run time.
Quiet hours, business days and holidays are checked when a run fires (`Sampler.run_scheduled`),
so a run falling inside them is skipped with a log line rather than moved.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

logger = logging.getLogger(__name__)

SAMPLE_JOB_ID = "sample"
MISFIRE_GRACE_SECONDS = 3600


def crontab_problem(crontab: str, tz: ZoneInfo) -> str | None:
    """Why `crontab` is not a valid five-field crontab, read the way it will run; None if it is."""
    try:
        CronTrigger.from_crontab(crontab, timezone=tz)
    except ValueError as exc:
        return str(exc)
    return None


def sample_trigger(*, cron: str, interval_seconds: float | None, tz: ZoneInfo) -> BaseTrigger:
    """A fixed interval when one is configured, the crontab otherwise."""
    if interval_seconds:
        return IntervalTrigger(seconds=interval_seconds, timezone=tz)
    return CronTrigger.from_crontab(cron, timezone=tz)


class Schedule:
    """The bot's scheduler and its jobs."""

    def __init__(self, *, tz: ZoneInfo) -> None:
        self._scheduler = AsyncIOScheduler(timezone=tz)

    def add(self, job_id: str, job: Callable[[], Awaitable[None]], trigger: BaseTrigger) -> None:
        """Add or replace a job."""
        self._scheduler.add_job(
            job,
            trigger=trigger,
            id=job_id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=MISFIRE_GRACE_SECONDS,
        )

    def start(self) -> None:
        """Start; must be called inside the running event loop."""
        self._scheduler.start()
        for job in self._scheduler.get_jobs():
            logger.info("job %s: next run at %s", job.id, job.next_run_time)

    def shutdown(self) -> None:
        """Stop without waiting for running jobs (they are cancelled with the loop)."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    @property
    def running(self) -> bool:
        """Whether the scheduler is up."""
        return bool(self._scheduler.running)

    def next_run(self, job_id: str) -> datetime | None:
        """When a job runs next."""
        job = self._scheduler.get_job(job_id)
        return job.next_run_time if job else None

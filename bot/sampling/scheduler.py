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
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MISSED,
    JobExecutionEvent,
)
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

logger = logging.getLogger(__name__)

SAMPLE_JOB_ID = "sample"
MISFIRE_GRACE_SECONDS = 3600


_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")  # crontab: 0 and 7 = Sunday
_NUMERIC_DAYS = re.compile(r"^(\*|\d)(?:-(\d))?(?:/(\d+))?$")


def crontab_trigger(crontab: str, tz: ZoneInfo) -> CronTrigger:
    """A five-field crontab as a trigger, days of the week read the crontab way.

    APScheduler 3's `from_crontab` passes the day-of-week field through unchanged, and its
    numbers start at Monday = 0: `1-5` would mean Tuesday to Saturday and `0` Monday. Numeric
    days are rewritten as names (`1-5` → `mon,tue,wed,thu,fri`); names pass as they are.
    """
    fields = crontab.split()
    if len(fields) != 5:
        raise ValueError(
            f"a crontab has 5 fields (minute hour day month weekday), got {len(fields)}"
        )
    minute, hour, day, month, weekdays = fields
    return CronTrigger(
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=_weekday_names(weekdays),
        timezone=tz,
    )


def _weekday_names(field: str) -> str:
    names: list[str] = []
    for item in field.split(","):
        match = _NUMERIC_DAYS.match(item)
        if match is None:  # names such as mon-fri, or something APScheduler will reject
            names.append(item)
            continue
        first, last, step = match.groups()
        if first == "*" and last is None and step is None:
            names.append("*")
            continue
        low = 0 if first == "*" else int(first)
        high = 6 if first == "*" else int(last) if last is not None else low
        if (first == "*" and last is not None) or not 0 <= low <= high <= 7:
            raise ValueError(f"day of week {item!r} must be 0-7 (0 and 7 are Sunday) or names")
        if step is not None and last is None and first != "*":
            high = 6  # `n/step` means from n to the end of the week
        days = range(low, high + 1, int(step) if step else 1)
        names += [_WEEKDAYS[d] for d in days]
    return ",".join(dict.fromkeys(names))


def crontab_problem(crontab: str, tz: ZoneInfo) -> str | None:
    """Why `crontab` is not a valid five-field crontab, read the way it will run; None if it is."""
    try:
        crontab_trigger(crontab, tz)
    except ValueError as exc:
        return str(exc)
    return None


def sample_trigger(*, cron: str, interval_seconds: float | None, tz: ZoneInfo) -> BaseTrigger:
    """A fixed interval when one is configured, the crontab otherwise."""
    if interval_seconds:
        return IntervalTrigger(seconds=interval_seconds, timezone=tz)
    return crontab_trigger(cron, tz)


@dataclass(frozen=True, slots=True)
class JobOutcome:
    """What became of one due run of a job."""

    job_id: str
    scheduled_at: datetime
    status: str  # "ran", "failed", or "missed" (late by more than the grace time: dropped)


_STATUS = {EVENT_JOB_EXECUTED: "ran", EVENT_JOB_ERROR: "failed", EVENT_JOB_MISSED: "missed"}


class Schedule:
    """The bot's scheduler and its jobs."""

    def __init__(self, *, tz: ZoneInfo) -> None:
        self._scheduler = AsyncIOScheduler(timezone=tz)

    def add(
        self,
        job_id: str,
        job: Callable[[], Awaitable[None]],
        trigger: BaseTrigger,
        *,
        next_run: datetime | None = None,
    ) -> None:
        """Add or replace a job. `next_run` overrides when it is first due (default: the
        trigger's next time); a time in the past is due at once, as after downtime."""
        options = {} if next_run is None else {"next_run_time": next_run}
        self._scheduler.add_job(
            job,
            trigger=trigger,
            id=job_id,
            replace_existing=True,
            coalesce=True,  # many missed run times become one run
            max_instances=1,
            misfire_grace_time=MISFIRE_GRACE_SECONDS,
            **options,
        )

    def on_outcome(self, listener: Callable[[JobOutcome], None]) -> None:
        """Call `listener` with each run's outcome (on the event loop, as it happens)."""

        def relay(event: JobExecutionEvent) -> None:
            status = _STATUS.get(event.code, "ran")
            listener(JobOutcome(event.job_id, event.scheduled_run_time, status))

        self._scheduler.add_listener(relay, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)

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

    def job_ids(self) -> list[str]:
        """The scheduled jobs."""
        return [job.id for job in self._scheduler.get_jobs()]

    def missed_since(self, job_id: str, last_run: datetime, now: datetime) -> datetime | None:
        """The first run time of `job_id` after `last_run` that is already past at `now` (the
        bot was down through it), or None."""
        job = self._scheduler.get_job(job_id)
        if job is None:
            return None
        # triggers answer "at or after"; the run at `last_run` itself is not a missed one
        missed = job.trigger.get_next_fire_time(None, last_run + timedelta(seconds=1))
        return missed if missed is not None and missed <= now else None

    def run_soon(self, job_id: str, at: datetime) -> None:
        """Make a job's next run `at` (a catch-up run); later runs follow its trigger."""
        job = self._scheduler.get_job(job_id)
        if job is not None:
            job.modify(next_run_time=at)

    def next_run(self, job_id: str) -> datetime | None:
        """When a job runs next."""
        job = self._scheduler.get_job(job_id)
        # a job added before start() has no run time yet unless one was set
        return getattr(job, "next_run_time", None) if job else None

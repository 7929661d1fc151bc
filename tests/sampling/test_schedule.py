"""When runs happen: cron in a timezone, business days, quiet hours, holidays, catch-up."""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.routes import QuietHours, SamplingPlan
from bot.sampling.jobs import Pacer, Sampler
from bot.sampling.scheduler import JobOutcome, Schedule, crontab_problem, sample_trigger
from bot.store import MemoryStore
from tests.fakes.logs import ListingGateway, make_logs
from tests.fakes.publisher import FakePublisher

PARIS = ZoneInfo("Europe/Paris")


def test_cron_is_read_in_the_routes_timezone_and_skips_the_weekend() -> None:
    """`0 10,15 * * 1-5` in Paris: after Friday 16:00 the next run is Monday 10:00 Paris."""
    trigger = sample_trigger(cron="0 10,15 * * 1-5", interval_seconds=None, tz=PARIS)
    friday = datetime(2026, 11, 27, 16, 0, tzinfo=PARIS)
    monday = trigger.get_next_fire_time(None, friday)
    assert monday == datetime(2026, 11, 30, 10, 0, tzinfo=PARIS)
    assert monday.astimezone(UTC).hour == 9  # CET is UTC+1 in November


def fire_days(crontab: str, days: int = 14) -> list[str]:
    """The weekdays a crontab fires on over two weeks from Sunday 2026-11-22 (fixed clock)."""
    trigger = sample_trigger(cron=crontab, interval_seconds=None, tz=ZoneInfo("UTC"))
    at, end = (
        datetime(2026, 11, 22, tzinfo=UTC),
        datetime(2026, 11, 22, tzinfo=UTC) + timedelta(days=days),
    )
    out: list[str] = []
    while (at := trigger.get_next_fire_time(None, at)) is not None and at < end:
        out.append(f"{at:%a}")
        at += timedelta(minutes=1)
    return out


def test_crontab_weekdays_mean_what_they_mean_in_cron() -> None:
    """`1-5` is Monday to Friday and `0`/`7` Sunday, as in crontab(5); APScheduler 3 on its
    own reads `1-5` as Tuesday to Saturday (its Monday is 0)."""
    assert fire_days("0 10 * * 1-5", 7) == ["Mon", "Tue", "Wed", "Thu", "Fri"]
    assert fire_days("0 9 * * 1") == ["Mon", "Mon"]  # the weekly digest's default
    assert fire_days("0 9 * * 0") == fire_days("0 9 * * 7") == ["Sun", "Sun"]
    assert fire_days("0 9 * * */2", 7) == ["Sun", "Tue", "Thu", "Sat"]
    assert fire_days("0 9 * * mon-fri", 7) == fire_days("0 9 * * 1-5", 7)
    assert crontab_problem("0 9 * * 8", ZoneInfo("UTC")) is not None


def test_cron_follows_daylight_saving_time() -> None:
    """10:00 in Paris stays 10:00 local across the March change (09:00 → 08:00 UTC)."""
    trigger = sample_trigger(cron="0 10 * * *", interval_seconds=None, tz=PARIS)
    before = trigger.get_next_fire_time(None, datetime(2027, 3, 27, 11, 0, tzinfo=PARIS))
    assert before is not None
    assert before.astimezone(UTC) == datetime(2027, 3, 28, 8, 0, tzinfo=UTC)


def test_quiet_hours_may_cross_midnight() -> None:
    """22:00–07:00 holds 23:30 and 06:59, not 07:00 or 21:59."""
    night = QuietHours(time(22), time(7))
    assert time(23, 30) in night and time(6, 59) in night
    assert time(7) not in night and time(21, 59) not in night


def test_closed_reads_quiet_hours_days_and_holidays_in_the_routes_timezone() -> None:
    """Why a scheduled run must not post, with a fixed clock in UTC and the route in Paris."""
    plan = SamplingPlan(
        timezone="Europe/Paris",
        quiet_hours=(QuietHours(time(12), time(13, 30)),),
        business_days=True,
        holidays=frozenset({date(2026, 12, 25)}),
    )
    at = datetime(2026, 11, 27, 11, 15, tzinfo=UTC)  # Friday 12:15 in Paris
    assert plan.closed(at) == "12:15 is inside quiet hours 12:00-13:30 (Europe/Paris)"
    assert plan.closed(at + timedelta(hours=2)) is None  # 14:15 Paris
    saturday = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    assert plan.closed(saturday) == "Saturday is not a business day (Europe/Paris)"
    christmas = datetime(2026, 12, 25, 9, 0, tzinfo=UTC)
    assert plan.closed(christmas) == "2026-12-25 is a holiday"


async def test_a_run_inside_quiet_hours_is_skipped_with_a_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A scheduled run at 12:15 Paris makes no gateway call, posts nothing, and says why;
    the same sampler at 14:00 runs."""
    gateway = ListingGateway(make_logs({"m": 100}))
    store = MemoryStore()
    await store.migrate()
    now = [datetime(2026, 11, 27, 11, 15, tzinfo=UTC)]
    publisher = FakePublisher()
    sampler = Sampler(
        store=store,
        gateway=gateway.client(),
        publisher=publisher,
        channel="C0Q",
        plan=SamplingPlan(
            size=2, timezone="Europe/Paris", quiet_hours=(QuietHours(time(12), time(13)),)
        ),
        rng=random.Random(1),
        clock=lambda: now[0],
        pacer=Pacer(interval=0),
        route="support",
    )
    with caplog.at_level(logging.INFO, logger="bot.sampling.jobs"):
        report = await sampler.run_scheduled()
    assert report.closed is not None and report.posted == []
    assert gateway.requests == [] and publisher.calls == []
    assert "sampling for route support skipped: 12:15 is inside quiet hours" in caplog.text
    now[0] = datetime(2026, 11, 27, 13, 0, tzinfo=UTC)  # 14:00 in Paris
    assert len((await sampler.run_scheduled()).posted) == 2


async def test_after_downtime_missed_runs_collapse_into_one_catch_up() -> None:
    """A minutely job whose last 30 run times passed unserved (a suspended machine) runs
    once, not 30 times, and is next due in the future."""
    runs: list[datetime] = []
    outcomes: list[JobOutcome] = []
    reported = asyncio.Event()

    async def job() -> None:
        runs.append(datetime.now(UTC))

    def record(outcome: JobOutcome) -> None:
        outcomes.append(outcome)
        reported.set()

    schedule = Schedule(tz=ZoneInfo("UTC"))
    schedule.on_outcome(record)
    trigger = sample_trigger(cron="* * * * *", interval_seconds=None, tz=ZoneInfo("UTC"))
    down_since = datetime.now(UTC) - timedelta(minutes=30)
    schedule.add("sample:x", job, trigger, next_run=down_since)
    schedule.start()
    try:
        await asyncio.wait_for(reported.wait(), timeout=5)
        assert len(runs) == 1
        assert [o.status for o in outcomes] == ["ran"]
        assert outcomes[0].scheduled_at > down_since  # the latest missed time, not the first
        next_run = schedule.next_run("sample:x")
        assert next_run is not None and next_run > datetime.now(UTC)
    finally:
        schedule.shutdown()


async def test_a_run_missed_by_more_than_an_hour_is_dropped_not_made_up() -> None:
    """A daily run that fell due 5 hours ago is reported missed and not run; next is tomorrow."""
    runs: list[int] = []
    outcomes: list[JobOutcome] = []
    reported = asyncio.Event()

    async def job() -> None:
        runs.append(1)

    def record(outcome: JobOutcome) -> None:
        outcomes.append(outcome)
        reported.set()

    schedule = Schedule(tz=ZoneInfo("UTC"))
    schedule.on_outcome(record)
    due = (datetime.now(UTC) - timedelta(hours=5)).replace(second=0, microsecond=0)
    trigger = sample_trigger(cron=f"{due.minute} {due.hour} * * *", interval_seconds=None, tz=UTC)
    schedule.add("sample:daily", job, trigger, next_run=due)
    schedule.start()
    try:
        await asyncio.wait_for(reported.wait(), timeout=5)
        assert runs == [] and [o.status for o in outcomes] == ["missed"]
        next_run = schedule.next_run("sample:daily")
        assert next_run is not None and next_run - due == timedelta(days=1)
    finally:
        schedule.shutdown()

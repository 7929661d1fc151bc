"""Scheduled work (a route's sampling, the digest) runs on one replica at a time, and every
run is recorded so that a restart after downtime can make up for a missed one."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from bot.store import Store

logger = logging.getLogger(__name__)

LEADER_LOCK = "sampler"  # the advisory lock's name; replicas of older versions take the same


def leading_job(
    job_id: str, store: Store, work: Callable[[], Awaitable[None]]
) -> Callable[[], Awaitable[None]]:
    """`work` as a scheduled job: skipped unless this replica leads scheduled work."""

    async def job() -> None:
        if not await store.try_lead(LEADER_LOCK):
            logger.info("%s skipped: another replica leads scheduled work", job_id)
            return
        try:
            await work()
        finally:
            await store.job_ran(job_id, datetime.now(UTC))

    return job

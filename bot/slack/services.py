"""What the listeners reach: built by the composition root, passed to each surface's class."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from bot.config import Settings
from bot.outbox import OutboxWorker
from bot.redact import Redactor
from bot.routes import Gateways
from bot.sampling.jobs import Sampler
from bot.slack.raters import RaterPolicy
from bot.store import Store

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class Services:
    """The bot's collaborators, as the Slack surfaces see them."""

    settings: Settings
    store: Store
    gateways: Gateways
    samplers: dict[str, Sampler]
    outbox: OutboxWorker
    raters: RaterPolicy
    redactor: Redactor
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    def sampler_for(self, channel: str) -> Sampler:
        """The sampler of the route posting to `channel`, else the first route's."""
        return self.samplers[self.gateways.for_channel(channel)[0]]

    def spawn(self, work: Coroutine[Any, Any, object], name: str) -> None:
        """Run work after the ack, keeping a reference so it is neither collected nor lost."""
        task = asyncio.create_task(work, name=name)
        self.tasks.add(task)
        task.add_done_callback(self._finished)

    async def settle(self, timeout: float) -> None:
        """At shutdown: let work started after acks finish for `timeout` s, then cancel it."""
        if not self.tasks:
            return
        _, pending = await asyncio.wait(set(self.tasks), timeout=timeout)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("%s failed", task.get_name(), exc_info=task.exception())

"""`async with` for the loopback servers: start on entry, stop on exit, stop after a failed
start, so a half-started stand-in never keeps a port."""

from __future__ import annotations

from types import TracebackType
from typing import Self


class Served:
    """Base for anything with async `start()` and an idempotent async `stop()`."""

    async def start(self) -> None:
        raise NotImplementedError

    async def stop(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        try:
            await self.start()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

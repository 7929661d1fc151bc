"""The in-memory store: SQLite's memory database behind the same code as every other store.

A real implementation with exactly the file store's behaviour (unit tests rely on that),
gone when the process exits.
"""

from __future__ import annotations

from bot.store._sql import SqlStore


class MemoryStore(SqlStore):
    """The Store in memory; call `migrate()` before use, as with every store."""

    def __init__(self) -> None:
        super().__init__("sqlite://")

    def __repr__(self) -> str:
        return "MemoryStore()"

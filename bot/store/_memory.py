"""The in-memory store: SQLite's `:memory:` database behind the same code as the file store.

A real implementation with exactly the file store's behaviour (unit tests rely on that),
gone when the process exits.
"""

from __future__ import annotations

from bot.store._sqlite import SqliteStore


class MemoryStore(SqliteStore):
    """The Store in memory; call `migrate()` before use, as with every store."""

    def __init__(self) -> None:
        super().__init__(":memory:")

    def __repr__(self) -> str:
        return "MemoryStore()"

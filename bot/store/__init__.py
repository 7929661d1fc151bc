"""The store: posted samples, the vote ledger and the outbox. The only code that touches a
database. `build_store` picks the engine from `AIG_DATABASE_URL`."""

from bot.store._memory import MemoryStore
from bot.store._model import (
    DEFAULT_ROUTE,
    SCHEMA_VERSION,
    Click,
    ClickOutcome,
    Note,
    OutboxDepth,
    OutboxItem,
    Post,
    ReviewedLog,
    Store,
)
from bot.store._sql import SqlStore

__all__ = [
    "DEFAULT_ROUTE",
    "SCHEMA_VERSION",
    "Click",
    "ClickOutcome",
    "MemoryStore",
    "Note",
    "OutboxDepth",
    "OutboxItem",
    "Post",
    "ReviewedLog",
    "SqlStore",
    "Store",
    "build_store",
]


def build_store(url: str) -> Store:
    """The store for a database URL: `sqlite:///path.db`, `sqlite://` (memory), `postgresql://…`."""
    if url in ("sqlite://", "sqlite:///", "sqlite:///:memory:"):
        return MemoryStore()
    if url.startswith(("sqlite:///", "postgresql://", "postgres://")):
        return SqlStore(url)
    raise ValueError(f"unsupported database URL scheme: {url.split(':', 1)[0]}")

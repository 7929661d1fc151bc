"""The store: posted samples, the vote ledger and the outbox. The only code that touches a
database. `build_store` picks the implementation from `AIG_DATABASE_URL`."""

from bot.store._memory import MemoryStore
from bot.store._model import (
    SCHEMA_VERSION,
    Click,
    ClickOutcome,
    OutboxDepth,
    OutboxItem,
    Post,
    Store,
)
from bot.store._sqlite import SqliteStore

__all__ = [
    "SCHEMA_VERSION",
    "Click",
    "ClickOutcome",
    "MemoryStore",
    "OutboxDepth",
    "OutboxItem",
    "Post",
    "SqliteStore",
    "Store",
    "build_store",
]


def build_store(url: str) -> Store:
    """The store for a database URL: `sqlite:///path.db`, `sqlite:///:memory:`."""
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        return MemoryStore() if path in ("", ":memory:") else SqliteStore(path)
    if url.startswith(("postgresql://", "postgres://")):
        raise NotImplementedError(
            "the PostgreSQL store is not available in this version; use sqlite:///path.db"
        )
    raise ValueError(f"unsupported database URL: {url.split(':', 1)[0]}://…")

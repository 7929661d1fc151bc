"""Fixtures shared by the unit tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store import MemoryStore, SqlStore, Store
from tests.fakes.postgres import postgres_schema


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """A migrated store on each engine; PostgreSQL skips with a reason where it is absent."""
    if request.param == "postgresql":
        with postgres_schema() as url:
            s: Store = SqlStore(url)
            await s.migrate()
            yield s
            await s.close()
        return
    s = MemoryStore() if request.param == "memory" else SqlStore(f"sqlite:///{tmp_path / 's.db'}")
    await s.migrate()
    yield s
    await s.close()

"""Schema migrations with Alembic, applied programmatically (on start and by `migrate`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK = 0x41494746  # "AIGF": the advisory lock key migrations take on PostgreSQL


def alembic_config() -> Config:
    """Alembic's configuration, pointing at the migrations shipped in this package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine) -> str:
    """Upgrade the database to the newest revision; return the revision now in place."""
    config = alembic_config()
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # Replicas starting together migrate one at a time; the others then find it done.
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    with engine.connect() as conn:
        revision = MigrationContext.configure(conn).get_current_revision()
    return revision or ""

"""The schema as SQLAlchemy Core tables, for queries. Alembic migrations (migrations/) create
and change it; a test checks the two agree. Types are portable: SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

# What a log's message shows (so edits need no gateway call), and which route it came from.
cards = Table(
    "cards",
    metadata,
    Column("log_id", Text, primary_key=True),
    Column("route", Text, nullable=False, server_default="default"),
    Column("card", Text, nullable=False),
    Column("updated_at", Float, nullable=False),
)

# Logs posted to a channel; a row exists from the moment a post is reserved (ts still NULL).
posts = Table(
    "posts",
    metadata,
    Column("log_id", Text, primary_key=True),
    Column("route", Text, nullable=False, server_default="default"),
    Column("channel", Text, nullable=False),
    Column("ts", Text),
    Column("posted_at", Float, nullable=False),
)

# Each rater's current vote on a log (0 once undone), and their last click for dedupe.
votes = Table(
    "votes",
    metadata,
    Column("log_id", Text, nullable=False),
    Column("rater", Text, nullable=False),
    Column("value", Integer, nullable=False),
    Column("voted_at", Float, nullable=False),
    Column("last_clicked", Integer, nullable=False),
    Column("last_action_ts", Text, nullable=False),
    PrimaryKeyConstraint("log_id", "rater"),
)

# Every accepted click, in order: the audit trail; its unique key rejects redeliveries.
vote_events = Table(
    "vote_events",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("log_id", Text, nullable=False),
    Column("rater", Text, nullable=False),
    Column("clicked", Integer, nullable=False),
    Column("value", Integer, nullable=False),
    Column("action_ts", Text, nullable=False),
    Column("at", Float, nullable=False),
    UniqueConstraint("log_id", "rater", "action_ts", name="vote_events_click"),
)

# Why raters voted as they did (reasons from the vote modal) and free-text notes on a log.
notes = Table(
    "notes",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("log_id", Text, nullable=False),
    Column("author", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("category", Text),
    Column("text", Text, nullable=False, server_default=""),
    Column("vote", Integer),
    Column("source", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Index("notes_log", "log_id"),
)

# When each scheduled job (a route's sampling, the digest) last ran.
job_runs = Table(
    "job_runs",
    metadata,
    Column("job_id", Text, primary_key=True),
    Column("last_run", Float, nullable=False),
)

# One row per log whose verdict must reach the gateway; `generation` counts clicks.
outbox = Table(
    "outbox",
    metadata,
    Column("log_id", Text, primary_key=True),
    Column("generation", Integer, nullable=False),
    Column("state", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", Float, nullable=False),
    Column("enqueued_at", Float, nullable=False),
    Column("response_url", Text),
    Column("last_error", Text),
    Column("status", Text),
    Column("claimed_by", Text),
    Column("claimed_until", Float),
    Column("written_generation", Integer),  # the generation whose verdict the gateway holds
    Column("updated_at", Float, nullable=False),
    Index("outbox_due", "state", "next_attempt_at"),
)

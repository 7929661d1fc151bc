"""The first schema: cards, posts, the vote ledger and the outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cards",
        sa.Column("log_id", sa.Text, primary_key=True),
        sa.Column("route", sa.Text, nullable=False, server_default="default"),
        sa.Column("card", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_table(
        "posts",
        sa.Column("log_id", sa.Text, primary_key=True),
        sa.Column("route", sa.Text, nullable=False, server_default="default"),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("ts", sa.Text),
        sa.Column("posted_at", sa.Float, nullable=False),
    )
    op.create_table(
        "votes",
        sa.Column("log_id", sa.Text, nullable=False),
        sa.Column("rater", sa.Text, nullable=False),
        sa.Column("value", sa.Integer, nullable=False),
        sa.Column("voted_at", sa.Float, nullable=False),
        sa.Column("last_clicked", sa.Integer, nullable=False),
        sa.Column("last_action_ts", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("log_id", "rater"),
    )
    op.create_table(
        "vote_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("log_id", sa.Text, nullable=False),
        sa.Column("rater", sa.Text, nullable=False),
        sa.Column("clicked", sa.Integer, nullable=False),
        sa.Column("value", sa.Integer, nullable=False),
        sa.Column("action_ts", sa.Text, nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.UniqueConstraint("log_id", "rater", "action_ts", name="vote_events_click"),
    )
    op.create_table(
        "outbox",
        sa.Column("log_id", sa.Text, primary_key=True),
        sa.Column("generation", sa.Integer, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.Float, nullable=False),
        sa.Column("enqueued_at", sa.Float, nullable=False),
        sa.Column("response_url", sa.Text),
        sa.Column("last_error", sa.Text),
        sa.Column("status", sa.Text),
        sa.Column("claimed_by", sa.Text),
        sa.Column("claimed_until", sa.Float),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_index("outbox_due", "outbox", ["state", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("outbox_due", table_name="outbox")
    for table in ("outbox", "vote_events", "votes", "posts", "cards"):
        op.drop_table(table)

"""Reasons and notes on logs: why a rater voted as they did, and thread notes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notes",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("log_id", sa.Text, nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("category", sa.Text),
        sa.Column("text", sa.Text, nullable=False, server_default=""),
        sa.Column("vote", sa.Integer),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index("notes_log", "notes", ["log_id"])


def downgrade() -> None:
    op.drop_index("notes_log", table_name="notes")
    op.drop_table("notes")

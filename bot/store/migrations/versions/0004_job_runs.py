"""When each scheduled job last ran, so a bot that was down through a run time makes up for
it with one run when it starts again.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("job_id", sa.Text, primary_key=True),
        sa.Column("last_run", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("job_runs")

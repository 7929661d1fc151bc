"""Remember which generation's verdict the gateway already holds, so a sync that failed only
at the Slack edit retries the edit, not the PATCH and GET.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("written_generation", sa.Integer))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("written_generation")

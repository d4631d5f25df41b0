"""Scheduled starts by a cron expression: a period is then the moment it names, labelled
2026-12-07 09:00, longer than the 10 characters a month, quarter or year label needed.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scheduled_starts") as batch:
        batch.alter_column("period", existing_type=sa.String(10), type_=sa.String(20),
                           existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("scheduled_starts") as batch:
        batch.alter_column("period", existing_type=sa.String(20), type_=sa.String(10),
                           existing_nullable=False)

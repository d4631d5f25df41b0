"""Scheduled starts: the periods each process's schedule has started, one row per process
and period (unique), so that several workers start each period once.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduled_starts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("process_id", sa.String(64), nullable=False),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("tracking_no", sa.String(20), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("process_id", "period", name="uq_scheduled_period"),
    )


def downgrade() -> None:
    op.drop_table("scheduled_starts")

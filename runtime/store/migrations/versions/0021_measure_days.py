"""The measures' daily figures: one row per measure, day, department, region and process,
and the day through which they are rolled up.

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "measure_days",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("measure", sa.String(40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("start_day", sa.Date(), nullable=True),
        sa.Column("department", sa.String(32), nullable=True),
        sa.Column("region", sa.String(6), nullable=True),
        sa.Column("process", sa.String(64), nullable=True),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
    )
    op.create_index("ix_measure_days_measure_day", "measure_days", ["measure", "day"])
    op.create_table(
        "measure_rollups",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("through", sa.Date(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("measure_rollups")
    op.drop_index("ix_measure_days_measure_day", table_name="measure_days")
    op.drop_table("measure_days")

"""The measures' rollup also sums today's facts before a moment (`measure_rollups.until`), so
that a figure reads at most the last hour or so of today's rows from the raw tables.

Revision ID: 0027
Revises: 0026
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("measure_rollups",
                  sa.Column("until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("measure_rollups") as batch:
        batch.drop_column("until")

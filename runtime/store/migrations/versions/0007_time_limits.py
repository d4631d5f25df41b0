"""Time limits as the rules state them: a task remembers that its claim limit ran out and when
it was suspended (挂起); the official holiday arrangement an administrator loaded, per day;
and a per-item step's task keeps its item.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from runtime.store.models import JSONData

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tasks", sa.Column("claim_late", sa.Boolean(), nullable=False,
                                     server_default=sa.false()))
    op.add_column("tasks", sa.Column("suspended_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("tasks", sa.Column("item", JSONData, nullable=True))
    op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("workday", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("calendar_days")
    for column in ("item", "suspended_at", "claim_late"):
        op.execute(sa.text(f"ALTER TABLE tasks DROP COLUMN {column}"))

"""Live counts of what is held up now, for the bottleneck page (`held_counts`, kept by
triggers on `tasks` and on the cases' department and region, with `held_cases` and
`held_spreads` for the cases whose live tasks are in several groups), counted from the live
tasks there are.

Revision ID: 0026
Revises: 0025
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from runtime.store import held_counts

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "held_counts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("process", sa.String(64), nullable=True),
        sa.Column("step", sa.String(64), nullable=False),
        sa.Column("title_zh", sa.String(200), nullable=True),
        sa.Column("title_en", sa.String(200), nullable=True),
        sa.Column("department", sa.String(32), nullable=True),
        sa.Column("region", sa.String(6), nullable=True),
        sa.Column("lead_department", sa.String(32), nullable=True),
        sa.Column("lead_region", sa.String(6), nullable=True),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("tasks", sa.Integer(), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
    )
    op.create_table(
        "held_cases",
        sa.Column("case_id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("groups", sa.Text(), nullable=False),
    )
    op.create_table(
        "held_spreads",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("process", sa.String(64), nullable=True),
        sa.Column("lead_department", sa.String(32), nullable=True),
        sa.Column("lead_region", sa.String(6), nullable=True),
        sa.Column("groups", sa.Text(), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
    )
    connection = op.get_bind()
    held_counts.install(connection)
    held_counts.rebuild(connection)


def downgrade() -> None:
    held_counts.uninstall(op.get_bind())
    op.drop_table("held_spreads")
    op.drop_table("held_cases")
    op.drop_table("held_counts")

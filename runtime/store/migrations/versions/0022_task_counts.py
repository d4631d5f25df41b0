"""Live task counts for overdue-now and redo (`task_counts`, kept by triggers on `tasks`),
and working days summed when a day is rolled up: `measure_days` loses `start_day` and gains
an index covering what the figures read; every day is rolled up again.

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from runtime.store import task_counts

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

COVERING = ["measure", "day", "department", "region", "process", "amount", "count"]


def upgrade() -> None:
    op.create_table(
        "task_counts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("department", sa.String(32), nullable=True),
        sa.Column("region", sa.String(6), nullable=True),
        sa.Column("process", sa.String(64), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
    )
    op.create_index("ix_task_counts_kind_day", "task_counts",
                    ["kind", "day", "department", "region", "process", "count"])
    connection = op.get_bind()
    task_counts.install(connection)
    task_counts.rebuild(connection)
    op.execute("DELETE FROM measure_days")
    op.execute("DELETE FROM measure_rollups")
    op.drop_index("ix_measure_days_measure_day", table_name="measure_days")
    with op.batch_alter_table("measure_days") as batch:
        batch.drop_column("start_day")
    op.create_index("ix_measure_days_measure_day", "measure_days", COVERING)


def downgrade() -> None:
    op.drop_index("ix_measure_days_measure_day", table_name="measure_days")
    op.execute("DELETE FROM measure_days")
    op.execute("DELETE FROM measure_rollups")
    with op.batch_alter_table("measure_days") as batch:
        batch.add_column(sa.Column("start_day", sa.Date(), nullable=True))
    op.create_index("ix_measure_days_measure_day", "measure_days", ["measure", "day"])
    task_counts.uninstall(op.get_bind())
    op.drop_index("ix_task_counts_kind_day", table_name="task_counts")
    op.drop_table("task_counts")

"""The bottleneck page's daily figures (`bottleneck_days`): per China day of finishing, step,
and department and region of the task and of its case, what the tasks finished that day and
the returns made that day add up to. Every day is rolled up again by the worker (the rollup
mark is cleared, as 0022 did), so the days before this migration get their rows too. And
`ix_tasks_live`, the live tasks by department and step, for the page's counts of what is
held up now.

Revision ID: 0024
Revises: 0023
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from runtime.store.cases import LIVE_ROWS

LIVE_COLUMNS = ["department", "step", "case_id", "due_at", "status", "title_zh", "title_en"]

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bottleneck_days",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("process", sa.String(64), nullable=False),
        sa.Column("step", sa.String(64), nullable=False),
        sa.Column("title_zh", sa.String(200), nullable=True),
        sa.Column("title_en", sa.String(200), nullable=True),
        sa.Column("department", sa.String(32), nullable=True),
        sa.Column("region", sa.String(6), nullable=True),
        sa.Column("lead_department", sa.String(32), nullable=True),
        sa.Column("lead_region", sa.String(6), nullable=True),
        *(sa.Column(name, sa.Integer(), nullable=False)
          for name in ("tasks", "claims")),
        *(sa.Column(name, sa.BigInteger(), nullable=False)
          for name in ("wait_seconds", "handle_seconds")),
        *(sa.Column(name, sa.Integer(), nullable=False)
          for name in ("with_due", "overdue", "returns", "redos")),
    )
    op.create_index("ix_bottleneck_days_day", "bottleneck_days", ["day"])
    op.create_index("ix_tasks_live", "tasks", LIVE_COLUMNS,
                    sqlite_where=sa.text(LIVE_ROWS), postgresql_where=sa.text(LIVE_ROWS))
    op.execute("DELETE FROM measure_days")
    op.execute("DELETE FROM measure_rollups")


def downgrade() -> None:
    op.drop_index("ix_tasks_live", table_name="tasks")
    op.drop_index("ix_bottleneck_days_day", table_name="bottleneck_days")
    op.drop_table("bottleneck_days")

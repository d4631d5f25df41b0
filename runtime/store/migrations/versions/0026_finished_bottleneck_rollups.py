"""The bottleneck page's daily figures without the regions (`bottleneck_department_days`):
per China day, step, and department of the task and of its case, what `bottleneck_days`
adds up to over the regions, for a viewer whose scope names no region (everything, or
departments), who summed a row per region pair of each department pair before. Filled from
`bottleneck_days` as it stands: both levels then hold the same days, and the worker's
upkeep rolls both up from then on. And `measure_rollups.until`: the moment up to which the
day after the last one rolled up (today) is summed into these rows so far, by every upkeep
(today's raw rows were the most of a read).

Revision ID: 0026_finished
Revises: 0025
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026_finished"
down_revision = "0025"
branch_labels = None
depends_on = None

KEYS = ("day", "process", "step", "title_zh", "title_en", "department", "lead_department")
FIGURES = ("tasks", "claims", "wait_seconds", "handle_seconds", "with_due", "overdue",
           "returns", "redos")


def upgrade() -> None:
    op.create_table(
        "bottleneck_department_days",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("process", sa.String(64), nullable=False),
        sa.Column("step", sa.String(64), nullable=False),
        sa.Column("title_zh", sa.String(200), nullable=True),
        sa.Column("title_en", sa.String(200), nullable=True),
        sa.Column("department", sa.String(32), nullable=True),
        sa.Column("lead_department", sa.String(32), nullable=True),
        *(sa.Column(name, sa.Integer(), nullable=False)
          for name in ("tasks", "claims")),
        *(sa.Column(name, sa.BigInteger(), nullable=False)
          for name in ("wait_seconds", "handle_seconds")),
        *(sa.Column(name, sa.Integer(), nullable=False)
          for name in ("with_due", "overdue", "returns", "redos")),
    )
    op.create_index("ix_bottleneck_department_days_day", "bottleneck_department_days",
                    ["day"])
    keys, figures = ", ".join(KEYS), ", ".join(FIGURES)
    sums = ", ".join(f"sum({name})" for name in FIGURES)
    op.execute(f"INSERT INTO bottleneck_department_days ({keys}, {figures}) "
               f"SELECT {keys}, {sums} FROM bottleneck_days GROUP BY {keys}")
    op.add_column("measure_rollups", sa.Column("until", sa.DateTime(timezone=True),
                                               nullable=True))


def downgrade() -> None:
    op.drop_column("measure_rollups", "until")
    op.drop_index("ix_bottleneck_department_days_day", table_name="bottleneck_department_days")
    op.drop_table("bottleneck_department_days")

"""The bottleneck page's daily figures at three coarser levels, each what `bottleneck_days`
adds up to: without the regions (`bottleneck_department_days`: per China day, step, and
department of the task and of its case) for a viewer of departments, without the case's
department (`bottleneck_region_days`) for a viewer of regions, and with neither
(`bottleneck_step_days`) for a viewer of everything; each summed a row per region pair of
each department pair before. Filled from `bottleneck_days` as it stands: the levels then
hold the same days, and the worker's upkeep rolls them all up from then on.

Revision ID: 0028
Revises: 0027
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

KEYS = ("day", "process", "step", "title_zh", "title_en", "department")
LEVELS = {"bottleneck_department_days": (*KEYS, "lead_department"),
          "bottleneck_region_days": (*KEYS, "region", "lead_region"),
          "bottleneck_step_days": KEYS}
NULLABLE = ("title_zh", "title_en", "department", "lead_department", "region", "lead_region")
FIGURES = ("tasks", "claims", "wait_seconds", "handle_seconds", "with_due", "overdue",
           "returns", "redos")


def upgrade() -> None:
    for table, keys in LEVELS.items():
        op.create_table(table, *_columns(keys))
        op.create_index(f"ix_{table}_day", table, ["day"])
        names, figures = ", ".join(keys), ", ".join(FIGURES)
        sums = ", ".join(f"sum({name})" for name in FIGURES)
        op.execute(f"INSERT INTO {table} ({names}, {figures}) "
                   f"SELECT {names}, {sums} FROM bottleneck_days GROUP BY {names}")


def _columns(keys: tuple[str, ...]) -> list[sa.Column[object]]:
    sizes = {"process": 64, "step": 64, "title_zh": 200, "title_en": 200, "department": 32,
             "lead_department": 32, "region": 6, "lead_region": 6}
    return [sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("day", sa.Date(), nullable=False),
            *(sa.Column(key, sa.String(sizes[key]), nullable=key in NULLABLE)
              for key in keys[1:]),
            *(sa.Column(name, sa.BigInteger() if name.endswith("_seconds") else sa.Integer(),
                        nullable=False) for name in FIGURES)]


def downgrade() -> None:
    for table in LEVELS:
        op.drop_index(f"ix_{table}_day", table_name=table)
        op.drop_table(table)

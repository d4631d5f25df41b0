"""The overdue list's index carries each task's department and region, so a supervisor whose
scope is a department or a region filters it without reading the table row by row.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

LIVE_ROWS = sa.text("status IN ('open', 'waiting')")


def upgrade() -> None:
    op.drop_index("ix_tasks_overdue", table_name="tasks")
    op.create_index("ix_tasks_overdue", "tasks", ["due_sort", "id", "department", "region_code"],
                    unique=False, sqlite_where=LIVE_ROWS, postgresql_where=LIVE_ROWS)


def downgrade() -> None:
    op.drop_index("ix_tasks_overdue", table_name="tasks")
    op.create_index("ix_tasks_overdue", "tasks", ["due_sort", "id"], unique=False,
                    sqlite_where=LIVE_ROWS, postgresql_where=LIVE_ROWS)

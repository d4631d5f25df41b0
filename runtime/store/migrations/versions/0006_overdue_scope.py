"""Overdue lists of scoped supervisors: the overdue index carries each task's department and
region (a region's supervisor filters it without reading the table row by row), and a new one
holds each department's live tasks in due order (a department's supervisor reads only theirs:
one whose department has no overdue task no longer reads every overdue task to find that).

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
    op.create_index("ix_tasks_watch", "tasks", ["department", "due_sort", "id"], unique=False,
                    sqlite_where=LIVE_ROWS, postgresql_where=LIVE_ROWS)


def downgrade() -> None:
    op.drop_index("ix_tasks_watch", table_name="tasks")
    op.drop_index("ix_tasks_overdue", table_name="tasks")
    op.create_index("ix_tasks_overdue", "tasks", ["due_sort", "id"], unique=False,
                    sqlite_where=LIVE_ROWS, postgresql_where=LIVE_ROWS)

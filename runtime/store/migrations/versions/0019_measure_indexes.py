"""Indexes the dashboards' measures read a period by: cases by when they came, tasks by when
they were done or made, case events by kind and moment.

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

INDEXES = (("ix_cases_created_at", "cases", ["created_at"]),
           ("ix_tasks_completed_at", "tasks", ["completed_at"]),
           ("ix_tasks_created_at", "tasks", ["created_at"]),
           ("ix_case_events_action_at", "case_events", ["action", "at"]))


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)

"""Cases, their tasks, history, notifications and copies; jobs (timers and deliveries) and
webhook subscriptions.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from runtime.store.models import JSONData

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("task_no", sa.Integer(), nullable=True),
        sa.Column("stamp", sa.String(length=40), nullable=True),
        sa.Column("webhook_id", sa.Integer(), nullable=True),
        sa.Column("payload", JSONData, nullable=False),
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("locked_by", sa.String(length=64), nullable=True),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    op.create_index(op.f("ix_jobs_case_id"), "jobs", ["case_id"], unique=False)
    op.create_index("ix_jobs_due", "jobs", ["status", "run_at"], unique=False)
    op.create_table(
        "webhooks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("events", JSONData, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhooks")),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("tracking_no", sa.String(length=20), nullable=False),
        sa.Column("process_id", sa.String(length=64), nullable=False),
        sa.Column("process_version", sa.Integer(), nullable=False),
        sa.Column("templates", JSONData, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("steps", JSONData, nullable=False),
        sa.Column("department_code", sa.String(length=32), nullable=True),
        sa.Column("region_code", sa.String(length=6), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submissions.id"], name=op.f("fk_cases_submission_id_submissions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("submission_id", name=op.f("uq_cases_submission_id")),
    )
    op.create_index(op.f("ix_cases_department_code"), "cases", ["department_code"], unique=False)
    op.create_index(op.f("ix_cases_status"), "cases", ["status"], unique=False)
    op.create_index(op.f("ix_cases_tracking_no"), "cases", ["tracking_no"], unique=False)
    op.create_table(
        "case_copies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("task_no", sa.Integer(), nullable=False),
        sa.Column("by", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("department", sa.String(length=32), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_copies_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_copies")),
    )
    op.create_index("ix_case_copies_pool", "case_copies", ["department", "id"], unique=False)
    op.create_index("ix_case_copies_user", "case_copies", ["user_id", "id"], unique=False)
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=True),
        sa.Column("task_no", sa.Integer(), nullable=True),
        sa.Column("opinion", sa.Text(), nullable=True),
        sa.Column("detail", JSONData, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_events_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_events")),
    )
    op.create_index(op.f("ix_case_events_case_id"), "case_events", ["case_id"], unique=False)
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("task_no", sa.Integer(), nullable=True),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("department", sa.String(length=32), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=True),
        sa.Column("params", JSONData, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_notifications_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index(
        "ix_notifications_pool", "notifications", ["department", "role", "id"], unique=False
    )
    op.create_index("ix_notifications_user", "notifications", ["user_id", "id"], unique=False)
    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("tracking_no", sa.String(length=20), nullable=False),
        sa.Column("title_zh", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=True),
        sa.Column("region_code", sa.String(length=6), nullable=True),
        sa.Column("no", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=32), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("parent", sa.Integer(), nullable=True),
        sa.Column("order_no", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("delegated_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed", sa.Boolean(), nullable=False),
        sa.Column("clock_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_sort", sa.DateTime(timezone=True), nullable=False),
        sa.Column("yellow_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("warned", sa.String(length=8), nullable=True),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("supervised", sa.Boolean(), nullable=False),
        sa.Column("extension", JSONData, nullable=True),
        sa.Column("after_signers", JSONData, nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("opinion", sa.Text(), nullable=True),
        sa.Column("data", JSONData, nullable=False),
        sa.Column("completed_by", sa.Integer(), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_tasks_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
        sa.UniqueConstraint("case_id", "no", name=op.f("uq_tasks_case_id_no")),
    )
    op.create_index("ix_tasks_done", "tasks", ["completed_by", "completed_at", "id"], unique=False)
    # Partial: only the rows the pools, the to-do and overdue lists show (runtime.store.cases).
    live_rows = sa.text("status IN ('open', 'waiting')")
    op.create_index("ix_tasks_overdue", "tasks", ["due_sort", "id"], unique=False,
                    sqlite_where=live_rows, postgresql_where=live_rows)
    pool_rows = sa.text("status = 'open' AND user_id IS NULL")
    op.create_index("ix_tasks_pool", "tasks", ["department", "due_sort", "id"], unique=False,
                    sqlite_where=pool_rows, postgresql_where=pool_rows)
    op.create_index(
        "ix_tasks_supervised", "tasks", ["supervised", "status", "due_sort", "id"], unique=False
    )
    op.create_index("ix_tasks_todo", "tasks", ["user_id", "due_sort", "id"], unique=False,
                    sqlite_where=live_rows, postgresql_where=live_rows)


def downgrade() -> None:
    op.drop_index("ix_tasks_todo", table_name="tasks")
    op.drop_index("ix_tasks_supervised", table_name="tasks")
    op.drop_index("ix_tasks_pool", table_name="tasks")
    op.drop_index("ix_tasks_overdue", table_name="tasks")
    op.drop_index("ix_tasks_done", table_name="tasks")
    op.drop_table("tasks")
    op.drop_index("ix_notifications_user", table_name="notifications")
    op.drop_index("ix_notifications_pool", table_name="notifications")
    op.drop_table("notifications")
    op.drop_index(op.f("ix_case_events_case_id"), table_name="case_events")
    op.drop_table("case_events")
    op.drop_index("ix_case_copies_user", table_name="case_copies")
    op.drop_index("ix_case_copies_pool", table_name="case_copies")
    op.drop_table("case_copies")
    op.drop_index(op.f("ix_cases_tracking_no"), table_name="cases")
    op.drop_index(op.f("ix_cases_status"), table_name="cases")
    op.drop_index(op.f("ix_cases_department_code"), table_name="cases")
    op.drop_table("cases")
    op.drop_table("webhooks")
    op.drop_index("ix_jobs_due", table_name="jobs")
    op.drop_index(op.f("ix_jobs_case_id"), table_name="jobs")
    op.drop_table("jobs")

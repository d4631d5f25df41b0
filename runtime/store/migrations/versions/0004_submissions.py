"""Submissions of generated forms, drafts and attachments.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from runtime.store.models import JSONData

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _owner() -> list[sa.Column]:
    return [sa.Column("owner_kind", sa.String(10), nullable=False),
            sa.Column("owner_id", sa.Integer(), nullable=True)]


def upgrade() -> None:
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tracking_no", sa.String(20), nullable=False),
        sa.Column("verification_code", sa.String(6), nullable=False),
        sa.Column("idempotency_key", sa.String(64), nullable=False),
        sa.Column("form_id", sa.String(64), nullable=False),
        sa.Column("form_version", sa.Integer(), nullable=False),
        sa.Column("data", JSONData, nullable=False),
        sa.Column("prefilled", JSONData, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        *_owner(),
        sa.Column("department_code", sa.String(32), nullable=True),
        sa.Column("region_code", sa.String(6), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
        sa.UniqueConstraint("tracking_no", name=op.f("uq_submissions_tracking_no")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_submissions_idempotency_key")),
    )
    for column in ("form_id", "owner_id", "department_code"):
        op.create_index(op.f(f"ix_submissions_{column}"), "submissions", [column])
    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("form_id", sa.String(64), nullable=False),
        sa.Column("form_version", sa.Integer(), nullable=False),
        sa.Column("data", JSONData, nullable=False),
        *_owner(),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drafts")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_drafts_token_hash")),
    )
    op.create_index(op.f("ix_drafts_owner_id"), "drafts", ["owner_id"])
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("original_name", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        *_owner(),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
        sa.UniqueConstraint("key", name=op.f("uq_attachments_key")),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"],
                                name=op.f("fk_attachments_submission_id_submissions")),
    )
    for column in ("owner_id", "submission_id"):
        op.create_index(op.f(f"ix_attachments_{column}"), "attachments", [column])


def downgrade() -> None:
    op.drop_table("attachments")
    op.drop_table("drafts")
    op.drop_table("submissions")

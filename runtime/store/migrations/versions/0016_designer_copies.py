"""The designer's working copies of definitions and their undo/redo history.

Revision ID: 0016_designer
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_designer"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "design_copies",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("def_id", sa.String(64), nullable=False),
        sa.Column("pack_id", sa.String(64), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("saved_by", sa.String(200), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_design_copies"),
        sa.UniqueConstraint("kind", "def_id", name="uq_design_copies_kind_def_id"),
    )
    op.create_table(
        "design_steps",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("copy_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("saved_by", sa.String(200), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["copy_id"], ["design_copies.id"],
                                name="fk_design_steps_copy_id_design_copies"),
        sa.PrimaryKeyConstraint("id", name="pk_design_steps"),
        sa.UniqueConstraint("copy_id", "step", name="uq_design_steps_copy_id_step"),
    )
    op.create_index("ix_design_steps_copy_id", "design_steps", ["copy_id"])


def downgrade() -> None:
    op.drop_table("design_steps")
    op.drop_table("design_copies")

"""Service ratings (好差评): one row per ended case, with the rectification a poor rating
opens and its reply.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("tracking_no", sa.String(20), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("reasons", JSON, nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("department", sa.String(32), nullable=True),
        sa.Column("rater_kind", sa.String(10), nullable=False),
        sa.Column("rater_id", sa.Integer(), nullable=True),
        sa.Column("rectify_case_id", sa.Integer(), nullable=True),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_ratings_case_id_cases"),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"],
                                name="fk_ratings_submission_id_submissions"),
        sa.PrimaryKeyConstraint("id", name="pk_ratings"),
        sa.UniqueConstraint("case_id", name="uq_ratings_case_id"),
    )
    op.create_index("ix_ratings_rated_at", "ratings", ["rated_at"])
    op.create_index("ix_ratings_department", "ratings", ["department"])
    op.create_index("ix_ratings_rectify_case_id", "ratings", ["rectify_case_id"])


def downgrade() -> None:
    op.drop_table("ratings")

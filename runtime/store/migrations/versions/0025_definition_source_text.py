"""A published definition keeps the text it was published from, with its author's comments.

Revision ID: 0025
Revises: 0024
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("definitions", sa.Column("source_text", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("definitions", "source_text")

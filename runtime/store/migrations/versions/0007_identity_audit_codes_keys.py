"""Who acted from where, and what a guest holds: the audit log keeps the user agent of each
request beside its address.

Revision ID: 0007_identity
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_identity"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("user_agent", sa.String(300), nullable=True))


def downgrade() -> None:
    op.drop_column("audit_log", "user_agent")

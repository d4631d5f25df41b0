"""Roles a pack declares carry what they grant: the permissions (space-separated codes of
`runtime.access.PERMISSIONS`) and the default data scope of a membership in them. Built-in
roles keep theirs in `runtime.access` and leave both empty.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("roles") as batch:
        batch.add_column(sa.Column("permissions", sa.String(length=1000), nullable=True))
        batch.add_column(sa.Column("default_scope", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("roles") as batch:
        batch.drop_column("default_scope")
        batch.drop_column("permissions")

"""The keyed audit chain: each audit row says how its hash was made (`hash_version`).

Rows already written keep their plain SHA-256 hash and get version 1; rows written from now
on are HMAC-SHA256 with the audit key (version 2). Nothing is rehashed: the triggers refuse
UPDATE, and rehashing would bless whatever was changed before. `lowcode audit verify`
accepts version-1 rows only before the first keyed row; take an anchor right after the
upgrade (`lowcode audit anchor`) so that the old rows are fixed by a hash kept outside the
database too.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ADD COLUMN with a default writes no row through the UPDATE triggers.
    op.add_column("audit_log", sa.Column("hash_version", sa.Integer(), nullable=False,
                                         server_default="1"))


def downgrade() -> None:
    op.drop_column("audit_log", "hash_version")

"""Rule results kept with the submission: every rule of the rule sets on its form, decided on
the submitted data, with the values it read and the clauses it cites.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from runtime.store.models import JSONData

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("submissions", sa.Column("rules", JSONData, nullable=True))


def downgrade() -> None:
    # Not a batch copy of the table on SQLite: the cases' foreign keys point at it.
    op.execute(sa.text("ALTER TABLE submissions DROP COLUMN rules"))

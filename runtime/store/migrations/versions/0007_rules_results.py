"""Rule results kept with the submission: every rule of the rule sets on its form, decided on
the submitted data, with the values it read and the clauses it cites.

Revision ID: 0007_rules
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from runtime.store.models import JSONData

revision = "0007_rules"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("rules", JSONData, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("rules")

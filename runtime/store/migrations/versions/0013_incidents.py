"""Incidents: run-time failures that only data can cause (a case that could not start), kept
for administrators with the definition, the tracking number and the message in zh and en.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("definition_id", sa.String(64), nullable=True),
        sa.Column("definition_version", sa.Integer, nullable=True),
        sa.Column("tracking_no", sa.String(20), nullable=True),
        sa.Column("department_code", sa.String(32), nullable=True),
        sa.Column("region_code", sa.String(6), nullable=True),
        sa.Column("message_zh", sa.Text, nullable=False),
        sa.Column("message_en", sa.Text, nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_incidents_tracking_no", "incidents", ["tracking_no"])
    op.create_index("ix_incidents_resolved_at", "incidents", ["resolved_at"])


def downgrade() -> None:
    op.drop_index("ix_incidents_resolved_at", "incidents")
    op.drop_index("ix_incidents_tracking_no", "incidents")
    op.drop_table("incidents")

"""The applicant's status follows the case: a submission keeps the reason written for the
applicant (and the fields a correction asks for) beside its status, and the finished cases'
submissions get the status they have (a running case's is set at its next change).

Revision ID: 0007_citizen
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from runtime.store.models import JSONData

revision = "0007_citizen"
down_revision = "0006"
branch_labels = None
depends_on = None

CLOSED = {"done": "done", "rejected": "not_approved"}  # case status -> the applicant's


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("notice", JSONData, nullable=True))
    for case_status, status in CLOSED.items():
        op.execute(sa.text("UPDATE submissions SET status = :status WHERE id IN "
                           "(SELECT submission_id FROM cases WHERE status = :case)")
                   .bindparams(status=status, case=case_status))


def downgrade() -> None:
    op.execute(sa.text("UPDATE submissions SET status = 'submitted'"))
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("notice")

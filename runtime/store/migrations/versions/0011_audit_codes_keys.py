"""Who acted from where, and what a guest holds: the audit log keeps the user agent of each
request beside its address; verification codes grow from 6 digits to 10 letters and digits;
a submission keeps a hash of its body beside its (now scoped and hashed) idempotency key;
citizens get messages (someone tried to register their number again).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("user_agent", sa.String(300), nullable=True))
    op.add_column("submissions", sa.Column("body_hash", sa.String(64), nullable=True))
    op.create_table(
        "citizen_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["citizen_id"], ["citizens.id"], ondelete="CASCADE",
                                name=op.f("fk_citizen_messages_citizen_id_citizens")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen_messages")),
    )
    op.create_index(op.f("ix_citizen_messages_citizen_id"), "citizen_messages", ["citizen_id"])
    if op.get_context().dialect.name == "postgresql":
        op.alter_column("submissions", "verification_code", type_=sa.String(12))
    else:
        _widen_on_sqlite()


def _widen_on_sqlite() -> None:
    """SQLite cannot change a column's type in place, and rebuilding the table would fail on
    the cases and files that refer to it: a wide copy of the column replaces the old one
    (the old one is in no index or constraint, so it may be dropped)."""
    for statement in (
            "ALTER TABLE submissions ADD COLUMN code_wide VARCHAR(12) NOT NULL DEFAULT ''",
            "UPDATE submissions SET code_wide = verification_code",
            "ALTER TABLE submissions DROP COLUMN verification_code",
            "ALTER TABLE submissions RENAME COLUMN code_wide TO verification_code"):
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("citizen_messages")
    # Codes longer than 6 cannot go back into the old column: the downgrade keeps it wide.
    op.drop_column("submissions", "body_hash")
    op.drop_column("audit_log", "user_agent")

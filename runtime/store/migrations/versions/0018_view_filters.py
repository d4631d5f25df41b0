"""Views: each user's saved filters, the indexes a view's pages read (a form's submissions
newest first, and by status), and the expression index of every filterable data field of
the views already published (a view published later gets its own at publish).

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from runtime.definitions.spec import ViewSpec, from_data
from runtime.store.views import ensure_indexes

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "view_filters",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(),
                  sa.ForeignKey("users.id", name="fk_view_filters_user_id_users"),
                  nullable=False),
        sa.Column("view_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("query", sa.String(2000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("user_id", "view_id", "name",
                            name="uq_view_filters_user_id_view_id_name"),
    )
    op.create_index("ix_view_filters_user_id", "view_filters", ["user_id"])
    op.create_index("ix_submissions_form_view", "submissions", ["form_id", "id"])
    op.create_index("ix_submissions_form_status", "submissions", ["form_id", "status", "id"])
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT data FROM definitions WHERE kind = 'View'"))
    specs = [from_data(data if isinstance(data, dict) else _json(data)) for (data,) in rows]
    session = sa.orm.Session(bind=bind)
    ensure_indexes(session, [s for s in specs if isinstance(s, ViewSpec)])


def _json(data: str) -> dict:
    return json.loads(data)  # type: ignore[no-any-return]


def downgrade() -> None:
    op.drop_index("ix_submissions_form_status", "submissions")
    op.drop_index("ix_submissions_form_view", "submissions")
    op.drop_index("ix_view_filters_user_id", "view_filters")
    op.drop_table("view_filters")

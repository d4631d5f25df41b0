"""Views: a form's submissions by department (newest first), and for the views already
published the indexes of an equality filter followed by a sort field (a view published
later gets its own at publish), so that a filtered page in a data field's order reads one
range of one index at any depth instead of sorting every row the filter keeps.

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from runtime.definitions.spec import ViewSpec, from_data
from runtime.store.views import ensure_indexes, index_keys, index_name

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def _published() -> list[ViewSpec]:
    rows = op.get_bind().execute(sa.text("SELECT data FROM definitions WHERE kind = 'View'"))
    specs = [from_data(data if isinstance(data, dict) else json.loads(data)) for (data,) in rows]
    return [s for s in specs if isinstance(s, ViewSpec)]


def upgrade() -> None:
    op.create_index("ix_submissions_form_department", "submissions",
                    ["form_id", "department_code", "id"])
    ensure_indexes(sa.orm.Session(bind=op.get_bind()), _published())


def downgrade() -> None:
    for view in _published():
        for key in index_keys(view):
            if len(key.parts) > 1:
                op.execute(f"DROP INDEX IF EXISTS {index_name(view.form, key)}")
    op.drop_index("ix_submissions_form_department", "submissions")

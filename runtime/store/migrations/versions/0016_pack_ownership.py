"""Packs own their ids: a definition is unique by (pack, kind, id, version), no longer by
(kind, id, version), so two packs may each define `task_opinion`; each definition records the
publisher its pack.yaml named at import, and a case the pack of its process.

Existing rows are backfilled: a definition's publisher from its pack version's row, a case's
process pack from the process definition it runs on (ids were unique across packs before).

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("definitions") as batch:
        batch.add_column(sa.Column("publisher", sa.String(200), nullable=True))
        batch.drop_constraint("uq_definitions_kind_def_id_version", type_="unique")
        batch.create_unique_constraint("uq_definitions_pack_id_kind_def_id_version",
                                       ["pack_id", "kind", "def_id", "version"])
        batch.create_index("ix_definitions_kind_def_id", ["kind", "def_id", "version"])
    op.execute("UPDATE definitions SET publisher = (SELECT packs.publisher FROM packs "
               "WHERE packs.pack_id = definitions.pack_id "
               "AND packs.version = definitions.pack_version)")
    # Not a batch copy of the table on SQLite: the tasks' foreign keys point at it.
    op.add_column("cases", sa.Column("process_pack", sa.String(64), nullable=True))
    op.execute("UPDATE cases SET process_pack = (SELECT MIN(definitions.pack_id) "
               "FROM definitions WHERE definitions.kind = 'Process' "
               "AND definitions.def_id = cases.process_id "
               "AND definitions.version = cases.process_version)")


def downgrade() -> None:
    op.execute(sa.text("ALTER TABLE cases DROP COLUMN process_pack"))
    with op.batch_alter_table("definitions") as batch:
        batch.drop_index("ix_definitions_kind_def_id")
        batch.drop_constraint("uq_definitions_pack_id_kind_def_id_version", type_="unique")
        batch.create_unique_constraint("uq_definitions_kind_def_id_version",
                                       ["kind", "def_id", "version"])
        batch.drop_column("publisher")

"""The applicant's status follows the case: a submission keeps the reason written for the
applicant (and the fields a correction asks for) beside its status, and the submissions of
existing cases get the status they have: done or not approved for a closed case; for a
running one accepted or in progress by the rule of runtime.flows.applicant as it was when
written (no case waited for a correction before this revision). Written out here, not
imported, so that a later change of that rule does not change what this revision did.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from runtime.store.models import JSONData

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

CLOSED = {"done": "done", "rejected": "not_approved"}  # case status -> the applicant's


def upgrade() -> None:
    op.add_column("submissions", sa.Column("notice", JSONData, nullable=True))
    for case_status, status in CLOSED.items():
        op.execute(sa.text("UPDATE submissions SET status = :status WHERE id IN "
                           "(SELECT submission_id FROM cases WHERE status = :case)")
                   .bindparams(status=status, case=case_status))
    connection = op.get_bind()
    for submission_id, status in _running(connection):
        connection.execute(sa.text("UPDATE submissions SET status = :status WHERE id = :id"),
                           {"status": status, "id": submission_id})


_CASES = sa.table("cases", sa.column("id"), sa.column("submission_id"), sa.column("status"),
                  sa.column("process_id"), sa.column("process_version"),
                  sa.column("steps", JSONData))
_PROCESSES = sa.table("definitions", sa.column("kind"), sa.column("def_id"),
                      sa.column("version"), sa.column("data", JSONData))
_TASKS = sa.table("tasks", sa.column("case_id"), sa.column("step"), sa.column("claimed_at"),
                  sa.column("completed_at"))


def _running(connection: sa.Connection) -> list[tuple[int, str]]:
    """(submission id, status) of each running case past submitted."""
    found = connection.execute(
        sa.select(_CASES.c.id, _CASES.c.submission_id, _CASES.c.steps, _PROCESSES.c.data)
        .join(_PROCESSES, sa.and_(_PROCESSES.c.kind == "Process",
                                  _PROCESSES.c.def_id == _CASES.c.process_id,
                                  _PROCESSES.c.version == _CASES.c.process_version))
        .where(_CASES.c.status == "running")).all()
    acted: dict[int, set[str]] = {}  # running case -> the steps someone claimed or finished
    for case_id, step in connection.execute(
            sa.select(_TASKS.c.case_id, _TASKS.c.step).distinct()
            .join(_CASES, _CASES.c.id == _TASKS.c.case_id)
            .where(_CASES.c.status == "running",
                   sa.or_(_TASKS.c.claimed_at.is_not(None), _TASKS.c.completed_at.is_not(None)))):
        acted.setdefault(case_id, set()).add(step)
    statuses = []
    for case_id, submission_id, steps, process in found:
        first = {s["id"] for s in process.get("steps", []) if not s.get("after")}
        # Format 1 kept the steps by id; format 2 and later under "steps".
        states = steps.get("steps", steps) if isinstance(steps.get("format"), int) else steps
        if acted.get(case_id, set()) - first:
            statuses.append((submission_id, "in_progress"))
        elif first and all(states.get(s, {}).get("status") in ("done", "skipped")
                           for s in first):
            statuses.append((submission_id, "accepted"))
    return statuses


def downgrade() -> None:
    op.execute(sa.text("UPDATE submissions SET status = 'submitted'"))
    # Not a batch copy of the table on SQLite: the cases' foreign keys point at it.
    op.execute(sa.text("ALTER TABLE submissions DROP COLUMN notice"))

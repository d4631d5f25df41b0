"""Submissions as staff read them: by tracking number, the page of them a data scope reaches,
their files, and what access control needs to know of one (`record_ref`). Queries only: who
may see what is decided by `runtime.access`; the scope becomes SQL in `scoping.scope_filter`.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime import access
from runtime.store import accounts
from runtime.store.files import Attachment
from runtime.store.scoping import scope_filter
from runtime.store.submissions import Submission


def by_tracking_no(session: Session, tracking_no: str) -> Submission | None:
    return session.scalars(select(Submission)
                           .where(Submission.tracking_no == tracking_no)).first()


def of_form(session: Session, seen: access.Visibility, form_id: str, *,
            limit: int) -> list[Submission]:
    """The submissions of one form (a register's records) that `seen` reaches, oldest first,
    at most `limit` of them."""
    query = select(Submission).where(Submission.form_id == form_id, scope_filter(
        seen, department=Submission.department_code, region=Submission.region_code))
    return list(session.scalars(query.order_by(Submission.id).limit(limit)))


def files_of(session: Session, submission: Submission) -> list[Attachment]:
    return list(session.scalars(select(Attachment)
                                .where(Attachment.submission_id == submission.id)))


def submission_of_file(session: Session, key: str) -> Submission | None:
    """The submission that claimed the file `key`; None for a file no submission claimed."""
    return session.scalars(select(Submission).join(
        Attachment, Attachment.submission_id == Submission.id).where(Attachment.key == key)
    ).first()


def record_ref(session: Session, row: Submission) -> access.RecordRef:
    """What access control needs of a submission: its department (with the path above it)
    and region; the owner only when a staff user filed it."""
    department = accounts.department(session, row.department_code or "")
    return access.RecordRef(
        owner_id=row.owner_id if row.owner_kind == "staff" else None,
        department_code=row.department_code,
        department_path=department.codes() if department else (),
        region_code=row.region_code)

"""The use-cases of service ratings (好差评): an applicant rates an ended case once; a poor
rating starts a rectification case (the service_ratings pack's process `sr_rectify`) whose
task lands in the pool of the department that handled the case; that task's opinion is the
reply the applicant reads (written back by `runtime.casework.cases.follow`).

Which department handled the case: the case's own (the department of its service item,
responsible for it towards the applicant), else the department of the last task finished.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from runtime.casework import incidents
from runtime.definitions.spec import FormSpec
from runtime.flows.applicant import FINISHED, NOT_APPROVED
from runtime.i18n import Label
from runtime.store import audit
from runtime.store.cases import CaseRow, Task
from runtime.store.queries import latest_definition
from runtime.store.ratings import RatingRow, add_rating, rating_of_case, set_rectification
from runtime.store.submissions import Owner, Submission, insert_submission, scoped_key
from runtime.views.ratings import Posted, is_poor, level_label, reason_label

log = logging.getLogger(__name__)
RECTIFY_FORM = "sr_rectify_notice"
ENDED = frozenset({FINISHED, NOT_APPROVED})


class RatingRefused(Exception):
    """A rating that cannot be given: the case has not ended, or was rated already."""

    def __init__(self, code: str, message: Label):
        super().__init__(code)
        self.code, self.message = code, message


def not_ended() -> RatingRefused:
    return RatingRefused("not_ended", Label("办结后才能评价",
                                            "A case can be rated once it has ended"))


def already_rated() -> RatingRefused:
    return RatingRefused("already_rated", Label("该件已经评价过，每件只能评价一次",
                                                "This case has already been rated; a case is "
                                                "rated once"))


@dataclass(frozen=True)
class Rater:
    """Who rates, as the web established it: the applicant's account or browser."""

    owner: Owner
    name: str = "guest"  # as the audit log names them
    ip: str | None = None
    user_agent: str | None = None


def case_of(session: Session, submission_id: int) -> CaseRow | None:
    return session.scalars(select(CaseRow).where(CaseRow.submission_id == submission_id)).first()


def rate(session: Session, submission: Submission, rater: Rater, posted: Posted) -> RatingRow:
    """Store the applicant's rating of their ended case and, for a poor one, start its
    rectification; audited, committed. Raises RatingRefused (nothing written) when the case
    has not ended or was rated already (the unique constraint decides a race)."""
    case = case_of(session, submission.id)
    if case is None or submission.status not in ENDED:
        raise not_ended()
    if rating_of_case(session, case.id) is not None:
        raise already_rated()
    try:
        row = add_rating(session, case_id=case.id, submission_id=submission.id,
                         tracking_no=submission.tracking_no, level=posted.level,
                         reasons=list(posted.reasons), comment=posted.comment or None,
                         department=_handled_by(session, case), rater_kind=rater.owner.kind,
                         rater_id=rater.owner.id)
    except IntegrityError as error:
        session.rollback()
        raise already_rated() from error
    kind = "citizen" if rater.owner.kind == "citizen" else "guest"
    audit.record(session, action="rating.create",
                 actor=audit.Actor(None if kind == "guest" else str(rater.owner.id),
                                   rater.name, kind),
                 target=("submission", submission.tracking_no),
                 after={"level": posted.level, "reasons": list(posted.reasons),
                        "department": row.department},
                 ip=rater.ip, user_agent=rater.user_agent)
    if is_poor(posted.level):
        _open_rectification(session, row)
    session.commit()
    return row


def _handled_by(session: Session, case: CaseRow) -> str | None:
    if case.department_code:
        return case.department_code
    return session.scalars(select(Task.department).where(
        Task.case_id == case.id, Task.department.is_not(None), Task.completed_at.is_not(None))
        .order_by(Task.completed_at.desc(), Task.id.desc()).limit(1)).first()


def _open_rectification(session: Session, rating: RatingRow) -> None:
    """Start the rectification case in the rating's transaction. Without the
    service_ratings pack published, or without a department, there is nothing to start:
    logged, the rating kept (the dashboards still count it)."""
    found = latest_definition(session, "Form", RECTIFY_FORM)
    if found is None or not isinstance(found.spec, FormSpec) or not rating.department:
        log.warning("poor rating %s of %s opened no rectification: %s", rating.id,
                    rating.tracking_no, "no department" if found else "pack not published")
        return
    level = rating.level
    data = {"tracking_no": rating.tracking_no, "dept": rating.department, "level": level,
            "level_name": level_label(level).zh,
            "reasons": "、".join(reason_label(level, r).zh for r in rating.reasons or []),
            "comment": rating.comment or ""}
    notice = insert_submission(
        session, found.spec, data, owner=Owner("staff"), region_code=None, prefilled={},
        idempotency_key=scoped_key(RECTIFY_FORM, "ratings", str(rating.id)))
    # the rectification belongs to the department it asks (its lists and scopes)
    session.execute(update(Submission).where(Submission.id == notice.id)
                    .values(department_code=rating.department))
    notice.department_code = rating.department
    incidents.start_or_record(session, notice)
    started = case_of(session, notice.id)
    if started is not None:
        set_rectification(session, rating.id, started.id)

"""Service ratings (好差评): one row per ended case (unique), the applicant's level (1-5, 5
best), the reasons they ticked and their comment; for a poor rating the department asked to
rectify, the rectification case that asks it, and its reply once given.

The dashboards read `case_id`, `level` and `rated_at`; keep those names. The use-cases that
rate and reply are in `runtime.casework.ratings`; the levels and reasons in
`runtime.flows.ratings` (pure).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from runtime.store.models import Base, JSONData, utcnow


class RatingRow(Base):
    """One applicant's rating of one ended case (a second one is refused by the unique
    constraint on `case_id`)."""

    __tablename__ = "ratings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"))
    tracking_no: Mapped[str] = mapped_column(String(20))
    level: Mapped[int] = mapped_column(SmallInteger)  # 1 非常不满意 ... 5 非常满意
    reasons: Mapped[Any] = mapped_column(JSONData)  # a JSON list of reason codes
    comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                               index=True)
    # the department that handled the case, which rectifies a poor rating
    department: Mapped[str | None] = mapped_column(String(32), index=True)
    rater_kind: Mapped[str] = mapped_column(String(10))  # guest | citizen
    rater_id: Mapped[int | None] = mapped_column(Integer)
    # a poor rating's rectification case (a case of the service_ratings pack's process)
    rectify_case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    reply: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


def rating_of_case(session: Session, case_id: int) -> RatingRow | None:
    return session.scalars(select(RatingRow).where(RatingRow.case_id == case_id)).first()


def rated_submissions(session: Session, submission_ids: Sequence[int]) -> set[int]:
    """Which of these submissions' cases are rated, in one query."""
    if not submission_ids:
        return set()
    return set(session.scalars(select(RatingRow.submission_id).where(
        RatingRow.submission_id.in_(list(submission_ids)))))


def add_rating(session: Session, **values: Any) -> RatingRow:
    """Insert a rating in the caller's transaction, flushed: a second rating of the same
    case raises IntegrityError here."""
    row = RatingRow(rated_at=utcnow(), **values)
    session.add(row)
    session.flush()
    return row


def set_rectification(session: Session, rating_id: int, case_id: int) -> None:
    session.execute(update(RatingRow).where(RatingRow.id == rating_id)
                    .values(rectify_case_id=case_id))


def set_reply(session: Session, rectify_case_id: int, reply: str, at: datetime) -> int:
    """Record the rectification's reply on the rating it answers; how many rows it set (0
    when the case rectifies no rating)."""
    done = session.execute(update(RatingRow).where(RatingRow.rectify_case_id == rectify_case_id)
                           .values(reply=reply, replied_at=at))
    return int(getattr(done, "rowcount", 0) or 0)

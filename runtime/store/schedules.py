"""The periods scheduled starts have started (定期发起记录): one row per process and period,
unique, so that of several workers due to start the same period only the one whose insert
holds starts its case, in the same transaction (the use-case is runtime.casework.schedules).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    DateTime,
    Integer,
    String,
    UniqueConstraint,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from runtime.store.models import Base, utcnow


class ScheduledStart(Base):
    __tablename__ = "scheduled_starts"
    __table_args__ = (UniqueConstraint("process_id", "period", name="uq_scheduled_period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_id: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(20))  # 2026-12, 2026-Q4, 2026, 2026-12-07 09:00
    tracking_no: Mapped[str | None] = mapped_column(String(20))  # the submission it made
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def last_period(session: Session, process_id: str) -> str | None:
    """The newest period started for the process (labels of one kind sort as they run)."""
    return session.scalar(_LAST, {"process_id": process_id})


def record(session: Session, process_id: str, period: str,
           tracking_no: str | None = None) -> int:
    """Insert the row of a period in the caller's transaction and return its id; a period
    another worker recorded first raises IntegrityError (at once, or when it commits)."""
    found = session.connection().execute(_INSERT, {
        "process_id": process_id, "period": period, "tracking_no": tracking_no,
        "started_at": utcnow()})
    return int(found.inserted_primary_key[0])


_INSERT = insert(ScheduledStart.__table__)  # built once: each poll of each worker asks
_LAST = (select(func.max(ScheduledStart.period))
         .where(ScheduledStart.process_id == bindparam("process_id")))


def started(session: Session, process_id: str, period: str, tracking_no: str) -> None:
    """Note the submission a period made, and commit. Its row is written again when the
    submit had to roll back and retry (a drawn tracking number taken), which took it away."""
    done = session.execute(update(ScheduledStart)
                           .where(ScheduledStart.process_id == process_id,
                                  ScheduledStart.period == period)
                           .values(tracking_no=tracking_no))
    if not done.rowcount:  # type: ignore[attr-defined]
        record(session, process_id, period, tracking_no)
    session.commit()

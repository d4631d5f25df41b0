"""Incidents: run-time failures that only data can cause (a submission whose case could not
start, as a rule, table or limit failed on its data), kept for administrators to see and to
retry once the definition is fixed, instead of only a log line.

An incident is scoped like the submission it is about: by the form's department and the
submission's region.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, DateTime, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from runtime.access import Visibility
from runtime.store import scoping
from runtime.store.cases import CaseEvent
from runtime.store.models import Base, utcnow

CASE_NOT_STARTED = "case_not_started"
STEP_FAILED = "step_failed"  # a running case's rule, limit or write-back failed on its data


class Incident(Base):
    """One failure with the definition it came from and what it said, open until resolved."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    kind: Mapped[str] = mapped_column(String(32))
    definition_id: Mapped[str | None] = mapped_column(String(64))
    definition_version: Mapped[int | None] = mapped_column(Integer)
    tracking_no: Mapped[str | None] = mapped_column(String(20), index=True)
    department_code: Mapped[str | None] = mapped_column(String(32))
    region_code: Mapped[str | None] = mapped_column(String(6))
    message_zh: Mapped[str] = mapped_column(Text)
    message_en: Mapped[str] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)


def scope(seen: Visibility) -> ColumnElement[bool]:
    return scoping.scope_filter(seen, department=Incident.department_code,
                                region=Incident.region_code)


def open_incidents(session: Session, seen: Visibility, limit: int = 100) -> list[Incident]:
    """The unresolved incidents `seen` reaches, newest first."""
    return list(session.scalars(select(Incident).where(
        Incident.resolved_at.is_(None), scope(seen)).order_by(Incident.id.desc()).limit(limit)))


def visible_incident(session: Session, incident_id: int, seen: Visibility) -> Incident | None:
    return session.scalars(select(Incident).where(Incident.id == incident_id,
                                                  scope(seen))).first()


def record_step_failure(session: Session, *, case_id: int, tracking_no: str,
                        definition: tuple[str, int], step: str | None,
                        department_code: str | None, region_code: str | None,
                        message: tuple[str, str], at: datetime) -> None:
    """Keep a running case's failure for administrators and mark the case with it (a line
    of its history), once while the same failure stays open; commits."""
    zh, en = message
    if session.scalars(select(Incident.id).where(
            Incident.tracking_no == tracking_no, Incident.kind == STEP_FAILED,
            Incident.message_zh == zh, Incident.resolved_at.is_(None))).first() is None:
        session.add(Incident(kind=STEP_FAILED, tracking_no=tracking_no,
                             definition_id=definition[0], definition_version=definition[1],
                             department_code=department_code, region_code=region_code,
                             message_zh=zh, message_en=en))
        session.add(CaseEvent(case_id=case_id, at=at, action="incident", actor_id=None,
                              actor_name="system", step=step, detail={"zh": zh, "en": en}))
    session.commit()

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
from runtime.store.models import Base, utcnow

CASE_NOT_STARTED = "case_not_started"


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

"""Messages to a citizen or enterprise account that only its owner should read, shown on
their own page (an SMS gateway, where a deployment has one, would send the same rows): for
now, that someone tried to register their mobile number or credit code again. The words
are the web's; a row holds what happened and when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from runtime.store.models import Base, utcnow

REGISTER_REPEAT = "register_repeat"
SHOWN = 10


class CitizenMessage(Base):
    __tablename__ = "citizen_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id", ondelete="CASCADE"),
                                            index=True)
    kind: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def tell(session: Session, citizen_id: int, kind: str) -> None:
    """Leave a message for the account (the caller commits)."""
    session.add(CitizenMessage(citizen_id=citizen_id, kind=kind, created_at=utcnow()))


def latest(session: Session, citizen_id: int, limit: int = SHOWN) -> list[CitizenMessage]:
    return list(session.scalars(select(CitizenMessage)
                                .where(CitizenMessage.citizen_id == citizen_id)
                                .order_by(CitizenMessage.id.desc()).limit(limit)))

"""Rate limits counted in the database, so that every web worker sees the same count: one row
per (key, fixed window), incremented with a single upsert. `over` judges by the fixed
window; `sliding` estimates the hits in the last period from the current window and the
part of the previous one still inside it, so a limit lifts gradually and never has a cliff
at a window's edge that lets twice the limit through."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import BigInteger, Integer, String, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from runtime.store.models import Base


class RateLimit(Base):
    """How many hits `key` (e.g. `login-ip:10.0.0.1`) had in the window starting at
    `window_start` (seconds since the epoch)."""

    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)


def hit(session: Session, key: str, *, period: timedelta, now: datetime, amount: int = 1) -> int:
    """Count `amount` hits of `key` (one attempt, or the megabytes of an upload) in the
    current window and return the window's count so far.
    Flushes but does not commit: the caller commits with the rest of its work."""
    window = _window(period, now)
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(RateLimit).values(key=key[:200], window_start=window, hits=amount)
    statement = statement.on_conflict_do_update(
        index_elements=[RateLimit.key, RateLimit.window_start],
        set_={"hits": RateLimit.hits + amount}).returning(RateLimit.hits)
    return int(session.execute(statement).scalar_one())


def _seconds(period: timedelta) -> int:
    return max(int(period.total_seconds()), 1)


def _window(period: timedelta, now: datetime) -> int:
    """The start of the fixed window `now` falls in, in seconds since the epoch."""
    return int(now.timestamp()) // _seconds(period) * _seconds(period)


def _hits(session: Session, key: str, window: int) -> int:
    found = session.scalar(select(RateLimit.hits).where(RateLimit.key == key[:200],
                                                        RateLimit.window_start == window))
    return found or 0


def sliding(session: Session, key: str, *, period: timedelta, now: datetime,
            count: bool = True) -> float:
    """About how many hits `key` had in the `period` up to `now` (this one too when
    `count`; without it, nothing is written)."""
    window = _window(period, now)
    current = hit(session, key, period=period, now=now) if count else _hits(session, key, window)
    inside = 1 - (now.timestamp() - window) / _seconds(period)
    return current + _hits(session, key, window - _seconds(period)) * inside


def over(session: Session, key: str, limit: int, *, period: timedelta, now: datetime) -> bool:
    """Count a hit and say whether `key` went over `limit` hits in this window."""
    return hit(session, key, period=period, now=now) > limit


def prune(session: Session, *, before: datetime) -> int:
    """Delete windows that started before `before`; returns how many rows went."""
    cutoff = int(before.timestamp())
    result = session.execute(delete(RateLimit).where(RateLimit.window_start < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)

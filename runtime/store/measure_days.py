"""The measures' daily figures (pre-aggregation): per measure, China's calendar day,
department, region and process, the amount and the count a closed day adds up to, so that a
year's figure reads hundreds of rows instead of millions.

Rolled up by the worker (`roll_up`), not in the transaction of each case change: a closed
day's facts are written once, dated by the moment they happened (a case received, a task
done, a return, a rating), so a day that has ended stops changing and one set-based INSERT
... SELECT per measure sums it; the write path of a case stays as it is, with no row every
completion would contend on. `rolled_through` is the last day rolled up: figures read these
rows up to it and the raw tables after it (today, and any day the worker has not reached).
Each upkeep also sums today's facts before a moment minutes ago (`rolled_until`) into rows
of today, replaced at the next upkeep: a figure then reads the raw rows from that moment on
only, a quarter of an hour of today's at most, not the whole day's (tens of thousands at
city scale). The bottleneck page's daily rows (runtime.store.bottlenecks) follow the same
two marks.
Two measures are not here but in `task_counts`, kept by triggers: overdue-now is a snapshot of
live tasks, and redo is counted by the department of a task that a transfer may still move.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, Float, Index, Integer, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from runtime.store.models import Base, aware


class MeasureDay(Base):
    """What one measure adds up to on one day for one department, region and process (for
    working days: the working days the day's tasks took, counted when the day is rolled up)."""

    __tablename__ = "measure_days"
    # Covering what the figures read: a year's rows without a table lookup.
    __table_args__ = (Index("ix_measure_days_measure_day", "measure", "day", "department",
                            "region", "process", "amount", "count"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    measure: Mapped[str] = mapped_column(String(40))
    day: Mapped[dt.date] = mapped_column(Date)
    department: Mapped[str | None] = mapped_column(String(32))
    region: Mapped[str | None] = mapped_column(String(6))
    process: Mapped[str | None] = mapped_column(String(64))
    amount: Mapped[float] = mapped_column(Float)
    count: Mapped[int] = mapped_column(Integer)


class MeasureRollup(Base):
    """The one row saying through which day `measure_days` is complete, and before which
    moment of the day after it (today) the daily rows of that day reach: the measures' and
    the bottleneck page's alike."""

    __tablename__ = "measure_rollups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    through: Mapped[dt.date] = mapped_column(Date)
    until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


DAYS = MeasureDay.__table__


def rolled_through(session: Session) -> dt.date | None:
    return rolled(session)[0]


def rolled_until(session: Session) -> dt.datetime | None:
    """The moment before which the facts of the day after `rolled_through` are in its rows
    too (None: that day has no rows)."""
    return rolled(session)[1]


def rolled(session: Session) -> tuple[dt.date | None, dt.datetime | None]:
    """`rolled_through` and `rolled_until`, read at once."""
    found = session.execute(select(MeasureRollup.through, MeasureRollup.until)
                            .where(MeasureRollup.id == 1)).first()
    if found is None:
        return None, None
    through, until = found
    if not isinstance(through, dt.date):
        through = dt.date.fromisoformat(str(through)[:10])
    return through, aware(until)


def mark(session: Session, through: dt.date | None, until: dt.datetime | None = None) -> None:
    """Record `through` as the last day rolled up (None: nothing is), and `until` as the
    moment of the next day its rows reach (None: no rows of that day)."""
    session.execute(delete(MeasureRollup))
    if through is not None:
        session.add(MeasureRollup(id=1, through=through,  # in UTC: SQLite keeps no zone
                                  until=until.astimezone(dt.UTC) if until else None))
    session.flush()


def backdated(session: Session, day: dt.date) -> None:
    """Facts dated `day` or later were written after their day ended (a backfill, demo
    history, an import, a holiday arrangement loaded): those days' figures are read raw
    again until the next rollup sums them anew."""
    through, before = rolled_through(session), day - dt.timedelta(days=1)
    if through is not None and through >= before:  # the day after `through` counts too
        mark(session, min(through, before))

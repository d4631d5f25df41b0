"""The official holiday arrangement an administrator loaded (`lowcode calendar load`), for the
years the chinese-calendar package does not know yet: stored per day, and handed to the
working-day calendar of every process within `TTL` seconds of a load."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from typing import Any

import yaml
from sqlalchemy import Boolean, Date, String, delete, extract, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from runtime.expressions import dates
from runtime.store import measure_days
from runtime.store.models import Base

TTL = 60.0  # seconds a process trusts the arrangement it read
_checked = [0.0]  # when this process last read it (monotonic)


class CalendarDay(Base):
    """One day of a loaded arrangement: a holiday (放假) or an adjusted working day (调休上班)."""

    __tablename__ = "calendar_days"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    workday: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(200))


class ArrangementError(ValueError):
    """A holiday file that cannot be read, naming the file and the entry."""


def parse(text: str, source: str) -> dict[dt.date, bool]:
    """The days of a holiday file: `holidays` and `workdays` lists of dates or ranges
    (`2027-10-01..2027-10-07`), every day within the file's `year`."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ArrangementError(f"{source}: 不是有效的 YAML / not valid YAML: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("year"), int):
        raise ArrangementError(f"{source}: 须给出 year（年份）/ `year` is required")
    days: dict[dt.date, bool] = {}
    for key, work in (("holidays", False), ("workdays", True)):
        for i, entry in enumerate(data.get(key) or []):
            for day in _days(entry, f"{source} {key}[{i}]"):
                if day.year != data["year"]:
                    raise ArrangementError(f"{source} {key}[{i}]: {day} 不在 {data['year']} 年 / "
                                           f"is not in {data['year']}")
                days[day] = work
    return days


def _days(entry: Any, where: str) -> list[dt.date]:
    first, _, last = str(entry).partition("..")
    try:
        start = dt.date.fromisoformat(first.strip())
        end = dt.date.fromisoformat(last.strip()) if last else start
    except ValueError:
        raise ArrangementError(f"{where}: '{entry}' 不是日期 YYYY-MM-DD 或区间 "
                               f"YYYY-MM-DD..YYYY-MM-DD / is not a date or a range") from None
    if end < start or (end - start).days > 31:
        raise ArrangementError(f"{where}: '{entry}' 区间不合理 / is not a sensible range")
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def load(session: Session, days: Mapping[dt.date, bool], source: str) -> int:
    """Store `days`, replacing what was loaded for their years; flushes, the caller commits."""
    years = sorted({day.year for day in days})
    if years:
        session.execute(delete(CalendarDay).where(extract("year", CalendarDay.day).in_(years)))
    session.add_all(CalendarDay(day=day, workday=work, source=source[:200])
                    for day, work in sorted(days.items()))
    if days:  # the working days summed for these years are counted again
        measure_days.backdated(session, dt.date(years[0], 1, 1))
    session.flush()
    _checked[0] = 0.0
    return len(days)


def arrangement(session: Session) -> dict[dt.date, bool]:
    return {day: work for day, work in session.execute(
        select(CalendarDay.day, CalendarDay.workday))}


def ensure(session: Session) -> None:
    """Count working days with the stored arrangement: read at most once every `TTL`
    seconds, so a load in another process is followed within a minute."""
    if time.monotonic() - _checked[0] < TTL:
        return
    dates.use_arrangement(arrangement(session))
    _checked[0] = time.monotonic()

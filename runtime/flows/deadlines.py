"""Deadlines in Chinese working days: when a task is due, when it turns yellow, its colour.

Time limits count whole working days after the day the clock starts (the day itself is not
counted, as administrative time limits are), with statutory holidays and adjusted working
days from chinese-calendar (through runtime.expressions.dates). A task is due at the end of
its last working day, China time. "A share of its time used" is measured in working time, so
a holiday inside the limit does not turn a task yellow while nobody is at work.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from runtime.expressions.dates import add_workdays, is_workday

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")
DAY = timedelta(days=1)
GREEN, YELLOW, RED = "green", "yellow", "red"


def due_after(start: datetime, working_days: int) -> datetime:
    """The end of the `working_days`-th working day after the day of `start`: a task given on
    a Friday with one working day is due at the end of Monday."""
    return _end_of(add_workdays(_china_day(start), working_days))


def extended(due: datetime, working_days: int) -> datetime:
    """A due moment moved on by `working_days` working days (an approved extension)."""
    last_day = _china_day(due - timedelta(microseconds=1))
    return _end_of(add_workdays(last_day, working_days))


def warn_at(start: datetime, due: datetime, share: float) -> datetime:
    """The moment `share` of the working time between `start` and `due` has been used."""
    remaining = share * working_seconds(start, due)
    moment = start
    while moment < due:
        day_end = min(_end_of(_china_day(moment)), due)
        if is_workday(_china_day(moment)):
            span = (day_end - moment).total_seconds()
            if span >= remaining:
                return moment + timedelta(seconds=remaining)
            remaining -= span
        moment = day_end
    return due


def working_seconds(start: datetime, end: datetime) -> float:
    """Seconds between `start` and `end` that fall on working days (China time)."""
    total, moment = 0.0, start
    while moment < end:
        day_end = min(_end_of(_china_day(moment)), end)
        if is_workday(_china_day(moment)):
            total += (day_end - moment).total_seconds()
        moment = day_end
    return total


def colour(now: datetime, yellow_at: datetime | None, due_at: datetime | None) -> str:
    """Green, yellow (a share of the time used) or red (overdue); green without a deadline."""
    if due_at is not None and now >= due_at:
        return RED
    if yellow_at is not None and now >= yellow_at:
        return YELLOW
    return GREEN


def _china_day(moment: datetime) -> date:
    return moment.astimezone(CHINA).date()


def _end_of(day: date) -> datetime:
    return datetime.combine(day + DAY, time(), CHINA)

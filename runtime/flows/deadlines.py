"""Deadlines as rules state them: when a task is due, when it turns yellow, its colour.

A limit is an amount of one unit. Working days count whole working days after the day the
clock starts (the day itself is not counted, as administrative time limits are), with
statutory holidays and adjusted working days from chinese-calendar (through
runtime.expressions.dates); 0 working days is "the same working day" (the next working day's
end when the clock starts on a rest day). Calendar days and months end at midnight China
time; hours are clock hours. "A share of its time used" is measured in working time, so a
holiday inside the limit does not turn a task yellow while nobody is at work.
"""

from __future__ import annotations

import calendar
import math
from datetime import date, datetime, time, timedelta, timezone

from runtime.expressions.dates import add_workdays, is_workday

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")
DAY = timedelta(days=1)
GREEN, YELLOW, RED = "green", "yellow", "red"
UNITS = ("working_days", "calendar_days", "hours", "months")
MAX_AMOUNT = {"working_days": 1000, "calendar_days": 3660, "hours": 24 * 3660, "months": 120}


def due_by(start: datetime, unit: str, amount: int) -> datetime:
    """When a limit of `amount` `unit`s counted from `start` runs out."""
    day = _china_day(start)
    if unit == "working_days":
        return due_after(start, amount) if amount else _end_of(_first_workday(day))
    if unit == "calendar_days":
        return _end_of(day + timedelta(days=amount))
    if unit == "hours":
        return start + timedelta(hours=amount)
    if unit == "months":
        return _end_of(_months_after(day, amount))
    raise ValueError(f"unknown unit {unit!r}")


def paused(due: datetime, unit: str, since: datetime, until: datetime) -> datetime:
    """A due moment moved on by the time a task was suspended (挂起) from `since` to `until`:
    for working days, by the working time paused rounded up to whole working days; for the
    other units, by the time itself."""
    if unit != "working_days":
        return due + (until - since)
    days = math.ceil(working_seconds(since, until) / DAY.total_seconds() - 1e-9)
    return extended(due, days) if days > 0 else due


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


def _first_workday(day: date) -> date:
    return day if is_workday(day) else add_workdays(day, 1)


def _months_after(day: date, months: int) -> date:
    """The same day of the month `months` later, or that month's last day if it is shorter."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def start_of(day: date) -> datetime:
    """Midnight China time at the start of `day`: a clock that starts from a date in the data
    starts then."""
    return datetime.combine(day, time(), CHINA)


def _china_day(moment: datetime) -> date:
    return moment.astimezone(CHINA).date()


def _end_of(day: date) -> datetime:
    return datetime.combine(day + DAY, time(), CHINA)

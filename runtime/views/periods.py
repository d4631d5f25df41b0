"""Periods and their buckets: a date range, the range before it of the same length, and the
day, week (from Monday) or month each date falls in. Dates are China's calendar dates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

DAY, WEEK, MONTH = "day", "week", "month"
GRANULARITIES = (DAY, WEEK, MONTH)
MAX_BUCKETS = 400


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both days included."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("a period ends before it starts")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before: a month before a whole month."""
        if self.start.day == 1 and (self.end + dt.timedelta(days=1)).day == 1:
            months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
            first = _add_months(self.start, -months)
            return Period(first, self.start - dt.timedelta(days=1))
        end = self.start - dt.timedelta(days=1)
        return Period(end - dt.timedelta(days=self.days - 1), end)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def bucket(day: dt.date, granularity: str) -> dt.date:
    """The first day of the bucket `day` falls in."""
    if granularity == WEEK:
        return day - dt.timedelta(days=day.weekday())
    if granularity == MONTH:
        return day.replace(day=1)
    return day


def buckets(period: Period, granularity: str) -> list[dt.date]:
    """The buckets a period covers, in order (at most MAX_BUCKETS)."""
    found: list[dt.date] = []
    day = bucket(period.start, granularity)
    while day <= period.end and len(found) < MAX_BUCKETS:
        found.append(day)
        day = (_add_months(day, 1) if granularity == MONTH
               else day + dt.timedelta(days=7 if granularity == WEEK else 1))
    return found


def bucket_label(day: dt.date, granularity: str) -> str:
    if granularity == MONTH:
        return day.strftime("%Y-%m")
    if granularity == WEEK:
        return f"{day.isocalendar().year}-W{day.isocalendar().week:02d}"
    return day.isoformat()


def month_of(day: dt.date) -> Period:
    last = _add_months(day.replace(day=1), 1) - dt.timedelta(days=1)
    return Period(day.replace(day=1), last)

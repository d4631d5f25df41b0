"""Date functions, including working days by China's statutory holidays and adjusted days.

Working days come from the `chinese_calendar` package: weekends are rest days unless adjusted
to working days (调休), and statutory holidays are rest days. Its data ends with the last year
whose arrangement the State Council has published and the package has shipped; deadlines run
past that, so for the next `PROVISIONAL_YEARS` years Monday to Friday count as working days
until a newer chinesecalendar brings the official arrangement. Dates outside are refused with
`calendar_range`.

An administrator loads an arrangement the package does not know yet (next year's, published
each winter) with `lowcode calendar load`; the store hands it to `use_arrangement`, and its
days then override the package's and the provisional rule.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from functools import cache
from typing import Any

import chinese_calendar

from runtime.expressions.errors import ExpressionRuntimeError
from runtime.expressions.limits import MAX_DAYS, MAX_WORKDAYS
from runtime.expressions.values import to_date, want_int

CHINA = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
"""China has one time zone and no daylight saving, so a fixed offset is exact."""

CALENDAR_FIRST = min(chinese_calendar.holidays).year
CALENDAR_LAST = max(chinese_calendar.holidays).year
PROVISIONAL_YEARS = 3
TABLE_LAST = CALENDAR_LAST + PROVISIONAL_YEARS
_ONE_DAY = dt.timedelta(days=1)
_arranged: dict[dt.date, bool] = {}  # loaded days: True a working day, False a rest day


def use_arrangement(days: dict[dt.date, bool]) -> bool:
    """Count working days with these days' arrangement over the package's (the whole set
    loaded, replacing any earlier one); whether anything changed."""
    days = {day: bool(work) for day, work in days.items()
            if CALENDAR_FIRST <= day.year <= TABLE_LAST}
    if days == _arranged:
        return False
    _arranged.clear()
    _arranged.update(days)
    _running_counts.cache_clear()
    return True


def current_date() -> dt.date:
    """Today's date in China, whatever the server's time zone (tests replace this)."""
    return dt.datetime.now(CHINA).date()


def today() -> dt.date:
    return current_date()


def make_date(year: Any, month: Any, day: Any) -> dt.date:
    parts = (want_int(year, "date", 1), want_int(month, "date", 2), want_int(day, "date", 3))
    try:
        return dt.date(*parts)
    except (ValueError, OverflowError):
        raise ExpressionRuntimeError("bad_date", value="-".join(map(str, parts))) from None


def parse_date(value: Any) -> dt.date:
    return to_date(value, "to_date", 1)


def days_between(start: Any, end: Any) -> int:
    return (to_date(end, "days_between", 2) - to_date(start, "days_between", 1)).days


def add_days(start: Any, days: Any) -> dt.date:
    date = to_date(start, "add_days", 1)
    count = want_int(days, "add_days", 2)
    if abs(count) > MAX_DAYS:
        raise ExpressionRuntimeError("day_count", count=count, limit=MAX_DAYS)
    try:
        return date + dt.timedelta(days=count)
    except OverflowError:
        raise ExpressionRuntimeError("bad_date", value=f"{date.isoformat()} + {count}") from None


def _check_range(date: dt.date) -> None:
    if not CALENDAR_FIRST <= date.year <= TABLE_LAST:
        raise ExpressionRuntimeError("calendar_range", year=date.year, first=CALENDAR_FIRST,
                                     last=TABLE_LAST)


@cache
def _running_counts() -> tuple[int, ...]:
    """Working days from the calendar's first day up to and including each day.

    Built once (about 8,000 days), it makes counting O(1) and moving O(log n), so an
    expression cannot spend long walking the calendar day by day.
    """
    first = dt.date(CALENDAR_FIRST, 1, 1)
    # The package's own rule, without its per-call argument checks (40x faster here).
    holidays, workdays = chinese_calendar.holidays, chinese_calendar.workdays
    total = 0
    counts = []
    for offset in range((dt.date(TABLE_LAST, 12, 31) - first).days + 1):
        date = first + dt.timedelta(days=offset)
        if date in _arranged:
            total += _arranged[date]
        else:
            total += date in workdays or (date.weekday() < 5 and date not in holidays)
        # Past CALENDAR_LAST both sets are empty: the provisional Monday-to-Friday rule.
        counts.append(total)
    return tuple(counts)


def _count_to(date: dt.date) -> int:
    """Working days from the calendar's first day up to and including `date`."""
    _check_range(date)
    return _running_counts()[(date - dt.date(CALENDAR_FIRST, 1, 1)).days]


def _day_reaching(target: int) -> dt.date:
    """The first day on which the running count of working days reaches `target`."""
    counts = _running_counts()
    index = bisect_left(counts, target)
    if target < 1 or index >= len(counts):
        year = CALENDAR_FIRST - 1 if target < 1 else TABLE_LAST + 1
        raise ExpressionRuntimeError("calendar_range", year=year, first=CALENDAR_FIRST,
                                     last=TABLE_LAST)
    return dt.date(CALENDAR_FIRST, 1, 1) + dt.timedelta(days=index)


def is_workday(value: Any) -> bool:
    """Whether a date is a working day in China (adjusted weekend days count as working)."""
    date = to_date(value, "is_workday", 1)
    return _count_to(date) > _count_to(date - _ONE_DAY) if date.toordinal() > 1 else False


def add_workdays(start: Any, days: Any) -> dt.date:
    """The working day `days` working days after `start` (before it, if negative); 0 gives
    `start` itself even on a rest day."""
    date = to_date(start, "add_workdays", 1)
    count = want_int(days, "add_workdays", 2)
    if abs(count) > MAX_WORKDAYS:
        raise ExpressionRuntimeError("day_count", count=count, limit=MAX_WORKDAYS)
    if count == 0:
        return date
    if count > 0:
        return _day_reaching(_count_to(date) + count)
    # Backwards, `start` itself is not counted: one working day before Monday is Friday.
    return _day_reaching(_count_to(date - _ONE_DAY) + count + 1)


def workdays_between(start: Any, end: Any) -> int:
    """Working days after `start` up to and including `end`; negative when `end` is earlier.

    So `workdays_between(d, add_workdays(d, n)) == n` for every n >= 0.
    """
    first = to_date(start, "workdays_between", 1)
    last = to_date(end, "workdays_between", 2)
    return _count_to(last) - _count_to(first)


def year(value: Any) -> int:
    return to_date(value, "year", 1).year


def month(value: Any) -> int:
    return to_date(value, "month", 1).month


def day(value: Any) -> int:
    return to_date(value, "day", 1).day

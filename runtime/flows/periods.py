"""Periods of a scheduled start (定期发起): a month, a quarter or a year, named as people
write them (2026-12, 2026-Q4, 2026), or the moments a cron expression names (2026-12-07
09:00, China time), and which are due after the last one started: the current one, and the
ones missed since, up to a limit. Pure: no clock, no database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from croniter import croniter

from runtime.expressions.compiler import evaluate

PER_YEAR = {"month": 12, "quarter": 4, "year": 1}


@dataclass(frozen=True, order=True)
class Period:
    """One period of a kind (`every`), counted from year 0 so that the next is index + 1."""

    every: str
    index: int

    @property
    def label(self) -> str:
        year, part = divmod(self.index, PER_YEAR[self.every])
        if self.every == "month":
            return f"{year:04d}-{part + 1:02d}"
        return f"{year:04d}-Q{part + 1}" if self.every == "quarter" else f"{year:04d}"

    @property
    def start(self) -> dt.date:
        year, part = divmod(self.index, PER_YEAR[self.every])
        return dt.date(year, part * 12 // PER_YEAR[self.every] + 1, 1)


@dataclass(frozen=True, order=True)
class CronPeriod:
    """One moment a cron expression names, in China time: its period runs until the next."""

    at: dt.datetime

    @property
    def label(self) -> str:
        return self.at.strftime(CRON_LABEL)

    @property
    def start(self) -> dt.date:
        return self.at.date()


CRON_LABEL = "%Y-%m-%d %H:%M"  # sorts as the moments run, as the other labels do


def cron_valid(expression: str) -> bool:
    """Whether `expression` is a cron expression of five fields (minute hour day month
    weekday) or a nickname such as @daily; seconds are not scheduled."""
    return len(expression.split()) in (1, 5) and croniter.is_valid(expression)


def due_moments(expression: str, last: str | None, now: dt.datetime,
                catch_up: int) -> list[CronPeriod]:
    """The cron moments to start at `now` (aware, in China time), oldest first: the newest
    one not after `now` unless `last` is it already, and those missed since `last`, at most
    `catch_up` of them. With nothing started yet, only the newest. Read backwards from
    `now`, so a long downtime under an every-minute schedule costs `catch_up` steps."""
    # croniter's get_prev is strictly before its start: a second on, `now` itself counts.
    moments = croniter(expression, now + dt.timedelta(seconds=1))
    current = CronPeriod(moments.get_prev(dt.datetime))
    previous = _moment(last, now.tzinfo) if last is not None else None
    if previous is None:
        return [current]
    found: list[CronPeriod] = []
    moment = current
    while moment.at > previous and len(found) <= catch_up:
        found.append(moment)
        moment = CronPeriod(moments.get_prev(dt.datetime))
    return found[::-1]


def _moment(label: str, zone: dt.tzinfo | None) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(label, CRON_LABEL).replace(tzinfo=zone)
    except ValueError:
        return None  # a label of a month, a quarter or a year: the schedule changed since


def period_of(every: str, day: dt.date) -> Period:
    """The period of kind `every` that `day` falls in."""
    per_year = PER_YEAR[every]
    return Period(every, day.year * per_year + (day.month - 1) * per_year // 12)


def parse_period(every: str, label: str) -> Period | None:
    """The period a label names, or None when it is not a label of this kind (a schedule
    whose `every` changed since)."""
    day = _first_day(label)
    period = None if day is None else period_of(every, day)
    return period if period is not None and period.label == label else None


def _first_day(label: str) -> dt.date | None:
    year, _, part = label.partition("-")
    try:
        if not part:
            return dt.date(int(year), 1, 1)
        if part.startswith("Q"):
            return dt.date(int(year), (int(part[1:]) - 1) * 3 + 1, 1)
        return dt.date(int(year), int(part), 1)
    except ValueError:
        return None


def due_periods(every: str, last: str | None, today: dt.date, catch_up: int) -> list[Period]:
    """The periods to start on `today`, oldest first: the current one unless `last` (the
    newest started) is it already, and those missed since `last`, at most `catch_up` of
    them (the newest). With nothing started yet, only the current one."""
    current = period_of(every, today)
    previous = parse_period(every, last) if last is not None else None
    if previous is None:
        return [current]
    first = max(previous.index + 1, current.index - catch_up)
    return [Period(every, index) for index in range(first, current.index + 1)]


def start_data(data: Mapping[str, Any], period: Period | CronPeriod) -> dict[str, Any]:
    """A scheduled start's form data for `period`: each text is an expression that may read
    `period` (its label) and `period_start` (its first day); other values are as written."""
    names = {"period": period.label, "period_start": period.start}
    return {name: evaluate(value, names) if isinstance(value, str) else value
            for name, value in data.items()}

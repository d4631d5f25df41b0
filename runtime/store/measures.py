"""The query behind each registered measure (runtime.views.measures): the facts in a
period and a data scope, tallied per department, region or day, week or month.

Each measure is a SELECT of its rows; `tally` groups it in SQL by the key asked for (China's
calendar day of a moment on SQLite and PostgreSQL alike: `china_day`), so a figure reads one
row per group; weeks and months are folded from days, and working days are counted from
(start day, end day) pairs, few however many tasks there are. Cases are scoped by their own
department and region, tasks (and the returns made on them) by the task's department and the
case's region: a department lead sees their department's work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC
from typing import Any

from sqlalchemy import (
    Date,
    String,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    select,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from runtime.access import Visibility, region_prefix
from runtime.expressions.dates import CHINA, workdays_between
from runtime.flows.case import CASE_DONE, LIVE, REJECTED, TASK_DONE
from runtime.store import bottlenecks, calendar, measure_days, task_counts
from runtime.store.accounts import Department
from runtime.store.cases import CaseEvent, CaseRow, Task
from runtime.store.models import aware
from runtime.store.ratings import RatingRow
from runtime.store.scoping import DEPARTMENTS, department_filter, scope_filter
from runtime.store.submissions import Submission
from runtime.views.measures import MEASURES, Measure, Tally
from runtime.views.periods import Period, bucket

RATINGS = RatingRow.__table__  # the service ratings (好差评); no rows gives "no data"
SATISFIED = 4  # levels 4 and 5 are 满意
GROUPINGS = ("department", "region", "day", "week", "month")
_ALL = ""  # the key of the one group when nothing is grouped


@dataclass(frozen=True)
class Where:
    """Which facts count: the viewer's scope, and the filters of the page or definition."""

    seen: Visibility
    period: Period
    department: str | None = None  # a department and every department under it
    region: str | None = None  # a region code (its cities and counties within)
    process: str | None = None
    processes: tuple[str, ...] = ()  # when no `process`: the cases of any of these
    now: dt.datetime | None = None  # for snapshot measures; now when None
    itemised: bool = False  # the rollup's: every row also says its case's process
    since: dt.datetime | None = None  # facts from this moment on only (today's rows left)
    until: dt.datetime | None = None  # facts before this moment only (today's rolled part)

    @property
    def by_process(self) -> bool:
        return bool(self.process or self.processes)

    def during(self, period: Period) -> Where:
        return replace(self, period=period)


class china_day(FunctionElement[dt.date]):  # noqa: N801 (a SQL function, named as one)
    """The calendar day in China of a UTC moment, in SQL: what the figures group by."""

    type = Date()
    inherit_cache = True


@compiles(china_day, "sqlite")
def _china_day_sqlite(element: china_day, compiler: Any, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, '+8 hours')"


@compiles(china_day, "postgresql")
def _china_day_postgresql(element: china_day, compiler: Any, **kw: Any) -> str:
    return f"CAST(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'Asia/Shanghai' AS DATE)"


# A measure's rows, as a SELECT of labelled columns: department, region, moment (what the
# period and the time buckets read), amount (1, or 1/0 for a share) and, for the working
# days, start. None: nothing to count (the ratings table is missing).
Source = Callable[[Session, Where], Any]


def tally(session: Session, name: str, where: Where, group: str | None = None, *,
          rolled: bool = True) -> dict[str, Tally]:
    """The tallies of measure `name` by group key (department code, region code or the
    ISO date of a day/week/month's first day; "" when `group` is None), grouped in SQL: the
    rows read are one per group (from the raw tables, per pair of days for working days).
    Days rolled up (`measure_days`) are read from their daily figures, the rest from the raw
    tables; overdue-now and redo from the live task counts (`task_counts`); `rolled=False`
    reads the raw tables only."""
    if group is not None and group not in GROUPINGS:
        raise ValueError(f"unknown grouping {group!r}")
    if not rolled:
        return _tally_raw(session, name, where, group)
    with _small_reads(session):
        if name in COUNTED:
            return COUNTED[name](session, where, group)
        return _tally_rolled(session, name, where, group)


@contextmanager
def _small_reads(session: Session) -> Iterator[None]:
    """Daily rows and one day's raw rows are few: on PostgreSQL they are read without
    parallel workers, whose start on a busy server takes longer than the whole read."""
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
    try:
        yield
    finally:
        session.execute(text("SET LOCAL max_parallel_workers_per_gather TO DEFAULT"))


def _tally_rolled(session: Session, name: str, where: Where,
                  group: str | None) -> dict[str, Tally]:
    period = where.period
    through = measure_days.rolled_through(session) if name in ROLLED else None
    until = _today_rolled_until(session, through)
    last = through + dt.timedelta(days=1) if through and until else through  # with rows
    if through is None or last is None or last < period.start:
        return _tally_raw(session, name, where, group)
    found = _tally_days(session, name, where.during(Period(period.start,
                                                           min(period.end, last))), group)
    if period.end > through:
        after = replace(where.during(Period(through + dt.timedelta(days=1), period.end)),
                        since=until)
        for key, more in _tally_raw(session, name, after, group).items():
            found.setdefault(key, Tally()).merge(more)
    return found


def _today_rolled_until(session: Session, through: dt.date | None) -> dt.datetime | None:
    """The moment before which the day after `through` is in its rows too, if it is."""
    until = measure_days.rolled_until(session) if through is not None else None
    if until is None or through is None or china_date(until) != through + dt.timedelta(days=1):
        return None
    return until


def _tally_raw(session: Session, name: str, where: Where, group: str | None) -> dict[str, Tally]:
    source = SOURCES[name](session, where)
    if source is None:
        return {}
    return _grouped(session, source, group, name == "avg_working_days")


def _grouped(session: Session, source: Any, group: str | None, days: bool) -> dict[str, Tally]:
    rows = source.subquery()
    keys: list[Any] = []
    if group in ("department", "region"):
        keys.append(rows.c[group])
    elif group is not None:
        keys.append(china_day(rows.c.moment))
    if days:
        keys.extend((china_day(rows.c.start), china_day(rows.c.moment)))
    query = select(*keys, func.sum(rows.c.amount), func.count()).group_by(*keys)
    return _fold(session.execute(query), group, days)


def _tally_days(session: Session, name: str, where: Where,
                group: str | None) -> dict[str, Tally]:
    """The same tallies from the daily figures of the days in `where.period`."""
    return _summed(session, DAYS, DAYS.c.amount, DAYS.c.measure == name, where, group)


def _summed(session: Session, table: Any, amount: Any, which: Any, where: Where,
            group: str | None, days: Any = None) -> dict[str, Tally]:
    """Tallies summed from a table of counts by day, department, region and process (the
    daily figures, the live task counts): the days in `where.period`, or `days`."""
    keys: list[Any] = []
    if group in ("department", "region"):
        keys.append(table.c[group])
    elif group is not None:
        keys.append(table.c.day)
    days = days if days is not None else table.c.day.between(where.period.start,
                                                             where.period.end)
    query = (select(*keys, func.sum(amount), func.sum(table.c.count))
             .where(which, days).group_by(*keys))
    query = _filtered(query, replace(where, itemised=False), table.c.department,
                      table.c.region, table.c.process)
    return _fold(session.execute(query), group, False)


def _fold(rows: Any, group: str | None, days: bool) -> dict[str, Tally]:
    found: dict[str, Tally] = {}
    for row in rows:
        key = _key(row[0] if group is not None else None, group)
        amount, count = float(row[-2] or 0), int(row[-1] or 0)
        if key is None or count == 0:  # no moment to date it, or nothing at all
            continue
        if days:
            start, end = _date(row[-4]), _date(row[-3])
            amount = float(max(workdays_between(start, end), 0) * count) if start and end else 0
        found.setdefault(key, Tally()).add(amount, count)
    return found


def roll_up(session: Session, today: dt.date | None = None,
            until: dt.datetime | None = None) -> dt.date | None:
    """Add the daily figures of every day that has ended (in China) and is not rolled up
    yet, one INSERT ... SELECT per measure and month; returns the day rolled through. With
    `until`, a moment of `today` that every transaction writing before it has committed by,
    also today's facts before it, in rows of today (the measures' and the bottleneck
    page's) replaced at the next upkeep. The caller commits. Rolling a day again replaces
    its rows, and on PostgreSQL the rollup row is locked, so two workers never add a day
    twice."""
    today = today or (china_date(until) if until else china_date(dt.datetime.now(UTC)))
    last = today - dt.timedelta(days=1)
    through = measure_days.rolled_through(session)
    if through is not None:
        session.execute(select(measure_days.MeasureRollup.id).with_for_update())
        through = measure_days.rolled_through(session)
    first = (through + dt.timedelta(days=1)) if through is not None else _first_day(session)
    rolled = _today_rolled_until(session, through)
    if first is not None and first <= last:  # None: no case yet, nothing to roll
        rolled = None  # the day after `through` is summed whole now
        session.execute(delete(DAYS).where(DAYS.c.day >= first))
    while first is not None and first <= last:
        end = min(first + dt.timedelta(days=ROLL_DAYS - 1), last)
        for name in ROLLED:
            _roll(session, name, Period(first, end))
        bottlenecks.roll(session, first, end)
        first = end + dt.timedelta(days=1)
    through = max(last, through) if through else last
    measure_days.mark(session, through, rolled)
    if until is not None:
        _roll_today(session, through, until, rolled)
    return measure_days.rolled_through(session)


def _roll_today(session: Session, through: dt.date, until: dt.datetime,
                rolled: dt.datetime | None) -> None:
    """Sum the facts of the day after `through` (today) before `until` into its rows, unless
    they already reach that moment."""
    day = through + dt.timedelta(days=1)
    if china_date(until) != day or rolled == until:
        return
    session.execute(delete(DAYS).where(DAYS.c.day >= day))
    for name in ROLLED:
        _roll(session, name, Period(day, day), until)
    bottlenecks.roll_until(session, until)
    measure_days.mark(session, through, until)


def _first_day(session: Session) -> dt.date | None:
    first = session.execute(select(func.min(CaseRow.created_at))).scalar()
    return china_date(first) if first is not None else None


def _roll(session: Session, name: str, period: Period,
          until: dt.datetime | None = None) -> None:
    where = Where(Visibility(everything=True), period, itemised=True, until=until)
    source = SOURCES[name](session, where)
    if source is None:
        return
    rows = source.subquery()
    keys = (china_day(rows.c.moment), rows.c.department, rows.c.region, rows.c.process)
    if name == "avg_working_days":
        _roll_working_days(session, rows, keys)
        return
    query = select(literal(name, String), *keys, func.sum(rows.c.amount), func.count()
                   ).group_by(*keys)
    session.execute(insert(DAYS).from_select(
        ["measure", "day", "department", "region", "process", "amount", "count"], query))


def _roll_working_days(session: Session, rows: Any, keys: tuple[Any, ...]) -> None:
    """The working days the tasks done each day took, counted now (from the pairs of the
    day made and the day done) with the calendar as it is: a holiday arrangement loaded
    later marks its days for a new rollup (`calendar.load`)."""
    calendar.ensure(session)
    summed: dict[tuple[Any, ...], list[float]] = {}
    for start, *key, count in session.execute(
            select(china_day(rows.c.start), *keys, func.count())
            .group_by(china_day(rows.c.start), *keys)):
        end, begun = _date(key[0]), _date(start)
        took = max(workdays_between(begun, end), 0) if begun and end else 0
        found = summed.setdefault((end, *key[1:]), [0.0, 0])
        found[0] += took * count
        found[1] += count
    if summed:
        session.execute(insert(DAYS), [
            {"measure": "avg_working_days", "day": day, "department": department,
             "region": region, "process": process, "amount": amount, "count": count}
            for (day, department, region, process), (amount, count) in summed.items()])


def measure(name: str) -> Measure:
    return MEASURES[name]


def _date(value: Any) -> dt.date | None:
    """A day as SQLite (text) or PostgreSQL (a date) hands it back."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _key(value: Any, group: str | None) -> str | None:
    if group is None:
        return _ALL
    if group in ("department", "region"):
        return value or "-"
    day = _date(value)
    return bucket(day, group).isoformat() if day is not None else None


def china_date(moment: dt.datetime) -> dt.date:
    return aware(moment).astimezone(CHINA).date()


def bounds(period: Period) -> tuple[dt.datetime, dt.datetime]:
    """The period's first and after-last moments, in UTC as stored."""
    start = dt.datetime.combine(period.start, dt.time(), CHINA)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time(), CHINA)
    return start.astimezone(UTC), end.astimezone(UTC)


def _within(moment: Any, where: Where) -> Any:
    start, end = bounds(where.period)
    start = max(start, where.since.astimezone(UTC)) if where.since else start
    end = min(end, where.until.astimezone(UTC)) if where.until else end  # SQLite: as text
    return and_(moment >= start, moment < end)


def _filtered(query: Any, where: Where, department: Any, region: Any,
              process: Any = CaseRow.process_id) -> Any:
    """`query` within the viewer's scope and the page's department subtree and region."""
    if where.itemised:
        query = query.add_columns(process.label("process"))
    query = query.where(scope_filter(where.seen, department=department, region=region))
    if where.department:
        subtree = select(DEPARTMENTS.c.code).where(
            DEPARTMENTS.c.path.contains(f"/{where.department}/", autoescape=True))
        query = query.where(department.in_(subtree))
    if where.region and (prefix := region_prefix(where.region)):
        query = query.where(region.startswith(prefix, autoescape=True))
    if where.process:
        query = query.where(process == where.process)
    elif where.processes:
        query = query.where(process.in_(sorted(where.processes)))
    return query


ONE = literal(1)


def _case_rows(moment: Any, where: Where, *joins: Any) -> Any:
    query = select(CaseRow.department_code.label("department"),
                   CaseRow.region_code.label("region"), moment.label("moment"),
                   ONE.label("amount")).select_from(CaseRow)
    for join in joins:
        query = query.join(*join)
    return _filtered(query.where(_within(moment, where)), where, CaseRow.department_code,
                     CaseRow.region_code)


def received(session: Session, where: Where) -> Any:
    return _case_rows(CaseRow.created_at, where)


def accepted(session: Session, where: Where) -> Any:
    """Cases whose first task (number 1: its first step's) was done in the period; a
    return to that step later does not accept the case again."""
    return _case_rows(Task.completed_at, where,
                      (Task, and_(Task.case_id == CaseRow.id, Task.no == 1))).where(
        Task.status == TASK_DONE)


def closed(session: Session, where: Where) -> Any:
    return _case_rows(CaseEvent.at, where, (CaseEvent, CaseEvent.case_id == CaseRow.id)).where(
        CaseEvent.action.in_((f"case.{CASE_DONE}", f"case.{REJECTED}")),
        CaseRow.status.in_((CASE_DONE, REJECTED)))


def _task_rows(moment: Any, amount: Any, where: Where, *more: Any) -> Any:
    query = select(Task.department.label("department"), Task.region_code.label("region"),
                   moment.label("moment"), amount.label("amount"), *more)
    if where.by_process or where.itemised:
        query = query.join(CaseRow, CaseRow.id == Task.case_id)
    return _filtered(query, where, Task.department, Task.region_code)


def _done_in(where: Where) -> Any:
    return and_(Task.status == TASK_DONE, _within(Task.completed_at, where))


def on_time_rate(session: Session, where: Where) -> Any:
    """Tasks with a deadline done in the period: in time when done by the deadline."""
    in_time = case((Task.completed_at <= Task.due_at, 1), else_=0)
    return _task_rows(Task.completed_at, in_time, where).where(
        _done_in(where), Task.due_at.is_not(None))


def avg_working_days(session: Session, where: Where) -> Any:
    """Working days from a task's creation to its completion, by China's calendar days: a
    task made on Friday and done on Monday took one working day (none on the same day)."""
    calendar.ensure(session)
    return _task_rows(Task.completed_at, ONE, where, Task.created_at.label("start")).where(
        _done_in(where), Task.created_at.is_not(None))


def overdue_now(session: Session, where: Where) -> Any:
    """Live tasks past their deadline now, whatever the period; dated by their deadline."""
    now = where.now or dt.datetime.now(UTC)
    return _task_rows(Task.due_at, ONE, where).where(
        Task.status.in_(sorted(LIVE)), Task.due_at.is_not(None), Task.due_at < now)


def returns(session: Session, where: Where) -> Any:
    """Returns made in the period, counted for the department of the task that returned."""
    query = (select(Task.department.label("department"), CaseRow.region_code.label("region"),
                    CaseEvent.at.label("moment"), ONE.label("amount"))
             .select_from(CaseEvent).join(CaseRow, CaseRow.id == CaseEvent.case_id)
             .join(Task, and_(Task.case_id == CaseEvent.case_id, Task.no == CaseEvent.task_no))
             .where(CaseEvent.action == "return", _within(CaseEvent.at, where)))
    return _filtered(query, where, Task.department, CaseRow.region_code)


def redo(session: Session, where: Where) -> Any:
    """Tasks made in the period in a step's second or later round (after a return)."""
    return _task_rows(Task.created_at, ONE, where).where(
        Task.round > 1, _within(Task.created_at, where))


def _counted_overdue(session: Session, where: Where, group: str | None) -> dict[str, Tally]:
    """Overdue-now from the live task counts of the days before today (in China), and from
    the live tasks due today before now (few: one day's, read by `ix_tasks_overdue`)."""
    now = where.now or dt.datetime.now(UTC)
    today = china_date(now)
    found = _summed(session, COUNTS, COUNTS.c.count, COUNTS.c.kind == "due", where, group,
                    COUNTS.c.day < today)
    since, _ = bounds(Period(today, today))
    rows = overdue_now(session, where).where(Task.due_sort >= since, Task.due_sort < now)
    for key, more in _grouped(session, rows, group, False).items():
        found.setdefault(key, Tally()).merge(more)
    return found


def _counted_redo(session: Session, where: Where, group: str | None) -> dict[str, Tally]:
    return _summed(session, COUNTS, COUNTS.c.count, COUNTS.c.kind == "redo", where, group)


def satisfaction_rate(session: Session, where: Where) -> Any:
    """Ratings given in the period, satisfied at level 4 or 5."""
    satisfied = case((RATINGS.c.level >= SATISFIED, 1), else_=0)
    query = (select(CaseRow.department_code.label("department"),
                    CaseRow.region_code.label("region"), RATINGS.c.rated_at.label("moment"),
                    satisfied.label("amount"))
             .join(CaseRow, CaseRow.id == RATINGS.c.case_id)
             .where(_within(RATINGS.c.rated_at, where)))
    return _filtered(query, where, CaseRow.department_code, CaseRow.region_code)


SOURCES: dict[str, Source] = {
    "received": received, "accepted": accepted, "closed": closed,
    "on_time_rate": on_time_rate, "avg_working_days": avg_working_days,
    "overdue_now": overdue_now, "returns": returns, "redo": redo,
    "satisfaction_rate": satisfaction_rate,
}
# Read from the live task counts: overdue-now (a snapshot of live tasks) and redo (a live
# task's department moves when it is transferred), which a closed day could not hold.
COUNTED: dict[str, Callable[[Session, Where, str | None], dict[str, Tally]]] = {
    "overdue_now": _counted_overdue, "redo": _counted_redo}
# Read from the daily figures for the days rolled up.
ROLLED = tuple(name for name in SOURCES if name not in COUNTED)
ROLL_DAYS = 31  # days summed per INSERT ... SELECT: a month of facts per statement
DAYS = measure_days.DAYS
COUNTS = task_counts.COUNTS


AGGREGATES = ("count", "sum", "avg", "min", "max")


def form_tally(session: Session, where: Where, form_id: str, agg: str, field: str | None,
               group: str | None = None) -> dict[str, float | None]:
    """`agg` of a form's field over its submissions in the period and scope (what a
    Dashboard could count before measures), by `group`: department, region, a time bucket
    or a field of the form."""
    query = select(Submission.department_code, Submission.region_code, Submission.created_at,
                   Submission.data).where(Submission.form_id == form_id,
                                          _within(Submission.created_at, where))
    query = _filtered(query, replace(where, process=None, processes=()),
                      Submission.department_code,
                      Submission.region_code)
    values: dict[str, list[float]] = {}
    for department, region, created_at, data in session.execute(query):
        key = (_key({"department": department, "region": region}.get(group or "",
                                                                     china_date(created_at)),
                    group)
               if group is None or group in GROUPINGS else str((data or {}).get(group, "-")))
        if key is None:
            continue
        amount = (data or {}).get(field) if field and agg != "count" else 1
        if isinstance(amount, int | float) and not isinstance(amount, bool):
            values.setdefault(key, []).append(float(amount))
    return {key: _aggregate(agg, found) for key, found in values.items()}


def _aggregate(agg: str, found: list[float]) -> float | None:
    if agg == "count":
        return float(len(found))
    if not found:
        return None
    if agg == "sum":
        return sum(found)
    if agg == "avg":
        return round(sum(found) / len(found), 2)
    return min(found) if agg == "min" else max(found)


@dataclass(frozen=True)
class Unit:
    """A department, for labels and the organisation filter."""

    code: str
    name: tuple[str, str]
    path: str
    depth: int


def departments(session: Session, seen: Visibility | None = None) -> list[Unit]:
    """The departments `seen` reaches (all when None) in tree order, with their names."""
    query = select(Department.code, Department.name_zh, Department.name_en, Department.path)
    if seen is not None:
        query = query.where(department_filter(seen, Department.code, Department.path,
                                              Department.region_code))
    rows = session.execute(query.order_by(Department.path))
    return [Unit(code, (zh, en or zh), path, max(path.count("/") - 2, 0))
            for code, zh, en, path in rows]

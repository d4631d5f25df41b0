"""The query behind each registered measure (runtime.reports.measures): the facts in a
period and a data scope, tallied per department, region or day, week or month.

Each query reads the few columns its measure needs and tallies them here, so the same code
groups by China's calendar days and counts working days on SQLite and PostgreSQL alike.
Cases are scoped by their own department and region, tasks (and the returns made on them) by
the task's department and the case's region: a department lead sees their department's work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC
from typing import Any

from sqlalchemy import (
    Integer,
    SmallInteger,
    and_,
    column,
    func,
    inspect,
    select,
    table,
)
from sqlalchemy.orm import Session
from sqlalchemy.types import DateTime

from runtime.access import Visibility, region_prefix
from runtime.expressions.dates import CHINA, workdays_between
from runtime.flows.case import CASE_DONE, LIVE, REJECTED, TASK_DONE
from runtime.reports.measures import MEASURES, Measure, Tally
from runtime.reports.periods import Period, bucket
from runtime.store import calendar
from runtime.store.accounts import Department
from runtime.store.cases import CaseEvent, CaseRow, Task
from runtime.store.models import aware
from runtime.store.scoping import DEPARTMENTS, department_filter, scope_filter
from runtime.store.submissions import Submission

# The service ratings (好差评) as far as a measure reads them; the table is another
# feature's, and a database without it (or without rows) gives "no data".
RATINGS = table("ratings", column("case_id", Integer), column("level", SmallInteger),
                column("rated_at", DateTime(timezone=True)))
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

    @property
    def by_process(self) -> bool:
        return bool(self.process or self.processes)


@dataclass(frozen=True)
class Fact:
    department: str | None
    region: str | None
    moment: dt.datetime | None
    amount: float = 1.0
    of: int = 1


Query = Callable[[Session, Where], Iterable[Fact]]


def tally(session: Session, name: str, where: Where,
          group: str | None = None) -> dict[str, Tally]:
    """The tallies of measure `name` by group key (department code, region code or the
    ISO date of a day/week/month's first day; "" when `group` is None)."""
    if group is not None and group not in GROUPINGS:
        raise ValueError(f"unknown grouping {group!r}")
    found: dict[str, Tally] = {}
    for fact in QUERIES[name](session, where):
        key = _key(fact, group)
        if key is not None:
            found.setdefault(key, Tally()).add(fact.amount, fact.of)
    return found


def measure(name: str) -> Measure:
    return MEASURES[name]


def _key(fact: Fact, group: str | None) -> str | None:
    if group is None:
        return _ALL
    if group == "department":
        return fact.department or "-"
    if group == "region":
        return fact.region or "-"
    if fact.moment is None:
        return None
    return bucket(china_day(fact.moment), group).isoformat()


def china_day(moment: dt.datetime) -> dt.date:
    return aware(moment).astimezone(CHINA).date()


def bounds(period: Period) -> tuple[dt.datetime, dt.datetime]:
    """The period's first and after-last moments, in UTC as stored."""
    start = dt.datetime.combine(period.start, dt.time(), CHINA)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time(), CHINA)
    return start.astimezone(UTC), end.astimezone(UTC)


def _within(moment: Any, where: Where) -> Any:
    start, end = bounds(where.period)
    return and_(moment >= start, moment < end)


def _filtered(query: Any, where: Where, department: Any, region: Any) -> Any:
    """`query` within the viewer's scope and the page's department subtree and region."""
    query = query.where(scope_filter(where.seen, department=department, region=region))
    if where.department:
        subtree = select(DEPARTMENTS.c.code).where(
            DEPARTMENTS.c.path.contains(f"/{where.department}/", autoescape=True))
        query = query.where(department.in_(subtree))
    if where.region and (prefix := region_prefix(where.region)):
        query = query.where(region.startswith(prefix, autoescape=True))
    if where.process:
        query = query.where(CaseRow.process_id == where.process)
    elif where.processes:
        query = query.where(CaseRow.process_id.in_(sorted(where.processes)))
    return query


def _case_facts(session: Session, query: Any, where: Where) -> Iterator[Fact]:
    query = _filtered(query, where, CaseRow.department_code, CaseRow.region_code)
    for department, region, moment in session.execute(query):
        yield Fact(department, region, moment)


def received(session: Session, where: Where) -> Iterator[Fact]:
    yield from _case_facts(session, select(
        CaseRow.department_code, CaseRow.region_code, CaseRow.created_at).where(
        _within(CaseRow.created_at, where)), where)


def accepted(session: Session, where: Where) -> Iterator[Fact]:
    """Cases whose first task was done in the period (the first step taken up)."""
    first = (select(Task.case_id, func.min(Task.completed_at).label("first"))
             .where(Task.status == TASK_DONE).group_by(Task.case_id).subquery())
    yield from _case_facts(session, select(
        CaseRow.department_code, CaseRow.region_code, first.c.first)
        .join(first, first.c.case_id == CaseRow.id).where(_within(first.c.first, where)), where)


def closed(session: Session, where: Where) -> Iterator[Fact]:
    yield from _case_facts(session, select(
        CaseRow.department_code, CaseRow.region_code, CaseEvent.at)
        .join(CaseEvent, CaseEvent.case_id == CaseRow.id)
        .where(CaseEvent.action.in_((f"case.{CASE_DONE}", f"case.{REJECTED}")),
               CaseRow.status.in_((CASE_DONE, REJECTED)), _within(CaseEvent.at, where)), where)


def _task_query(*columns: Any, where: Where) -> Any:
    query = select(Task.department, Task.region_code, *columns)
    if where.by_process:
        query = query.join(CaseRow, CaseRow.id == Task.case_id)
    return query


def _done_tasks(session: Session, where: Where, *columns: Any) -> Any:
    query = _task_query(Task.completed_at, *columns, where=where).where(
        Task.status == TASK_DONE, _within(Task.completed_at, where))
    return session.execute(_filtered(query, where, Task.department, Task.region_code))


def on_time_rate(session: Session, where: Where) -> Iterator[Fact]:
    """Tasks with a deadline done in the period: in time when done by the deadline."""
    for department, region, done_at, due_at in _done_tasks(session, where, Task.due_at):
        if due_at is not None:
            yield Fact(department, region, done_at, float(aware(done_at) <= aware(due_at)))


def avg_working_days(session: Session, where: Where) -> Iterator[Fact]:
    """Working days from a task's creation to its completion, by China's calendar days: a
    task made on Friday and done on Monday took one working day (none on the same day)."""
    calendar.ensure(session)
    for department, region, done_at, created_at in _done_tasks(session, where, Task.created_at):
        if created_at is not None:
            days = workdays_between(china_day(created_at), china_day(done_at))
            yield Fact(department, region, done_at, float(max(days, 0)))


def overdue_now(session: Session, where: Where) -> Iterator[Fact]:
    """Live tasks past their deadline now, whatever the period; dated by their deadline."""
    now = where.now or dt.datetime.now(UTC)
    query = _task_query(Task.due_at, where=where).where(
        Task.status.in_(sorted(LIVE)), Task.due_at.is_not(None), Task.due_at < now)
    for department, region, due_at in session.execute(
            _filtered(query, where, Task.department, Task.region_code)):
        yield Fact(department, region, due_at)


def returns(session: Session, where: Where) -> Iterator[Fact]:
    """Returns made in the period, counted for the department of the task that returned."""
    query = (select(Task.department, CaseRow.region_code, CaseEvent.at)
             .select_from(CaseEvent).join(CaseRow, CaseRow.id == CaseEvent.case_id)
             .join(Task, and_(Task.case_id == CaseEvent.case_id, Task.no == CaseEvent.task_no))
             .where(CaseEvent.action == "return", _within(CaseEvent.at, where)))
    for department, region, at in session.execute(
            _filtered(query, where, Task.department, CaseRow.region_code)):
        yield Fact(department, region, at)


def redo(session: Session, where: Where) -> Iterator[Fact]:
    """Tasks made in the period in a step's second or later round (after a return)."""
    query = _task_query(Task.created_at, where=where).where(
        Task.round > 1, _within(Task.created_at, where))
    for department, region, created_at in session.execute(
            _filtered(query, where, Task.department, Task.region_code)):
        yield Fact(department, region, created_at)


def satisfaction_rate(session: Session, where: Where) -> Iterator[Fact]:
    """Ratings given in the period, satisfied at level 4 or 5; none without the table."""
    if not inspect(session.connection()).has_table("ratings"):
        return
    query = (select(CaseRow.department_code, CaseRow.region_code, RATINGS.c.rated_at,
                    RATINGS.c.level).join(CaseRow, CaseRow.id == RATINGS.c.case_id)
             .where(_within(RATINGS.c.rated_at, where)))
    for department, region, at, level in session.execute(
            _filtered(query, where, CaseRow.department_code, CaseRow.region_code)):
        yield Fact(department, region, at, float(level >= SATISFIED))


QUERIES: dict[str, Query] = {
    "received": received, "accepted": accepted, "closed": closed,
    "on_time_rate": on_time_rate, "avg_working_days": avg_working_days,
    "overdue_now": overdue_now, "returns": returns, "redo": redo,
    "satisfaction_rate": satisfaction_rate,
}


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
        key = (_key(Fact(department, region, created_at), group)
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

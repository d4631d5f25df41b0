"""The rows the bottleneck report aggregates (runtime.views.bottlenecks): the tasks finished in
a period and the returns made in it, summed per China day, step and department
(`bottleneck_days`), and the tasks live now, each in the viewer's data scope.

Finished work is dated by the moment it finished (办结口径), written once: a day that has ended
stops changing, so the worker's upkeep sums it once (`roll`, called by
`measures.roll_up`), like the measures' daily figures, and `measure_days.backdated` marks
days for a new sum the same way; every upkeep also sums today up to a moment every
transaction before it has committed by (`roll_until`). Figures read the daily rows up to the
day rolled through (and today's up to that moment) and the raw tables after; `rolled=False`
reads the raw tables only. Waiting and handling are working seconds, whole seconds per task,
so that both ways add up to the same integers. The rows come at four levels, each summed
from the finest: with the department and region of the task and of its case
(`bottleneck_days`, for a scope of departments and regions), without the regions
(`bottleneck_department_days`, for departments), without the case's department
(`bottleneck_region_days`, for regions), and with neither (`bottleneck_step_days`, for
everything).

What is held up now (`live_counts`) is summed from the counts the triggers keep
(`held_counts`), with today's deadlines already passed and the cases counted in several
groups read from the tasks; `rolled=False` counts the live tasks themselves.

A task is in scope when its own department or region is (`scope_filter`), or its case is
(the case's department or region, `case_ids`; the daily rows keep both as keys): a department
lead sees their own tasks of anyone's cases, and every task of the cases their department
leads, so that they see which other department holds their joint cases up; other
departments' tasks of other cases stay hidden.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Date,
    Index,
    Integer,
    String,
    Table,
    and_,
    case,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from runtime.access import Visibility
from runtime.flows.case import LIVE, TASK_DONE
from runtime.flows.deadlines import CHINA, start_of, working_seconds
from runtime.i18n import Label
from runtime.store import held_counts, measure_days
from runtime.store.cases import CaseEvent, CaseRow, Task
from runtime.store.models import Base, aware
from runtime.store.scoping import scope_filter, within
from runtime.views.bottlenecks import Finished, LiveCount, TaskFact

RETURN = "return"  # the history action of a return (runtime.flows.actions)
KEYS = ("day", "process", "step", "title_zh", "title_en", "department", "region",
        "lead_department", "lead_region")
FIGURES = ("tasks", "claims", "wait_seconds", "handle_seconds", "with_due", "overdue",
           "returns", "redos")
Key = tuple[object, ...]


class DayFigures:
    """A daily row's step, day and the task's department, and its figures in the order of
    `FIGURES`: what every level keeps."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date)
    process: Mapped[str] = mapped_column(String(64))
    step: Mapped[str] = mapped_column(String(64))
    title_zh: Mapped[str | None] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    department: Mapped[str | None] = mapped_column(String(32))
    tasks: Mapped[int] = mapped_column(Integer)
    claims: Mapped[int] = mapped_column(Integer)
    wait_seconds: Mapped[int] = mapped_column(BigInteger)
    handle_seconds: Mapped[int] = mapped_column(BigInteger)
    with_due: Mapped[int] = mapped_column(Integer)
    overdue: Mapped[int] = mapped_column(Integer)
    returns: Mapped[int] = mapped_column(Integer)
    redos: Mapped[int] = mapped_column(Integer)


class BottleneckDay(DayFigures, Base):
    """What the tasks of one step finished on one China day add up to, per department and
    region of the task and of its case (the lead department), with the returns made that
    day out of that step: what a viewer of departments and regions reads, and what the
    coarser levels are summed from."""

    __tablename__ = "bottleneck_days"
    __table_args__ = (Index("ix_bottleneck_days_day", "day"),)

    region: Mapped[str | None] = mapped_column(String(6))
    lead_department: Mapped[str | None] = mapped_column(String(32))
    lead_region: Mapped[str | None] = mapped_column(String(6))


class BottleneckDepartmentDay(DayFigures, Base):
    """`BottleneckDay` summed over the regions: what a viewer of departments reads, a row
    per department pair of a step and day instead of one per pair of departments and
    regions."""

    __tablename__ = "bottleneck_department_days"
    __table_args__ = (Index("ix_bottleneck_department_days_day", "day"),)

    lead_department: Mapped[str | None] = mapped_column(String(32))


class BottleneckRegionDay(DayFigures, Base):
    """`BottleneckDay` summed over the cases' departments: what a viewer of regions (and
    no departments) reads, a row per region pair of a step, department and day."""

    __tablename__ = "bottleneck_region_days"
    __table_args__ = (Index("ix_bottleneck_region_days_day", "day"),)

    region: Mapped[str | None] = mapped_column(String(6))
    lead_region: Mapped[str | None] = mapped_column(String(6))


class BottleneckStepDay(DayFigures, Base):
    """`BottleneckDay` summed over the regions and the cases' departments: what a viewer of
    everything reads, a row per step and department of a day."""

    __tablename__ = "bottleneck_step_days"
    __table_args__ = (Index("ix_bottleneck_step_days_day", "day"),)


DAYS = BottleneckDay.__table__
DEPARTMENT_DAYS = BottleneckDepartmentDay.__table__
REGION_DAYS = BottleneckRegionDay.__table__
STEP_DAYS = BottleneckStepDay.__table__
# The coarser levels, summed from `DAYS` when a day is rolled up.
SUMMED = tuple((days, tuple(k for k in KEYS if k in days.c))
               for days in (DEPARTMENT_DAYS, REGION_DAYS, STEP_DAYS))


def finished(session: Session, seen: Visibility, first: dt.date, last: dt.date, *,
             rolled: bool = True) -> list[Finished]:
    """Per step and department, the tasks in scope finished in the China days `first` to
    `last` and the returns made then: the daily rows of the days rolled up (today's so far),
    the raw tables for the rest."""
    seen = within(session, seen)
    start, end = start_of(first), start_of(last + dt.timedelta(days=1))
    rows = _rolled(session) if rolled else None
    summed: dict[Key, list[int]] = {}
    if rows is not None and rows[0] >= first:
        rows_through, start = rows
        days = _level(seen)
        keys = [days.c[k] for k in KEYS[1:6]]
        query = (select(*keys, *(func.sum(days.c[f]) for f in FIGURES))
                 .where(days.c.day.between(first, min(last, rows_through)),
                        _rolled_scope(seen, days))
                 .group_by(*keys))
        for row in session.execute(query):
            _add(summed, tuple(row[:5]), [int(n or 0) for n in row[5:]])
    if start < end:
        for key, figures in _raw(session, seen, start, end).items():
            _add(summed, key[1:6], figures)
    return [Finished(str(process), str(step), Label(str(zh or step), str(en) if en else None),
                     department if department is None else str(department), *figures)
            for (process, step, zh, en, department), figures in summed.items()]


def roll(session: Session, first: dt.date, last: dt.date) -> None:
    """Sum the China days `first` to `last` into the daily rows anew, and into the coarser
    levels (the worker's upkeep, from `measures.roll_up`; the caller commits)."""
    _roll(session, first, last, start_of(last + dt.timedelta(days=1)))


def roll_until(session: Session, until: dt.datetime) -> None:
    """Sum the day after the last one rolled up so far, from its start to `until` (a
    moment of that day that every transaction writing before it has committed by): its
    rows are read in place of its raw rows before `until` (the worker's upkeep, from
    `measures.roll_up`; the caller commits)."""
    day = _day(until)
    _roll(session, day, day, until)


def _roll(session: Session, first: dt.date, last: dt.date, end: dt.datetime) -> None:
    """The daily rows of the days `first` to `last` anew, of what finished before `end`."""
    for days in (DAYS, *(days for days, _ in SUMMED)):
        session.execute(delete(days).where(days.c.day.between(first, last)))
    rows = [dict(zip(KEYS + FIGURES, (*key, *figures), strict=True))
            for key, figures in _raw(session, Visibility(everything=True), start_of(first),
                                     end).items()]
    if rows:
        session.execute(insert(DAYS), rows)
    for days, names in SUMMED:
        keys = [DAYS.c[k] for k in names]
        session.execute(insert(days).from_select(
            [*names, *FIGURES], select(*keys, *(func.sum(DAYS.c[f]) for f in FIGURES))
            .where(DAYS.c.day.between(first, last)).group_by(*keys)))


def _level(seen: Visibility) -> Table:
    """The coarsest daily rows that still hold the keys `seen` is scoped by."""
    if seen.everything:
        return STEP_DAYS
    if not seen.region_prefixes:
        return DEPARTMENT_DAYS
    return DAYS if seen.departments or seen.department_trees else REGION_DAYS


def _rolled(session: Session) -> tuple[dt.date, dt.datetime] | None:
    """The last day the daily rows hold (today's so far included) and the moment the raw
    rows are read from after it; None when nothing is rolled up."""
    through, until = measure_days.rolled(session)
    if through is None:
        return None
    after = through + dt.timedelta(days=1)
    if until is not None and _day(until) == after:
        return after, until
    return through, start_of(after)


def live_counts(session: Session, seen: Visibility, now: dt.datetime, *, rolled: bool = True
                ) -> tuple[list[LiveCount], list[LiveCount]]:
    """The tasks in scope live now (open or waiting), counted per step and per department
    (a department's label is the caller's): from the counts the triggers keep
    (`held_counts`), or, `rolled=False`, from the tasks themselves."""
    seen = within(session, seen)
    if not rolled:
        return _live_raw(session, seen, now)
    kept = held_counts.COUNTS.c
    today = now.astimezone(CHINA).date()
    late = func.sum(case((kept.day < today, kept.tasks), else_=0))
    counted = (func.sum(kept.tasks), late, func.sum(kept.cases))
    scope = or_(scope_filter(seen, department=kept.department, region=kept.region),
                scope_filter(seen, department=kept.lead_department, region=kept.lead_region))
    # One read for both: per step and title (a step's title is the greatest of its live
    # tasks', not of a task gone whose rows the upkeep has not summed away yet) and
    # department of the task.
    query = (select(kept.process, kept.step, kept.title_zh, kept.title_en, kept.department,
                    *counted).where(scope)
             .group_by(kept.process, kept.step, kept.title_zh, kept.title_en, kept.department))
    step_counts: dict[tuple[str, ...], list[Any]] = {}
    department_counts: dict[tuple[str, ...], list[Any]] = {}
    for process, step, zh, en, department, *figures in session.execute(query):
        for found in (step_counts.setdefault((str(process), str(step)), [None, None, 0, 0, 0]),
                      department_counts.setdefault((department or "",), [None, None, 0, 0, 0])):
            found[2:] = (a + int(b or 0) for a, b in zip(found[2:], figures, strict=True))
        if figures[0]:  # as max() over the tasks, each title apart
            found = step_counts[(str(process), str(step))]
            found[0] = max((v for v in (found[0], zh) if v is not None), default=None)
            found[1] = max((v for v in (found[1], en) if v is not None), default=None)
    for process, step, department in _late_today(session, seen, now):
        step_counts[(process, step)][3] += 1
        department_counts[(department or "",)][3] += 1
    for key, twice in _counted_twice(session, seen).items():
        (step_counts if len(key) == 2 else department_counts)[key][4] -= twice
    return ([LiveCount(key, Label(zh or key[1], en), n, over, c)
             for key, (zh, en, n, over, c) in step_counts.items() if n],
            [LiveCount(key, Label(key[0]), n, over, c)
             for key, (_, _, n, over, c) in department_counts.items() if n])


def _late_today(session: Session, seen: Visibility, now: dt.datetime
                ) -> list[tuple[str, str, str | None]]:
    """The step and department of each task in scope live now whose deadline passed today
    (China's day): the counts know a deadline's day, not its moment."""
    start = start_of(now.astimezone(CHINA).date()).astimezone(dt.UTC)
    before = now.astimezone(dt.UTC)  # in UTC as stored: SQLite compares the moments as text
    query = (select(CaseRow.process_id, Task.step, Task.department)
             .join(CaseRow, CaseRow.id == Task.case_id)
             .where(LIVE_STATUS, Task.due_sort >= start, Task.due_sort < before,
                    Task.due_at >= start, Task.due_at < before, _in_scope(seen)))
    return [(str(process), str(step), department)
            for process, step, department in session.execute(query)]


def _counted_twice(session: Session, seen: Visibility) -> dict[tuple[str, ...], int]:
    """What the counts' sums of cases over groups (step, department and region of a case's
    live tasks) count more than once, per step and per department: from the spreads of the
    cases whose live tasks are in more than one group (`held_counts.SPREADS`), the scope
    tested here on each group written out."""
    kept = held_counts.SPREADS.c
    keys = (kept.process, kept.lead_department, kept.lead_region, kept.groups)
    query = (select(*keys, func.sum(kept.cases)).group_by(*keys)
             .having(func.sum(kept.cases) != 0))
    twice: dict[tuple[str, ...], int] = {}
    for process, lead_department, lead_region, groups, cases in session.execute(query):
        led = _reaches(seen, lead_department, lead_region)
        found: dict[tuple[str, ...], int] = {}
        for group in str(groups).split(";"):
            step, department, region = group.split("|")
            if led or _reaches(seen, department or None, region or None):
                for key in ((str(process), step), (department,)):
                    found[key] = found.get(key, 0) + 1
        for key, n in found.items():
            if n > 1:
                twice[key] = twice.get(key, 0) + (n - 1) * int(cases)
    return twice


def _reaches(seen: Visibility, department: str | None, region: str | None) -> bool:
    """`scope_filter` on a department and region, for a scope `within` has read."""
    return (seen.everything or (department is not None and department in seen.departments)
            or (region is not None and any(region.startswith(p) for p in seen.region_prefixes)))


def _live_raw(session: Session, seen: Visibility, now: dt.datetime
              ) -> tuple[list[LiveCount], list[LiveCount]]:
    """`live_counts` from the tasks themselves, in SQL per step and per department."""
    late = func.sum(case((Task.due_at < now, 1), else_=0))
    counted = (func.count(), late, func.count(Task.case_id.distinct()))
    steps = (select(CaseRow.process_id, Task.step, func.max(Task.title_zh),
                    func.max(Task.title_en), *counted)
             .join(CaseRow, CaseRow.id == Task.case_id).where(LIVE_STATUS, _in_scope(seen))
             .group_by(CaseRow.process_id, Task.step))
    departments = (select(Task.department, *counted)
                   .join(CaseRow, CaseRow.id == Task.case_id).where(LIVE_STATUS, _in_scope(seen))
                   .group_by(Task.department))
    return ([LiveCount((process, step), Label(zh or step, en), int(n), int(over or 0), int(c))
             for process, step, zh, en, n, over, c in session.execute(steps)],
            [LiveCount((code or "",), Label(code or ""), int(n), int(over or 0), int(c))
             for code, n, over, c in session.execute(departments)])


def held(session: Session, seen: Visibility, department: str | None = None,
         limit: int | None = None) -> list[TaskFact]:
    """The tasks in scope live now, the earliest deadline first (those without one last,
    `due_sort`), of one department's pool and people when `department` is given ("" for
    none); the first `limit` of them."""
    seen = within(session, seen)
    query = (select(Task.case_id, Task.tracking_no, CaseRow.process_id, Task.step,
                    Task.title_zh, Task.title_en, Task.department, Task.role, Task.user_id,
                    Task.status, Task.created_at, Task.due_at)
             .join(CaseRow, CaseRow.id == Task.case_id).where(_live(seen))
             .order_by(Task.due_sort, Task.id).limit(limit))
    if department is not None:
        query = query.where(Task.department.is_(None) if department == "" else
                            Task.department == department)
    return [TaskFact(row.case_id, row.tracking_no, row.process_id, row.step,
                     Label(row.title_zh, row.title_en), row.department, row.role, row.user_id,
                     row.status, aware(row.created_at), aware(row.due_at))
            for row in session.execute(query)]


# Written out, not bound: SQLite uses an index made for live rows only when the query names
# them in the same words.
LIVE_STATUS = Task.status.in_([literal_column(f"'{status}'") for status in sorted(LIVE)])


def _live(seen: Visibility) -> ColumnElement[bool]:
    return and_(LIVE_STATUS, _in_scope(seen), Task.created_at.is_not(None))


def _raw(session: Session, seen: Visibility, start: dt.datetime, end: dt.datetime
         ) -> dict[Key, list[int]]:
    """The figures of what finished from `start` to before `end`, from the tasks and the
    history, keyed by China day, step, title, and department and region of the task and of
    its case."""
    # In UTC as stored: SQLite compares the moments as text.
    start, end = start.astimezone(dt.UTC), end.astimezone(dt.UTC)
    keys = (CaseRow.process_id, Task.step, Task.title_zh, Task.title_en, Task.department,
            Task.region_code, CaseRow.department_code, CaseRow.region_code)
    done = (select(Task.completed_at, *keys, Task.created_at, Task.claimed_at, Task.claimed,
                   Task.due_at, Task.round)
            .join(CaseRow, CaseRow.id == Task.case_id)
            .where(Task.status == TASK_DONE, Task.completed_at >= start,
                   Task.completed_at < end, Task.created_at.is_not(None), _in_scope(seen)))
    summed: dict[Key, list[int]] = {}
    for row in session.execute(done):
        _add(summed, (_day(row[0]), *row[1:9]), _figures(*row[9:], aware(row[0])))
    returns = (select(CaseEvent.at, CaseRow.process_id, func.coalesce(CaseEvent.step, ""),
                      *keys[2:])
               .select_from(CaseEvent).join(CaseRow, CaseRow.id == CaseEvent.case_id)
               .join(Task, and_(Task.case_id == CaseEvent.case_id, Task.no == CaseEvent.task_no))
               .where(CaseEvent.action == RETURN, CaseEvent.at >= start, CaseEvent.at < end,
                      _in_scope(seen)))
    for row in session.execute(returns):
        _add(summed, (_day(row[0]), *row[1:]), [0, 0, 0, 0, 0, 0, 1, 0])
    return summed


def _figures(created: dt.datetime, claimed_at: dt.datetime | None, claimed: bool | None,
             due: dt.datetime | None, round_: int | None, completed: dt.datetime) -> list[int]:
    """One finished task's figures, in the order of `FIGURES`."""
    created, claimed_at, due = aware(created), aware(claimed_at), aware(due)
    took = bool(claimed) and claimed_at is not None
    wait = round(working_seconds(created, claimed_at)) if took and claimed_at else 0
    handle = round(working_seconds(claimed_at or created, completed))
    return [1, int(took), wait, handle, int(due is not None),
            int(due is not None and completed > due), 0, int((round_ or 0) > 1)]


def _add(summed: dict[Key, list[int]], key: Key, figures: Iterable[int]) -> None:
    found = summed.setdefault(key, [0] * len(FIGURES))
    for i, n in enumerate(figures):
        found[i] += n


def _day(moment: dt.datetime) -> dt.date:
    found = aware(moment)
    assert found is not None
    return found.astimezone(CHINA).date()


def _in_scope(seen: Visibility) -> ColumnElement[bool]:
    """Tasks in scope by their own keys or their case's, for a query that joins the case
    (beside an OR, an IN over every case of a department is a subplan PostgreSQL runs for
    each task once it outgrows work_mem: minutes at a million cases a department)."""
    return or_(scope_filter(seen, department=Task.department, region=Task.region_code),
               scope_filter(seen, department=CaseRow.department_code, region=CaseRow.region_code))


def _rolled_scope(seen: Visibility, days: Table) -> ColumnElement[bool]:
    """The daily rows in scope by the task's keys or its case's (`days` of `_level`)."""
    return or_(scope_filter(seen, department=days.c.department, region=days.c.get("region")),
               scope_filter(seen, department=days.c.get("lead_department"),
                            region=days.c.get("lead_region")))

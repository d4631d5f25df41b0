"""Bottlenecks (堵点): where work waits. From the tasks of a period (and every task still live)
and the returns, the figures per process step and per department: how long a task waits in
the pool before someone claims it, how long it takes to handle (both in working days: the
working time between the two moments, a working day counting 24 hours), the share that ran
over its deadline, the returns out of it and the redo rounds (a step started again), and
what holds cases up now: each live task, with its holder or its pool. Pure: the store hands
the rows in (runtime.store.bottlenecks), the page renders the report.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from runtime.flows.case import LIVE, TASK_DONE
from runtime.flows.deadlines import working_seconds
from runtime.i18n import Label

WORKING_DAY = 24 * 3600.0


@dataclass(frozen=True)
class TaskFact:
    """One task as the report reads it."""

    case_id: int
    tracking_no: str
    process_id: str
    step: str
    title: Label
    department: str | None
    role: str | None
    user_id: int | None
    status: str
    round: int
    created_at: datetime
    claimed_at: datetime | None
    claimed: bool  # taken from a pool (not assigned to a person at the start)
    completed_at: datetime | None
    due_at: datetime | None
    in_period: bool  # created in the period (a live one from before counts only as held)


@dataclass(frozen=True)
class ReturnFact:
    """One return (退回) out of a step, made in the period, by the department that held it."""

    process_id: str
    step: str
    department: str | None


@dataclass
class Figures:
    """The figures of one step or one department."""

    key: tuple[str, ...]
    label: Label
    tasks: int = 0
    claims: int = 0
    wait_days: float = 0.0  # summed; `average_wait` divides
    handled: int = 0
    handle_days: float = 0.0
    with_due: int = 0
    overdue: int = 0
    returns: int = 0
    redos: int = 0
    live: int = 0
    live_overdue: int = 0
    cases_held: set[int] = field(default_factory=set)

    @property
    def average_wait(self) -> float | None:
        return self.wait_days / self.claims if self.claims else None

    @property
    def average_handling(self) -> float | None:
        return self.handle_days / self.handled if self.handled else None

    @property
    def overdue_share(self) -> float | None:
        return self.overdue / self.with_due if self.with_due else None


@dataclass(frozen=True)
class Report:
    steps: list[Figures]
    departments: list[Figures]
    held: list[TaskFact]  # live tasks, the longest overdue (then the oldest) first


def working_days(start: datetime, end: datetime) -> float:
    return working_seconds(start, end) / WORKING_DAY if end > start else 0.0


def is_overdue(task: TaskFact, now: datetime) -> bool:
    """Finished after its deadline, or live and past it. A cancelled or withdrawn task was
    not late: nobody could finish it."""
    if task.due_at is None:
        return False
    if task.status == TASK_DONE and task.completed_at is not None:
        return task.completed_at > task.due_at
    return task.status in LIVE and now > task.due_at


def aggregate(tasks: Iterable[TaskFact], returns: Iterable[ReturnFact], now: datetime, *,
              department_label: Callable[[str | None], Label]) -> Report:
    """The report over `tasks` and `returns`, with departments named by `department_label`."""
    steps: dict[Hashable, Figures] = {}
    departments: dict[Hashable, Figures] = {}
    held: list[TaskFact] = []

    def at(table: dict[Hashable, Figures], key: tuple[str, ...], label: Label) -> Figures:
        found = table.get(key)
        if found is None:
            found = table[key] = Figures(key, label)
        return found

    for task in tasks:
        both = (at(steps, (task.process_id, task.step), task.title),
                at(departments, (task.department or "",), department_label(task.department)))
        for figures in both:
            _count(figures, task, now)
        if task.status in LIVE:
            held.append(task)
    for back in returns:
        at(steps, (back.process_id, back.step), Label(back.step)).returns += 1
        at(departments, (back.department or "",), department_label(back.department)).returns += 1
    held.sort(key=lambda t: (t.due_at is None, t.due_at or t.created_at, t.created_at))
    return Report(_ranked(steps.values()), _ranked(departments.values()), held)


def _count(figures: Figures, task: TaskFact, now: datetime) -> None:
    if task.status in LIVE:
        figures.live += 1
        figures.cases_held.add(task.case_id)
        if is_overdue(task, now):
            figures.live_overdue += 1
    if not task.in_period:
        return
    figures.tasks += 1
    if task.claimed and task.claimed_at is not None:
        figures.claims += 1
        figures.wait_days += working_days(task.created_at, task.claimed_at)
    if task.status == TASK_DONE and task.completed_at is not None:
        figures.handled += 1
        figures.handle_days += working_days(task.claimed_at or task.created_at,
                                            task.completed_at)
    if task.round > 1:
        figures.redos += 1
    if task.due_at is not None and task.status not in ("cancelled", "withdrawn"):
        figures.with_due += 1
        figures.overdue += is_overdue(task, now)


def _ranked(figures: Iterable[Figures]) -> list[Figures]:
    """What holds the most up first: overdue live tasks, then live ones, then the overdue
    share of the period."""
    return sorted(figures, key=lambda f: (-f.live_overdue, -f.live, -(f.overdue_share or 0),
                                          f.key))


def held_by_department(held: Sequence[TaskFact], department: str | None) -> list[TaskFact]:
    """The live tasks one department holds (its pool or its people), for the leader who
    opens that department's row."""
    return [t for t in held if (t.department or "") == (department or "")]

"""Bottlenecks (堵点): where work waits. From the tasks finished in a period (办结口径: dated
by the day they finished, as the ratings and efficiency reports count) and the returns made in
it, the figures per process step and per department: how long a task waited in the pool
before someone claimed it, how long it took to handle (both in working days: the working time
between the two moments, a working day counting 24 hours), the share finished after its
deadline, the returns out of it and the redo rounds (tasks of a step started again); and
from every task still live, what holds cases up now: each live task, with its holder or its
pool. Pure: the store hands the rows in (runtime.store.bottlenecks), the page renders the
report.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from runtime.flows.case import LIVE
from runtime.flows.deadlines import working_seconds
from runtime.i18n import Label

WORKING_DAY = 24 * 3600.0


@dataclass(frozen=True)
class TaskFact:
    """One live task as the report reads it."""

    case_id: int
    tracking_no: str
    process_id: str
    step: str
    title: Label
    department: str | None
    role: str | None
    user_id: int | None
    status: str
    created_at: datetime
    due_at: datetime | None


@dataclass(frozen=True)
class Finished:
    """What the tasks of one step and department finished in the period add up to, with the
    returns made out of that step by that department (waiting and handling in whole working
    seconds)."""

    process_id: str
    step: str
    title: Label
    department: str | None
    tasks: int = 0
    claims: int = 0  # taken from a pool (not assigned to a person at the start)
    wait_seconds: int = 0
    handle_seconds: int = 0
    with_due: int = 0
    overdue: int = 0  # finished after the deadline
    returns: int = 0
    redos: int = 0  # in a step's second or later round


@dataclass
class Figures:
    """The figures of one step or one department."""

    key: tuple[str, ...]
    label: Label
    tasks: int = 0
    claims: int = 0
    wait_seconds: int = 0  # summed; `average_wait` divides
    handle_seconds: int = 0
    with_due: int = 0
    overdue: int = 0
    returns: int = 0
    redos: int = 0
    live: int = 0
    live_overdue: int = 0
    cases_held: set[int] = field(default_factory=set)

    @property
    def average_wait(self) -> float | None:
        return self.wait_seconds / WORKING_DAY / self.claims if self.claims else None

    @property
    def average_handling(self) -> float | None:
        return self.handle_seconds / WORKING_DAY / self.tasks if self.tasks else None

    @property
    def overdue_share(self) -> float | None:
        return self.overdue / self.with_due if self.with_due else None

    def add(self, done: Finished) -> None:
        for name in ("tasks", "claims", "wait_seconds", "handle_seconds", "with_due",
                     "overdue", "returns", "redos"):
            setattr(self, name, getattr(self, name) + getattr(done, name))


@dataclass(frozen=True)
class Report:
    steps: list[Figures]
    departments: list[Figures]
    held: list[TaskFact]  # live tasks, the longest overdue (then the oldest) first


def working_days(start: datetime, end: datetime) -> float:
    return working_seconds(start, end) / WORKING_DAY if end > start else 0.0


def aggregate(finished: Iterable[Finished], live: Iterable[TaskFact], now: datetime, *,
              department_label: Callable[[str | None], Label]) -> Report:
    """The report over the `finished` figures and the `live` tasks, with departments named by
    `department_label`."""
    steps: dict[Hashable, Figures] = {}
    departments: dict[Hashable, Figures] = {}

    def both(process_id: str, step: str, title: Label,
             department: str | None) -> tuple[Figures, Figures]:
        key = (process_id, step)
        found = steps.get(key) or steps.setdefault(key, Figures(key, title))
        code = (department or "",)
        other = departments.get(code) or departments.setdefault(
            code, Figures(code, department_label(department)))
        return found, other

    for done in finished:
        for figures in both(done.process_id, done.step, done.title, done.department):
            figures.add(done)
    held = [task for task in live if task.status in LIVE]
    for task in held:
        for figures in both(task.process_id, task.step, task.title, task.department):
            figures.live += 1
            figures.cases_held.add(task.case_id)
            figures.live_overdue += task.due_at is not None and now > task.due_at
    held.sort(key=lambda t: (t.due_at is None, t.due_at or t.created_at, t.created_at))
    return Report(_ranked(steps.values()), _ranked(departments.values()), held)


def _ranked(figures: Iterable[Figures]) -> list[Figures]:
    """What holds the most up first: overdue live tasks, then live ones, then the overdue
    share of the period."""
    return sorted(figures, key=lambda f: (-f.live_overdue, -f.live, -(f.overdue_share or 0),
                                          f.key))


def held_by_department(held: Sequence[TaskFact], department: str | None) -> list[TaskFact]:
    """The live tasks one department holds (its pool or its people), for the leader who
    opens that department's row."""
    return [t for t in held if (t.department or "") == (department or "")]

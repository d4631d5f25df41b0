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

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

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


@dataclass(frozen=True)
class LiveCount:
    """The tasks live now of one step (key: process, step) or one department (key: its
    code, "" for none): how many, how many of them past their deadline, and of how many
    cases."""

    key: tuple[str, ...]
    title: Label
    tasks: int
    overdue: int
    cases: int


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
    cases_held: int = 0

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


def working_days(start: datetime, end: datetime) -> float:
    return working_seconds(start, end) / WORKING_DAY if end > start else 0.0


def aggregate(finished: Iterable[Finished], live_steps: Iterable[LiveCount],
              live_departments: Iterable[LiveCount], *,
              department_label: Callable[[str | None], Label]) -> Report:
    """The report over the `finished` figures and the counts of live tasks, with departments
    named by `department_label`."""
    steps: dict[tuple[str, ...], Figures] = {}
    departments: dict[tuple[str, ...], Figures] = {}

    def department(code: str | None) -> Figures:
        key = (code or "",)
        if key not in departments:
            departments[key] = Figures(key, department_label(code))
        return departments[key]

    for done in finished:
        key = (done.process_id, done.step)
        steps.setdefault(key, Figures(key, done.title)).add(done)
        department(done.department).add(done)
    for table, counts in ((steps, live_steps), (departments, live_departments)):
        for count in counts:
            figures = (table.setdefault(count.key, Figures(count.key, count.title))
                       if table is steps else department(count.key[0] or None))
            figures.live, figures.live_overdue = count.tasks, count.overdue
            figures.cases_held = count.cases
    return Report(_ranked(steps.values()), _ranked(departments.values()))


def _ranked(figures: Iterable[Figures]) -> list[Figures]:
    """What holds the most up first: overdue live tasks, then live ones, then the overdue
    share of the period."""
    return sorted(figures, key=lambda f: (-f.live_overdue, -f.live, -(f.overdue_share or 0),
                                          f.key))

"""The bottleneck figures against a hand-computed history: five tasks with known moments
around the 2025 National Day holiday (1-8 October off, Sunday 28 September an adjusted
working day), one return; waiting and handling in working days (24 hours of a working day
each), overdue shares, redo rounds, what is held now and in which order."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from runtime.i18n import Label
from runtime.views.bottlenecks import (
    ReturnFact,
    TaskFact,
    aggregate,
    held_by_department,
    working_days,
)

CN = timezone(timedelta(hours=8))
NOW = datetime(2025, 10, 10, 12, 0, tzinfo=CN)


def at(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=CN)


def task(case_id: int, step: str, department: str, status: str, created: datetime, *,
         claimed_at: datetime | None = None, claimed: bool = False,
         completed: datetime | None = None, due: datetime | None = None, round: int = 1,
         in_period: bool = True, user_id: int | None = None) -> TaskFact:
    return TaskFact(case_id, f"N{case_id}", "birth", step, Label(step.upper()), department,
                    "clerk", user_id, status, round, created, claimed_at, claimed, completed,
                    due, in_period)


A = task(1, "review", "HEALTH", "done", at(9, 26, 9), claimed_at=at(9, 29, 9), claimed=True,
         completed=at(10, 9, 12), due=at(10, 9), user_id=7)
B = task(2, "review", "HEALTH", "done", at(9, 29, 10), claimed_at=None,
         completed=at(9, 29, 16), due=at(9, 30), round=2, user_id=7)
C = task(3, "review", "POLICE", "open", at(9, 30, 8), due=at(10, 9, 16))
D = task(4, "issue", "HEALTH", "cancelled", at(9, 29, 8), due=at(9, 30))
E = task(5, "issue", "HEALTH", "open", at(9, 1, 8), in_period=False, user_id=8)
BACK = ReturnFact("birth", "review", "HEALTH")


def report():  # type: ignore[no-untyped-def]
    return aggregate([A, B, C, D, E], [BACK], NOW, department_label=lambda c: Label(c or "-"))


def test_working_days_skip_the_weekend_and_the_holiday_but_not_the_adjusted_sunday() -> None:
    # Fri 15 h + Sat 0 + Sun (adjusted working day) 24 h + Mon 9 h
    assert working_days(at(9, 26, 9), at(9, 29, 9)) == 2.0
    # Mon 15 h + Tue 24 h + 1-8 October 0 + Thu 9 October 12 h
    assert working_days(at(9, 29, 9), at(10, 9, 12)) == pytest.approx(51 / 24)
    assert working_days(at(10, 9), at(10, 1)) == 0.0


def test_per_step() -> None:
    review = next(f for f in report().steps if f.key == ("birth", "review"))
    assert (review.tasks, review.claims, review.handled) == (3, 1, 2)
    assert review.average_wait == 2.0  # only A was taken from a pool
    assert review.average_handling == pytest.approx((51 / 24 + 6 / 24) / 2)
    assert (review.with_due, review.overdue) == (3, 2)  # A finished late, C is late now
    assert review.overdue_share == pytest.approx(2 / 3)
    assert (review.returns, review.redos) == (1, 1)
    assert (review.live, review.live_overdue, review.cases_held) == (1, 1, {3})
    issue = next(f for f in report().steps if f.key == ("birth", "issue"))
    # D cancelled: not late, no handling; E is from before the period: only held
    assert (issue.tasks, issue.handled, issue.with_due, issue.overdue_share) == (1, 0, 0, None)
    assert (issue.live, issue.live_overdue, issue.cases_held) == (1, 0, {5})


def test_per_department_ranked_by_what_is_held_up() -> None:
    police, health = report().departments
    assert police.key == ("POLICE",) and health.key == ("HEALTH",)
    assert (police.tasks, police.live, police.live_overdue, police.overdue_share) == (1, 1, 1, 1.0)
    assert (health.tasks, health.claims, health.handled, health.returns, health.redos) == (
        3, 1, 2, 1, 1)
    assert (health.with_due, health.overdue, health.overdue_share) == (2, 1, 0.5)
    assert (health.live, health.live_overdue, health.cases_held) == (1, 0, {5})


def test_held_now_the_most_overdue_first_and_by_department() -> None:
    held = report().held
    assert [t.case_id for t in held] == [3, 5]  # C is due, E has no deadline
    assert [t.case_id for t in held_by_department(held, "HEALTH")] == [5]
    assert held_by_department(held, "GOVSVC") == []


def test_nothing_in_scope_is_an_empty_report() -> None:
    empty = aggregate([], [], NOW, department_label=lambda c: Label(c or "-"))
    assert (empty.steps, empty.departments, empty.held) == ([], [], [])

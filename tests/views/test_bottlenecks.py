"""The bottleneck report against hand-computed figures: the tasks finished in the period,
summed per step and department by the store (in whole working seconds, a working day
counting 24 hours; working time measured around the 2025 National Day holiday, 1-8 October
off, Sunday 28 September an adjusted working day), one return, and what is live now: the
averages, overdue shares and redo rounds, and the live counts beside them, ranked by what
is held up."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from runtime.i18n import Label
from runtime.views.bottlenecks import Finished, LiveCount, aggregate, working_days

CN = timezone(timedelta(hours=8))
HOUR = 3600


def at(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=CN)


# Review by HEALTH: A taken from the pool after 2 working days, handled in 51 hours, finished
# after its deadline; B assigned, handled in 6 hours, in time, a second round. One return.
REVIEW_HEALTH = Finished("birth", "review", Label("REVIEW"), "HEALTH", tasks=2, claims=1,
                         wait_seconds=48 * HOUR, handle_seconds=(51 + 6) * HOUR, with_due=2,
                         overdue=1, returns=1, redos=1)
# Review by POLICE: one finished in 12 hours, no deadline.
REVIEW_POLICE = Finished("birth", "review", Label("REVIEW"), "POLICE", tasks=1,
                         handle_seconds=12 * HOUR)
# Live now: review held by POLICE in one case, overdue; issue held by HEALTH in another.
LIVE_STEPS = [LiveCount(("birth", "review"), Label("REVIEW"), 1, 1, 1),
              LiveCount(("birth", "issue"), Label("ISSUE"), 1, 0, 1)]
LIVE_DEPARTMENTS = [LiveCount(("POLICE",), Label("POLICE"), 1, 1, 1),
                    LiveCount(("HEALTH",), Label("HEALTH"), 1, 0, 1)]


def report():  # type: ignore[no-untyped-def]
    return aggregate([REVIEW_HEALTH, REVIEW_POLICE], LIVE_STEPS, LIVE_DEPARTMENTS,
                     department_label=lambda c: Label(c or "-"))


def test_working_days_skip_the_weekend_and_the_holiday_but_not_the_adjusted_sunday() -> None:
    # Fri 15 h + Sat 0 + Sun (adjusted working day) 24 h + Mon 9 h
    assert working_days(at(9, 26, 9), at(9, 29, 9)) == 2.0
    # Mon 15 h + Tue 24 h + 1-8 October 0 + Thu 9 October 12 h
    assert working_days(at(9, 29, 9), at(10, 9, 12)) == pytest.approx(51 / 24)
    assert working_days(at(10, 9), at(10, 1)) == 0.0


def test_per_step_the_departments_added_up() -> None:
    review = next(f for f in report().steps if f.key == ("birth", "review"))
    assert (review.tasks, review.claims, review.with_due, review.overdue) == (3, 1, 2, 1)
    assert review.average_wait == 2.0  # only A was taken from a pool
    assert review.average_handling == pytest.approx((51 + 6 + 12) / 24 / 3)
    assert review.overdue_share == 0.5  # of the two with a deadline
    assert (review.returns, review.redos) == (1, 1)
    assert (review.live, review.live_overdue, review.cases_held) == (1, 1, 1)
    issue = next(f for f in report().steps if f.key == ("birth", "issue"))
    # Nothing of issue finished in the period: E is only held.
    assert (issue.tasks, issue.average_handling, issue.overdue_share) == (0, None, None)
    assert (issue.live, issue.live_overdue, issue.cases_held) == (1, 0, 1)
    assert issue.label == Label("ISSUE")


def test_per_department_ranked_by_what_is_held_up() -> None:
    police, health = report().departments
    assert police.key == ("POLICE",) and health.key == ("HEALTH",)
    assert (police.tasks, police.overdue_share, police.average_handling) == (1, None, 0.5)
    assert (police.live, police.live_overdue) == (1, 1)
    assert (health.tasks, health.claims, health.returns, health.redos) == (2, 1, 1, 1)
    assert health.overdue_share == 0.5
    assert (health.live, health.live_overdue, health.cases_held) == (1, 0, 1)


def test_nothing_in_scope_is_an_empty_report() -> None:
    empty = aggregate([], [], [], department_label=lambda c: Label(c or "-"))
    assert (empty.steps, empty.departments) == ([], [])

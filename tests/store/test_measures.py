"""Each measure against a small history whose times are set by hand (a return, a redo, a
task done across the National Day holiday of 2026), on SQLite and PostgreSQL; and the
viewer's data scope and the organisation filter applied to every figure."""

from __future__ import annotations

import datetime as dt
from datetime import UTC

import pytest
from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from runtime.access import Visibility
from runtime.demo import seed_demo
from runtime.flows import actions
from runtime.store import measures
from runtime.store.cases import CaseEvent, CaseRow, Task
from runtime.store.ratings import RatingRow
from runtime.views.measures import MEASURES, value
from runtime.views.periods import Period
from store.casework import act, claim_and_complete, publish, staff, start, tasks

CLERK, HEALTH = staff(1, "GOVSVC"), staff(3, "HEALTH")
EVERYTHING = Visibility(everything=True)
# Two weeks around the holiday: 1-7 October 2026 are rest days, 8-10 October working days.
PERIOD = Period(dt.date(2026, 9, 28), dt.date(2026, 10, 11))
NOW = dt.datetime(2026, 10, 13, 2, tzinfo=UTC)


def at(day: str, hour: int = 2) -> dt.datetime:
    """A moment in UTC: 02:00 UTC is 10:00 in China, the same calendar day."""
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


@pytest.fixture
def history(session: Session) -> dict[str, int]:
    """Three birth cases: A accepted on time and then returned by health (a redo of the
    acceptance), B accepted late across the holiday and closed, C still waiting and overdue.
    The engine makes the rows; the times are then set to the ones the figures assume, and
    everything else is moved out of the period."""
    publish(session)
    seed_demo(session, env="testing")
    a, b, c = (start(session, key=key) for key in ("a", "b", "c"))
    claim_and_complete(session, a.id, CLERK, 1)
    act(session, a.id, HEALTH, actions.claim, 2)
    act(session, a.id, HEALTH, actions.return_to, 2, "accept", "出生证明信息不一致")
    claim_and_complete(session, b.id, CLERK, 1)
    far = at("2026-11-20")
    session.execute(update(Task).values(created_at=far, due_at=at("2026-12-31")))
    session.execute(update(Task).where(Task.completed_at.is_not(None))
                    .values(completed_at=far))
    session.execute(update(CaseEvent).values(at=far))
    times = {  # case, task no -> created, completed, due
        (a.id, 1): (at("2026-09-28"), at("2026-09-29"), at("2026-09-30")),
        (b.id, 1): (at("2026-09-30"), at("2026-10-09"), at("2026-10-08")),
        (c.id, 1): (at("2026-10-09"), None, at("2026-10-12")),
    }
    for (case_id, no), (created, done, due) in times.items():
        session.execute(update(Task).where(Task.case_id == case_id, Task.no == no)
                        .values(created_at=created, completed_at=done, due_at=due))
    redo = [t for t in tasks(session, a.id, "accept") if t.round == 2]
    assert len(redo) == 1
    session.execute(update(Task).where(Task.id == redo[0].id).values(created_at=at("2026-10-08")))
    session.execute(update(CaseEvent).where(CaseEvent.case_id == a.id,
                                            CaseEvent.action == "return")
                    .values(at=at("2026-10-08")))
    # C came at midnight in China, 16:00 UTC the day before: China's day counts.
    for case, moment in ((a, at("2026-09-28")), (b, at("2026-09-30")),
                         (c, at("2026-10-08", hour=16))):
        session.execute(update(CaseRow).where(CaseRow.id == case.id)
                        .values(created_at=moment))
    # Closing B through its six steps would say nothing more about the query: its closing
    # is written as the engine writes it, a case.done event and the case's status.
    session.execute(update(CaseRow).where(CaseRow.id == b.id).values(status="done"))
    session.execute(insert(CaseEvent).values(case_id=b.id, at=at("2026-10-10"),
                                             action="case.done", actor_id=None,
                                             actor_name="系统", detail={}))
    session.commit()
    return {"a": a.id, "b": b.id, "c": c.id}


def figure(session: Session, name: str, seen: Visibility = EVERYTHING,
           **filters: str) -> float | None:
    where = measures.Where(seen, PERIOD, now=NOW, **filters)
    return value(MEASURES[name], measures.tally(session, name, where).get(""))


def test_every_registered_measure_has_a_query() -> None:
    assert set(measures.SOURCES) == set(MEASURES)


@pytest.mark.parametrize(("name", "expected"), [
    ("received", 3),  # A, B and C were started in the period
    ("accepted", 2),  # A and B had their first task done in it; C did not
    ("closed", 1),  # B
    ("on_time_rate", 50.0),  # A's acceptance by its deadline, B's a day late
    ("avg_working_days", 1.5),  # A: Mon -> Tue, 1; B: 30 Sep -> 9 Oct, 2 across the holiday
    ("overdue_now", 1),  # C's acceptance, due on 12 October, open on the 13th
    ("returns", 1),  # health returned A to acceptance
    ("redo", 1),  # A's acceptance in its second round
    ("satisfaction_rate", None),  # no ratings: no data
])
def test_each_measure_over_the_hand_computed_history(session: Session, history: dict[str, int],
                                                     name: str, expected: float | None) -> None:
    assert figure(session, name) == expected


def test_a_period_outside_the_history_counts_nothing(session: Session,
                                                     history: dict[str, int]) -> None:
    where = measures.Where(EVERYTHING, Period(dt.date(2026, 8, 1), dt.date(2026, 8, 31)))
    assert measures.tally(session, "received", where) == {}
    assert value(MEASURES["on_time_rate"], measures.tally(session, "on_time_rate",
                                                          where).get("")) is None


def test_grouped_by_week_day_and_department(session: Session, history: dict[str, int]) -> None:
    where = measures.Where(EVERYTHING, PERIOD, now=NOW)
    weeks = measures.tally(session, "received", where, "week")
    assert {k: t.amount for k, t in weeks.items()} == {"2026-09-28": 2, "2026-10-05": 1}
    days = measures.tally(session, "received", where, "day")
    assert sorted(days) == ["2026-09-28", "2026-09-30", "2026-10-09"]
    returned = measures.tally(session, "returns", where, "department")
    assert {k: t.amount for k, t in returned.items()} == {"HEALTH": 1}
    on_time = measures.tally(session, "on_time_rate", where, "department")
    assert {k: (t.amount, t.of) for k, t in on_time.items()} == {"GOVSVC": (1.0, 2)}


def test_the_viewers_scope_and_the_organisation_filter(session: Session,
                                                       history: dict[str, int]) -> None:
    health = Visibility(departments=frozenset({"HEALTH"}))
    assert figure(session, "returns", health) == 1
    assert figure(session, "received", health) == 0  # the cases are the service centre's
    assert figure(session, "on_time_rate", health) is None
    police = Visibility(departments=frozenset({"POLICE"}))
    assert figure(session, "returns", police) == 0
    assert figure(session, "returns", department="HEALTH") == 1
    assert figure(session, "returns", department="GOVSVC") == 0
    assert figure(session, "received", department="CITY") == 3  # the tree under the city
    assert figure(session, "received", Visibility()) == 0  # a scope that reaches nothing


def test_satisfaction_reads_the_applicants_ratings(
        session: Session, history: dict[str, int]) -> None:
    for name, level, day in (("a", 5, "2026-10-10"), ("b", 2, "2026-10-10"),
                             ("c", 4, "2026-11-20")):  # c: rated after the period
        case = session.get_one(CaseRow, history[name])
        session.add(RatingRow(case_id=case.id, submission_id=case.submission_id,
                              tracking_no=case.tracking_no, level=level, reasons=[],
                              rater_kind="guest", rated_at=at(day)))
    session.flush()
    assert figure(session, "satisfaction_rate") == 50.0

"""The measures' daily figures (runtime.store.measure_days) and live task counts
(runtime.store.task_counts) equal the raw counts exactly: a seeded random fortnight of cases
started, tasks claimed, done, returned, transferred, suspended and resumed, ratings and drafts
saved and deleted, each day rolled up as the worker would after it ends, every figure then
read both ways, by every grouping and for a department's scope, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random
from datetime import UTC
from pathlib import Path

import pytest
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from runtime import worker
from runtime.access import Visibility
from runtime.definitions.spec import FormSpec, Party
from runtime.demo import seed_demo
from runtime.flows import actions
from runtime.flows.case import LIVE
from runtime.flows.errors import FlowError
from runtime.store import bottlenecks, calendar, measure_days, measures, task_counts
from runtime.store.cases import CaseEvent, CaseRow, Task
from runtime.store.files import LocalFileStore
from runtime.store.models import aware
from runtime.store.queries import latest_definition
from runtime.store.ratings import RatingRow
from runtime.store.submissions import Draft, save_draft
from runtime.views.periods import Period
from store.casework import act, publish, staff, start, tasks

EVERYTHING = Visibility(everything=True)
# Around the National Day holiday of 2026: rest days 1-7 October, working days 8-10.
FIRST = dt.date(2026, 9, 28)
DAYS = 12
PERIOD = Period(FIRST - dt.timedelta(days=3), FIRST + dt.timedelta(days=DAYS + 3))
SCOPES = (EVERYTHING, Visibility(departments=frozenset({"HEALTH"})),
          Visibility(departments=frozenset({"GOVSVC"})))
# The bottleneck page reads its daily rows without regions for the scopes above, and with
# them for a scope that names a region.
DISTRICT = Visibility(region_prefixes=frozenset({"110105"}))
BOTTLENECK_SCOPES = (*SCOPES, DISTRICT, Visibility(department_trees=frozenset({"DISTRICT"})),
                     Visibility(departments=frozenset({"POLICE"}),
                                region_prefixes=frozenset({"110108"})))
REGIONS = ("110105", "110108", "110100", None)


def moment(day: dt.date, rng: random.Random) -> dt.datetime:
    """A moment of China's `day` (00:00-23:59 there), in UTC."""
    start = dt.datetime.combine(day, dt.time(), measures.CHINA).astimezone(UTC)
    return start + dt.timedelta(minutes=rng.randrange(24 * 60))


def started_on(session: Session, key: str, at: dt.datetime,
               regions: tuple[str | None, str | None] = (None, None)) -> int:
    """A case submitted now and then dated `at`, with its first task and history; the case
    and its first task in `regions` (the tasks made later take the case's)."""
    case = start(session, key=key)
    session.execute(update(CaseRow).where(CaseRow.id == case.id).values(
        created_at=at, region_code=regions[0]))
    session.execute(update(Task).where(Task.case_id == case.id).values(
        created_at=at, region_code=regions[1]))
    session.execute(update(CaseEvent).where(CaseEvent.case_id == case.id).values(at=at))
    session.commit()
    return case.id


def some_action(session: Session, case_id: int, at: dt.datetime, rng: random.Random) -> None:
    """Claim one live task of the case and do it (now and then after its deadline), return
    it (a redo round follows),
    transfer it to another department, or suspend and resume it (its deadline moves), at
    `at`."""
    live = [t for t in tasks(session, case_id) if t.status in LIVE]
    if not live:
        return
    task = rng.choice(live)
    who = staff(1, task.department or "GOVSVC", task.role or "clerk")
    later = at + dt.timedelta(hours=rng.randint(1, 30))
    try:
        if task.user_id is None:  # in a pool (a redo round goes to its last holder)
            act(session, case_id, who, actions.claim, task.no, now=at)
        chance = rng.random()
        if task.step != "accept" and chance < 0.3:
            act(session, case_id, who, actions.return_to, task.no, "accept", "材料不全",
                now=at)
            if chance < 0.2:
                redo_soon(session, case_id, at + dt.timedelta(minutes=rng.randint(1, 600)))
        elif chance < 0.45:
            to = rng.choice(("HEALTH", "POLICE", "CIVIL"))
            act(session, case_id, who, actions.transfer, task.no,
                Party(department=to, role="clerk"), "转办", now=at)
        elif chance < 0.55 and task.due_at is not None:
            act(session, case_id, who, actions.suspend, task.no, "等材料", now=at)
            act(session, case_id, who, actions.resume, task.no, now=later)
        else:
            if chance > 0.85 and task.due_at is not None:  # its deadline has passed: late
                past = at - dt.timedelta(hours=1)
                session.execute(update(Task).where(Task.id == task.id).values(
                    due_at=past, due_sort=past))
            act(session, case_id, who, actions.complete, task.no, opinion="同意", now=at)
    except FlowError:
        session.rollback()  # a step this staff may not do: the day goes on


def done_at(session: Session, day: dt.date, rng: random.Random) -> dt.datetime:
    """When one of the tasks done on `day` was (what is summed before it and read raw from
    it meet there), or any moment of the day."""
    start = dt.datetime.combine(day, dt.time(), measures.CHINA)
    done = session.scalars(select(Task.completed_at).where(
        Task.completed_at >= start.astimezone(UTC),
        Task.completed_at < (start + dt.timedelta(days=1)).astimezone(UTC))).all()
    return aware(rng.choice(done)) if done else moment(day, rng)


def redo_soon(session: Session, case_id: int, at: dt.datetime) -> None:
    """Acceptance done again (its second round) after a return, at `at`."""
    again = max(tasks(session, case_id, "accept"), key=lambda t: t.no)
    who = staff(again.user_id or 1, again.department or "GOVSVC", again.role or "clerk")
    if again.user_id is None:
        act(session, case_id, who, actions.claim, again.no, now=at)
    act(session, case_id, who, actions.complete, again.no, opinion="已更正", now=at)


def rate_or_close(session: Session, case_id: int, at: dt.datetime, rng: random.Random) -> None:
    """Close the case as the engine writes it, and let the applicant rate it."""
    session.execute(update(CaseRow).where(CaseRow.id == case_id).values(status="done"))
    session.execute(insert(CaseEvent).values(case_id=case_id, at=at, action="case.done",
                                             actor_id=None, actor_name="系统", detail={}))
    row = session.get(CaseRow, case_id)
    assert row is not None
    session.execute(insert(RatingRow).values(
        case_id=case_id, submission_id=row.submission_id, tracking_no=row.tracking_no,
        level=rng.randint(1, 5), reasons=[], rater_kind="guest",
        rated_at=at + dt.timedelta(minutes=5)))
    session.commit()


def drafts_come_and_go(session: Session, rng: random.Random) -> None:
    form = latest_definition(session, "Form", "birth_apply")
    assert form is not None and isinstance(form.spec, FormSpec)
    save_draft(session, form=form.spec, data={"child_name": "草稿"})
    if rng.random() < 0.7:
        session.execute(delete(Draft).where(Draft.id == session.execute(
            select(Draft.id).order_by(Draft.id.desc())).scalars().first()))
        session.commit()


def assert_same_figures(session: Session, now: dt.datetime) -> None:
    for name in measures.SOURCES:
        for seen in SCOPES:
            for group in (None, "department", "region", "day", "week", "month"):
                where = measures.Where(seen, PERIOD, now=now)
                rolled = measures.tally(session, name, where, group)
                raw = measures.tally(session, name, where, group, rolled=False)
                assert {k: (t.amount, t.of) for k, t in rolled.items()} == \
                    {k: (t.amount, t.of) for k, t in raw.items()}, (name, seen, group)
        where = measures.Where(EVERYTHING, PERIOD, department="HEALTH",
                               process="birth_joint", now=now)
        assert measures.tally(session, name, where) == \
            measures.tally(session, name, where, rolled=False), name
    assert_same_bottlenecks(session)


def assert_same_bottlenecks(session: Session) -> None:
    """The bottleneck page's finished work, per step and department: the daily rows and the
    raw tables give the same integers, for a period around the rolled days and one inside."""
    for first, last in ((PERIOD.start, PERIOD.end),
                        (FIRST + dt.timedelta(days=3), FIRST + dt.timedelta(days=5))):
        for seen in BOTTLENECK_SCOPES:
            rolled = bottlenecks.finished(session, seen, first, last)
            raw = bottlenecks.finished(session, seen, first, last, rolled=False)
            assert sorted(rolled, key=repr) == sorted(raw, key=repr), (seen, first)


@pytest.mark.parametrize("seed", [1, 2])
def test_daily_figures_equal_the_raw_counts(session: Session, seed: int) -> None:
    publish(session)
    seed_demo(session, env="testing")
    rng = random.Random(seed)
    cases: list[int] = []
    for offset in range(DAYS):
        day = FIRST + dt.timedelta(days=offset)
        for n in range(rng.randint(1, 3)):
            regions = (rng.choice(REGIONS), rng.choice(REGIONS))
            cases.append(started_on(session, f"{seed}-{offset}-{n}", moment(day, rng),
                                    regions))
        for case_id in rng.sample(cases, k=min(len(cases), 4)):
            some_action(session, case_id, moment(day, rng), rng)
        if rng.random() < 0.3 and cases:
            rate_or_close(session, cases.pop(rng.randrange(len(cases))), moment(day, rng),
                          rng)
        drafts_come_and_go(session, rng)
        # Overdue-now at noon of the day: the live counts of the days before, today's raw.
        noon = dt.datetime.combine(day, dt.time(12), measures.CHINA)
        assert_same_figures(session, noon)
        # The worker during the day on some days: today's facts before a moment (one of
        # the day's tasks finishing then) in rows of today, the rest read raw.
        if rng.random() < 0.6:
            until = done_at(session, day, rng)
            assert measures.roll_up(session, until=until) == day - dt.timedelta(days=1)
            session.commit()
            assert measure_days.rolled_until(session) == until
            assert_same_figures(session, until)
            assert_same_figures(session, noon)
        # The worker after the day has ended: the day's figures are rolled up, and on
        # some days the live counts summed.
        assert measures.roll_up(session, today=day + dt.timedelta(days=1)) == day
        if rng.random() < 0.5:
            task_counts.compact(session)
        session.commit()
        assert_same_figures(session, moment(day + dt.timedelta(days=1), rng))
    rows = session.execute(select(measure_days.DAYS.c.measure).distinct()).scalars().all()
    assert {"received", "accepted", "returns", "closed", "on_time_rate", "avg_working_days",
            "satisfaction_rate"} <= set(rows)
    assert session.execute(select(CaseRow.process_id)).scalars().first() == "birth_joint"
    figures = [func.sum(bottlenecks.DAYS.c[name]) for name in bottlenecks.FIGURES]
    summed = dict(zip(bottlenecks.FIGURES, session.execute(select(*figures)).one(), strict=True))
    assert all(summed[name] > 0 for name in ("tasks", "claims", "wait_seconds", "overdue",
                                             "returns", "redos")), str(summed)
    assert_the_district_sees_a_part(session)
    assert_counted_anew_alike(session)


def assert_the_district_sees_a_part(session: Session) -> None:
    """The region-scoped viewer's figures above were of some tasks, not all or none."""
    def tasks(seen: Visibility) -> int:
        return sum(f.tasks for f in bottlenecks.finished(session, seen, PERIOD.start,
                                                         PERIOD.end))

    assert 0 < tasks(DISTRICT) < tasks(EVERYTHING)


def live_counts(session: Session) -> dict[tuple[object, ...], int]:
    counts = task_counts.COUNTS.c
    keys = (counts.kind, counts.day, counts.department, counts.region, counts.process)
    query = select(*keys, func.sum(counts.count)).group_by(*keys)
    return {tuple(row[:-1]): row[-1] for row in session.execute(query) if row[-1]}


def assert_counted_anew_alike(session: Session) -> None:
    """What the triggers kept equals counting every task anew (a migration, a bench's
    bulk load): overdue and redo tasks of several departments, moved by transfers."""
    kept = live_counts(session)
    assert {key[0] for key in kept} == {"due", "redo"}
    task_counts.rebuild(session.connection())
    assert live_counts(session) == kept


def test_nothing_to_roll_up_marks_the_days_done(session: Session) -> None:
    assert measures.roll_up(session, today=dt.date(2026, 10, 2)) == dt.date(2026, 10, 1)
    assert measure_days.rolled_through(session) == dt.date(2026, 10, 1)


def test_the_workers_upkeep_rolls_up_the_days_ten_minutes_after_they_end(
        session: Session, tmp_path: Path) -> None:
    upkeep = worker.Upkeep(LocalFileStore(tmp_path), dt.timedelta(hours=24))
    midnight = dt.datetime(2026, 10, 2, tzinfo=measures.CHINA).astimezone(UTC)
    worker.tidy(session, upkeep, now=midnight + dt.timedelta(minutes=5))
    assert measure_days.rolled_through(session) == dt.date(2026, 9, 30)
    assert measure_days.rolled_until(session) == midnight - dt.timedelta(minutes=5)
    worker.tidy(session, upkeep, now=midnight + dt.timedelta(minutes=15))
    assert measure_days.rolled_through(session) == dt.date(2026, 10, 1)
    assert measure_days.rolled_until(session) == midnight + dt.timedelta(minutes=5)


def test_a_backfilled_day_is_read_raw_until_it_is_rolled_up_again(session: Session) -> None:
    publish(session)
    seed_demo(session, env="testing")
    day = dt.date(2026, 9, 30)
    rng = random.Random(3)
    started_on(session, "before", moment(day, rng))
    measures.roll_up(session, today=dt.date(2026, 10, 3))
    session.commit()
    started_on(session, "backfilled", moment(day, rng))  # written after its day was rolled
    where = measures.Where(EVERYTHING, PERIOD)
    measure_days.backdated(session, day)
    assert measures.tally(session, "received", where)[""].amount == 2
    assert measures.roll_up(session, today=dt.date(2026, 10, 3)) == dt.date(2026, 10, 2)
    assert measures.tally(session, "received", where)[""].amount == 2
    assert measures.tally(session, "received", where, "day")["2026-09-30"].of == 2


def test_a_backfill_into_todays_rolled_hours_is_read_raw_until_they_are_rolled_again(
        session: Session) -> None:
    publish(session)
    seed_demo(session, env="testing")
    day = dt.date(2026, 9, 30)
    morning = dt.datetime.combine(day, dt.time(9), measures.CHINA)
    started_on(session, "before", morning)
    measures.roll_up(session, today=day, until=morning + dt.timedelta(hours=3))
    session.commit()
    started_on(session, "backfilled", morning)  # dated before the rolled hour, written after
    measure_days.backdated(session, day)
    where = measures.Where(EVERYTHING, PERIOD)
    assert measures.tally(session, "received", where)[""].amount == 2
    assert measure_days.rolled_until(session) is None
    measures.roll_up(session, today=day, until=morning + dt.timedelta(hours=3))
    assert measure_days.rolled_until(session) is not None
    assert measures.tally(session, "received", where, "day")["2026-09-30"].of == 2


def test_a_holiday_arrangement_loaded_marks_its_years_for_a_new_rollup(
        session: Session) -> None:
    """The working days summed for 2026 were counted with the calendar as it was."""
    measures.roll_up(session, today=dt.date(2026, 10, 3))
    calendar.load(session, {dt.date(2026, 10, 9): False}, "holidays-2026.yaml")
    assert measure_days.rolled_through(session) == dt.date(2025, 12, 31)
    calendar.load(session, {dt.date(2027, 10, 8): False}, "holidays-2027.yaml")
    assert measure_days.rolled_through(session) == dt.date(2025, 12, 31)


def test_the_workers_upkeep_sums_the_live_counts_of_each_key(
        session: Session, tmp_path: Path) -> None:
    day = dt.date(2026, 10, 9)
    changes = [("due", "HEALTH", 1), ("due", "HEALTH", 1), ("due", "HEALTH", -1),
               ("due", "POLICE", 1), ("due", "POLICE", -1), ("redo", "HEALTH", 1)]
    session.execute(insert(task_counts.COUNTS), [
        {"kind": kind, "day": day, "department": department, "region": None,
         "process": "birth_joint", "count": count} for kind, department, count in changes])
    worker.tidy(session, worker.Upkeep(LocalFileStore(tmp_path), dt.timedelta(hours=24)))
    counts = task_counts.COUNTS.c
    assert sorted(session.execute(select(counts.kind, counts.department, counts.count))) == [
        ("due", "HEALTH", 1), ("redo", "HEALTH", 1)]


def test_a_fact_backdated_into_today_so_far_reads_today_raw_again(session: Session) -> None:
    until = dt.datetime(2026, 10, 2, 9, tzinfo=measures.CHINA)
    measures.roll_up(session, until=until)
    assert measure_days.rolled_until(session) == until
    measure_days.backdated(session, dt.date(2026, 10, 3))  # after today: nothing rolled
    assert measure_days.rolled_until(session) == until
    measure_days.backdated(session, dt.date(2026, 10, 2))
    assert measure_days.rolled_until(session) is None
    assert measure_days.rolled_through(session) == dt.date(2026, 10, 1)

"""What is held up now, as the bottleneck page reads it from the counts the triggers keep
(runtime.store.held_counts), equals the same figures counted from the tasks (`rolled=False`)
exactly: after seeded random claims, completions, returns and task transfers, the joint
check's countersign by two departments, suspensions, timers, cases moved to another department and region,
deadlines passing, hand-written updates and deletions of tasks, and the worker's upkeep, for
a supervisor, department leads and a region's viewer, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random
from datetime import UTC
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from runtime import worker
from runtime.access import Visibility
from runtime.definitions.spec import Party
from runtime.flows import actions
from runtime.flows.case import LIVE
from runtime.flows.errors import FlowError
from runtime.store import bottlenecks, held_counts, measures
from runtime.store.cases import CaseRow, Task
from runtime.store.files import LocalFileStore
from runtime.views.bottlenecks import LiveCount
from store.casework import act, events, publish, staff, start, tasks

SCOPES = (Visibility(everything=True), Visibility(departments=frozenset({"HEALTH"})),
          Visibility(departments=frozenset({"GOVSVC"})),
          Visibility(region_prefixes=frozenset({"110101"})),
          Visibility(departments=frozenset({"POLICE"}), region_prefixes=frozenset({"3101"})))
DEPARTMENTS = ("GOVSVC", "HEALTH", "POLICE", "CIVIL")
REGIONS = ("110101", "110102", "310101", None)


def figures(counts: tuple[list[LiveCount], list[LiveCount]]) -> list[tuple[object, ...]]:
    return sorted((len(c.key), c.key, c.title.zh, c.tasks, c.overdue, c.cases)
                  for part in counts for c in part)


def assert_same(session: Session, now: dt.datetime) -> None:
    for seen in SCOPES:
        kept = bottlenecks.live_counts(session, seen, now)
        raw = bottlenecks.live_counts(session, seen, now, rolled=False)
        assert figures(kept) == figures(raw), (seen, now)


def some_action(session: Session, case_id: int, at: dt.datetime, rng: random.Random) -> None:
    """Claim a live task of the case and complete, return, transfer or suspend it (or
    resume it when suspended), at `at`."""
    live = [t for t in tasks(session, case_id) if t.status in LIVE]
    if not live:
        return
    task = rng.choice(live)
    who = staff(1, task.department or "GOVSVC", task.role or "clerk")
    chance = rng.random()
    try:
        if task.suspended_at is not None:
            act(session, case_id, who, actions.resume, task.no, now=at)
            return
        if task.user_id is None:
            act(session, case_id, who, actions.claim, task.no, now=at)
        if task.step != "accept" and chance < 0.25:
            act(session, case_id, who, actions.return_to, task.no, "accept", "材料不全", now=at)
        elif chance < 0.45:
            to = Party(department=rng.choice(DEPARTMENTS[1:]), role="clerk")
            act(session, case_id, who, actions.transfer, task.no, to, "转办", now=at)
        elif chance < 0.85:
            act(session, case_id, who, actions.complete, task.no, opinion="同意", now=at)
        elif task.due_at is not None:
            act(session, case_id, who, actions.suspend, task.no, "等材料", now=at)
    except FlowError:
        session.rollback()  # a step this staff may not do


def by_hand(session: Session, case_id: int, at: dt.datetime, rng: random.Random) -> None:
    """What no action does but a hand-written UPDATE may: a case moved to another department
    and region (its live tasks' counts follow), a deadline passed earlier today or days ago,
    a task's region changed."""
    chance = rng.random()
    if chance < 0.5:
        session.execute(update(CaseRow).where(CaseRow.id == case_id).values(
            department_code=rng.choice(DEPARTMENTS), region_code=rng.choice(REGIONS)))
    else:
        live = [t for t in tasks(session, case_id) if t.status in LIVE]
        if live:
            task = rng.choice(live)
            if chance < 0.8:
                due = at - dt.timedelta(hours=rng.choice((1, 5, 30, 100)))
                session.execute(update(Task).where(Task.id == task.id).values(
                    due_at=due, due_sort=due))
            else:
                session.execute(update(Task).where(Task.id == task.id).values(
                    region_code=rng.choice(REGIONS)))
    session.commit()


def counted(session: Session) -> list[list[tuple[object, ...]]]:
    """The counts and spreads kept per key (without the zeros), and each case's spread."""
    found = []
    for table, keys in ((held_counts.COUNTS, held_counts.KEYS),
                        (held_counts.SPREADS, held_counts.SPREAD_KEYS)):
        columns = [table.c[k] for k in keys]
        sums = [func.sum(table.c[f]) for f in ("tasks", "cases") if f in table.c]
        rows = session.execute(select(*columns, *sums).group_by(*columns)).all()
        found.append(sorted((tuple(r) for r in rows if any(r[len(keys):])), key=repr))
    cases = held_counts.CASES.c
    found.append(sorted(tuple(r) for r in session.execute(select(cases.case_id, cases.groups))))
    return found


@pytest.mark.parametrize("seed", [1, 2])
def test_the_kept_counts_equal_the_raw_counts(session: Session, seed: int,
                                             tmp_path: Path) -> None:
    publish(session)
    rng = random.Random(seed)
    clock = dt.datetime.now(UTC)
    cases: list[int] = []
    for round_ in range(45):
        clock += dt.timedelta(minutes=rng.randint(10, 300))
        if round_ % 3 == 0 or not cases:
            cases.append(start(session, key=f"{seed}-{round_}").id)
            if rng.random() < 0.5:
                by_hand(session, cases[-1], clock, rng)
        case_id = rng.choice(cases)
        if rng.random() < 0.3:
            by_hand(session, case_id, clock, rng)
        else:
            some_action(session, case_id, clock, rng)
        for later in (0, rng.randint(1, 60 * 24 * 6)):
            assert_same(session, clock + dt.timedelta(minutes=later))
        if rng.random() < 0.2:  # the timers due: warnings, overdue escalations
            worker.run_once(session, "w1", now=clock)
            assert_same(session, clock)
        if rng.random() < 0.3:
            held_counts.compact(session, measures.china_date(clock))
            session.commit()
            assert_same(session, clock)
    steps = session.execute(select(Task.step, func.count()).where(
        Task.status.in_(sorted(LIVE))).group_by(Task.step)).all()
    assert {"accept", "joint_check"} <= {step for step, _ in steps}, steps
    late = bottlenecks.live_counts(session, SCOPES[0], clock)[0]
    assert sum(c.overdue for c in late) > 0 and sum(c.tasks for c in late) > 0
    assert events(session, "warning.yellow") and events(session, "suspend"), \
        "no timer fired or no task suspended"
    assert session.scalar(select(func.count()).select_from(held_counts.CASES)), \
        "no case with live tasks in two groups (the countersign's parties)"
    the_rest_by_hand(session, clock)
    today = measures.china_date(clock)
    worker.tidy(session, worker.Upkeep(LocalFileStore(tmp_path), dt.timedelta(hours=24)),
                now=clock)  # sums the counts, the days before today folded
    assert_same(session, clock)
    kept = counted(session)
    held_counts.rebuild(session.connection(), today)
    assert counted(session) == kept


def the_rest_by_hand(session: Session, now: dt.datetime) -> None:
    """Statements of several rows: the joint check's two live tasks moved into one
    department, then both done by one UPDATE (on PostgreSQL each row's trigger must see
    the other one's change); a case's live tasks deleted."""
    joint = session.scalars(select(Task.case_id).where(
        Task.step == "joint_check", Task.status.in_(sorted(LIVE))).group_by(Task.case_id)
        .having(func.count() > 1)).all()
    assert joint, "no countersign with both parties live"
    session.execute(update(Task).where(Task.case_id == joint[0], Task.step == "joint_check")
                    .values(department="HEALTH", region_code="110101"))
    session.commit()
    assert_same(session, now)
    session.execute(update(Task).where(Task.case_id == joint[0], Task.step == "joint_check",
                                       Task.status.in_(sorted(LIVE))).values(status="done"))
    session.commit()
    assert_same(session, now)
    if len(joint) > 1:
        session.execute(delete(Task).where(Task.case_id == joint[1]))
        session.commit()
        assert_same(session, now)
    # A task of a step under a new title (a process republished), then gone: the step's
    # title is its live tasks' greatest again, before the upkeep sums the rows.
    renamed = session.scalars(select(Task).where(Task.status.in_(sorted(LIVE)))
                              .order_by(Task.id)).first()
    assert renamed is not None
    session.execute(update(Task).where(Task.id == renamed.id).values(
        title_zh=renamed.title_zh + "（新）"))
    session.commit()
    assert_same(session, now)
    session.execute(update(Task).where(Task.id == renamed.id).values(status="done"))
    session.commit()
    assert_same(session, now)


def test_the_workers_upkeep_folds_the_days_past(session: Session) -> None:
    """Rows of days before the upkeep's day become the day before it, summed per key; a
    day without a deadline stays none."""
    rows = [{"process": "p", "step": "s", "title_zh": "审", "title_en": None,
             "department": "HEALTH", "region": None, "lead_department": None,
             "lead_region": None, "day": day, "tasks": tasks, "cases": 0}
            for day, tasks in ((dt.date(2026, 10, 1), 1), (dt.date(2026, 10, 5), 2),
                               (dt.date(2026, 10, 9), 1), (dt.date(2026, 10, 9), -1),
                               (dt.date(2026, 10, 10), 1), (None, 3))]
    session.execute(held_counts.COUNTS.insert(), rows)
    held_counts.compact(session, dt.date(2026, 10, 10))
    kept = held_counts.COUNTS.c
    assert sorted(session.execute(select(kept.day, kept.tasks)), key=repr) == sorted(
        [(dt.date(2026, 10, 9), 3), (dt.date(2026, 10, 10), 1), (None, 3)], key=repr)

"""Races between processes, each with its own connection, on one database: clerks claiming
one pool task together, two branches finishing together before a join, and workers running
the same due timers together. Every child process is forked from a clean server process that
has imported the racers once per session ('forkserver'): a child starts with no connection
or state of the test's, as with 'spawn', without paying the imports again. The whole race is
bounded in time.

On PostgreSQL the case's version check and FOR UPDATE SKIP LOCKED do the work; on SQLite
(one file, several processes) the same version check and the single-statement conditional
claim do, with SQLite's one writer at a time waiting up to its busy timeout.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from runtime.access import Visibility
from runtime.flows import actions, stored
from runtime.store import cases, jobs
from runtime.store.cases import CaseEvent, CaseRow

from . import racers
from .casework import (
    act,
    claim_and_complete,
    events,
    notifications,
    publish,
    staff,
    start,
    tasks,
    write_parallel_pack,
)

BOUND = 120  # seconds for a whole race, children's start-up included
CASES = 10  # cases per race of clerks
TIMERS = 100  # five batches of 20 (jobs.claim's limit) for four workers starting together
CLAIMERS = WORKERS = 4


@pytest.fixture
def parallel(session: Session, tmp_path: Path) -> Session:
    publish(session, write_parallel_pack(tmp_path))
    return session


def new_cases(session: Session, count: int) -> list[CaseRow]:
    return [start(session, "race_apply", key=f"race-{n}", data={"applicant": str(n)})
            for n in range(count)]


def race(target: Callable[..., None], calls: list[tuple[Any, ...]]) -> dict[str, list[Any]]:
    """Run `target(*call, barrier, results)` in one spawned process per call, all meeting at
    one barrier; their results by name. Fails (and ends them) past BOUND seconds."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([racers.__name__])  # heeded when the server starts
    barrier, results = context.Barrier(len(calls)), context.Queue()
    children = [context.Process(target=target, args=(*call, barrier, results), daemon=True)
                for call in calls]
    deadline = time.monotonic() + BOUND
    for child in children:
        child.start()
    try:
        found = dict(results.get(timeout=max(0.1, deadline - time.monotonic()))
                     for _ in children)
        for child in children:
            child.join(max(0.1, deadline - time.monotonic()))
            assert child.exitcode == 0, f"a child ended with {child.exitcode}"
    finally:
        for child in children:
            if child.is_alive():
                child.kill()
    crashes = [o[1] for outcomes in found.values() for o in outcomes
               if isinstance(o, tuple) and o[0] == "crash"]
    assert not crashes, crashes[0]
    return found


@pytest.fixture
def timed() -> Iterator[Callable[[str], None]]:
    """Print how long each race took (shown with -s, and in the report of a failure)."""
    began = time.monotonic()
    yield lambda what: print(f"{what}: {time.monotonic() - began:.1f}s")


def test_clerks_claiming_one_task_together_one_wins(parallel: Session, db_url: str,
                                                    timed: Callable[[str], None]) -> None:
    ids = [c.id for c in new_cases(parallel, CASES)]
    found = race(racers.claim_and_complete, [(db_url, 100 + n, ids) for n in range(CLAIMERS)])
    timed(f"{CLAIMERS} clerks x {CASES} cases")
    for n, case_id in enumerate(ids):
        outcomes = {name: results[n] for name, results in found.items()}
        [winner] = [name for name, o in outcomes.items() if o[0] == "won"]
        refused = [o for o in outcomes.values() if o[0] == "refused"]
        assert len(refused) == CLAIMERS - 1
        for _, code, message, tries in refused:
            assert code in ("not_pool", "not_open") and tries == 2
            assert message in ("此任务已由他人签收", "此任务已办结，不能再签收")
        assert events(parallel, "claim", case_id) == 1
        assert events(parallel, "task.complete", case_id) == 1
        [task] = tasks(parallel, case_id, "start")
        assert task.status == "done" and f"clerk-{task.completed_by}" == winner
        assert {t.step for t in tasks(parallel, case_id)} == {"start", "left", "right"}


def test_two_branches_finishing_together_start_the_join_once(
        parallel: Session, db_url: str, timed: Callable[[str], None]) -> None:
    health, police, clerk = staff(21, "HEALTH"), staff(22, "POLICE"), staff(1, "GOVSVC")
    work: dict[str, list[tuple[int, int]]] = {"HEALTH": [], "POLICE": []}
    for case in new_cases(parallel, CASES):
        claim_and_complete(parallel, case.id, clerk, 1)
        for task in tasks(parallel, case.id):
            if task.step in ("left", "right"):
                who = health if task.department == "HEALTH" else police
                act(parallel, case.id, who, actions.claim, task.no)
                work[who.principal.memberships[0].department_code].append((case.id, task.no))
    began = time.monotonic()
    found = race(racers.complete_branch, [(db_url, health.user_id, "HEALTH", work["HEALTH"]),
                                          (db_url, police.user_id, "POLICE", work["POLICE"])])
    timed(f"2 branches x {CASES} cases ({time.monotonic() - began:.1f}s racing)")
    tries = list(zip(found[f"HEALTH-{health.user_id}"], found[f"POLICE-{police.user_id}"],
                     strict=True))
    assert all(sorted(pair) == [1, 2] for pair in tries)  # one of the two had to retry
    for case_id, _ in work["HEALTH"]:
        assert events(parallel, "step.start", case_id, step="join") == 1
        [join] = tasks(parallel, case_id, "join")
        assert join.status == "open" and join.department == "GOVSVC"
        row = parallel.get(CaseRow, case_id, populate_existing=True)
        assert row is not None
        steps = stored.steps_of(row.steps)
        assert [steps[s].status for s in ("left", "right", "join")] == [
            "done", "done", "active"]


def test_workers_running_the_same_timers_run_each_once(
        parallel: Session, db_url: str, timed: Callable[[str], None]) -> None:
    made = new_cases(parallel, TIMERS)
    timed(f"{TIMERS} cases made")
    starts = [tasks(parallel, c.id, "start")[0] for c in made]
    latest_yellow = max(cases.aware(t.yellow_at) for t in starts)  # type: ignore[arg-type]
    now = latest_yellow + timedelta(seconds=1)
    assert now < min(cases.aware(t.due_at) for t in starts)  # type: ignore[arg-type]
    began = time.monotonic()
    found = race(racers.run_worker, [(db_url, f"worker-{n}", now.isoformat())
                                     for n in range(WORKERS)])
    timed(f"{WORKERS} workers x {TIMERS} timers ({time.monotonic() - began:.1f}s racing, "
          f"claimed {sorted(sum(r) for r in found.values())})")
    assert sum(sum(rounds) for rounds in found.values()) == TIMERS
    yellow = parallel.scalars(select(jobs.Job).where(jobs.Job.name == "yellow")
                              .execution_options(populate_existing=True)).all()
    assert len(yellow) == TIMERS
    assert {(j.status, j.attempts) for j in yellow} == {(jobs.DONE, 1)}  # each claimed once
    assert jobs.counts(parallel, Visibility(everything=True))["running"] == 0
    per_case = Counter(parallel.scalars(select(CaseEvent.case_id).where(
        CaseEvent.action == "warning.yellow")))
    assert sorted(per_case) == sorted(c.id for c in made)
    assert set(per_case.values()) == {1}
    assert len(notifications(parallel, "task.yellow")) == TIMERS
    assert parallel.scalar(select(func.count()).select_from(CaseEvent)
                           .where(CaseEvent.action == "warning.red")) == 0

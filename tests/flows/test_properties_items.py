"""Random sequences of actions on a process with the newer constructs — per-item tasks,
child cases, bounded routes and case variables: whatever the staff, the timers and the
child cases do, no case is stuck (a running case always has a task someone can act on or a
child case it waits for), every loop stays within its route's max, and a case whose people
always approve, or always reject, ends."""

from __future__ import annotations

import copy
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runtime.flows import actions
from runtime.flows.case import (
    ACTIVE,
    CASE_DONE,
    CASE_WITHDRAWN,
    REJECTED,
    RUNNING,
    STARTING,
    WAITING,
    TaskState,
)
from runtime.flows.engine import Flow
from runtime.flows.errors import FlowError

from .build import Run, build_plan, person
from .test_children import EXTRA

HEAD = "variables: [{id: dept, default: HEALTH}]"
PROCESS = """
- id: plan
  task: accept
  set: {dept: "'POLICE' if len(applicant or '') % 2 else 'HEALTH'"}
- id: inspect
  task: accept
  after: [plan]
  children: {process: inspection, items: "(applicant or '').split(',')", data: {restaurant: item}, join: {at_least: 1}}
  routes: [{when: "steps['inspect']['outcome'] == 'reject'", to: plan, max: 2}]
- id: rectify
  task: rectify
  after: [plan]
  for_each: {items: "(district or '').split(',')", department: item}
  assignees: {mode: all}
  routes: [{when: "steps['rectify']['outcome'] == 'reject'", to: rectify, max: 2}]
- id: handle
  task: handle
  after: [inspect, rectify]
  can_return_to: [plan]
  routes: [{when: "steps['handle']['round'] < 2", to: handle, max: 1}]
"""
TASKS = {
    "accept": "assignee: {department: GOVSVC, role: clerk}\ndeadline: {working_days: 1}",
    "rectify": "assignee: {role: clerk}\ndeadline: {working_days: 2}\n"
               "on_overdue: [{action: auto_pass}]",
    "handle": "assignee: {rule: \"vars['dept']\", role: clerk}",
}
PLAN = build_plan(PROCESS, TASKS, head=HEAD, extra=EXTRA)
DEPARTMENTS = ("GOVSVC", "HEALTH", "POLICE", "SAMR")
STAFF = {d: person(i + 1, d) for i, d in enumerate(DEPARTMENTS)}
BY_ID = {s.user_id: s for s in STAFF.values()}
ENDS = (CASE_DONE, REJECTED, CASE_WITHDRAWN)


def pick(items: list, seed: int):
    return items[seed % len(items)] if items else None


def start_children(run: Run) -> None:
    """The store's part of a move: start each child case asked for, numbered as started."""
    flow = Flow(PLAN, run.case, run.now)
    for start in run.children():
        if run.case.steps[start.step].children[start.index]["status"] == STARTING:
            flow.child_started(start, f"C{start.step}{start.round}-{start.index}")
    run._keep(flow.effects)


def running_children(run: Run) -> list[tuple[str, int, int]]:
    return [(s.id, s.round, i) for s in run.case.steps.values() if s.status == ACTIVE
            for i, c in enumerate(s.children) if c["status"] == RUNNING]


# --- moves: each takes the run and a seed, and does one thing (or nothing) ---------------

def claim(run: Run, seed: int) -> None:
    task = pick([t for t in run.live() if t.user_id is None], seed)
    if task is not None:
        run.act(actions.claim, STAFF[task.department or "GOVSVC"], task.no)


def held(run: Run, seed: int) -> TaskState | None:
    return pick([t for t in run.live() if t.user_id in BY_ID], seed)


def approve(run: Run, seed: int) -> None:
    if task := held(run, seed):
        run.act(actions.complete, BY_ID[task.user_id or 0], task.no, opinion="同意")


def reject(run: Run, seed: int) -> None:
    if task := held(run, seed):
        run.act(actions.complete, BY_ID[task.user_id or 0], task.no, outcome="reject",
                opinion="不同意")


def reject_later(run: Run, seed: int) -> None:
    """Approve the plan, reject everything after it: the routes loop back until used up."""
    if task := held(run, seed):
        run.act(actions.complete, BY_ID[task.user_id or 0], task.no,
                **({} if task.step == "plan" else {"outcome": "reject", "opinion": "不同意"}))


def return_to(run: Run, seed: int) -> None:
    if (task := held(run, seed)) and PLAN.steps[task.step].can_return_to:
        run.act(actions.return_to, BY_ID[task.user_id or 0], task.no, "plan", "重新计划")


def child_ends(run: Run, seed: int) -> None:
    child = pick(running_children(run), seed)
    if child is not None:
        flow = Flow(PLAN, run.case, run.now)
        flow.child_ended(*child, ENDS[(seed // 7) % len(ENDS)])
        run._keep(flow.effects)


def fire(run: Run, seed: int) -> None:
    job = pick(run.effects.jobs, seed)
    if job is not None:
        run.fire(job)


def wait(run: Run, seed: int) -> None:
    run.now += timedelta(hours=1 + seed % 40)


MOVES = [claim, claim, approve, approve, approve, reject, reject_later, return_to, child_ends,
         child_ends, fire, wait]


def attempt(run: Run, move, seed: int) -> None:
    """Do the move and the store's part; a refused move changes nothing."""
    before = copy.deepcopy(run.case)
    try:
        move(run, seed)
    except FlowError as error:
        assert error.message("zh") and error.message("en")
        assert run.case == before, f"{move.__name__} refused ({error.code}) but changed it"
        return
    start_children(run)


def check_not_stuck(run: Run) -> None:
    case, flow = run.case, Flow(PLAN, run.case, run.now)
    if case.status != RUNNING:
        assert case.live_tasks() == [], "a finished case has no open task"
        return
    for step in case.steps.values():
        if step.status == ACTIVE:
            waits = (any(t.live for t in case.round_tasks(step))
                     or any(c["status"] == RUNNING for c in step.children))
            assert waits, f"{step.id} is active with nothing to act on or wait for"
        if step.status == WAITING:
            assert not flow.ready(step.id), f"{step.id} could start but did not"
    assert any(s.status == ACTIVE for s in case.steps.values()), "running, nothing active"
    for step in case.steps.values():  # every loop is bounded by its route's max
        limits = {r.to: r.max for r in PLAN.steps[step.id].routes}
        assert all(count <= limits[target] for target, count in step.loops.items()), step
    for task in case.live_tasks():
        if task.step == "handle":  # the variable the plan set decides where it goes
            assert task.department == case.variables["dept"]


TARGETS = st.sampled_from(["老街面馆", "老街面馆,新华饭店", "a,b,c"])
FINDINGS = st.sampled_from(["HEALTH", "HEALTH,POLICE", "SAMR,HEALTH,POLICE"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(targets=TARGETS, findings=FINDINGS,
       moves=st.lists(st.tuples(st.sampled_from(MOVES), st.integers(0, 10_000)),
                      min_size=20, max_size=100))
def test_no_sequence_of_actions_leaves_a_case_stuck(targets: str, findings: str,
                                                    moves: list) -> None:
    run = Run.start(PLAN, {"applicant": targets, "district": findings})
    start_children(run)
    check_not_stuck(run)
    for move, seed in moves:
        attempt(run, move, seed)
        check_not_stuck(run)


def _drive(run: Run, outcome, child_end: str, seeds: list[int]) -> None:
    """Everyone acts the same way until the case ends: a bounded number of moves."""
    for seed in seeds:
        if run.case.status != RUNNING:
            return
        for move in (claim, outcome):
            attempt(run, move, seed)
        for child in running_children(run):
            flow = Flow(PLAN, run.case, run.now)
            flow.child_ended(*child, child_end)
            run._keep(flow.effects)
            start_children(run)
        check_not_stuck(run)


@settings(max_examples=60, deadline=None)
@given(targets=TARGETS, findings=FINDINGS,
       seeds=st.lists(st.integers(0, 10_000), min_size=80, max_size=80))
def test_approving_everything_closes_the_case(targets: str, findings: str,
                                              seeds: list[int]) -> None:
    run = Run.start(PLAN, {"applicant": targets, "district": findings})
    start_children(run)
    _drive(run, approve, CASE_DONE, seeds)
    assert run.case.status == CASE_DONE


@settings(max_examples=60, deadline=None)
@given(targets=TARGETS, findings=FINDINGS,
       seeds=st.lists(st.integers(0, 10_000), min_size=80, max_size=80))
def test_rejecting_everything_still_ends_every_loop_and_the_case(
        targets: str, findings: str, seeds: list[int]) -> None:
    run = Run.start(PLAN, {"applicant": targets, "district": findings})
    start_children(run)
    _drive(run, reject_later, REJECTED, seeds)
    assert run.case.status == REJECTED
    taken = {(s.id, t): n for s in run.case.steps.values() for t, n in s.loops.items()}
    for (step_id, target), count in taken.items():
        assert count <= next(r.max for r in PLAN.steps[step_id].routes if r.to == target)
    assert taken, "a reject went back along a route before the case ended"

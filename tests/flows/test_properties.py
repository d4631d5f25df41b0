"""Random sequences of actions on a process with every kind of step: whatever the staff and the
timers do, the case stays coherent, and a refused action changes nothing."""

from __future__ import annotations

import copy
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runtime.definitions.spec import Party
from runtime.flows import actions, applicant
from runtime.flows.case import ACTIVE, RUNNING, TASK_DONE, WAITING, TaskState
from runtime.flows.engine import RESOLVED, Flow
from runtime.flows.errors import FlowError

from .build import Run, build_plan, person

PROCESS = """
- {id: accept, task: accept}
- id: joint
  task: review
  after: [accept]
  can_return_to: [accept]
  assignees:
    mode: all
    parties: [{department: HEALTH, role: clerk}, {department: POLICE, role: clerk}]
  routes: [{when: "steps['joint']['outcome'] == 'reject'", to: accept, max: 2}]
- {id: certificate, task: certificate, after: [joint], can_return_to: [accept, joint]}
- {id: insurance, task: insurance, after: [accept], when: insure, can_return_to: [accept]}
- id: card
  task: card
  after: [accept]
  assignees:
    mode: in_order
    parties: [{department: HRSS, role: clerk}, {department: MEDINS, role: clerk}]
- id: close
  task: accept
  after: [certificate, insurance, card]
  join: {at_least: 2}
  can_return_to: [certificate]
  routes: [{when: "steps['close']['round'] < 3", to: certificate, max: 1}]
"""
TASKS = {
    "accept": """
        assignee: {department: GOVSVC, role: clerk}
        deadline: {working_days: 1}
        escalation: {department: GOVSVC, role: lead}
        on_overdue: [{action: escalate}]
    """,
    "review": "assignee: {department: HEALTH, role: clerk}\ndeadline: {working_days: 3, from: claimed}",
    "certificate": """
        assignee: {department: HEALTH, role: clerk}
        deadline: {working_days: 2}
        on_overdue: [{action: reassign, to: {department: POLICE, role: clerk}}]
    """,
    "insurance": """
        assignee: {department: MEDINS, role: clerk}
        deadline: {working_days: 2}
        on_overdue: [{action: auto_pass}]
    """,
    "card": "assignee: {department: HRSS, role: clerk}\ndeadline: {working_days: 5}",
}
PLAN = build_plan(PROCESS, TASKS)
DEPARTMENTS = ("GOVSVC", "HEALTH", "POLICE", "MEDINS", "HRSS")
STAFF = {d: [person(10 * i + 1, d), person(10 * i + 2, d)] for i, d in enumerate(DEPARTMENTS)}
LEAD = person(99, "GOVSVC", "supervisor", scope="all")
BY_ID = {s.user_id: s for people in STAFF.values() for s in people}


def pick(items: list, seed: int):
    return items[seed % len(items)] if items else None


def colleague(task: TaskState, seed: int) -> actions.Staff:
    """Someone of the task's department other than its holder."""
    others = [s for s in STAFF[task.department or "GOVSVC"] if s.user_id != task.user_id]
    return pick(others, seed)


# Each move takes the run and a seed, and does one action (or nothing when none applies).

def claim(run: Run, seed: int) -> None:
    task = pick([t for t in run.live() if t.user_id is None], seed)
    if task is not None:
        run.act(actions.claim, pick(STAFF[task.department or "GOVSVC"], seed // 7), task.no)


def held(run: Run, seed: int) -> tuple[TaskState, actions.Staff] | None:
    task = pick([t for t in run.live() if t.user_id in BY_ID], seed)
    return None if task is None else (task, BY_ID[task.user_id or 0])


def approve(run: Run, seed: int) -> None:
    if found := held(run, seed):
        run.act(actions.complete, found[1], found[0].no, opinion="同意")


def reject(run: Run, seed: int) -> None:
    if found := held(run, seed):
        run.act(actions.complete, found[1], found[0].no, outcome="reject", opinion="不同意")


def return_to(run: Run, seed: int) -> None:
    if found := held(run, seed):
        targets = list(PLAN.steps[found[0].step].can_return_to) or ["accept"]
        run.act(actions.return_to, found[1], found[0].no, pick(targets, seed // 3), "退回补正")


def withdraw(run: Run, seed: int) -> None:
    task = pick([t for t in run.case.tasks if t.status == TASK_DONE
                 and t.completed_by in BY_ID], seed)
    if task is not None:
        run.act(actions.withdraw, BY_ID[task.completed_by or 0], task.no, "撤回重办")


def add_signer(run: Run, seed: int) -> None:
    if found := held(run, seed):
        task, staff = found
        position = pick(["before", "after", "alongside"], seed // 5)
        run.act(actions.add_signer, staff, task.no, colleague(task, seed).user_id, position)


def delegate(run: Run, seed: int) -> None:
    if found := held(run, seed):
        run.act(actions.delegate, found[1], found[0].no, colleague(found[0], seed).user_id)


def transfer(run: Run, seed: int) -> None:
    if found := held(run, seed):
        department = pick(list(DEPARTMENTS), seed // 11)
        run.act(actions.transfer, found[1], found[0].no,
                Party(department=department, role="clerk"), "转相关部门")


def extend(run: Run, seed: int) -> None:
    if found := held(run, seed):
        run.act(actions.request_extension, found[1], found[0].no, 1 + seed % 3, "需要补件")
        run.act(actions.decide_extension, LEAD, found[0].no, seed % 2 == 0)


def suspend_or_resume(run: Run, seed: int) -> None:
    if found := held(run, seed):
        task, staff = found
        if task.suspended_at is None:
            run.act(actions.suspend, staff, task.no, "等待申请人补充材料")
        else:
            run.act(actions.resume, staff, task.no)


def ask_correction(run: Run, seed: int) -> None:
    if found := held(run, seed):
        run.act(actions.ask_correction, found[1], found[0].no, ("applicant",), "请补正")


def resubmit(run: Run, seed: int) -> None:
    """The applicant corrects and resubmits (refused when nothing waits for them)."""
    flow = Flow(PLAN, run.case, run.now)
    applicant.resubmitted(flow, {"applicant": ("", f"申请人{seed}")})
    run._keep(flow.effects)


def fire(run: Run, seed: int) -> None:
    job = pick(run.effects.jobs, seed)
    if job is not None:
        run.fire(job)


def wait(run: Run, seed: int) -> None:
    run.now += timedelta(hours=1 + seed % 30)


# Weighted towards what moves a case on and back; a reject ends it, so it comes rarely.
MOVES = [claim, claim, claim, approve, approve, approve, return_to, return_to, withdraw,
         withdraw, add_signer, delegate, transfer, extend, suspend_or_resume, fire, fire, wait,
         reject, ask_correction, resubmit, resubmit]


def attempt(run: Run, move, seed: int) -> None:
    """Do the move; if it is refused, the case must be exactly as it was."""
    before = copy.deepcopy(run.case)
    try:
        move(run, seed)
    except FlowError as error:
        assert error.message("zh") and error.message("en")
        assert run.case == before, f"{move.__name__} refused ({error.code}) but changed the case"


def check_coherent(run: Run) -> None:
    case, flow = run.case, Flow(PLAN, run.case, run.now)
    live = case.live_tasks()
    assert [t.no for t in case.tasks] == list(range(1, len(case.tasks) + 1))
    if case.status != RUNNING:
        assert live == [], "a finished case has no open task"
        return
    waiting = applicant.pending_corrections(case)  # the applicant can act on these
    assert live or waiting, "a running case always has a task someone can act on"
    for task in live:
        step = case.steps[task.step]
        assert step.status == ACTIVE and task.round == step.round, (task.no, step)
        if task.due_at is not None:  # its overdue timer exists, stamped for this deadline
            assert any(j.task_no == task.no and j.kind == "overdue"
                       and j.stamp == task.due_at.isoformat() for j in run.effects.jobs), task
    for step in case.steps.values():
        if step.status == ACTIVE:
            assert any(t.live or t in waiting for t in case.round_tasks(step)), (
                f"{step.id} is active, no task")
        if step.status == WAITING:
            assert not flow.ready(step.id), f"{step.id} could start but did not"
    assert not all(s.status in RESOLVED for s in case.steps.values())
    for step in case.steps.values():  # every loop is bounded by its route's max
        limits = {r.to: r.max for r in PLAN.steps[step.id].routes}
        assert all(count <= limits[target] for target, count in step.loops.items()), step


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(insure=st.booleans(),
       moves=st.lists(st.tuples(st.sampled_from(MOVES), st.integers(0, 10_000)),
                      min_size=20, max_size=80))
def test_any_sequence_of_actions_leaves_the_case_coherent(insure: bool, moves: list) -> None:
    run = Run.start(PLAN, {"insure": insure})
    check_coherent(run)
    for move, seed in moves:
        attempt(run, move, seed)
        check_coherent(run)


@settings(max_examples=100, deadline=None)
@given(insure=st.booleans(), seeds=st.lists(st.integers(0, 10_000), min_size=60, max_size=60))
def test_claiming_and_approving_always_closes_the_case(insure: bool, seeds: list[int]) -> None:
    run = Run.start(PLAN, {"insure": insure})
    for seed in seeds:
        attempt(run, claim, seed)
        attempt(run, approve, seed)
        check_coherent(run)
    assert run.case.status == "done"

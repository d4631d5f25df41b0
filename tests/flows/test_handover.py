"""Handing work on: 转办 (transfer), 委派 (delegate), 加签 (add signer) and 抄送 (copy)."""

import pytest

from runtime.definitions.spec import Party
from runtime.flows import actions
from runtime.flows.case import (
    ACTIVE,
    AFTER,
    ALONGSIDE,
    BEFORE,
    DONE,
    OPEN,
    REJECT,
    REJECTED,
    TASK_DONE,
    TASK_WAITING,
)

from .build import Run, build_plan, person, refused

CLERK, COLLEAGUE, THIRD = person(7, "HEALTH"), person(8, "HEALTH"), person(9, "HEALTH")
POLICE = person(3, "POLICE")
REGION = "110105"  # 北京市朝阳区
DISPATCHER = person(20, "GOVSVC", "dispatcher", region="110000")
PROCESS = """
- {id: certify, task: certificate}
- {id: next, task: next, after: [certify]}
"""
TASKS = {"certificate": "assignee: {department: HEALTH, role: clerk}\n"
                        "deadline: {working_days: 3, from: claimed}"}


def started() -> Run:
    return Run.start(build_plan(PROCESS, TASKS), region_code=REGION)


def held() -> Run:
    run = started()
    run.act(actions.claim, CLERK, 1)
    return run


# --- transfer ---------------------------------------------------------------------------

def test_a_holder_transfers_a_task_to_another_departments_pool():
    run = held()
    messages = len(run.effects.messages)
    task = run.act(actions.transfer, CLERK, 1, Party(department="POLICE", role="clerk"), "属公安职责")
    assert (task.department, task.role, task.user_id, task.claimed_at) == (
        "POLICE", "clerk", None, None)
    [event] = run.events("transfer")
    assert (event.opinion, event.detail["department"], event.actor_id) == ("属公安职责", "POLICE", 7)
    [message] = run.effects.messages[messages:]
    assert (message.key, message.department, message.user_id) == ("task.new", "POLICE", None)
    with refused("not_yours"):
        run.act(actions.claim, CLERK, 1)
    run.act(actions.claim, POLICE, 1)
    run.act(actions.complete, POLICE, 1)
    assert run.steps() == {"certify": DONE, "next": ACTIVE}


def test_a_transfer_needs_a_reason_and_cannot_go_to_oneself():
    run = held()
    with refused("reason_required", "转办须填写理由"):
        run.act(actions.transfer, CLERK, 1, Party(department="POLICE", role="clerk"), " ")
    with refused("self", "不能转办给自己"):
        run.act(actions.transfer, CLERK, 1, Party(department="HEALTH", role="clerk"), "换人", user_id=7)
    assert run.task(1).department == "HEALTH"


def test_a_clerk_cannot_transfer_a_pool_task_but_a_dispatcher_in_scope_can():
    run = started()
    with refused("claim_first"):
        run.act(actions.transfer, CLERK, 1, Party(department="POLICE", role="clerk"), "派错了")
    outside = person(21, "GOVSVC", "dispatcher", region="310000")  # 上海
    with refused("not_yours"):
        run.act(actions.transfer, outside, 1, Party(department="POLICE", role="clerk"), "改派")
    run.act(actions.transfer, DISPATCHER, 1, Party(department="POLICE", role="clerk"), "改派公安")
    assert (run.task(1).department, run.task(1).user_id) == ("POLICE", None)


def test_a_dispatcher_cannot_transfer_a_task_someone_holds():
    run = held()
    with refused("not_yours"):
        run.act(actions.transfer, DISPATCHER, 1, Party(department="POLICE", role="clerk"), "改派")


def test_a_task_handed_to_a_person_starts_its_clock_from_claim():
    run = started()
    assert run.task(1).due_at is None  # counted from claim, and nobody holds it
    task = run.act(actions.transfer, DISPATCHER, 1, Party(department="POLICE", role="clerk"), "派给专人",
                   user_id=3)
    assert (task.user_id, task.claimed_at, task.clock_from) == (3, run.now, run.now)
    assert task.due_at is not None
    assert [j.kind for j in run.jobs(1)] == ["yellow", "overdue"]


# --- delegate ---------------------------------------------------------------------------

def test_a_delegated_task_comes_back_to_the_delegator_with_the_delegates_opinion():
    run = held()
    run.act(actions.delegate, CLERK, 1, 8, "请核对出生记录")
    assert (run.task(1).user_id, run.task(1).delegated_by) == (8, 7)
    with refused("not_yours"):
        run.act(actions.complete, CLERK, 1)
    run.act(actions.complete, COLLEAGUE, 1, opinion="记录一致，建议签发")
    task = run.task(1)
    assert (task.status, task.user_id, task.delegated_by) == (OPEN, 7, None)
    assert run.steps()["certify"] == ACTIVE
    [back] = run.events("delegate.done")
    assert (back.actor_id, back.opinion) == (8, "记录一致，建议签发")
    assert run.effects.messages[-1].key == "task.back"
    assert run.effects.messages[-1].user_id == 7
    run.act(actions.complete, CLERK, 1, opinion="同意签发")
    assert (task.status, task.completed_by, task.opinion) == (TASK_DONE, 7, "同意签发")
    assert run.steps() == {"certify": DONE, "next": ACTIVE}


def test_one_cannot_delegate_to_oneself():
    run = held()
    with refused("self", "不能委派给自己"):
        run.act(actions.delegate, CLERK, 1, 7)


def test_a_delegate_cannot_pass_the_task_on_so_it_still_comes_back_to_the_delegator():
    run = held()
    run.act(actions.delegate, CLERK, 1, 8)
    with refused("delegated", "此任务是委派给您的，不能再委派；办理后将交回委派人"):
        run.act(actions.delegate, COLLEAGUE, 1, 9)
    run.act(actions.complete, COLLEAGUE, 1)
    assert run.task(1).user_id == 7


# --- add a signer -----------------------------------------------------------------------

def test_a_signer_added_before_makes_the_task_wait_until_they_sign():
    run = held()
    signer = run.act(actions.add_signer, CLERK, 1, 8, "before", "请先会签")
    task = run.task(1)
    assert task.status == TASK_WAITING
    assert (signer.kind, signer.parent, signer.user_id, signer.due_at) == (BEFORE, 1, 8,
                                                                          task.due_at)
    with refused("not_open", "此任务已等待加签，不能再办理"):
        run.act(actions.complete, CLERK, 1)
    run.act(actions.complete, COLLEAGUE, signer.no, opinion="无异议")
    assert task.status == OPEN
    assert (run.effects.messages[-1].key, run.effects.messages[-1].user_id) == ("task.back", 7)
    assert run.steps()["certify"] == ACTIVE
    run.act(actions.complete, CLERK, 1)
    assert run.steps() == {"certify": DONE, "next": ACTIVE}


def test_a_signer_added_after_starts_when_the_task_is_done_and_the_step_waits_for_them():
    run = held()
    assert run.act(actions.add_signer, CLERK, 1, 8, "after") is None
    assert [t.no for t in run.live()] == [1]
    run.act(actions.complete, CLERK, 1)
    assert run.task(1).status == TASK_DONE
    signer = run.only("certify")
    assert (signer.kind, signer.parent, signer.user_id) == (AFTER, 1, 8)
    assert run.steps() == {"certify": ACTIVE, "next": "waiting"}
    run.act(actions.complete, COLLEAGUE, signer.no)
    assert run.steps() == {"certify": DONE, "next": ACTIVE}


def test_a_signer_added_alongside_signs_at_the_same_time_and_the_step_waits_for_both():
    run = held()
    signer = run.act(actions.add_signer, CLERK, 1, 8, "alongside")
    assert (signer.kind, run.task(1).status) == (ALONGSIDE, OPEN)
    run.act(actions.complete, COLLEAGUE, signer.no)
    assert run.steps()["certify"] == ACTIVE
    run.act(actions.complete, CLERK, 1)
    assert run.steps() == {"certify": DONE, "next": ACTIVE}


def test_the_holder_finishing_first_still_waits_for_the_alongside_signer():
    run = held()
    signer = run.act(actions.add_signer, CLERK, 1, 8, "alongside")
    run.act(actions.complete, CLERK, 1)
    assert run.steps()["certify"] == ACTIVE
    run.act(actions.complete, COLLEAGUE, signer.no)
    assert run.steps()["certify"] == DONE


@pytest.mark.parametrize("position", ["after", "alongside"])
def test_a_signer_added_after_or_alongside_who_rejects_rejects_the_step(position: str):
    run = held()
    run.act(actions.add_signer, CLERK, 1, 8, position)
    run.act(actions.complete, CLERK, 1)
    signer = run.only("certify")
    run.act(actions.complete, COLLEAGUE, signer.no, outcome=REJECT, opinion="材料不实")
    assert run.steps()["certify"] == DONE
    assert run.case.status == REJECTED


def test_a_signer_added_before_who_rejects_only_advises_the_holder():
    run = held()
    signer = run.act(actions.add_signer, CLERK, 1, 8, "before")
    run.act(actions.complete, COLLEAGUE, signer.no, outcome=REJECT, opinion="建议补充材料")
    assert run.task(1).status == OPEN
    run.act(actions.complete, CLERK, 1)
    assert run.steps() == {"certify": DONE, "next": ACTIVE}


def test_one_cannot_add_oneself_as_a_signer_nor_sign_a_task_one_does_not_hold():
    run = held()
    with refused("self", "不能加签给自己"):
        run.act(actions.add_signer, CLERK, 1, 7, "before")
    with refused("not_yours"):
        run.act(actions.add_signer, COLLEAGUE, 1, 9, "before")


# --- copy -------------------------------------------------------------------------------

def test_the_holder_copies_the_case_to_a_department_for_information():
    run = held()
    run.act(actions.copy_to, CLERK, 1, Party(department="GOVSVC"))
    run.act(actions.copy_to, CLERK, 1, user_id=30)
    assert [(c.by, c.department, c.user_id) for c in run.effects.copies] == [
        (7, "GOVSVC", None), (7, None, 30)]
    assert len(run.events("copy")) == 2
    assert run.steps()["certify"] == ACTIVE


def test_a_delegate_only_does_the_work_and_cannot_send_the_task_on():
    run = held()
    run.act(actions.delegate, CLERK, 1, 8)
    with refused("delegated"):
        run.act(actions.transfer, COLLEAGUE, 1, Party(department="POLICE"), "不归我们")
    with refused("delegated"):
        run.act(actions.delegate, COLLEAGUE, 1, 9)
    assert (run.task(1).user_id, run.task(1).department) == (8, "HEALTH")


def test_a_signer_is_added_before_after_or_alongside_and_nowhere_else():
    run = held()
    with refused("bad_position", "加签位置须为 before、after、alongside 之一"):
        run.act(actions.add_signer, CLERK, 1, 8, "instead")
    assert run.task(1).after_signers == [] and len(run.case.tasks) == 1

"""签收: a pool task is claimed by one member of its department in its role, then handled."""

from datetime import timedelta

import pytest

from runtime.flows import actions
from runtime.flows.case import TASK_DONE

from .build import Run, build_plan, person, refused

ONE_STEP = "- {id: certify, task: certificate}"
HEALTH_POOL = {"certificate": "assignee: {department: HEALTH, role: clerk}"}


def pool() -> Run:
    return Run.start(build_plan(ONE_STEP, HEALTH_POOL))


def test_a_new_task_waits_in_its_departments_pool():
    run = pool()
    task = run.only("certify")
    assert (task.department, task.role, task.user_id) == ("HEALTH", "clerk", None)
    [message] = run.effects.messages
    assert (message.key, message.department, message.role, message.user_id) == (
        "task.new", "HEALTH", "clerk", None)


def test_a_clerk_of_the_department_claims_it():
    run = pool()
    clerk = person(7, "HEALTH")
    run.now += timedelta(hours=1)
    task = run.act(actions.claim, clerk, 1)
    assert (task.user_id, task.claimed_at) == (7, run.now)
    assert [e.actor_id for e in run.events("claim")] == [7]


@pytest.mark.parametrize("outsider", [
    person(8, "POLICE"),  # another department
    person(9, "HEALTH", "lead"),  # the department, another role
    person(10, "HEALTH", "supervisor"),  # a role that does not act on tasks
], ids=["department", "role", "permission"])
def test_no_one_else_may_claim_it(outsider: actions.Staff):
    run = pool()
    with refused("not_yours", "您不是此任务的承办人，不能签收",
                      "you do not hold this task and cannot claim it"):
        run.act(actions.claim, outsider, 1)
    assert run.task(1).user_id is None


def test_a_pool_task_without_a_role_is_for_anyone_in_the_department():
    run = Run.start(build_plan(ONE_STEP, {"certificate": "assignee: {department: HEALTH}"}))
    run.act(actions.claim, person(9, "HEALTH", "lead"), 1)
    assert run.task(1).user_id == 9


def test_complete_before_claim_is_refused():
    run = pool()
    with refused("claim_first", "请先签收此任务", "claim this task first"):
        run.act(actions.complete, person(7, "HEALTH"), 1)
    with refused("not_yours", "您不是此任务的承办人，不能办理"):
        run.act(actions.complete, person(8, "POLICE"), 1)


def test_the_second_of_two_clerks_cannot_claim_and_cannot_complete():
    run = pool()
    first, second = person(7, "HEALTH"), person(8, "HEALTH")
    run.act(actions.claim, first, 1)
    with refused("not_pool", "此任务已由他人签收", "someone else has already claimed this task"):
        run.act(actions.claim, second, 1)
    with refused("not_yours", "您不是此任务的承办人，不能办理"):
        run.act(actions.complete, second, 1)
    run.act(actions.complete, first, 1, opinion="已签发", data={"no": "A123"})
    task = run.task(1)
    assert (task.status, task.completed_by, task.opinion, task.data) == (
        TASK_DONE, 7, "已签发", {"no": "A123"})


def test_claiming_twice_or_a_task_that_does_not_exist_is_refused():
    run = pool()
    clerk = person(7, "HEALTH")
    run.act(actions.claim, clerk, 1)
    with refused("not_open"):
        run.act(actions.claim, clerk, 1)
    with refused("not_found", "没有编号为 99 的任务", "there is no task 99"):
        run.act(actions.claim, clerk, 99)


def test_a_finished_task_is_not_open_any_more():
    run = pool()
    clerk = person(7, "HEALTH")
    run.handle(clerk, "certify")
    with refused("case_closed", "此案件已办结", "this case is done"):
        run.act(actions.complete, clerk, 1)

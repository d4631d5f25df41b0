"""催办 and 督办: supervisors in scope (tasks.supervise) and leads over the department hurry a
task; only supervisors put it under supervision."""

import pytest

from runtime.flows import actions

from .build import Run, build_plan, person, refused

REGION = "110105"  # 北京市朝阳区
CLERK = person(2, "HEALTH")
SUPERVISOR = person(30, "GOVSVC", "supervisor", region="110000")  # 北京市
ELSEWHERE = person(31, "GOVSVC", "supervisor", region="310000")  # 上海市
LEAD = person(5, "HEALTH", "lead")


def started() -> Run:
    plan = build_plan("- {id: certify, task: certificate}",
                      {"certificate": "assignee: {department: HEALTH, role: clerk}"})
    return Run.start(plan, region_code=REGION)


@pytest.mark.parametrize("who", [SUPERVISOR, LEAD], ids=["supervisor", "lead"])
def test_a_supervisor_in_scope_or_a_lead_reminds_the_holder(who: actions.Staff):
    run = started()
    run.act(actions.claim, CLERK, 1)
    run.act(actions.remind, who, 1, "请今日办结")
    [event] = run.events("remind")
    assert (event.actor_id, event.opinion) == (who.user_id, "请今日办结")
    message = run.effects.messages[-1]
    assert (message.key, message.user_id) == ("task.reminded", 2)


def test_a_reminder_of_a_pool_task_goes_to_the_pool():
    run = started()
    run.act(actions.remind, SUPERVISOR, 1)
    message = run.effects.messages[-1]
    assert (message.key, message.user_id, message.department, message.role) == (
        "task.reminded", None, "HEALTH", "clerk")


@pytest.mark.parametrize("who", [CLERK, ELSEWHERE, person(6, "POLICE", "lead")],
                         ids=["clerk", "supervisor-elsewhere", "lead-of-another-department"])
def test_no_one_else_reminds(who: actions.Staff):
    run = started()
    with refused("not_allowed", "您没有催办的权限", "you may not remind"):
        run.act(actions.remind, who, 1)


def test_a_supervisor_puts_a_task_under_supervision_with_a_note():
    run = started()
    with refused("reason_required", "督办须填写理由"):
        run.act(actions.supervise, SUPERVISOR, 1, "")
    run.act(actions.supervise, SUPERVISOR, 1, "群众反映办理慢")
    assert run.task(1).supervised
    assert [e.opinion for e in run.events("supervise")] == ["群众反映办理慢"]
    assert run.effects.messages[-1].key == "task.supervised"


@pytest.mark.parametrize("who", [LEAD, CLERK, ELSEWHERE], ids=["lead", "clerk", "elsewhere"])
def test_only_a_supervisor_in_scope_supervises(who: actions.Staff):
    run = started()
    with refused("not_allowed", "您没有督办的权限"):
        run.act(actions.supervise, who, 1, "督办")
    assert not run.task(1).supervised

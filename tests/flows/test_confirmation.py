"""A step the applicant acts on (`by: applicant`, 免申即享): its one task waits for the
applicant in no staff pool and with no clock, staff cannot act on it, the applicant's status
is "confirm"; confirming lets the case go on, declining ends it as declined (not "not
approved"), and answering twice is refused."""

from runtime.flows import actions
from runtime.flows.applicant import (
    ACCEPTED,
    CONFIRM,
    DECLINED,
    NOT_APPROVED,
    answered,
    pending_confirmation,
    status_of,
)
from runtime.flows.case import CONFIRMING, REJECT, REJECTED, RUNNING, TASK_DONE, Actor
from runtime.flows.engine import Flow

from .build import Run, build_plan, person, refused

HEALTH = person(1, "HEALTH")
TASKS = {
    "confirm": "assignee: {department: HEALTH, role: clerk}\ndeadline: {working_days: 10}",
    "review": "assignee: {department: HEALTH, role: clerk}\ndeadline: {working_days: 10}",
}
STEPS = """
- {id: confirm, task: confirm, by: applicant}
- {id: review, task: review, after: [confirm]}
"""
APPLICANT = Actor(None, "applicant")


def started() -> Run:
    return Run.start(build_plan(STEPS, TASKS), {"company_name": "星河智能"})


def answer(run: Run, confirm: bool) -> None:
    flow = Flow(run.plan, run.case, run.now, APPLICANT)
    answered(flow, confirm)
    run._keep(flow.effects)


def test_the_step_waits_for_the_applicant_in_no_pool_and_with_no_clock() -> None:
    run = started()
    task = pending_confirmation(run.case)
    assert task is not None and task.status == CONFIRMING
    assert (task.department, task.role, task.due_at) == ("HEALTH", "clerk", None)
    assert run.live() == [] and run.jobs(task.no) == []
    assert status_of(run.plan, run.case) == CONFIRM
    with refused("not_open"):  # staff cannot claim or complete it for the applicant
        run.act(actions.claim, HEALTH, task.no)
    assert [e.action for e in run.effects.events][-1] == "confirm.request"


def test_confirming_lets_the_case_go_on() -> None:
    run = started()
    answer(run, True)
    assert run.steps()["confirm"] == "done"
    assert run.only("review").department == "HEALTH"
    assert status_of(run.plan, run.case) == ACCEPTED  # the first step done, not yet claimed
    assert run.task(1).status == TASK_DONE and run.task(1).completed_by is None
    with refused("no_confirmation"):
        answer(run, True)


def test_declining_ends_the_case_as_declined_not_as_not_approved() -> None:
    run = started()
    answer(run, False)
    assert (run.case.status, run.task(1).outcome) == (REJECTED, REJECT)
    assert status_of(run.plan, run.case) == DECLINED != NOT_APPROVED
    assert "review" not in {t.step for t in run.case.tasks}
    with refused("no_confirmation"):
        answer(run, True)


def test_a_staff_rejection_later_is_still_not_approved() -> None:
    run = started()
    answer(run, True)
    run.handle(HEALTH, "review", outcome=REJECT, opinion="数据有误")
    assert run.case.status != RUNNING
    assert status_of(run.plan, run.case) == NOT_APPROVED


def timed(limit: str) -> Run:
    steps = STEPS.replace("by: applicant}", f"by: applicant, confirm_within: {limit}}}")
    return Run.start(build_plan(steps, TASKS), {"company_name": "星河智能"})


def test_a_time_to_confirm_reminds_the_applicant_once_then_declines() -> None:
    """确认时限 10 working days: a reminder at 3/4 of the time, told in the history the
    applicant's page shows; unanswered at the end, the case ends as declined (已放弃)."""
    run = timed("{working_days: 10}")
    task = pending_confirmation(run.case)
    assert task is not None and task.due_at is not None
    remind, expire = run.jobs(task.no, "confirm_remind"), run.jobs(task.no, "confirm_expire")
    assert [j.at for j in expire] == [task.due_at] and remind[0].at < task.due_at
    events = run.fire(remind[0]).events
    assert [(e.action, e.detail["zh"][:2]) for e in events] == [("confirm.remind", "请于")]
    assert run.fire(remind[0]).events == []  # reminded once however often it fires
    assert status_of(run.plan, run.case) == CONFIRM
    run.fire(expire[0])
    assert (run.case.status, run.task(1).outcome) == (REJECTED, REJECT)
    assert status_of(run.plan, run.case) == DECLINED
    assert "review" not in {t.step for t in run.case.tasks}


def test_unanswered_can_mean_confirmed_when_the_definition_says_so() -> None:
    run = timed("{calendar_days: 15, unanswered: confirm, remind_at: 0.5}")
    [expire] = run.jobs(1, "confirm_expire")
    events = run.fire(expire).events
    assert "逾期未答复，按规定视为确认" in [e.detail.get("zh") for e in events]
    assert run.steps()["confirm"] == "done" and run.only("review").department == "HEALTH"


def test_an_answer_in_time_leaves_the_timers_nothing_to_do() -> None:
    run = timed("{working_days: 10}")
    [remind], [expire] = run.jobs(1, "confirm_remind"), run.jobs(1, "confirm_expire")
    answer(run, True)
    assert run.fire(remind).events == [] and run.fire(expire).events == []
    assert run.steps()["confirm"] == "done" and run.case.status == RUNNING

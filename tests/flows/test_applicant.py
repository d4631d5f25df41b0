"""The case as its applicant sees it: each status and what moves it there, internal returns
that stay "in progress", a correction asked of the applicant (the task waits, its timers
stop) and the resubmission that gives the waiting step a new task in the same pool."""

from runtime.flows import actions, applicant
from runtime.flows.applicant import (
    ACCEPTED,
    CORRECTION,
    FINISHED,
    IN_PROGRESS,
    NOT_APPROVED,
    SUBMITTED,
    pending_corrections,
    resubmitted,
    status_of,
)
from runtime.flows.case import (
    ACTIVE,
    CORRECTED,
    CORRECTING,
    OPEN,
    REJECT,
    SYSTEM,
)
from runtime.flows.engine import Flow

from .build import Run, build_plan, person, refused

GOVSVC, HEALTH, POLICE = person(1, "GOVSVC"), person(2, "HEALTH"), person(3, "POLICE")
TASKS = {
    "accept": "assignee: {department: GOVSVC, role: clerk}",
    "certificate": "assignee: {department: HEALTH, role: clerk}\ndeadline: {working_days: 3}",
    "hukou": "assignee: {department: POLICE, role: clerk}\ndeadline: {working_days: 5}",
}
CHAIN = """
- {id: accept, task: accept}
- {id: certificate, task: certificate, after: [accept], can_return_to: [accept]}
- {id: hukou, task: hukou, after: [certificate], can_return_to: [accept, certificate]}
"""


def chain() -> Run:
    return Run.start(build_plan(CHAIN, TASKS), {"applicant": "王小明", "district": "朝阳"})


def status(run: Run) -> str:
    return status_of(run.plan, run.case)


def resubmit(run: Run, **changes: str) -> None:
    flow = Flow(run.plan, run.case, run.now, SYSTEM)
    before = {k: run.case.data.get(k) for k in changes}
    run.case.data.update(changes)
    resubmitted(flow, {k: (before[k], v) for k, v in changes.items()})
    run._keep(flow.effects)


def test_a_case_goes_submitted_accepted_in_progress_done():
    run = chain()
    assert status(run) == SUBMITTED
    run.act(actions.claim, GOVSVC, run.only("accept").no)
    assert status(run) == SUBMITTED  # claimed, not yet accepted
    run.act(actions.complete, GOVSVC, run.only("accept").no)
    assert status(run) == ACCEPTED  # the first step done, nobody handling the next yet
    run.act(actions.claim, HEALTH, run.only("certificate").no)
    assert status(run) == IN_PROGRESS
    run.act(actions.complete, HEALTH, run.only("certificate").no)
    run.handle(POLICE, "hukou")
    assert status(run) == FINISHED


def test_a_rejected_case_is_not_approved_with_the_reason_written_for_the_applicant():
    run = chain()
    run.handle(GOVSVC, "accept")
    run.handle(HEALTH, "certificate", outcome=REJECT, opinion="内部：证明存疑",
               notice="出生医学证明信息与医院记录不符")
    assert status(run) == NOT_APPROVED
    told = applicant.notice_of(run.effects.events)
    assert told == {"reason": "出生医学证明信息与医院记录不符", "fields": []}
    assert "内部" not in str(told)


def test_an_internal_return_stays_in_progress():
    run = chain()
    run.handle(GOVSVC, "accept")
    run.handle(HEALTH, "certificate")
    run.act(actions.claim, POLICE, run.only("hukou").no)
    run.act(actions.return_to, POLICE, run.only("hukou").no, "accept", "派错部门")
    assert run.only("accept").status == OPEN
    assert status(run) == IN_PROGRESS  # not a request to the applicant
    assert applicant.notice_of(run.effects.events) is None


def test_a_correction_waits_for_the_applicant_and_the_step_resumes_in_its_pool():
    run = chain()
    run.handle(GOVSVC, "accept")
    task = run.only("certificate")
    run.act(actions.claim, HEALTH, task.no)
    run.act(actions.ask_correction, HEALTH, task.no, ("district",), "  请填写户籍所在区  ")
    assert (task.status, task.completed_by) == (CORRECTING, 2)
    assert run.live("certificate") == [] and run.case.steps["certificate"].status == ACTIVE
    assert status(run) == CORRECTION
    assert applicant.notice_of(run.effects.events) == {"reason": "请填写户籍所在区",
                                                       "fields": ["district"]}
    for job in run.jobs(task.no):  # its deadline stops: no warning while the applicant fixes it
        run.fire(job)
    assert task.warned is None and run.events("warning.red") == []
    resubmit(run, district="海淀")
    again = run.only("certificate")
    assert task.status == CORRECTED
    assert (again.department, again.user_id, again.order, again.round) == ("HEALTH", None, 0, 1)
    assert again.due_at is not None and again.clock_from == run.now
    [done] = run.events("correction.done")
    assert done.detail == {"changes": {"district": ["朝阳", "海淀"]}}
    assert status(run) == IN_PROGRESS
    run.handle(HEALTH, "certificate")
    run.handle(POLICE, "hukou")
    assert status(run) == FINISHED


def test_a_correction_at_acceptance_goes_back_to_submitted():
    run = chain()
    run.act(actions.claim, GOVSVC, 1)
    run.act(actions.ask_correction, GOVSVC, 1, ("applicant",), "姓名与证件不符")
    assert status(run) == CORRECTION
    resubmit(run, applicant="王晓明")
    assert status(run) == SUBMITTED and run.only("accept").user_id is None


def test_a_correction_needs_fields_a_reason_and_the_holder():
    run = chain()
    with refused("claim_first"):
        run.act(actions.ask_correction, GOVSVC, 1, ("applicant",), "请补正")
    run.act(actions.claim, GOVSVC, 1)
    with refused("fields_required", "请选择需要补正的项目"):
        run.act(actions.ask_correction, GOVSVC, 1, (), "请补正")
    with refused("reason_required"):
        run.act(actions.ask_correction, GOVSVC, 1, ("applicant",), "  ")
    run.act(actions.ask_correction, GOVSVC, 1, ("applicant",), "请补正")
    with refused("not_open", "此任务已交申请人补正，不能再办理"):
        run.act(actions.complete, GOVSVC, 1)


def test_nothing_to_resubmit_without_a_pending_correction():
    run = chain()
    with refused("no_correction"):
        resubmit(run, district="海淀")


def test_a_return_on_a_parallel_branch_leaves_the_request_to_the_applicant_standing():
    plan = build_plan("""
- {id: accept, task: accept}
- {id: certificate, task: certificate, after: [accept], can_return_to: [accept]}
- {id: hukou, task: hukou, after: [accept]}
""", TASKS)
    run = Run.start(plan, {})
    run.handle(GOVSVC, "accept")
    run.act(actions.claim, POLICE, run.only("hukou").no)
    run.act(actions.ask_correction, POLICE, run.only("hukou").no, ("district",), "请补正")
    assert status(run) == CORRECTION
    run.act(actions.claim, HEALTH, run.only("certificate").no)
    run.act(actions.return_to, HEALTH, run.only("certificate").no, "accept", "重新受理")
    assert pending_corrections(run.case) == [run.task(3)] and status(run) == CORRECTION
    run.handle(GOVSVC, "accept")  # a parallel branch keeps its work: hukou still waits
    assert pending_corrections(run.case) == [run.task(3)] and status(run) == CORRECTION
    resubmit(run, district="海淀")
    assert run.only("hukou").status == OPEN and status(run) == IN_PROGRESS

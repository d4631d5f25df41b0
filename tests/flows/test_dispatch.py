"""12345 work orders as documented: a dispatcher works the dispatch tasks addressed to the
dispatcher role, a department that returns an order gets its next task in its pool, and
the hotline (as the template says), not the handling department, decides its extensions."""

from runtime.flows import actions
from runtime.flows.case import DONE, OPEN

from .build import Run, build_plan, person, refused

DISPATCHER, OTHER_DISPATCHER = (person(1, "HOTLINE", "dispatcher", region="110000"),
                                person(2, "HOTLINE", "dispatcher", region="110000"))
SAMR, SAMR_LEAD = person(3, "SAMR"), person(4, "SAMR", "lead")
HOTLINE_LEAD, HOTLINE_CLERK = person(5, "HOTLINE", "lead"), person(6, "HOTLINE")
TASKS = {
    "dispatch": "assignee: {department: HOTLINE, role: dispatcher}\ndeadline: {working_days: 1}",
    "handle": """
        assignee: {department: SAMR, role: clerk}
        deadline: {working_days: 5}
        extension: {decided_by: {department: HOTLINE, role: lead}}
    """,
}
STEPS = """
- {id: dispatch, task: dispatch}
- {id: handle, task: handle, after: [dispatch], can_return_to: [dispatch]}
"""


def at_handle() -> Run:
    run = Run.start(build_plan(STEPS, TASKS), region_code="110105")
    run.handle(DISPATCHER, "dispatch")
    run.act(actions.claim, SAMR, run.only("handle").no)
    return run


def test_a_dispatcher_claims_and_completes_a_dispatch_task():
    run = Run.start(build_plan(STEPS, TASKS), region_code="110105")
    task = run.only("dispatch")
    assert DISPATCHER.in_pool(task) and not SAMR.in_pool(task)
    run.act(actions.claim, DISPATCHER, task.no)
    run.act(actions.complete, DISPATCHER, task.no, opinion="派市场监管局")
    assert run.case.steps["dispatch"].status == DONE
    assert run.only("handle").department == "SAMR"


def test_a_dispatcher_cannot_claim_a_clerks_task():
    run = at_handle()
    run.act(actions.return_to, SAMR, run.only("handle").no, "dispatch", "非本部门职责")
    run.handle(DISPATCHER, "dispatch")
    with refused("not_yours"):
        run.act(actions.claim, DISPATCHER, run.only("handle").no)


def test_a_returning_department_gets_its_next_task_in_its_pool():
    run = at_handle()
    run.act(actions.return_to, SAMR, run.only("handle").no, "dispatch", "非本部门职责")
    dispatch = run.only("dispatch")
    assert dispatch.user_id == DISPATCHER.user_id  # back to the dispatcher who dispatched it
    run.act(actions.complete, DISPATCHER, dispatch.no, opinion="职责确属市场监管")
    handle = run.only("handle")
    assert (handle.round, handle.department, handle.user_id, handle.status) == (
        2, "SAMR", None, OPEN)
    assert any(m.key == "task.new" and m.task_no == handle.no and m.department == "SAMR"
               for m in run.effects.messages)  # the pool is told


def test_the_template_names_who_decides_an_extension_and_is_told():
    run = at_handle()
    no = run.only("handle").no
    run.act(actions.request_extension, SAMR, no, 3, "需现场核查")
    [told] = [m for m in run.effects.messages if m.key == "extension.requested"]
    assert (told.department, told.role, told.user_id) == ("HOTLINE", "lead", None)
    assert actions.may_see(HOTLINE_LEAD, run.case, run.task(no))  # to open the task page
    with refused("own_department_extension", "承办部门不能审批本部门的延期申请"):
        run.act(actions.decide_extension, SAMR_LEAD, no, True)
    for who in (HOTLINE_CLERK, OTHER_DISPATCHER):
        with refused("not_allowed"):
            run.act(actions.decide_extension, who, no, True)
    due = run.task(no).due_at
    run.act(actions.decide_extension, HOTLINE_LEAD, no, True, "同意")
    assert run.task(no).extension["status"] == "approved" and run.task(no).due_at > due
    assert not actions.may_see(HOTLINE_LEAD, run.case, run.task(no))  # decided: no longer


def test_the_handling_department_cannot_decide_its_own_extension():
    steps = STEPS.replace("task: handle,", "task: handle_by_hotline,")
    tasks = {**TASKS, "handle_by_hotline": TASKS["handle"].replace("SAMR", "HOTLINE")}
    run = Run.start(build_plan(steps, tasks), region_code="110105")
    run.handle(DISPATCHER, "dispatch")
    no = run.only("handle").no
    run.act(actions.claim, HOTLINE_CLERK, no)
    run.act(actions.request_extension, HOTLINE_CLERK, no, 2, "需现场核查")
    with refused("own_department_extension", "承办部门不能审批本部门的延期申请"):
        run.act(actions.decide_extension, HOTLINE_LEAD, no, True)

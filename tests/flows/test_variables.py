"""Named case variables (案件变量): a step sets them when it ends, from what its handler
recorded; later conditions, assignee rules and time limits read them as `vars['name']`, and
the value carries forward through returns, routes and re-dispatch."""

from runtime.flows import actions, stored
from runtime.flows.case import ACTIVE, CASE_DONE, SKIPPED
from runtime.flows.engine import Flow

from .build import START, Run, build_plan, person, refused

DISPATCHER = person(1, "HOTLINE", "dispatcher")
HOTLINE = person(2, "HOTLINE")
SAMR, POLICE = person(3, "SAMR"), person(4, "POLICE")
HEAD = """
variables:
  - {id: handling_dept, label: 承办部门}
  - {id: limit, label: 办理时限, default: 13}
  - {id: redone, default: false}
"""
TASKS = {
    "dispatch": "assignee: {department: HOTLINE, role: dispatcher}",
    "handle": ("assignee: {rule: \"vars['handling_dept']\", role: clerk}\n"
               "deadline: {working_days: \"vars['limit']\"}"),
    "revisit": "assignee: {department: HOTLINE, role: clerk}",
}
FORMS = {
    "dispatch": """
- {id: department, type: department, label: 承办部门}
- {id: urgent, type: yes_no, label: 紧急}
""",
    "revisit": "- {id: satisfied, type: yes_no, label: 满意}",
}
STEPS = """
- id: dispatch
  task: dispatch
  set:
    handling_dept: "steps['dispatch']['data']['department']"
    limit: "0 if steps['dispatch']['data']['urgent'] else vars['limit']"
- {id: handle, task: handle, after: [dispatch], can_return_to: [dispatch]}
- id: revisit
  task: revisit
  after: [handle]
  set: {redone: "not steps['revisit']['data']['satisfied']"}
  routes: [{when: "not steps['revisit']['data']['satisfied']", to: handle, max: 1}]
- {id: supervise, task: revisit, after: [revisit], when: "vars['redone']"}
"""


def dispatched(department: str, *, urgent: bool = False) -> Run:
    run = Run.start(build_plan(STEPS, TASKS, forms=FORMS, head=HEAD))
    run.handle(DISPATCHER, "dispatch", data={"department": department, "urgent": urgent})
    return run


def test_the_dispatchers_choice_steers_the_handling_step_and_its_time_limit():
    run = dispatched("SAMR", urgent=True)
    assert run.case.variables == {"handling_dept": "SAMR", "limit": 0, "redone": False}
    task = run.only("handle")
    assert task.department == "SAMR"
    assert task.due_at is not None and task.due_at.date() == START.date().replace(day=30)
    [line] = run.events("variables.set")
    assert line.detail == {"fields": ["handling_dept", "limit"],
                           "values": {"handling_dept": "SAMR", "limit": 0}}


def test_a_default_is_read_until_a_step_sets_the_variable():
    run = dispatched("SAMR")
    assert run.case.variables["limit"] == 13  # not urgent: the default kept


def test_after_a_return_the_re_dispatch_sends_the_work_to_the_new_department():
    run = dispatched("SAMR")
    no = run.act(actions.claim, SAMR, run.only("handle").no).no
    run.act(actions.return_to, SAMR, no, "dispatch", "不属本部门职责")
    assert run.steps()["dispatch"] == ACTIVE
    assert run.case.variables["handling_dept"] == "SAMR"  # kept until the dispatcher decides
    run.handle(DISPATCHER, "dispatch", data={"department": "POLICE", "urgent": False})
    assert run.only("handle").department == "POLICE"
    assert run.case.variables["handling_dept"] == "POLICE"


def test_the_value_carries_through_a_route_back_and_steers_a_later_condition():
    run = dispatched("POLICE")
    run.handle(POLICE, "handle")
    run.handle(HOTLINE, "revisit", data={"satisfied": False})  # 不满意 → 重办
    assert run.only("handle").department == "POLICE"  # the carried choice, not a table's
    assert run.case.variables["redone"] is True
    run.handle(POLICE, "handle")
    run.handle(HOTLINE, "revisit", data={"satisfied": True})
    # Set again when the revisit ended again: satisfied this time, so no supervision.
    assert run.case.variables["redone"] is False
    assert run.steps()["supervise"] == SKIPPED and run.case.status == CASE_DONE


def test_a_set_that_fails_refuses_the_move_naming_the_step():
    steps = STEPS.replace("\"0 if steps", "\"1 / 0 if steps")
    run = Run.start(build_plan(steps, TASKS, forms=FORMS, head=HEAD))
    run.act(actions.claim, DISPATCHER, run.only("dispatch").no)
    with refused("rule_failed"):
        run.act(actions.complete, DISPATCHER, run.only("dispatch").no,
                data={"department": "SAMR", "urgent": True})


def test_variables_are_stored_with_the_case_and_read_back():
    run = dispatched("SAMR")
    value = stored.dump(run.case)
    assert value["format"] == stored.FORMAT and value["variables"] == run.case.variables
    assert stored.variables_of(value) == run.case.variables


def test_a_case_stored_before_a_variable_was_declared_reads_its_default():
    run = dispatched("SAMR")
    run.case.variables = {}  # as a case stored in format 3 is read
    Flow(run.plan, run.case, START)
    assert run.case.variables == {"handling_dept": None, "limit": 13, "redone": False}

"""Child cases (子案件): a step starts one case of another process per item of a list from
the case (a plan starts one inspection per target restaurant), waits for them by its join
(all, any, at least N) and sees how each ended."""

from runtime.flows.case import (
    ACTIVE,
    CASE_DONE,
    CASE_WITHDRAWN,
    DONE,
    REJECTED,
    RUNNING,
    SKIPPED,
    STARTING,
)
from runtime.flows.engine import Flow

from .build import START, Run, build_plan, person, refused

CLERK = person(1, "GOVSVC")
FORM = """\
kind: Form
id: inspection_form
version: 1
title: 检查
fields:
  - {id: restaurant, type: text, label: 检查对象}
  - {id: due, type: date, label: 检查日期}
  - {id: round_no, type: integer, label: 轮次}
"""
CHILD = """\
kind: Process
id: inspection
version: 1
title: 检查
start_form: inspection_form
steps: [{id: inspect, task: inspect}]
"""
TEMPLATE = ("kind: TaskTemplate\nid: inspect\nversion: 1\ntitle: 检查\n"
            "content: {instructions: 检查}\ncoordination: {assignee: {department: SAMR, role: clerk}}\n")
EXTRA = {"forms/inspection_form.yaml": FORM, "processes/inspection.yaml": CHILD,
         "tasks/inspect.yaml": TEMPLATE}
STEPS = """
- id: plan
  task: accept
- id: inspect_all
  task: accept
  after: [plan]
  when: "applicant != 'none'"
  children:
    process: inspection
    items: "applicant.split(',')"
    data: {restaurant: item, due: "add_days(date(2026, 10, 12), 3)", round_no: 1}
    join: JOIN
- id: close
  task: accept
  after: [inspect_all]
  when: "steps['inspect_all']['child_counts']['rejected'] > 0"
"""


def planned(targets: str, join: str = "all") -> Run:
    run = Run.start(build_plan(STEPS.replace("JOIN", join), extra=EXTRA),
                    {"applicant": targets})
    run.handle(CLERK, "plan")
    return run


def test_one_child_case_per_item_with_the_item_as_its_start_data():
    run = planned("老街面馆,新华饭店")
    step = run.case.steps["inspect_all"]
    assert step.status == ACTIVE and run.live("inspect_all") == []  # no task: children
    assert [c.data for c in run.children()] == [
        {"restaurant": "老街面馆", "due": "2026-10-15", "round_no": 1},
        {"restaurant": "新华饭店", "due": "2026-10-15", "round_no": 1}]
    assert {c.process for c in run.children()} == {"inspection"}
    assert step.children == [{"case": None, "status": STARTING}] * 2


def _run_children(run: Run, *ends: str) -> None:
    flow = Flow(run.plan, run.case, run.now)
    starts = run.children()
    for n, start in enumerate(starts, start=1):
        flow.child_started(start, f"C{n}")
    for start, status in zip(starts, ends, strict=False):
        flow.child_ended(start.step, start.round, start.index, status)
    run._keep(flow.effects)


def test_join_all_waits_for_every_child_and_sees_how_each_ended():
    run = planned("a,b")
    _run_children(run, CASE_DONE)
    assert run.steps()["inspect_all"] == ACTIVE  # one of two
    flow = Flow(run.plan, run.case, run.now)
    flow.child_ended("inspect_all", 1, 1, CASE_DONE)
    assert run.case.steps["inspect_all"].outcome == "approve"
    assert run.steps()["close"] == SKIPPED and run.case.status == CASE_DONE
    assert [e.detail["case"] for e in flow.effects.events if e.action == "child.end"] == ["C2"]


def test_a_rejected_child_fails_join_all_and_later_steps_see_which():
    run = planned("a,b,c", "{at_least: 2}")
    _run_children(run, REJECTED, CASE_DONE)
    assert run.steps()["inspect_all"] == ACTIVE  # 1 done, 1 rejected: 2 still possible
    Flow(run.plan, run.case, run.now).child_ended("inspect_all", 1, 2, CASE_WITHDRAWN)
    assert run.case.status == REJECTED  # the join can no longer be met: no route, it ends
    run = planned("a,b,c", "{at_least: 2}")
    _run_children(run, REJECTED, CASE_DONE, CASE_DONE)
    assert run.case.steps["inspect_all"].outcome == "approve"
    assert run.steps()["close"] == ACTIVE  # it reads that one child was rejected
    children = Flow(run.plan, run.case, run.now).scope()["steps"]["inspect_all"]["children"]
    assert [(c["item"], c["case"], c["status"]) for c in children] == [
        ("a", "C1", REJECTED), ("b", "C2", CASE_DONE), ("c", "C3", CASE_DONE)]


def test_join_any_moves_on_with_the_first_child_done():
    run = planned("a,b,c", "any")
    _run_children(run, REJECTED, CASE_DONE)
    assert run.case.steps["inspect_all"].status == DONE
    assert run.case.steps["inspect_all"].children[2]["status"] == RUNNING  # not stopped


def test_an_end_of_an_earlier_round_or_told_twice_counts_once():
    run = planned("a,b")
    _run_children(run, CASE_DONE)
    flow = Flow(run.plan, run.case, run.now)
    flow.child_ended("inspect_all", 1, 0, CASE_DONE)  # told again
    flow.child_ended("inspect_all", 0, 1, CASE_DONE)  # an earlier round
    flow.child_ended("inspect_all", 1, 1, RUNNING)  # not an end
    assert run.steps()["inspect_all"] == ACTIVE


def test_an_empty_list_skips_the_step_and_a_non_list_refuses_the_move():
    run = planned("none")  # `when` false: skipped before reading the list
    assert run.steps()["inspect_all"] == SKIPPED
    steps = STEPS.replace("JOIN", "all").replace("applicant.split(',')", "applicant")
    run = Run.start(build_plan(steps, extra=EXTRA), {"applicant": "x"})
    with refused("bad_items"):
        run.handle(CLERK, "plan")


def test_started_children_carry_their_tracking_numbers_and_the_history_says_so():
    run = planned("a")
    flow = Flow(run.plan, run.case, START)
    flow.child_started(run.children()[0], "C1")
    assert run.case.steps["inspect_all"].children == [{"case": "C1", "status": RUNNING}]
    [line] = [e for e in flow.effects.events if e.action == "child.start"]
    assert line.detail["zh"] == "发起子案件 C1"

"""A task per item (逐项办理): a step runs once per item of a list from the case — findings
to rectify, restaurants to inspect, departments chosen — each task carrying its item, its
department and a deadline read from it, joined by all, any or at least N."""

from runtime.flows import actions
from runtime.flows.case import ACTIVE, CASE_DONE, SKIPPED

from .build import START, Run, build_plan, china, person, refused

CLERK = person(1, "GOVSVC")
BY_DEPARTMENT = {code: person(i + 2, code) for i, code in enumerate(("HEALTH", "POLICE",
                                                                      "MEDINS"))}


def plan(mode: str = "all", extra: str = ""):
    return build_plan(f"""
- {{id: accept, task: accept}}
- id: rectify
  task: rectify
  after: [accept]
  for_each: {{items: "applicant", department: "item['department']"}}
  assignees: {{mode: {mode}{extra}}}
- {{id: close, task: accept, after: [rectify]}}
""", {"rectify": "assignee: {role: clerk}\n"
                 "deadline: {working_days: \"item['days']\"}"})


FINDINGS = [{"finding": "后厨地面积水", "department": "HEALTH", "days": 1},
            {"finding": "消防通道堵塞", "department": "POLICE", "days": 3},
            {"finding": "医保标识缺失", "department": "MEDINS", "days": 1}]


def done(run: Run, task) -> None:
    staff = BY_DEPARTMENT[task.department or ""]
    run.act(actions.claim, staff, task.no)
    run.act(actions.complete, staff, task.no, opinion="已整改")


def started(mode: str = "all", items=FINDINGS, extra: str = "") -> Run:
    run = Run.start(plan(mode, extra), {"applicant": items})
    run.handle(CLERK, "accept")
    return run


def test_each_item_becomes_a_task_with_its_item_department_and_deadline():
    run = started()
    tasks = run.live("rectify")
    assert [(t.department, t.item["finding"]) for t in tasks] == [
        ("HEALTH", "后厨地面积水"), ("POLICE", "消防通道堵塞"), ("MEDINS", "医保标识缺失")]
    assert [t.due_at for t in tasks] == [china(2026, 10, 1), china(2026, 10, 10),
                                         china(2026, 10, 1)]
    assert run.case.steps["rectify"].items == FINDINGS


def test_all_items_must_be_done_before_the_step_ends():
    run = started()
    for task in run.live("rectify")[:2]:
        done(run, task)
    assert run.steps()["rectify"] == ACTIVE
    last = run.live("rectify")[0]
    done(run, last)
    assert run.steps()["close"] == ACTIVE


def test_at_least_n_ends_the_step_and_cancels_the_rest():
    run = started("at_least", extra=", count: 2")
    for task in run.live("rectify")[:2]:
        done(run, task)
    assert run.steps()["rectify"] == "done" and run.live("rectify") == []


def test_no_items_skips_the_step():
    run = started(items=[])
    assert run.steps()["rectify"] == SKIPPED and run.steps()["close"] == ACTIVE
    run.handle(CLERK, "close")
    assert run.case.status == CASE_DONE


def test_items_that_are_not_a_list_refuse_the_move_naming_the_step():
    run = Run.start(plan(), {"applicant": "后厨地面积水"}, now=START)
    with refused("bad_items"):
        run.handle(CLERK, "accept")

"""Time limits as the rules state them: the same working day, hours, calendar days and months;
amounts read from the case; clocks that start from a date in the data; a limit to claim, a
window to return; and suspension (挂起), which stops the clock."""

from datetime import datetime

import pytest

from runtime.flows import actions
from runtime.flows.case import OPEN, Actor
from runtime.flows.engine import Flow

from .build import START, Run, build_plan, china, person, refused

CLERK, LEAD = person(1, "GOVSVC"), person(5, "GOVSVC", "lead")
PROCESS = """
- {id: accept, task: accept, can_return_to: []}
- {id: next, task: next, after: [accept], can_return_to: [accept]}
"""


def plan(coordination: str, *, on: str = "accept"):
    return build_plan(PROCESS, {on: f"""
        assignee: {{department: GOVSVC, role: clerk}}
        escalation: {{department: GOVSVC, role: lead}}
        {coordination}
    """})


def due(coordination: str, data: dict | None = None, now: datetime = START) -> datetime | None:
    return Run.start(plan(coordination), data, now=now).only("accept").due_at


# --- units ------------------------------------------------------------------------------

@pytest.mark.parametrize(("deadline", "now", "expected"), [
    # 0 working days is the same working day: Tuesday 29 September ends at midnight.
    ("{working_days: 0}", START, china(2026, 9, 30)),
    # Given on a holiday, the same working day is the next working day, 8 October.
    ("{working_days: 0}", china(2026, 10, 3, 15), china(2026, 10, 9)),
    ("{hours: 4}", START, china(2026, 9, 29, 14)),  # clock hours, holidays or not
    ("{calendar_days: 15}", START, china(2026, 10, 15)),  # the end of 14 October
    ("{months: 1}", START, china(2026, 10, 30)),  # the end of 29 October
    ("{months: 1}", china(2026, 1, 31, 9), china(2026, 3, 1)),  # 31 Jan + 1 month: 28 Feb
], ids=["same-working-day", "same-day-on-holiday", "hours", "calendar-days", "months",
        "month-end"])
def test_each_unit_counts_as_the_rules_state_it(deadline: str, now: datetime,
                                                expected: datetime):
    assert due(f"deadline: {deadline}", now=now) == expected


def test_the_amount_can_come_from_the_case_data():
    # Consultation 3 working days, complaint 13: by type, as the 12345 rules say.
    rule = "deadline: {working_days: \"3 if applicant == 'consultation' else 13\"}"
    assert due(rule, {"applicant": "consultation"}) == china(2026, 10, 10)  # end of 9 October
    assert due(rule, {"applicant": "complaint"}) == china(2026, 10, 23)  # end of 22 October


def test_an_amount_that_is_not_a_whole_number_refuses_the_move_and_names_the_rule():
    with refused("bad_limit"):
        due("deadline: {working_days: \"applicant\"}", {"applicant": "three"})


def test_a_clock_can_start_from_a_date_in_the_data():
    # Ten working days from the inspection date, 21 September (not from when the task came).
    task = Run.start(plan("deadline: {working_days: 10, from_date: \"to_date(applicant)\"}"),
                     {"applicant": "2026-09-21"}).only("accept")
    assert task.clock_from == china(2026, 9, 21)
    assert task.due_at == china(2026, 10, 13)  # 22-30 Sept is 7; 8, 9, 10 Oct make 10


# --- claim and return limits ------------------------------------------------------------

def test_a_task_left_in_its_pool_past_its_claim_limit_tells_the_pool_and_the_escalation():
    run = Run.start(plan("claim_within: {working_days: 1}\n        deadline: {working_days: 5}"))
    claim = run.jobs(1, "claim")[0]
    assert claim.at == china(2026, 10, 1)  # the end of Wednesday 30 September
    effects = run.fire(claim)
    assert [e.action for e in effects.events] == ["warning.claim"]
    assert {(m.key, m.department, m.role) for m in effects.messages} == {
        ("task.claim_late", "GOVSVC", "clerk"), ("task.claim_late", "GOVSVC", "lead")}
    assert run.fire(claim).events == []  # once however often it fires


def test_a_claimed_task_is_not_late_to_claim():
    run = Run.start(plan("claim_within: {hours: 2}"))
    run.act(actions.claim, CLERK, 1)
    assert run.fire(run.jobs(1, "claim")[0]).events == []


def test_a_return_after_its_window_is_refused_with_the_rule_named():
    run = Run.start(plan("return_within: {working_days: 2}", on="next"))
    run.handle(CLERK, "accept")
    task = run.only("next")
    run.act(actions.claim, CLERK, task.no)
    run.now = china(2026, 10, 8, 9)  # within two working days (30 September, 8 October)
    assert actions.check_return(*_flow(run), task.no, "accept") is task
    run.now = china(2026, 10, 9, 9)  # the third working day
    with refused("return_window", "已超过退回时限（return_within：2 个工作日），不能再退回，"
                                  "请办理或申请延期"):
        run.act(actions.return_to, CLERK, task.no, "accept", "材料不全")


def _flow(run: Run):
    return Flow(run.plan, run.case, run.now, Actor(CLERK.user_id, CLERK.name)), CLERK


# --- suspension -------------------------------------------------------------------------

def suspended_run() -> Run:
    run = Run.start(plan("deadline: {working_days: 3}"))
    run.act(actions.claim, CLERK, 1)
    run.act(actions.suspend, CLERK, 1, "等待申请人补充出生医学证明")
    return run


def test_a_suspended_task_stops_its_clock_and_its_timers_wait():
    run = suspended_run()
    task = run.only("accept")
    assert task.suspended_at == START and task.status == OPEN
    assert run.fire(run.jobs(1, "overdue")[0]).events == []  # no overdue while suspended
    assert task.warned is None
    with refused("suspended"):
        run.act(actions.complete, CLERK, 1, opinion="同意")


def test_resuming_moves_the_due_moment_on_by_the_working_days_it_stood_still():
    run = suspended_run()
    before = run.only("accept").due_at
    assert before == china(2026, 10, 10)
    run.now = china(2026, 10, 8, 11)  # suspended 29 Sept 10:00 to 8 Oct 11:00
    run.act(actions.resume, CLERK, 1, "材料已补齐")
    task = run.only("accept")
    # 14 h on 29 Sept, 24 h on 30 Sept, 11 h on 8 Oct of working time: 49 h, so 3 working days.
    assert (task.suspended_at, task.due_at) == (None, china(2026, 10, 14))
    overdue = run.jobs(1, "overdue")[-1]
    assert overdue.stamp == task.due_at.isoformat()
    run.act(actions.complete, CLERK, 1, opinion="同意")


def test_suspension_needs_a_reason_and_a_deadline_and_resume_needs_a_suspension():
    run = Run.start(plan("deadline: {working_days: 3}"))
    run.act(actions.claim, CLERK, 1)
    with refused("reason_required"):
        run.act(actions.suspend, CLERK, 1, " ")
    with refused("not_suspended"):
        run.act(actions.resume, CLERK, 1)
    free = Run.start(plan(""))
    free.act(actions.claim, CLERK, 1)
    with refused("no_deadline"):
        free.act(actions.suspend, CLERK, 1, "等待")


# --- from a decision table --------------------------------------------------------------

LIMITS = """\
hit_policy: first
outputs: [{id: days}]
rows:
  - {when: "district == 'urgent'", then: {days: 0}}
  - {when: "district == 'consultation'", then: {days: 3}}
default: {days: 13}
"""


def test_the_amount_can_come_from_a_decision_table():
    tasks = {"accept": "assignee: {department: GOVSVC, role: clerk}\n"
                       "deadline: {working_days: \"decisions['limits']['days']\"}"}
    limited = build_plan(PROCESS, tasks, {"limits": LIMITS})
    assert Run.start(limited, {"district": "urgent"}).only("accept").due_at == china(2026, 9, 30)
    assert Run.start(limited, {"district": "consultation"}).only("accept").due_at == china(
        2026, 10, 10)
    assert Run.start(limited, {"district": "其他"}).only("accept").due_at == china(2026, 10, 23)

"""Deadlines in Chinese working days, the yellow and overdue timers, what happens by itself when
a task is overdue, and extensions (延期)."""

import dataclasses
from datetime import date, datetime, timedelta

import chinese_calendar
import pytest

from runtime.flows import actions, deadlines
from runtime.flows.case import APPROVE, DONE, OPEN, TASK_DONE

from .build import START, Run, build_plan, china, person, refused

CLERK, LEAD = person(1, "GOVSVC"), person(5, "GOVSVC", "lead")
PROCESS = """
- {id: accept, task: accept}
- {id: next, task: next, after: [accept]}
"""


def deadline_plan(days: int, *, extra: str = "", yellow: float = 0.75, start: str = "created"):
    return build_plan(PROCESS, {"accept": f"""
        assignee: {{department: GOVSVC, role: clerk}}
        deadline: {{working_days: {days}, from: {start}}}
        warning: {{yellow_at: {yellow}}}
        escalation: {{department: GOVSVC, role: lead}}
        {extra}
    """})


def started(days: int, *, now: datetime = START, **kwargs) -> Run:
    return Run.start(deadline_plan(days, **kwargs), now=now)


# --- the calendar these tests rely on ---------------------------------------------------

def test_the_calendar_has_national_day_2026_and_its_adjusted_days():
    holidays = [date(2026, 10, d) for d in range(1, 8)]
    assert all(chinese_calendar.is_holiday(d) for d in holidays)
    assert chinese_calendar.is_workday(date(2026, 9, 30))
    assert chinese_calendar.is_workday(date(2026, 10, 8))
    assert date(2026, 10, 10).weekday() == 5 and chinese_calendar.is_workday(date(2026, 10, 10))
    assert chinese_calendar.is_holiday(date(2026, 10, 11))
    assert date(2026, 2, 14).weekday() == 5 and chinese_calendar.is_workday(date(2026, 2, 14))
    assert all(chinese_calendar.is_holiday(date(2026, 2, d)) for d in range(15, 24))


# --- due moments ------------------------------------------------------------------------

@pytest.mark.parametrize(("days", "due"), [
    (1, china(2026, 10, 1)),  # the end of Wednesday 30 September
    (2, china(2026, 10, 9)),  # 1-7 October are holidays: the end of Thursday 8 October
    (3, china(2026, 10, 10)),  # the end of Friday 9 October
    (4, china(2026, 10, 11)),  # the end of Saturday 10 October, an adjusted working day
    (5, china(2026, 10, 13)),  # Sunday 11 October is a rest day: the end of Monday 12
], ids=["before", "across-holiday", "after-holiday", "adjusted-saturday", "after-sunday"])
def test_a_deadline_across_national_day_counts_working_days_only(days: int, due: datetime):
    run = started(days)  # given on Tuesday 29 September 2026, 10:00
    task = run.only("accept")
    assert (task.clock_from, task.due_at) == (START, due)
    assert [(j.kind, j.stamp) for j in run.jobs(task.no)] == [("yellow", due.isoformat()),
                                                              ("overdue", due.isoformat())]
    assert run.jobs(task.no, "overdue")[0].at == due


def test_an_adjusted_working_saturday_counts_as_a_working_day():
    run = started(1, now=china(2026, 2, 13, 9))  # Friday before the Spring Festival
    assert run.only("accept").due_at == china(2026, 2, 15)  # the end of Saturday 14 February


def test_a_task_given_on_an_adjusted_saturday_is_due_after_the_spring_festival():
    run = started(1, now=china(2026, 2, 14, 9))
    assert run.only("accept").due_at == china(2026, 2, 25)  # the end of Tuesday 24 February


def test_a_task_given_on_a_holiday_counts_from_the_next_working_day():
    run = started(1, now=china(2026, 10, 3, 15))
    assert run.only("accept").due_at == china(2026, 10, 9)  # the end of Thursday 8 October


def test_a_deadline_from_claim_starts_when_the_task_is_claimed():
    run = started(1, start="claimed")
    task = run.only("accept")
    assert (task.due_at, run.jobs(task.no)) == (None, [])
    run.now = china(2026, 10, 8, 9)
    run.act(actions.claim, CLERK, task.no)
    # The day of the claim does not count: the end of Friday 9 October.
    assert (task.clock_from, task.due_at) == (run.now, china(2026, 10, 10))
    assert len(run.jobs(task.no)) == 2


def test_the_yellow_moment_is_a_share_of_the_working_time_not_of_the_calendar():
    # 62 working hours from Tuesday 10:00 to the end of 8 October; half of them is 31 hours:
    # 14 on Tuesday and 17 on Wednesday. The holiday week does not count.
    run = started(2, yellow=0.5)
    assert run.only("accept").yellow_at == china(2026, 9, 30, 17)
    # 86 hours to the end of 9 October; three quarters (64.5 h) end at 02:30 on 9 October.
    assert started(3).only("accept").yellow_at == china(2026, 10, 9, 2, 30)


# --- timers -----------------------------------------------------------------------------

def test_the_yellow_timer_warns_once_however_often_it_fires():
    run = started(2)
    task = run.only("accept")
    [yellow] = run.jobs(task.no, "yellow")
    assert deadlines.colour(yellow.at - timedelta(seconds=1), task.yellow_at,
                            task.due_at) == deadlines.GREEN
    run.fire(yellow)
    run.fire(yellow)
    assert task.warned == "yellow"
    assert len(run.events("warning.yellow")) == 1
    assert [m.key for m in run.effects.messages].count("task.yellow") == 1
    assert deadlines.colour(run.now, task.yellow_at, task.due_at) == deadlines.YELLOW


def test_the_overdue_timer_turns_the_task_red_once_and_tells_its_holder():
    run = started(2)
    task = run.act(actions.claim, CLERK, 1)
    [overdue] = run.jobs(task.no, "overdue")
    run.fire(overdue)
    run.fire(overdue)
    assert task.warned == "red" and task.status == OPEN
    assert len(run.events("warning.red")) == 1
    assert [(m.key, m.user_id) for m in run.effects.messages if m.key == "task.red"] == [
        ("task.red", 1)]
    assert deadlines.colour(run.now, task.yellow_at, task.due_at) == deadlines.RED


def test_a_timer_for_a_finished_task_does_nothing():
    run = started(2)
    [overdue] = run.jobs(1, "overdue")
    run.handle(CLERK, "accept")
    effects = run.fire(overdue)
    assert effects.events == [] and effects.messages == []


def test_overdue_escalate_tells_the_escalation_party():
    run = started(2, extra="on_overdue: [{action: escalate}]")
    effects = run.fire(run.jobs(1, "overdue")[0])
    task = run.task(1)
    assert task.escalated and task.live
    assert [(m.key, m.department, m.role, m.user_id) for m in effects.messages
            if m.key == "task.escalated"] == [("task.escalated", "GOVSVC", "lead", None)]


def test_overdue_reassign_moves_the_task_to_another_pool():
    run = started(2, extra="on_overdue: [{action: reassign, to: {department: HEALTH, role: clerk}}]")
    run.act(actions.claim, CLERK, 1)
    effects = run.fire(run.jobs(1, "overdue")[0])
    task = run.task(1)
    assert (task.department, task.role, task.user_id) == ("HEALTH", "clerk", None)
    assert [e.detail for e in effects.events if e.action == "reassign"] == [
        {"department": "HEALTH"}]
    assert (effects.messages[-1].key, effects.messages[-1].department) == ("task.new", "HEALTH")
    run.act(actions.claim, person(2, "HEALTH"), 1)


def test_an_overdue_reassign_gives_the_new_pool_the_full_time_limit_again():
    run = started(2, extra="on_overdue: [{action: reassign, to: {department: HEALTH, role: clerk}}]")
    overdue = run.jobs(1, "overdue")[0]
    effects = run.fire(overdue)
    task = run.task(1)
    assert task.warned is None and task.clock_from == overdue.at
    assert task.due_at == deadlines.due_after(overdue.at, 2) and task.due_at > overdue.at
    assert {(j.kind, j.at) for j in effects.jobs} == {
        ("yellow", task.yellow_at), ("overdue", task.due_at)}
    assert run.fire(overdue).events == []  # the old deadline's timer is stale


def test_an_overdue_reassign_counting_from_the_claim_waits_for_the_new_claim():
    run = started(2, start="claimed",
                  extra="on_overdue: [{action: reassign, to: {department: HEALTH, role: clerk}}]")
    run.act(actions.claim, CLERK, 1)
    run.fire(run.jobs(1, "overdue")[0])
    assert run.task(1).due_at is None
    run.act(actions.claim, person(2, "HEALTH"), 1)
    assert run.task(1).due_at is not None and run.task(1).warned is None


def test_overdue_auto_pass_completes_the_task_and_moves_the_case_on():
    run = started(2, extra="on_overdue: [{action: escalate}, {action: auto_pass}]")
    run.fire(run.jobs(1, "overdue")[0])
    task = run.task(1)
    assert (task.status, task.outcome, task.opinion, task.completed_by) == (
        TASK_DONE, APPROVE, "超时自动通过", None)
    assert task.escalated
    assert run.steps() == {"accept": DONE, "next": "active"}
    assert [e.actor_name for e in run.events("task.complete")] == ["system"]


# --- extensions -------------------------------------------------------------------------

def extension_requested(days: int = 2) -> Run:
    run = started(1)  # due at the end of 30 September
    run.act(actions.claim, CLERK, 1)
    run.act(actions.request_extension, CLERK, 1, days, "等待医院补充出生记录")
    return run


def test_an_approved_extension_moves_the_due_moment_by_working_days_and_sets_fresh_timers():
    run = extension_requested(2)
    task = run.task(1)
    old = run.jobs(1)
    assert task.extension == {"days": 2, "reason": "等待医院补充出生记录", "by": 1,
                              "status": "requested"}
    assert [(m.key, m.role) for m in run.effects.messages][-1] == ("extension.requested", "lead")
    run.act(actions.decide_extension, LEAD, 1, True, "同意")
    new_due = china(2026, 10, 10)  # two working days after 30 September: 8 and 9 October
    assert task.due_at == new_due
    assert task.extension["status"] == "approved" and task.extension["decided_by"] == 5
    fresh = run.jobs(1)[len(old):]
    assert [(j.kind, j.stamp) for j in fresh] == [("yellow", new_due.isoformat()),
                                                 ("overdue", new_due.isoformat())]
    assert fresh[1].at == new_due
    assert task.yellow_at == deadlines.warn_at(START, new_due, 0.75)


def test_a_timer_set_before_an_extension_does_nothing_and_the_fresh_one_fires():
    run = extension_requested(2)
    [stale] = run.jobs(1, "overdue")
    run.act(actions.decide_extension, LEAD, 1, True)
    assert run.fire(stale).events == []
    assert run.task(1).warned is None
    fresh = run.jobs(1, "overdue")[-1]
    run.fire(fresh)
    assert run.task(1).warned == "red"


def test_an_overdue_task_extended_turns_red_again_at_its_new_due_moment():
    run = started(1, extra="on_overdue: [{action: escalate}]", yellow=0.5)
    run.act(actions.claim, CLERK, 1)
    run.fire(run.jobs(1, "overdue")[0])  # red at the end of 30 September
    run.now = china(2026, 10, 8, 9)
    run.act(actions.request_extension, CLERK, 1, 1, "节后补件")
    run.act(actions.decide_extension, LEAD, 1, True)
    task = run.task(1)
    assert task.due_at == china(2026, 10, 9)
    assert task.warned == "yellow"  # past the new yellow moment, not overdue any more
    assert deadlines.colour(run.now, task.yellow_at, task.due_at) == deadlines.YELLOW
    run.fire(run.jobs(1, "overdue")[-1])
    assert len(run.events("warning.red")) == 2
    assert len(run.events("escalate")) == 2


def test_a_refused_extension_leaves_the_deadline():
    run = extension_requested()
    due = run.task(1).due_at
    run.act(actions.decide_extension, LEAD, 1, False, "不符合延期条件")
    assert run.task(1).due_at == due
    assert run.task(1).extension["status"] == "refused"
    with refused("no_extension", "没有待审批的延期申请"):
        run.act(actions.decide_extension, LEAD, 1, True)


def test_an_extension_needs_a_reason_a_sensible_length_and_one_request_at_a_time():
    run = started(1)
    run.act(actions.claim, CLERK, 1)
    with refused("reason_required", "申请延期须填写理由"):
        run.act(actions.request_extension, CLERK, 1, 2, "")
    for days in (0, 31):
        with refused("bad_days", "延期天数须为 1 到 30 个工作日"):
            run.act(actions.request_extension, CLERK, 1, days, "理由")
    run.act(actions.request_extension, CLERK, 1, 2, "理由")
    with refused("extension_pending", "已有待审批的延期申请"):
        run.act(actions.request_extension, CLERK, 1, 3, "理由")


def test_only_a_lead_or_a_supervisor_in_scope_decides_an_extension():
    run = extension_requested()
    for other in (CLERK, person(6, "HEALTH", "lead")):
        with refused("not_allowed", "您没有审批延期的权限"):
            run.act(actions.decide_extension, other, 1, True)
    supervisor = person(30, "GOVSVC", "supervisor", scope="all")
    run.act(actions.decide_extension, supervisor, 1, True)
    assert run.task(1).extension["decided_by"] == 30


def test_a_task_without_a_deadline_cannot_be_extended():
    run = Run.start(build_plan(PROCESS))
    run.act(actions.claim, CLERK, 1)
    with refused("no_deadline", "此任务没有办理时限"):
        run.act(actions.request_extension, CLERK, 1, 2, "理由")


def test_no_one_decides_their_own_extension_request():
    run = extension_requested(2)
    both = dataclasses.replace(LEAD, principal=dataclasses.replace(
        LEAD.principal, user_id=1))  # the requesting clerk, also a lead of the department
    with refused("own_extension", "不能审批自己提出的延期申请"):
        run.act(actions.decide_extension, both, 1, True)
    assert run.task(1).extension["status"] == "requested"

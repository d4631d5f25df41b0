"""撤回: the one who completed a task takes it back while the steps it started have not acted."""

from datetime import timedelta

from runtime.flows import actions
from runtime.flows.case import ACTIVE, CANCELLED, DONE, OPEN, SKIPPED, WAITING, WITHDRAWN

from .build import Run, build_plan, person, refused

CLERK, HEALTH = person(1, "GOVSVC"), person(2, "HEALTH")
TASKS = {
    "accept": "assignee: {department: GOVSVC, role: clerk}\ndeadline: {working_days: 2}",
    "certificate": "assignee: {department: HEALTH, role: clerk}",
}
PROCESS = """
- {id: accept, task: accept}
- {id: optional, task: certificate, after: [accept], when: insure}
- {id: certify, task: certificate, after: [optional]}
"""


def accepted(insure: bool = True) -> Run:
    run = Run.start(build_plan(PROCESS, TASKS), {"insure": insure})
    run.handle(CLERK, "accept", opinion="受理")
    return run


def test_the_completer_takes_a_task_back_while_the_next_step_has_not_acted():
    run = accepted()
    first, next_task = run.task(1), run.only("optional")
    run.now += timedelta(hours=2)
    again = run.act(actions.withdraw, CLERK, 1, "意见写错了")
    assert (first.status, next_task.status) == (WITHDRAWN, CANCELLED)
    assert run.steps() == {"accept": ACTIVE, "optional": WAITING, "certify": WAITING}
    assert (again.step, again.status, again.user_id, again.round) == ("accept", OPEN, 1, 1)
    assert (again.due_at, again.clock_from) == (first.due_at, first.clock_from)
    assert [e.opinion for e in run.events("withdraw")] == ["意见写错了"]
    run.act(actions.complete, CLERK, again.no, opinion="受理，材料齐全")
    assert run.only("optional").round == 2


def test_the_task_taken_back_keeps_its_deadline_and_its_timers_fire():
    run = accepted()
    run.now += timedelta(days=1)  # a clock started now would end a day later
    again = run.act(actions.withdraw, CLERK, 1)
    [overdue] = [j for j in run.jobs(again.no, "overdue") if j.stamp == again.due_at.isoformat()]
    assert overdue.at == again.due_at
    run.fire(overdue)
    assert again.warned == "red"
    assert [e.task_no for e in run.events("warning.red")] == [again.no]


def test_withdraw_is_too_late_once_the_next_step_claimed():
    run = accepted()
    run.act(actions.claim, HEALTH, run.only("optional").no)
    with refused("withdraw_too_late", "下一步已开始办理，不能撤回",
                 "the next step has already acted; it is too late to withdraw"):
        run.act(actions.withdraw, CLERK, 1)
    assert run.steps()["accept"] == DONE


def test_only_the_completer_may_withdraw():
    run = accepted()
    with refused("not_completer", "只有办理此任务的人可以撤回"):
        run.act(actions.withdraw, person(9, "GOVSVC"), 1)
    with refused("not_found"):
        run.act(actions.withdraw, CLERK, 2)  # open, not completed


def test_withdraw_reaches_past_a_skipped_step_to_the_one_it_started():
    run = accepted(insure=False)
    assert run.steps() == {"accept": DONE, "optional": SKIPPED, "certify": ACTIVE}
    certify = run.only("certify")
    run.act(actions.withdraw, CLERK, 1)
    assert run.steps() == {"accept": ACTIVE, "optional": WAITING, "certify": WAITING}
    assert certify.status == CANCELLED
    assert [t.step for t in run.live()] == ["accept"]


def test_withdraw_is_too_late_when_a_step_beyond_a_skipped_one_acted():
    run = accepted(insure=False)
    run.act(actions.claim, HEALTH, run.only("certify").no)
    with refused("withdraw_too_late"):
        run.act(actions.withdraw, CLERK, 1)


def test_a_countersigner_withdraws_while_the_others_still_sign():
    run = Run.start(build_plan("""
        - id: review
          task: accept
          assignees:
            mode: all
            parties: [{department: GOVSVC, role: clerk}, {department: HEALTH, role: clerk}]
        - {id: next, task: accept, after: [review]}
    """, TASKS))
    run.act(actions.claim, CLERK, 1)
    run.act(actions.complete, CLERK, 1)
    again = run.act(actions.withdraw, CLERK, 1)
    assert [(t.no, t.status) for t in run.live()] == [(2, OPEN), (again.no, OPEN)]
    assert run.steps() == {"review": ACTIVE, "next": WAITING}


def test_a_countersigner_cannot_withdraw_once_the_step_was_returned():
    run = Run.start(build_plan("""
        - {id: accept, task: accept}
        - id: review
          task: accept
          after: [accept]
          can_return_to: [accept]
          assignees:
            mode: all
            parties: [{department: HEALTH, role: clerk}, {department: GOVSVC, role: clerk}]
    """, TASKS))
    run.handle(CLERK, "accept")
    health, govsvc = run.live("review")
    run.act(actions.claim, CLERK, govsvc.no)
    run.act(actions.complete, CLERK, govsvc.no)
    run.act(actions.claim, HEALTH, health.no)
    run.act(actions.return_to, HEALTH, health.no, "accept", "材料不全")
    with refused("withdraw_returned", "此步骤已被退回重办，不能撤回"):
        run.act(actions.withdraw, CLERK, govsvc.no)
    assert run.steps() == {"accept": ACTIVE, "review": WAITING}


def test_withdraw_leaves_a_join_that_other_branches_still_satisfy():
    run = Run.start(build_plan("""
        - {id: accept, task: accept}
        - {id: a, task: certificate, after: [accept]}
        - {id: b, task: certificate, after: [accept]}
        - {id: c, task: certificate, after: [accept]}
        - {id: close, task: accept, after: [a, b, c], join: {at_least: 2}}
    """, TASKS))
    run.handle(CLERK, "accept")
    run.handle(HEALTH, "a")
    run.handle(HEALTH, "b")
    close = run.only("close")
    run.handle(HEALTH, "c")
    done = {t.step: t.no for t in run.case.tasks if t.status == "done"}
    run.act(actions.withdraw, HEALTH, done["b"])  # a and c still make two
    assert run.steps() == {"accept": DONE, "a": DONE, "b": ACTIVE, "c": DONE, "close": ACTIVE}
    assert close.live
    run.act(actions.withdraw, HEALTH, done["c"])
    assert run.steps()["close"] == WAITING  # only a is left: close cannot stand
    assert not close.live


RATIO = """
- id: review
  task: accept
  assignees:
    mode: ratio
    ratio: 0.66
    parties:
      - {department: GOVSVC, role: clerk}
      - {department: HEALTH, role: clerk}
      - {department: POLICE, role: clerk}
- {id: next, task: accept, after: [review]}
"""


def test_withdrawing_a_deciding_vote_gives_the_cancelled_parties_their_tasks_back():
    run = Run.start(build_plan(RATIO, TASKS))
    police = person(3, "POLICE")
    for staff, no in ((CLERK, 1), (HEALTH, 2)):
        run.act(actions.claim, staff, no)
        run.act(actions.complete, staff, no)
    assert run.steps() == {"review": DONE, "next": ACTIVE}  # two of three: POLICE cancelled
    again = run.act(actions.withdraw, CLERK, 1, "再斟酌")
    assert run.steps() == {"review": ACTIVE, "next": WAITING}
    [police_again] = [t for t in run.live() if t.department == "POLICE"]
    assert (police_again.no, police_again.user_id) == (again.no + 1, None)
    run.act(actions.complete, CLERK, again.no, outcome="reject", opinion="不同意")
    assert run.steps()["review"] == ACTIVE  # one for, one against: POLICE decides
    run.act(actions.claim, police, police_again.no)
    run.act(actions.complete, police, police_again.no)
    assert run.steps() == {"review": DONE, "next": ACTIVE}

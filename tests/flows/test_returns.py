"""退回: a step sends the case back to an earlier one with a reason; the steps between start
again, parallel branches keep their work, and each restarted step goes to whoever completed
it last, the party that returned it to its pool (or to its holder, with `after_return`)."""

from datetime import timedelta

from runtime.flows import actions
from runtime.flows.case import ACTIVE, CANCELLED, DONE, OPEN, TASK_DONE, WAITING

from .build import Run, build_plan, person, refused

GOVSVC, HEALTH, POLICE, MEDINS = (person(1, "GOVSVC"), person(2, "HEALTH"), person(3, "POLICE"),
                                  person(4, "MEDINS"))
TASKS = {
    "accept": "assignee: {department: GOVSVC, role: clerk}",
    "certificate": "assignee: {department: HEALTH, role: clerk}\ndeadline: {working_days: 3}",
    "hukou": "assignee: {department: POLICE, role: clerk}\ndeadline: {working_days: 5}",
    "insurance": "assignee: {department: MEDINS, role: clerk}\ndeadline: {working_days: 5}",
}
CHAIN = """
- {id: accept, task: accept}
- {id: certificate, task: certificate, after: [accept], can_return_to: [accept]}
- {id: hukou, task: hukou, after: [certificate], can_return_to: [accept, certificate]}
"""


def chain_at_hukou() -> Run:
    run = Run.start(build_plan(CHAIN, TASKS))
    run.handle(GOVSVC, "accept")
    run.handle(HEALTH, "certificate")
    run.act(actions.claim, POLICE, run.only("hukou").no)
    return run


def test_a_return_restarts_the_target_and_the_steps_between():
    run = chain_at_hukou()
    hukou = run.only("hukou")
    run.act(actions.return_to, POLICE, hukou.no, "accept", "  缺少父亲身份证  ")
    assert run.steps() == {"accept": ACTIVE, "certificate": WAITING, "hukou": WAITING}
    assert hukou.status == CANCELLED
    [event] = run.events("return")
    assert (event.opinion, event.detail["target"], event.actor_id) == ("缺少父亲身份证", "accept", 3)
    accept = run.only("accept")
    assert (accept.round, accept.user_id) == (2, 1)  # back with the clerk who accepted it


def test_each_restarted_step_goes_back_to_its_previous_handler():
    run = chain_at_hukou()
    run.act(actions.return_to, POLICE, run.only("hukou").no, "accept", "缺少父亲身份证")
    run.act(actions.complete, GOVSVC, run.only("accept").no, opinion="已补齐")
    certificate = run.only("certificate")
    assert (certificate.round, certificate.user_id, certificate.claimed_at) == (2, 2, run.now)
    assert certificate.due_at is not None  # held at once, so its clock runs at once
    run.act(actions.complete, HEALTH, certificate.no)
    hukou = run.only("hukou")
    # The one who returned it had not completed it: its new task is in the pool again.
    assert (hukou.round, hukou.department, hukou.user_id, hukou.claimed_at) == (
        2, "POLICE", None, None)
    run.act(actions.claim, person(7, "POLICE"), hukou.no)  # any clerk there may claim it


def test_a_step_may_say_its_returned_task_goes_back_to_its_holder():
    steps = CHAIN.replace("can_return_to: [accept, certificate]}",
                          "can_return_to: [accept, certificate], after_return: holder}")
    run = Run.start(build_plan(steps, TASKS))
    run.handle(GOVSVC, "accept")
    run.handle(HEALTH, "certificate")
    run.act(actions.claim, POLICE, run.only("hukou").no)
    run.act(actions.return_to, POLICE, run.only("hukou").no, "certificate", "出生医学证明有误")
    run.act(actions.complete, HEALTH, run.only("certificate").no)
    hukou = run.only("hukou")
    assert (hukou.round, hukou.user_id, hukou.claimed_at) == (2, 3, run.now)


def test_only_the_last_round_counts_a_completer_who_then_returned_it_gets_the_pool():
    run = chain_at_hukou()  # certificate completed by HEALTH in round 1
    run.act(actions.return_to, POLICE, run.only("hukou").no, "accept", "缺少父亲身份证")
    run.handle(GOVSVC, "accept")
    assert run.only("certificate").user_id == 2  # round 2: back to its completer
    run.act(actions.return_to, HEALTH, run.only("certificate").no, "accept", "材料不清")
    run.handle(GOVSVC, "accept")
    assert (run.only("certificate").round, run.only("certificate").user_id) == (3, None)


def test_a_return_needs_a_reason():
    run = chain_at_hukou()
    for reason in (None, "", "   "):
        with refused("reason_required", "退回须填写理由", "a reason is required to return"):
            run.act(actions.return_to, POLICE, run.only("hukou").no, "accept", reason)
    assert run.steps()["hukou"] == ACTIVE


def test_a_return_to_a_step_not_allowed_names_the_allowed_ones():
    run = chain_at_hukou()
    with refused("cannot_return_to", "此步骤不能退回到 'close'；可退回：accept、certificate",
                 "this step cannot return to 'close'; it can return to: accept、certificate"):
        run.act(actions.return_to, POLICE, run.only("hukou").no, "close", "理由")


def test_a_step_that_may_not_return_says_so():
    run = Run.start(build_plan(CHAIN, TASKS))
    run.act(actions.claim, GOVSVC, 1)
    with refused("cannot_return_to", "此步骤不能退回到 'accept'；可退回：—"):
        run.act(actions.return_to, GOVSVC, 1, "accept", "理由")


def test_only_the_holder_returns():
    run = chain_at_hukou()
    with refused("not_yours"):
        run.act(actions.return_to, person(9, "POLICE"), run.only("hukou").no, "accept", "理由")


PARALLEL = """
- {id: accept, task: accept}
- {id: certificate, task: certificate, after: [accept], can_return_to: [accept]}
- {id: hukou, task: hukou, after: [accept]}
- {id: insurance, task: insurance, after: [accept]}
- {id: close, task: accept, after: [certificate, hukou, insurance]}
"""


def test_a_return_from_a_parallel_branch_leaves_the_other_branches_alone():
    run = Run.start(build_plan(PARALLEL, TASKS))
    run.handle(GOVSVC, "accept")
    run.handle(POLICE, "hukou")  # one branch done
    insurance = run.act(actions.claim, MEDINS, run.only("insurance").no)  # one at work
    due, yellow, jobs = insurance.due_at, insurance.yellow_at, len(run.effects.jobs)
    run.now += timedelta(days=1)
    run.act(actions.claim, HEALTH, run.only("certificate").no)
    run.act(actions.return_to, HEALTH, run.only("certificate").no, "accept", "出生证明信息有误")
    assert run.steps() == {"accept": ACTIVE, "certificate": WAITING, "hukou": DONE,
                           "insurance": ACTIVE, "close": WAITING}
    assert [t.status for t in run.case.tasks if t.step == "hukou"] == [TASK_DONE]
    assert (insurance.status, insurance.user_id, insurance.due_at, insurance.yellow_at) == (
        OPEN, 4, due, yellow)
    new_jobs = run.effects.jobs[jobs:]
    assert all(j.task_no != insurance.no for j in new_jobs)
    assert not [e for e in run.events("task.cancel") if e.task_no == insurance.no]


def test_after_a_branch_return_only_that_branch_runs_again():
    run = Run.start(build_plan(PARALLEL, TASKS))
    run.handle(GOVSVC, "accept")
    run.handle(POLICE, "hukou")
    run.act(actions.claim, HEALTH, run.only("certificate").no)
    run.act(actions.return_to, HEALTH, run.only("certificate").no, "accept", "出生证明信息有误")
    run.act(actions.complete, GOVSVC, run.only("accept").no)
    assert run.steps() == {"accept": DONE, "certificate": ACTIVE, "hukou": DONE,
                           "insurance": ACTIVE, "close": WAITING}
    assert [t.step for t in run.live()] == ["insurance", "certificate"]
    assert run.case.steps["hukou"].round == 1
    run.handle(MEDINS, "insurance")
    run.handle(HEALTH, "certificate")
    assert run.steps()["close"] == ACTIVE


COUNTERSIGN = """
- {id: accept, task: accept}
- id: review
  task: certificate
  after: [accept]
  can_return_to: [accept]
  assignees:
    mode: all
    parties:
      - {department: HEALTH, role: clerk}
      - {department: POLICE, role: clerk}
      - {department: MEDINS, role: clerk}
- {id: close, task: accept, after: [review]}
"""


def test_a_return_from_a_countersign_cancels_its_open_tasks_and_restarts_the_target():
    run = Run.start(build_plan(COUNTERSIGN, TASKS))
    run.handle(GOVSVC, "accept")
    health, police, medins = run.live("review")
    run.act(actions.claim, HEALTH, health.no)
    run.act(actions.complete, HEALTH, health.no)
    run.act(actions.claim, POLICE, police.no)
    run.act(actions.return_to, POLICE, police.no, "accept", "户籍信息不一致")
    assert (health.status, police.status, medins.status) == (TASK_DONE, CANCELLED, CANCELLED)
    assert run.steps() == {"accept": ACTIVE, "review": WAITING, "close": WAITING}
    assert [t.step for t in run.live()] == ["accept"]
    run.act(actions.complete, GOVSVC, run.only("accept").no)
    again = run.live("review")
    # HEALTH completed its task: back to that clerk; POLICE returned it: to the pool.
    assert [(t.round, t.department, t.user_id) for t in again] == [
        (2, "HEALTH", 2), (2, "POLICE", None), (2, "MEDINS", None)]


IN_ORDER = """
- {id: accept, task: accept}
- id: review
  task: certificate
  after: [accept]
  assignees:
    mode: in_order
    parties:
      - {department: HEALTH, role: clerk}
      - {department: POLICE, role: clerk}
- {id: close, task: accept, after: [review], can_return_to: [review]}
"""


def test_an_in_order_step_restarted_by_a_return_goes_to_each_previous_handler():
    run = Run.start(build_plan(IN_ORDER, TASKS))
    run.handle(GOVSVC, "accept")
    run.handle(HEALTH, "review")
    run.handle(POLICE, "review")
    run.act(actions.claim, GOVSVC, run.only("close").no)
    run.act(actions.return_to, GOVSVC, run.only("close").no, "review", "意见不一致")
    assert run.only("review").user_id == 2
    run.act(actions.complete, HEALTH, run.only("review").no)
    assert run.only("review").user_id == 3

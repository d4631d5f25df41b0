"""Several parties on one step: any-sign (或签), all-sign (会签), in-order (依次) and ratio."""

import pytest

from runtime.flows import actions
from runtime.flows.case import APPROVE, CANCELLED, REJECT, REJECTED, RUNNING, TASK_DONE

from .build import Run, build_plan, person, refused

HEALTH, POLICE, MEDINS = person(2, "HEALTH"), person(3, "POLICE"), person(4, "MEDINS")
PARTIES = (HEALTH, POLICE, MEDINS)


def signing(mode: str, ratio: float | None = None) -> Run:
    share = "" if ratio is None else f"\n            ratio: {ratio}"
    return Run.start(build_plan(f"""
        - id: review
          task: t
          assignees:
            mode: {mode}{share}
            parties:
              - {{department: HEALTH, role: clerk}}
              - {{department: POLICE, role: clerk}}
              - {{department: MEDINS, role: clerk}}
        - {{id: next, task: t, after: [review]}}
    """))


def sign(run: Run, staff: actions.Staff, outcome: str = APPROVE) -> None:
    [task] = [t for t in run.live("review") if t.department == staff.principal.memberships[0]
              .department_code]
    run.act(actions.claim, staff, task.no)
    run.act(actions.complete, staff, task.no, outcome=outcome,
            opinion="同意" if outcome == APPROVE else "材料不符")


def test_any_sign_gives_every_party_a_task_and_the_first_completion_ends_the_step():
    run = signing("any")
    assert [t.department for t in run.live("review")] == ["HEALTH", "POLICE", "MEDINS"]
    sign(run, POLICE)
    assert run.steps() == {"review": "done", "next": "active"}
    assert [t.status for t in run.case.tasks[:3]] == [CANCELLED, TASK_DONE, CANCELLED]
    assert {e.detail["why"] for e in run.events("task.cancel")} == {"decided"}


def test_any_sign_cancelled_tasks_can_no_longer_be_claimed():
    run = signing("any")
    sign(run, POLICE)
    with refused("not_open", "此任务已取消，不能再签收",
                 "this task is cancelled; you cannot claim it now"):
        run.act(actions.claim, HEALTH, 1)


def test_any_sign_a_first_reject_rejects_the_case():
    run = signing("any")
    sign(run, HEALTH, REJECT)
    assert run.case.status == REJECTED
    assert run.live() == []


def test_all_sign_needs_every_party():
    run = signing("all")
    sign(run, HEALTH)
    sign(run, MEDINS)
    assert run.steps() == {"review": "active", "next": "waiting"}
    sign(run, POLICE)
    assert run.steps() == {"review": "done", "next": "active"}
    assert run.case.steps["review"].outcome == APPROVE


def test_all_sign_one_reject_rejects_the_step_and_the_case():
    run = signing("all")
    sign(run, HEALTH)
    sign(run, POLICE, REJECT)
    assert run.case.steps["review"].outcome == REJECT
    assert run.case.status == REJECTED
    assert run.task(3).status == CANCELLED  # MEDINS need not sign any more
    assert run.steps()["next"] == "waiting"
    assert [e.step for e in run.events("case.rejected")] == ["review"]
    with refused("case_closed", "此案件已不予通过", "this case is rejected"):
        run.act(actions.claim, MEDINS, 3)


def test_a_reject_needs_a_reason():
    run = signing("all")
    run.act(actions.claim, HEALTH, 1)
    with refused("reason_required", "办理须填写理由"):
        run.act(actions.complete, HEALTH, 1, outcome=REJECT, opinion="  ")
    with refused("bad_outcome", "办理结果须为同意或不同意"):
        run.act(actions.complete, HEALTH, 1, outcome="maybe")
    assert run.case.status == RUNNING


def test_in_order_makes_the_next_task_only_after_the_previous():
    run = signing("in_order")
    assert [t.department for t in run.live()] == ["HEALTH"]
    sign(run, HEALTH)
    assert [t.department for t in run.live()] == ["POLICE"]
    assert run.live()[0].order == 1
    sign(run, POLICE)
    assert [t.department for t in run.live()] == ["MEDINS"]
    sign(run, MEDINS)
    assert run.steps() == {"review": "done", "next": "active"}


def test_in_order_a_reject_stops_the_line():
    run = signing("in_order")
    sign(run, HEALTH)
    sign(run, POLICE, REJECT)
    assert run.case.status == REJECTED
    assert [t.department for t in run.case.tasks] == ["HEALTH", "POLICE"]  # MEDINS never asked


@pytest.mark.parametrize(("ratio", "needed"), [(0.66, 2), (0.5, 2), (0.67, 3), (1, 3),
                                               (0.3, 1)])
def test_ratio_passes_at_the_count_of_approvals_it_needs(ratio: float, needed: int):
    run = signing("ratio", ratio)
    for staff in PARTIES[:needed - 1]:
        sign(run, staff)
        assert run.steps()["review"] == "active"
    sign(run, PARTIES[needed - 1])
    assert run.steps()["review"] == "done"
    assert run.case.steps["review"].outcome == APPROVE
    assert all(t.status == CANCELLED for t in run.case.tasks[needed:3])


def test_ratio_two_thirds_fails_at_the_second_reject_not_the_first():
    run = signing("ratio", 0.66)
    sign(run, HEALTH, REJECT)
    assert run.steps()["review"] == "active"  # two approvals could still pass it
    sign(run, POLICE, REJECT)
    assert run.case.steps["review"].outcome == REJECT
    assert run.case.status == REJECTED


def test_ratio_two_thirds_one_reject_and_two_approvals_pass():
    run = signing("ratio", 0.66)
    sign(run, HEALTH)
    sign(run, POLICE, REJECT)
    assert run.steps()["review"] == "active"
    sign(run, MEDINS)
    assert run.case.steps["review"].outcome == APPROVE
    assert run.steps()["next"] == "active"

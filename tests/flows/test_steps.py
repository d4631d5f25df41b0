"""Steps start when their predecessors allow: parallel branches, joins, conditions, the end."""

import pytest

from runtime.flows.case import CASE_DONE, RUNNING

from .build import Run, build_plan, person, refused

CLERK = person(1, "GOVSVC")

FORK = """
- {id: accept, task: t}
- {id: health, task: t, after: [accept]}
- {id: police, task: t, after: [accept]}
- {id: medins, task: t, after: [accept]}
"""


def fork_and_join(join: str) -> Run:
    return Run.start(build_plan(FORK + f"- {{id: close, task: t, after: [health, police, medins], join: {join}}}"))


def test_a_new_case_starts_the_steps_with_no_predecessor_only():
    run = fork_and_join("all")
    assert run.steps() == {"accept": "active", "health": "waiting", "police": "waiting",
                           "medins": "waiting", "close": "waiting"}
    assert [e.action for e in run.effects.events][:3] == ["case.start", "step.start",
                                                          "task.create"]


def test_parallel_steps_start_together_after_their_shared_predecessor():
    run = fork_and_join("all")
    run.handle(CLERK, "accept")
    assert run.steps() == {"accept": "done", "health": "active", "police": "active",
                           "medins": "active", "close": "waiting"}
    assert sorted(t.step for t in run.live()) == ["health", "medins", "police"]


def test_a_join_of_all_waits_for_every_branch():
    run = fork_and_join("all")
    run.handle(CLERK, "accept")
    run.handle(CLERK, "health")
    run.handle(CLERK, "police")
    assert run.steps()["close"] == "waiting"
    run.handle(CLERK, "medins")
    assert run.steps()["close"] == "active"


def test_a_join_of_any_starts_on_the_first_branch_and_the_others_go_on():
    run = fork_and_join("any")
    run.handle(CLERK, "accept")
    run.handle(CLERK, "police")
    assert run.steps() == {"accept": "done", "health": "active", "police": "done",
                           "medins": "active", "close": "active"}
    run.handle(CLERK, "close")
    assert run.case.status == RUNNING  # two branches are still at work
    run.handle(CLERK, "health")
    run.handle(CLERK, "medins")
    assert run.case.status == CASE_DONE
    assert len(run.events("step.start")) == 5  # the join started once, not once per branch


@pytest.mark.parametrize("count", [1, 2, 3])
def test_a_join_of_at_least_n_starts_on_the_nth_branch(count: int):
    run = fork_and_join(f"{{at_least: {count}}}")
    run.handle(CLERK, "accept")
    for branch in ["health", "police", "medins"][:count - 1]:
        run.handle(CLERK, branch)
        assert run.steps()["close"] == "waiting"
    run.handle(CLERK, ["health", "police", "medins"][count - 1])
    assert run.steps()["close"] == "active"


CONDITIONS = """
- {id: accept, task: t}
- {id: insurance, task: t, after: [accept], when: insure}
- {id: card, task: t, after: [accept], when: card}
- {id: close, task: t, after: [insurance, card]}
"""


def test_a_step_whose_condition_is_false_is_skipped():
    run = Run.start(build_plan(CONDITIONS), {"insure": True, "card": False})
    run.handle(CLERK, "accept")
    assert run.steps() == {"accept": "done", "insurance": "active", "card": "skipped",
                           "close": "waiting"}
    assert [e.step for e in run.events("step.skip")] == ["card"]
    run.handle(CLERK, "insurance")
    assert run.steps()["close"] == "active"


def test_a_join_after_only_skipped_steps_still_runs():
    run = Run.start(build_plan(CONDITIONS), {"insure": False, "card": False})
    run.handle(CLERK, "accept")
    assert run.steps() == {"accept": "done", "insurance": "skipped", "card": "skipped",
                           "close": "active"}
    assert run.case.steps["close"].activated_by == []


def test_a_join_of_any_after_a_skipped_branch_waits_for_one_that_ran():
    plan = build_plan(CONDITIONS.replace("after: [insurance, card]}",
                                         "after: [insurance, card], join: any}"))
    run = Run.start(plan, {"insure": True, "card": False})
    run.handle(CLERK, "accept")
    assert run.steps()["close"] == "waiting"
    run.handle(CLERK, "insurance")
    assert run.steps()["close"] == "active"
    assert run.case.steps["close"].activated_by == ["insurance"]


def test_a_condition_can_read_an_earlier_steps_outcome():
    plan = build_plan("""
        - {id: accept, task: t}
        - {id: review, task: t, after: [accept], when: "steps['accept']['outcome'] == 'approve'"}
    """)
    run = Run.start(plan)
    run.handle(CLERK, "accept")
    assert run.steps()["review"] == "active"


def test_the_case_closes_when_every_step_is_done_or_skipped():
    run = Run.start(build_plan(CONDITIONS), {"insure": False, "card": True})
    for step in ["accept", "card", "close"]:
        assert run.case.status == RUNNING
        run.handle(CLERK, step)
    assert run.case.status == CASE_DONE
    assert [e.action for e in run.effects.events][-1] == "case.done"
    assert run.live() == []


def test_the_birth_pack_runs_from_submission_to_close():
    from runtime.definitions.spec import ProcessSpec, TaskTemplateSpec
    from runtime.flows import actions
    from runtime.flows.plan import Plan
    from runtime.packs import check_path

    result = check_path("scenario_packs/birth_one_thing")
    specs = [d.spec for d in result.definitions]
    [process] = [s for s in specs if isinstance(s, ProcessSpec)]
    plan = Plan(process, {s.id: s for s in specs if isinstance(s, TaskTemplateSpec)})
    run = Run.start(plan, {"enrol_insurance": True, "need_ss_card": True})
    staff = {"GOVSVC": CLERK, "HEALTH": person(2, "HEALTH"), "POLICE": person(3, "POLICE"),
             "MEDINS": person(4, "MEDINS"), "HRSS": person(5, "HRSS")}
    while run.live():
        task = run.live()[0]  # the joint check has two at once: HEALTH's and POLICE's
        assert task.department is not None
        run.act(actions.claim, staff[task.department], task.no)
        run.act(actions.complete, staff[task.department], task.no)
    assert run.case.status == CASE_DONE
    assert [e.step for e in run.events("step.done")] == [
        "accept", "joint_check", "certificate", "hukou", "insurance", "card", "close"]
    assert {c.department for c in run.effects.copies} == {"GOVSVC"}  # the certificate's copy


DISPATCH = {"handle": "assignee: {role: clerk, rule: district}\n"
                      "copy: [{department: GOVSVC}]\n"
                      "feedback: {message: {zh: 已办结, en: Done}}"}


def test_a_dispatch_rule_names_the_department_from_the_submission():
    run = Run.start(build_plan("- {id: handle, task: handle}", DISPATCH), {"district": "POLICE"})
    task = run.only("handle")
    assert (task.department, task.role) == ("POLICE", "clerk")
    assert [(c.task_no, c.department, c.by) for c in run.effects.copies] == [(1, "GOVSVC", None)]
    run.handle(person(3, "POLICE"), "handle")
    [feedback] = run.events("feedback")
    assert (feedback.step, feedback.detail) == ("handle", {"zh": "已办结", "en": "Done"})


def test_a_dispatch_rule_that_gives_no_department_says_which_step_and_rule():
    plan = build_plan("- {id: handle, task: handle}", DISPATCH)
    with refused("rule_no_department", "步骤 'handle' 的派单规则 `district` 没有得出部门编码"):
        Run.start(plan, {"district": ""})


def test_a_condition_that_cannot_be_computed_says_which_step_and_rule():
    plan = build_plan("""
        - {id: accept, task: t}
        - {id: later, task: t, after: [accept], when: "applicant.strip() == 'x'"}
    """)
    run = Run.start(plan, {"applicant": None})
    with refused("rule_failed",
                 "步骤 'later' 的规则 `applicant.strip() == 'x'` 无法计算：第 11 列："
                 "方法 'strip' 只能用于文本，实际为空值 None",
                 "the rule `applicant.strip() == 'x'` of step 'later' failed: column 11: "
                 "method 'strip' works on text only, not on None"):
        run.handle(CLERK, "accept")

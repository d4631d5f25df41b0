"""Routing and dispatch by decision table: a step's condition and a template's dispatch rule
read a table's outputs on the case's data as decisions['table']['output']."""

from runtime.flows import actions
from runtime.flows.case import ACTIVE, SKIPPED

from .build import Run, build_plan, person, refused

GOVSVC = person(1, "GOVSVC")
ROUTE = """\
hit_policy: first
outputs: [{id: department}, {id: card}]
rows:
  - {when: "district == '朝阳'", then: {department: HEALTH, card: true}}
  - {when: "district == '海淀'", then: {department: POLICE, card: false}}
default: {department: MEDINS, card: false}
"""
STEPS = """
- {id: accept, task: accept}
- {id: handle, task: handle, after: [accept]}
- {id: card, task: accept, after: [accept], when: "decisions['route']['card']"}
"""
TASKS = {"handle": "assignee: {rule: \"decisions['route']['department']\", role: clerk}"}


def started(district: str) -> Run:
    run = Run.start(build_plan(STEPS, TASKS, {"route": ROUTE}), {"district": district})
    run.handle(GOVSVC, "accept")
    return run


def test_a_table_dispatches_the_task_and_decides_whether_a_step_runs():
    run = started("朝阳")
    assert [t.department for t in run.live("handle")] == ["HEALTH"]
    assert run.steps()["card"] == ACTIVE


def test_the_first_matching_row_wins_and_the_default_covers_the_rest():
    haidian, other = started("海淀"), started("东城")
    assert [t.department for t in haidian.live("handle")] == ["POLICE"]
    assert haidian.steps()["card"] == SKIPPED
    assert [t.department for t in other.live("handle")] == ["MEDINS"]


def test_a_table_that_cannot_decide_names_itself_and_the_step():
    plan = build_plan(STEPS, TASKS, {"route": ROUTE.replace("default: {department: MEDINS, "
                                                            "card: false}\n", "")})
    run = Run.start(plan, {"district": "东城"})
    accept = run.only("accept").no
    run.act(actions.claim, GOVSVC, accept)
    with refused("rule_failed", "步骤 'handle' 的规则 `decisions['route']['department']` "
                 "无法计算：第 1 列：决策表 'route' 没有命中的行，也没有默认值"):
        run.act(actions.complete, GOVSVC, accept, opinion="受理")


BROKEN = """\
hit_policy: unique
outputs: [{id: card}]
rows:
  - {when: "district != ''", then: {card: true}}
  - {when: "len(district) > 0", then: {card: false}}
"""


def test_a_table_is_decided_when_read_so_a_failing_one_fails_only_its_readers():
    steps = STEPS.replace("decisions['route']['card']", "decisions.route.card")
    run = Run.start(build_plan(steps, TASKS, {"route": ROUTE, "broken": BROKEN}),
                    {"district": "朝阳"})
    run.handle(GOVSVC, "accept")  # 'broken' matches two rows, but no rule reads it
    assert [t.department for t in run.live("handle")] == ["HEALTH"]
    assert run.steps()["card"] == ACTIVE
    reader = Run.start(build_plan(STEPS.replace("decisions['route']['card']",
                                                "decisions.broken.card"),
                                  TASKS, {"route": ROUTE, "broken": BROKEN}),
                       {"district": "朝阳"})
    with refused("rule_failed", "步骤 'card' 的规则 `decisions.broken.card` 无法计算：第 1 列："
                 "决策表 'broken' 要求唯一命中，但第 1, 2 行同时命中"):
        reader.handle(GOVSVC, "accept")

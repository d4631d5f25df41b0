"""Child cases in the database: a plan's step starts one inspection case per target in the
transaction of the move that reached it, each a submission of the inspection form owned by
the system; the plan waits for them and moves on when the last one ends."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime.casework.submissions import submit_validated
from runtime.definitions.spec import FormSpec
from runtime.flows import actions, stored
from runtime.flows.errors import FlowError
from runtime.store.cases import CaseRow
from runtime.store.incidents import Incident
from runtime.store.queries import latest_definition
from runtime.store.submissions import Submission

from .casework import act, claim_and_complete, publish, staff, start, tasks

PACK = {
    "pack.yaml": """\
kind: Pack
id: children_test
version: 1
format: 1
title: 子案件测试
departments: [{code: SAMR, name: 市场监管局}]
roles: [{code: clerk, name: 办事员}]
""",
    "forms/plan.yaml": """\
kind: Form
id: plan
version: 1
title: 检查计划
department: SAMR
fields: [{id: targets, type: text, label: 检查对象（逗号分隔）}]
""",
    "forms/inspection_form.yaml": """\
kind: Form
id: inspection_form
version: 1
title: 检查
department: SAMR
fields:
  - {id: restaurant, type: text, label: 检查对象, required: true}
  - {id: rounds, type: integer, label: 轮次}
""",
    "tasks/work.yaml": """\
kind: TaskTemplate
id: work
version: 1
title: 办理
content: {instructions: 办理}
coordination: {assignee: {department: SAMR, role: clerk}}
""",
    "processes/inspection.yaml": """\
kind: Process
id: inspection
version: 1
title: 检查
start_form: inspection_form
steps: [{id: inspect, task: work}]
""",
    "processes/plan_flow.yaml": """\
kind: Process
id: plan_flow
version: 1
title: 检查计划
start_form: plan
steps:
  - {id: prepare, task: work}
  - id: inspect_all
    task: work
    after: [prepare]
    children: {process: inspection, items: "targets.split(',')", data: {restaurant: item, rounds: 1}}
  - {id: summary, task: work, after: [inspect_all]}
""",
}
CLERK = staff(1, "SAMR")


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    root = tmp_path / "pack"
    for name, text in PACK.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def _children(session: Session) -> list[CaseRow]:
    return list(session.scalars(select(CaseRow).where(CaseRow.process_id == "inspection")
                                .order_by(CaseRow.id).execution_options(
                                    populate_existing=True)))


@pytest.mark.postgres
def test_a_plan_starts_one_inspection_per_target_and_waits_for_them(
        session: Session, pack: Path) -> None:
    publish(session, pack)
    plan = start(session, "plan", data={"targets": "老街面馆,新华饭店"})
    [prepare] = tasks(session, plan.id, "prepare")
    claim_and_complete(session, plan.id, CLERK, prepare.no)
    first, second = _children(session)
    records = {s.tracking_no: s for s in session.scalars(select(Submission).where(
        Submission.tracking_no.in_([first.tracking_no, second.tracking_no])))}
    assert records[first.tracking_no].data == {"restaurant": "老街面馆", "rounds": 1}
    assert records[first.tracking_no].owner_kind == "system"
    assert stored.parent_of(first.steps) == {"tracking_no": plan.tracking_no,
                                             "step": "inspect_all", "round": 1, "index": 0}
    row = session.get(CaseRow, plan.id, populate_existing=True)
    assert row is not None
    assert [c["case"] for c in row.steps["steps"]["inspect_all"]["children"]] == [
        first.tracking_no, second.tracking_no]
    [inspect] = tasks(session, first.id, "inspect")
    claim_and_complete(session, first.id, CLERK, inspect.no)
    assert tasks(session, plan.id, "summary") == []  # one of two inspections done
    [inspect] = tasks(session, second.id, "inspect")
    claim_and_complete(session, second.id, CLERK, inspect.no)
    [summary] = tasks(session, plan.id, "summary")
    assert summary.status == "open"
    row = session.get(CaseRow, plan.id, populate_existing=True)
    assert row is not None and row.steps["steps"]["inspect_all"]["outcome"] == "approve"


@pytest.mark.postgres
def test_a_child_the_form_refuses_refuses_the_move_naming_the_row_and_field(
        session: Session, pack: Path) -> None:
    publish(session, pack)
    plan = start(session, "plan", data={"targets": "老街面馆,"})  # the second target empty
    [prepare] = tasks(session, plan.id, "prepare")
    act(session, plan.id, CLERK, actions.claim, prepare.no)
    with pytest.raises(FlowError) as caught:
        act(session, plan.id, CLERK, actions.complete, prepare.no)
    assert caught.value.code == "child_data"
    assert "第 2 个子案件" in caught.value.message("zh") and "restaurant" in caught.value.message()
    assert _children(session) == []  # nothing started, the prepare task still open
    assert [t.status for t in tasks(session, plan.id, "prepare")] == ["open"]


@pytest.mark.postgres
def test_a_plan_whose_first_step_cannot_start_its_children_leaves_an_incident_and_no_child(
        session: Session, tmp_path: Path) -> None:
    root = tmp_path / "first"
    flow = PACK["processes/plan_flow.yaml"].replace(
        "  - {id: prepare, task: work}\n", "").replace("    after: [prepare]\n", "")
    for name, text in {**PACK, "processes/plan_flow.yaml": flow}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    publish(session, root)
    form = latest_definition(session, "Form", "plan")
    assert form is not None and isinstance(form.spec, FormSpec)
    receipt = submit_validated(session, form=form.spec, idempotency_key="p1",
                               data={"targets": "老街面馆,"})
    assert session.scalars(select(Incident.message_zh).where(
        Incident.tracking_no == receipt.tracking_no)).one().startswith("步骤 'inspect_all'")
    assert _children(session) == []
    assert session.scalars(select(Submission.id).where(
        Submission.form_id == "inspection_form")).all() == []


def test_a_child_whose_own_first_step_fails_leaves_no_child_of_the_start_at_all(
        session: Session, tmp_path: Path) -> None:
    """The plan starts its children as it starts; the second child's own first step fails on
    its data (a rule dividing by its rounds, 0 there). The whole start is one transaction:
    the first child, already started, goes too, and the plan keeps an incident naming the
    cause instead."""
    root = tmp_path / "nested"
    flow = PACK["processes/plan_flow.yaml"].replace(
        "  - {id: prepare, task: work}\n", "").replace("    after: [prepare]\n", "").replace(
        "rounds: 1}", "rounds: \"0 if item == '新华饭店' else 1\"}")
    child = PACK["processes/inspection.yaml"].replace(
        "steps: [{id: inspect, task: work}]", "steps: [{id: inspect, task: work, "
        "when: \"10 / rounds > 1\"}]")
    files = {**PACK, "processes/plan_flow.yaml": flow, "processes/inspection.yaml": child}
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    publish(session, root)
    form = latest_definition(session, "Form", "plan")
    assert form is not None and isinstance(form.spec, FormSpec)
    receipt = submit_validated(session, form=form.spec, idempotency_key="p2",
                               data={"targets": "老街面馆,新华饭店"})
    [message] = session.scalars(select(Incident.message_zh).where(
        Incident.tracking_no == receipt.tracking_no)).all()
    assert "10 / rounds > 1" in message and "除数为零" in message
    assert _children(session) == []
    assert session.scalars(select(Submission.id).where(
        Submission.form_id == "inspection_form")).all() == []
    assert session.scalars(select(Submission.tracking_no).where(
        Submission.form_id == "plan")).all() == [receipt.tracking_no]


def test_a_chain_deeper_than_the_limit_leaves_an_incident_and_no_child(
        session: Session, tmp_path: Path) -> None:
    """Seven processes, each starting the next as it starts (no cycle: the checker lets it
    through): the sixth level is past the run-time limit, so the first submission keeps an
    incident naming the limit, and none of the five children started before it stays."""
    files = {"pack.yaml": PACK["pack.yaml"], "tasks/work.yaml": PACK["tasks/work.yaml"]}
    for level in range(7):
        files[f"forms/level{level}.yaml"] = (
            f"kind: Form\nid: level{level}\nversion: 1\ntitle: 第{level}层\ndepartment: SAMR\n"
            "fields: [{id: name, type: text, label: 名称}]\n")
        step = ("{id: next, task: work, children: {process: chain" + str(level + 1)
                + ", items: \"[name]\", data: {name: item}}}") if level < 6 \
            else "{id: last, task: work}"
        files[f"processes/chain{level}.yaml"] = (
            f"kind: Process\nid: chain{level}\nversion: 1\ntitle: 第{level}层\n"
            f"start_form: level{level}\nsteps: [{step}]\n")
    root = tmp_path / "chain"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    publish(session, root)
    form = latest_definition(session, "Form", "level0")
    assert form is not None and isinstance(form.spec, FormSpec)
    receipt = submit_validated(session, form=form.spec, idempotency_key="deep",
                               data={"name": "甲"})
    [message] = session.scalars(select(Incident.message_zh).where(
        Incident.tracking_no == receipt.tracking_no)).all()
    assert message.startswith("子案件嵌套超过 5 层")
    assert session.scalars(select(Submission.tracking_no)).all() == [receipt.tracking_no]
    assert session.scalars(select(CaseRow.id)).all() == []

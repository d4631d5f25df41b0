"""Named case variables in the database: the dispatcher's choice is stored with the case
state, read back by the next request, and steers the handling step after a return."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from runtime.flows import actions, stored
from runtime.store.cases import CaseRow

from .casework import act, publish, staff, start, tasks

PACK = {
    "pack.yaml": """\
kind: Pack
id: variables_test
version: 1
format: 1
title: 案件变量测试
departments:
  - {code: HOTLINE, name: 12345热线}
  - {code: SAMR, name: 市场监管局}
  - {code: POLICE, name: 公安局}
roles: [{code: clerk, name: 办事员}]
""",
    "forms/order.yaml": """\
kind: Form
id: order
version: 1
title: 工单
department: HOTLINE
fields: [{id: content, type: text, label: 诉求}]
""",
    "forms/dispatch_record.yaml": """\
kind: Form
id: dispatch_record
version: 1
title: 派单记录
fields: [{id: department, type: department, label: 承办部门}]
""",
    "tasks/dispatch.yaml": """\
kind: TaskTemplate
id: dispatch
version: 1
title: 派单
content: {instructions: 派单, form: dispatch_record}
coordination: {assignee: {department: HOTLINE, role: clerk}}
""",
    "tasks/handle.yaml": """\
kind: TaskTemplate
id: handle
version: 1
title: 办理
content: {instructions: 办理}
coordination: {assignee: {rule: "vars['handling_dept']", role: clerk}}
""",
    "processes/order_flow.yaml": """\
kind: Process
id: order_flow
version: 1
title: 工单流程
start_form: order
variables: [{id: handling_dept, label: 承办部门}]
steps:
  - {id: dispatch, task: dispatch, set: {handling_dept: "steps['dispatch']['data']['department']"}}
  - {id: handle, task: handle, after: [dispatch], can_return_to: [dispatch]}
""",
}
HOTLINE, SAMR = staff(1, "HOTLINE"), staff(2, "SAMR")


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    root = tmp_path / "pack"
    for name, text in PACK.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def _dispatch(session: Session, case_id: int, department: str) -> None:
    task = [t for t in tasks(session, case_id, "dispatch") if t.status == "open"][-1]
    no = task.no
    if task.user_id is None:  # the first time from the pool; again, straight back to them
        act(session, case_id, HOTLINE, actions.claim, no)
    act(session, case_id, HOTLINE, actions.complete, no, data={"department": department})


@pytest.mark.postgres
def test_the_dispatchers_choice_is_stored_and_carries_through_a_return(
        session: Session, pack: Path) -> None:
    publish(session, pack)
    case = start(session, "order", data={"content": "噪音扰民"})
    _dispatch(session, case.id, "SAMR")
    row = session.get(CaseRow, case.id, populate_existing=True)
    assert row is not None and stored.variables_of(row.steps) == {"handling_dept": "SAMR"}
    [handle] = tasks(session, case.id, "handle")
    assert handle.department == "SAMR"
    act(session, case.id, SAMR, actions.claim, handle.no)
    act(session, case.id, SAMR, actions.return_to, handle.no, "dispatch", "非本部门职责")
    _dispatch(session, case.id, "POLICE")
    assert [t.department for t in tasks(session, case.id, "handle")
            if t.status == "open"] == ["POLICE"]

"""Write-back (回写台账): a step that ends approved updates fields of the register record the
case refers to — a restaurant's risk level and next inspection date — as a new version of
that record, audited with the values before and after, so the next case sees them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime.casework.submissions import submit_validated
from runtime.definitions.spec import FormSpec
from runtime.store.audit import AuditEntry
from runtime.store.queries import latest_definition
from runtime.store.submissions import Submission

from .casework import claim_and_complete, publish, staff, start, tasks

PACK = {
    "pack.yaml": """\
kind: Pack
id: supervision_test
version: 1
format: 1
title: 联合监管测试
departments: [{code: MARKET, name: 市场监督管理局}]
roles: [{code: clerk, name: 办事员}]
""",
    "forms/restaurant.yaml": """\
kind: Form
id: restaurant
version: 1
title: 餐饮单位台账
department: MARKET
fields:
  - {id: name, type: text, label: 单位名称}
  - {id: risk_level, type: select, label: 风险等级, options: [{value: A, label: 低}, {value: B, label: 中}, {value: C, label: 高}]}
  - {id: next_inspection, type: date, label: 下次检查日期}
""",
    "forms/inspection.yaml": """\
kind: Form
id: inspection
version: 1
title: 检查记录
department: MARKET
fields:
  - {id: restaurant, type: related_record, label: 检查对象, related_form: restaurant}
  - {id: risk, type: select, label: 评定风险, options: [{value: A, label: 低}, {value: C, label: 高}]}
""",
    "tasks/inspect.yaml": """\
kind: TaskTemplate
id: inspect
version: 1
title: 现场检查
content: {instructions: 按检查表检查}
coordination: {assignee: {department: MARKET, role: clerk}}
""",
    "processes/inspection_flow.yaml": """\
kind: Process
id: inspection_flow
version: 1
title: 检查流程
start_form: inspection
steps:
  - id: inspect
    task: inspect
    write_back:
      record: restaurant
      fields:
        risk_level: risk
        next_inspection: "add_days(date(2026, 12, 3), 30 if risk == 'C' else 365)"
""",
}


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    root = tmp_path / "pack"
    for name, text in PACK.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


@pytest.mark.postgres
def test_an_approved_inspection_updates_the_restaurant_record(session: Session,
                                                              pack: Path) -> None:
    publish(session, pack)
    restaurant = _submit(session, "restaurant", {"name": "老街面馆", "risk_level": "A"})
    case = start(session, "inspection", key="i1",
                 data={"restaurant": restaurant.tracking_no, "risk": "C"})
    [task] = tasks(session, case.id, "inspect")
    claim_and_complete(session, case.id, staff(7, "MARKET"), task.no)
    session.expire_all()
    record = session.scalar(select(Submission).where(Submission.id == restaurant.id))
    assert record is not None
    assert (record.data["risk_level"], record.data["next_inspection"]) == ("C", "2027-01-02")
    assert record.data["name"] == "老街面馆" and record.row_version == 2
    entry = session.scalars(select(AuditEntry).where(
        AuditEntry.action == "record.write_back")).one()
    assert entry.target_id == restaurant.tracking_no
    assert entry.before == {"risk_level": "A", "next_inspection": None}
    assert entry.after == {"risk_level": "C", "next_inspection": "2027-01-02"}


def _submit(session: Session, form_id: str, data: dict) -> Submission:
    """A register record: a submission of a form no process starts from."""
    row = latest_definition(session, "Form", form_id)
    assert row is not None and isinstance(row.spec, FormSpec)
    receipt = submit_validated(session, form=row.spec, idempotency_key=f"r-{form_id}",
                               data=data)
    return session.scalars(select(Submission).where(
        Submission.tracking_no == receipt.tracking_no)).one()

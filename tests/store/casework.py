"""Helpers for the tests of cases, timers, jobs and races in the database: the shipped birth
pack and a small parallel pack published, submissions that start cases, staff who act, and
counts of what the history holds. No fixtures and no pytest here: the race tests' child
processes import this module too."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from runtime import access
from runtime.casework import cases as use_cases
from runtime.casework.submissions import submit_validated as submit
from runtime.definitions.spec import FormSpec
from runtime.flows import actions
from runtime.flows.case import Actor
from runtime.packs import check_path
from runtime.store.cases import CaseEvent, CaseRow, Notification, Task
from runtime.store.publish import publish_pack
from runtime.store.queries import latest_definition

T = TypeVar("T")
BIRTH = Path(__file__).parents[2] / "scenario_packs" / "birth_one_thing"

# A pack whose process forks after the first step and joins again: left and right run in
# parallel, `join` waits for both (join: all). The first step has a deadline with a warning.
PARALLEL = {
    "pack.yaml": """\
kind: Pack
id: race_pack
version: 1
format: 1
title: 并发测试
departments:
  - {code: GOVSVC, name: 政务服务中心}
  - {code: HEALTH, name: 卫生健康委员会}
  - {code: POLICE, name: 公安局}
roles:
  - {code: clerk, name: 办事员}
""",
    "forms/race_apply.yaml": """\
kind: Form
id: race_apply
version: 1
title: 并发测试申请
department: GOVSVC
fields:
  - {id: applicant, type: text, label: 申请人}
""",
    "processes/race_flow.yaml": """\
kind: Process
id: race_flow
version: 1
title: 分支与汇合
start_form: race_apply
steps:
  - {id: start, task: race_start}
  - {id: left, task: race_left, after: [start]}
  - {id: right, task: race_right, after: [start]}
  - {id: join, task: race_join, after: [left, right], join: all}
""",
}
TEMPLATES = {
    "race_start": "assignee: {department: GOVSVC, role: clerk}\n"
                  "  deadline: {working_days: 2}\n  warning: {yellow_at: 0.5}",
    "race_left": "assignee: {department: HEALTH, role: clerk}",
    "race_right": "assignee: {department: POLICE, role: clerk}",
    "race_join": "assignee: {department: GOVSVC, role: clerk}",
}
TEMPLATE = """\
kind: TaskTemplate
id: {id}
version: 1
title: {id}
content: {{instructions: 按规定办理}}
coordination:
  {coordination}
"""


def write_parallel_pack(root: Path) -> Path:
    """Write the parallel pack under `root` and return its folder."""
    files = dict(PARALLEL)
    for template_id, coordination in TEMPLATES.items():
        files[f"tasks/{template_id}.yaml"] = TEMPLATE.format(id=template_id,
                                                             coordination=coordination)
    folder = root / "race_pack"
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def publish(session: Session, folder: Path = BIRTH) -> None:
    result = check_path(folder)
    assert result.ok, [p.render() for p in result.problems]
    publish_pack(session, result)


def start(session: Session, form_id: str = "birth_apply", key: str = "k1",
          data: dict[str, Any] | None = None) -> CaseRow:
    """Submit the newest version of `form_id` and return the case it started."""
    row = latest_definition(session, "Form", form_id)
    assert row is not None and isinstance(row.spec, FormSpec)
    receipt = submit(session, form=row.spec, idempotency_key=key,
                     data={"enrol_insurance": True, "need_ss_card": True} if data is None
                     else data)
    return session.scalars(select(CaseRow)
                           .where(CaseRow.tracking_no == receipt.tracking_no)).one()


def staff(user_id: int, department: str, role: str = "clerk") -> actions.Staff:
    membership = access.Membership(department, (department,), None, role,
                                   access.DEFAULT_SCOPES[role])
    return actions.Staff(access.Principal(user_id, (membership,)), f"{department}-{role}-{user_id}")


def act(session: Session, case_id: int, who: actions.Staff, action: Callable[..., T],
        *args: Any, now: datetime | None = None, **kwargs: Any) -> T:
    """Do a staff action on the case in its own transaction, as one request would."""
    return use_cases.act(session, case_id, lambda flow: action(flow, who, *args, **kwargs),
                     actor=Actor(who.user_id, who.name), now=now)


def claim_and_complete(session: Session, case_id: int, who: actions.Staff, no: int) -> None:
    act(session, case_id, who, actions.claim, no)
    act(session, case_id, who, actions.complete, no, opinion="同意")


def tasks(session: Session, case_id: int, step: str | None = None) -> list[Task]:
    query = select(Task).where(Task.case_id == case_id).order_by(Task.no)
    if step is not None:
        query = query.where(Task.step == step)
    return list(session.scalars(query.execution_options(populate_existing=True)))


def events(session: Session, action: str, case_id: int | None = None,
           step: str | None = None) -> int:
    query = select(func.count()).select_from(CaseEvent).where(CaseEvent.action == action)
    if case_id is not None:
        query = query.where(CaseEvent.case_id == case_id)
    if step is not None:
        query = query.where(CaseEvent.step == step)
    return session.scalar(query) or 0


def notifications(session: Session, key: str, case_id: int | None = None) -> list[Notification]:
    query = select(Notification).where(Notification.key == key)
    if case_id is not None:
        query = query.where(Notification.case_id == case_id)
    return list(session.scalars(query.order_by(Notification.id)))

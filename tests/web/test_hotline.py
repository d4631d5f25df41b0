"""A 12345 work order over HTTP, with templates_lib's own task templates and forms: the
dispatcher claims and completes the dispatch task (addressed to the dispatcher role); the
handling department's handler form has a money field and a form-level rule (refused beside
the form, what was typed kept) and a sub-table; a department that returns the order gets
its next task in its pool; the hotline, as the template says, decides the department's
extension, which the department's own lead may not; the revisit records templates_lib's
`revisit_record` with its yes/no field, stored with the task."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from runtime.demo import demo_password_hash, seed_demo
from runtime.packs import check_path
from runtime.store import accounts
from runtime.store.cases import CaseRow, Task
from runtime.store.models import utcnow
from runtime.store.publish import publish_pack
from runtime.web.database import store

from .test_workbench import Person, form_field_error, open_actions, refusal, set_due

LIBRARY = Path(__file__).parents[2] / "templates_lib" / "task_templates"
PACK = """\
kind: Pack
id: hotline
version: 1
format: 1
title: 12345 工单
departments:
  - {code: HOTLINE, name: 12345 热线中心}
  - {code: SAMR, name: 市场监管局}
roles:
  - {code: clerk, name: 办事员}
  - {code: lead, name: 科室负责人}
  - {code: dispatcher, name: 派单员}
requires: [task_templates]
"""
ORDER = """\
kind: Form
id: work_order
version: 1
title: 投诉工单
department: HOTLINE
fields:
  - {id: content, type: textarea, label: 诉求内容, required: true}
"""
FINE_RECORD = """\
kind: Form
id: fine_record
version: 1
title: 处罚记录
fields:
  - {id: fined, type: yes_no, label: 予以处罚, required: true}
  - {id: amount, type: money, label: 罚款金额, visible_when: fined, required_when: fined}
  - id: items
    type: table
    label: 违法事项
    fields:
      - {id: what, type: text, label: 事项}
validations:
  - {expression: "not fined or amount <= 50000", message: 罚款超过五万元须集体讨论，请走重大处罚程序}
"""
FINE = """\
kind: TaskTemplate
id: fine
version: 1
title: 处罚
content: {instructions: 依法处罚, form: fine_record}
coordination:
  assignee: {department: SAMR, role: clerk}
  deadline: {working_days: 5}
  extension: {decided_by: {department: HOTLINE, role: lead}}
"""
PROCESS = """\
kind: Process
id: work_order_flow
version: 1
title: 工单办理
start_form: work_order
steps:
  - {id: dispatch, task: "task_templates:dispatch"}
  - id: handle
    task: fine
    after: [dispatch]
    can_return_to: [dispatch]
  - id: revisit
    task: "task_templates:revisit"
    after: [handle]
"""
STAFF = (("clerk_samr", "SAMR", "clerk"), ("clerk_samr2", "SAMR", "clerk"),
         ("lead_samr", "SAMR", "lead"), ("clerk_hotline", "HOTLINE", "clerk"),
         ("lead_hotline", "HOTLINE", "lead"))


def hotline_pack(folder: Path) -> Path:
    """A pack of the test's own that uses the library's dispatch and revisit templates by
    their qualified names (with the library's own forms and catalogs), copying nothing."""
    for sub in ("forms", "tasks", "processes"):
        (folder / sub).mkdir(parents=True)
    for name, text in (("pack.yaml", PACK), ("forms/work_order.yaml", ORDER),
                       ("forms/fine_record.yaml", FINE_RECORD), ("tasks/fine.yaml", FINE),
                       ("processes/work_order.yaml", PROCESS)):
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def world(app: Flask, tmp_path: Path) -> Flask:
    result = check_path(hotline_pack(tmp_path / "hotline"))
    assert result.problems == [], [p.render() for p in result.problems]
    with store(app).sessions() as session:
        seed_demo(session, env="testing")
        publish_pack(session, check_path(LIBRARY))
        publish_pack(session, result)
        for username, department, role in STAFF:
            user = accounts.User(username=username, display_name=username, is_demo=True,
                                 password_hash=demo_password_hash(), password_changed_at=utcnow())
            session.add(user)
            session.flush()
            accounts.add_membership(session, user, department, role)
        session.commit()
    return app


def order(app: Flask) -> str:
    response = app.test_client().post("/api/forms/work_order/submissions",
                                      json={"data": {"content": "餐馆后厨卫生差"}})
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["tracking_no"])


def dispatched(app: Flask, number: str) -> Person:
    dispatcher = Person(app, "dispatcher")
    assert (number, 1) in dispatcher.rows("pool")  # the dispatcher role's pool
    dispatcher.done(number, 1, "claim")
    dispatcher.done(number, 1, "complete", outcome="approve", opinion="派市场监管局",
                    decision="approve")
    return dispatcher


def task_row(app: Flask, number: str, no: int) -> Task:
    with store(app).sessions() as session:
        case_id = session.scalar(select(CaseRow.id).where(CaseRow.tracking_no == number))
        found = session.scalar(select(Task).where(Task.case_id == case_id, Task.no == no))
        assert found is not None
        session.expunge(found)
        return found


def test_the_dispatcher_works_the_dispatch_task_over_http(world: Flask) -> None:
    number = order(world)
    dispatcher = Person(world, "dispatcher")
    first = dispatcher.page(f"/work/tasks/{number}/1")
    assert "action-claim" in first
    # The library's template cites the library's own policy catalog (依据).
    assert "国办发〔2020〕53号" in first
    page = dispatcher.done(number, 1, "claim")
    assert "complete" in open_actions(page)
    dispatcher.done(number, 1, "complete", outcome="approve", opinion="派市场监管局")
    assert task_row(world, number, 1).status == "done"
    samr = Person(world, "clerk_samr")
    assert samr.task_no("pool", number, "处罚") == 2


def test_a_money_field_and_a_form_rule_refuse_beside_the_form_and_keep_what_was_typed(
        world: Flask) -> None:
    number = order(world)
    dispatched(world, number)
    samr = Person(world, "clerk_samr")
    page = samr.done(number, 2, "claim")
    assert 'name="fined"' in page and 'name="amount"' in page and 'type="radio"' in page
    assert 'name="_action" value="add_row:items"' in page  # the sub-table's own button
    assert 'hx-post="/forms/fine_record/state' in page  # live updates, as on any form
    bad = samr.act(number, 2, "complete", outcome="approve", opinion="已处罚", fined="true",
                   amount="80000.00", **{"items[0].what": "后厨不洁"})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    found = re.search(r'id="error-complete-_form"[^>]*>([^<]+)<', text)
    assert found and found.group(1) == "罚款超过五万元须集体讨论，请走重大处罚程序"
    assert re.search(r'name="amount"[^>]* value="80000"', text)  # what was typed is kept
    assert 'value="后厨不洁"' in text
    assert task_row(world, number, 2).status == "open"  # nothing was done
    missing = samr.act(number, 2, "complete", outcome="approve", opinion="已处罚", fined="true")
    assert form_field_error(missing, "amount") == "请填写「罚款金额」"
    samr.done(number, 2, "complete", outcome="approve", opinion="已处罚", fined="true",
              amount="3000.50", **{"items[0].what": "后厨不洁"})
    stored = task_row(world, number, 2)
    assert stored.status == "done"
    assert stored.data == {"fined": True, "amount": 3000.5, "items": [{"what": "后厨不洁"}]}


def test_the_handler_forms_live_update_is_any_forms(world: Flask) -> None:
    """Choosing 予以处罚 asks the form's own live update, with the action form's inputs
    (hx-include closest form): the amount comes back shown and required."""
    number = order(world)
    dispatched(world, number)
    samr = Person(world, "clerk_samr")
    page = samr.done(number, 2, "claim")
    assert re.search(r'<div id="f-amount" class="field field-money"\s+hidden', page)
    response = samr.client.post("/forms/fine_record/state?lang=zh", data={
        "csrf_token": samr.token(), "_version": "1", "outcome": "approve", "opinion": "",
        "fined": "true"}, headers={"HX-Request": "true", "HX-Trigger-Name": "fined"})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert '<div id="f-amount" class="field field-money" hx-swap-oob="true">' in text
    assert 'aria-required="true"' in text


def test_a_sub_table_row_is_added_without_completing(world: Flask) -> None:
    number = order(world)
    dispatched(world, number)
    samr = Person(world, "clerk_samr")
    samr.done(number, 2, "claim")
    response = samr.act(number, 2, "complete", fined="false", _action="add_row:items")
    assert response.status_code == 200 and 'name="items[0].what"' in response.get_data(
        as_text=True)
    assert task_row(world, number, 2).status == "open"


def test_the_revisit_records_its_yes_no_fields_with_the_task(world: Flask) -> None:
    number = order(world)
    dispatched(world, number)
    samr = Person(world, "clerk_samr")
    samr.done(number, 2, "claim")
    samr.done(number, 2, "complete", outcome="approve", opinion="不予处罚", fined="false")
    hotline = Person(world, "clerk_hotline")
    no = hotline.task_no("pool", number, "回访")
    page = hotline.done(number, no, "claim")
    assert 'name="reached"' in page and 'name="satisfaction"' in page
    refused = hotline.act(number, no, "complete", outcome="approve", reached="true",
                          solved="true", satisfaction="unsatisfied")
    assert form_field_error(refused, "note") == "请填写「回访情况」"  # required_when
    hotline.done(number, no, "complete", outcome="approve", reached="true", solved="true",
                 satisfaction="satisfied")
    assert task_row(world, number, no).data == {
        "reached": True, "solved": True, "satisfaction": "satisfied", "note": None}


def test_a_returning_department_finds_the_order_in_its_pool_again(world: Flask) -> None:
    number = order(world)
    dispatcher = dispatched(world, number)
    samr = Person(world, "clerk_samr")
    samr.done(number, 2, "claim")
    samr.done(number, 2, "return", target="dispatch", reason="不属本局职责")
    again = dispatcher.task_no("todo", number, "派单")  # back to the dispatcher who sent it
    dispatcher.done(number, again, "complete", outcome="approve", opinion="确属市场监管")
    other = Person(world, "clerk_samr2")
    no = other.task_no("pool", number, "处罚")  # in the pool: any SAMR clerk may claim it
    assert (number, no) not in samr.rows("todo")
    other.done(number, no, "claim")


def test_the_hotline_decides_the_departments_extension(world: Flask) -> None:
    number = order(world)
    dispatched(world, number)
    samr = Person(world, "clerk_samr")
    samr.done(number, 2, "claim")
    set_due(world, number, 2, due_in=timedelta(days=2))
    samr.done(number, 2, "extend", days="3", reason="需现场核查")
    own_lead = Person(world, "lead_samr")
    response = own_lead.act(number, 2, "decide_extension", decision="approve")
    assert response.status_code == 409 and refusal(response) == "延期审批：承办部门不能审批本部门的延期申请"
    hotline_lead = Person(world, "lead_hotline")
    page = hotline_lead.page(f"/work/tasks/{number}/2")
    assert "decide_extension" in open_actions(page)
    due = task_row(world, number, 2).due_at
    hotline_lead.done(number, 2, "decide_extension", decision="approve", note="同意")
    after = task_row(world, number, 2)
    assert after.extension["status"] == "approved" and after.due_at > due

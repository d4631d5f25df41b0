"""/admin/people over HTTP with CSRF on: an administrator adds people, roles, disables and
resets within their reach (the password shown once), every change audited; a district
administrator cannot reach the city's departments or people; anyone else gets a 404. And a
role a pack declares (an `inspector` with tasks.act) really grants what it says."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from runtime.packs import check_path
from runtime.store import accounts, audit
from runtime.store.publish import publish_pack
from runtime.web.database import store

from .conftest import SignIn, csrf_from

SHOWN_ONCE = re.compile(r"(?:初始密码（只显示这一次，请当面或安全地交给本人）：|新密码（只显示这一次）：)(\S+?)<")


def admin(client: FlaskClient, sign_in: SignIn, username: str = "admin") -> str:
    """Sign in as an administrator; the page's CSRF token."""
    assert sign_in(client, username).status_code == 302
    page = client.get("/admin/people")
    assert page.status_code == 200
    return csrf_from(page.get_data(as_text=True))


def add(client: FlaskClient, token: str, **fields: object) -> tuple[int, str]:
    data = {"csrf_token": token, "username": "new_clerk", "name": "新办事员",
            "department": "STREET_WEST", "roles": ["clerk"], **fields}
    answer = client.post("/admin/people", data=data)
    return answer.status_code, html.unescape(answer.get_data(as_text=True))


def changes(app: Flask) -> list[tuple[str | None, str | None]]:
    with store(app).sessions() as session:
        rows = session.scalars(select(audit.AuditEntry).where(
            audit.AuditEntry.action == "account.change").order_by(audit.AuditEntry.id))
        return [(r.actor_name, r.detail) for r in rows]


def test_an_administrator_adds_a_person_who_then_signs_in(
        demo: Flask, client: FlaskClient, sign_in: SignIn) -> None:
    token = admin(client, sign_in, "admin_district")
    status, page = add(client, token, mobile="13700000009")
    assert status == 200
    password = SHOWN_ONCE.search(page)
    assert password is not None
    row = page[page.index('id="person-new_clerk"'):]
    assert "西山街道办事处 · 办事员" in row[:row.index("</tr>")]
    assert "137****0009" in row and "13700000009" not in row
    assert changes(demo) == [("admin_district", "add new_clerk")]
    again = client.get("/admin/people").get_data(as_text=True)
    assert password.group(1) not in again  # shown once
    other = demo.test_client()
    assert sign_in(other, "new_clerk", password.group(1)).status_code == 302
    assert other.get("/work/tasks").status_code == 200


def test_refusals_keep_what_was_typed_and_write_nothing(
        demo: Flask, client: FlaskClient, sign_in: SignIn) -> None:
    token = admin(client, sign_in, "admin_district")
    for fields, said in [({"department": "HEALTH"}, "部门 'HEALTH' 不在您的管理范围内"),
                         ({"roles": []}, "请至少选择一个角色"),
                         ({"roles": ["auditor"]}, "角色 'auditor' 可查看全部数据"),
                         ({"username": "clerk_street"}, "用户名 'clerk_street' 已存在"),
                         ({"mobile": "555"}, "手机号 '555' 无效")]:
        status, page = add(client, token, **fields)
        assert status == 400 and said in page, fields
        assert 'value="新办事员"' in page
    assert changes(demo) == []
    assert client.post("/admin/people", data={"username": "x", "name": "x",
                                              "department": "STREET_WEST",
                                              "roles": ["clerk"]}).status_code == 400  # CSRF
    with store(demo).sessions() as session:
        assert accounts.user_by_name(session, "x") is None


def test_a_district_administrator_sees_and_offers_only_the_district(
        demo: Flask, client: FlaskClient, sign_in: SignIn) -> None:
    admin(client, sign_in, "admin_district")
    page = client.get("/admin/people").get_data(as_text=True)
    assert set(re.findall(r'id="person-([a-z_]+)"', page)) == {"admin_district", "clerk_street"}
    offered = set(re.findall(r'<option value="([A-Z_]+)"', page))
    assert offered == {"DISTRICT", "STREET_EAST", "STREET_WEST"}
    token = csrf_from(page)
    for action in ("disable", "password", "enable"):
        assert client.post(f"/admin/people/clerk_health/{action}",
                           data={"csrf_token": token}).status_code == 404
    assert client.post("/admin/people/clerk_street/roles", data={
        "csrf_token": token, "department": "HEALTH", "role": "lead"}).status_code == 400
    wide = client.post("/admin/people/clerk_street/roles", data={
        "csrf_token": token, "department": "STREET_EAST", "role": "designer"})
    assert wide.status_code == 400
    assert changes(demo) == []


def test_disable_reset_and_add_a_role(demo: Flask, client: FlaskClient,
                                      sign_in: SignIn) -> None:
    token = admin(client, sign_in)
    victim = demo.test_client()
    assert sign_in(victim, "clerk_street").status_code == 302
    page = client.post("/admin/people/clerk_street/disable", data={"csrf_token": token})
    assert "已停用 clerk_street" in page.get_data(as_text=True)
    assert victim.get("/work/tasks").status_code == 302  # its session ended
    assert sign_in(victim, "clerk_street").status_code == 401
    client.post("/admin/people/clerk_street/enable", data={"csrf_token": token})
    reset = client.post("/admin/people/clerk_street/password", data={"csrf_token": token})
    password = SHOWN_ONCE.search(reset.get_data(as_text=True))
    assert password is not None
    assert sign_in(victim, "clerk_street").status_code == 401  # the old password is gone
    assert sign_in(victim, "clerk_street", password.group(1)).status_code == 302
    answer = client.post("/admin/people/clerk_street/roles", data={
        "csrf_token": token, "department": "STREET_EAST", "role": "lead"})
    assert "已为 clerk_street 添加角色" in answer.get_data(as_text=True)
    answer = client.post("/admin/people/clerk_street/roles", data={
        "csrf_token": token, "department": "STREET_EAST", "role": "auditor"})
    assert answer.status_code == 200  # the city's administrator reaches everyone
    assert changes(demo) == [("admin", "disable"), ("admin", "enable"),
                             ("admin", "password reset"), ("admin", "role lead in STREET_EAST"),
                             ("admin", "role auditor in STREET_EAST")]
    own = client.post("/admin/people/admin/disable", data={"csrf_token": token})
    assert own.status_code == 400 and "不能停用自己的账号" in own.get_data(as_text=True)


@pytest.mark.parametrize("username", ["clerk_health", "designer", "auditor", "supervisor"])
def test_only_administrators_reach_the_page(demo: Flask, client: FlaskClient,
                                            sign_in: SignIn, username: str) -> None:
    sign_in(client, username)
    assert client.get("/admin/people").status_code == 404


# --- a role a pack declares -----------------------------------------------------------------

PACK = """\
kind: Pack
id: inspection
version: 1
format: 1
title: 检查
departments:
  - {code: HEALTH, name: 卫健委}
roles:
  - code: inspector
    name: {zh: 检查员, en: Inspector}
    permissions: [tasks.act, records.read]
    scope: department
"""
FORM = """\
kind: Form
id: report
version: 1
title: 线索举报
fields:
  - {id: place, type: text, label: 地点, required: true}
"""
TASK = """\
kind: TaskTemplate
id: inspect
version: 1
title: 现场检查
content: {instructions: 到现场检查}
coordination:
  assignee: {department: HEALTH, role: inspector}
"""
PROCESS = """\
kind: Process
id: inspection
version: 1
title: 检查流程
start_form: report
steps:
  - {id: inspect, task: inspect}
"""


def test_an_imported_role_grants_its_permissions(
        demo: Flask, tmp_path: Path, client: FlaskClient, sign_in: SignIn) -> None:
    folder = tmp_path / "inspection"
    for name, text in {"pack.yaml": PACK, "forms/report.yaml": FORM,
                       "tasks/inspect.yaml": TASK, "processes/inspection.yaml": PROCESS}.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    result = check_path(folder)
    with store(demo).sessions() as session:
        publish_pack(session, result)
        assert result.pack is not None
        accounts.map_pack_organisation(session, result.pack)
    token = admin(client, sign_in)
    status, page = add(client, token, username="inspector_li", name="李检查",
                       department="HEALTH", roles=["inspector"])
    assert status == 200
    password = SHOWN_ONCE.search(page)
    assert password is not None
    answer = demo.test_client().post("/api/forms/report/submissions",
                                     json={"data": {"place": "东湖路 1 号"}})
    number = answer.get_json()["tracking_no"]
    inspector = demo.test_client()
    assert sign_in(inspector, "inspector_li", password.group(1)).status_code == 302
    pool = inspector.get("/work/tasks?list=pool").get_data(as_text=True)
    assert f'id="task-{number}-1"' in pool
    assert inspector.get(f"/work/tasks/{number}/1").status_code == 200
    claimed = inspector.post(f"/work/tasks/{number}/1/claim", data={
        "csrf_token": csrf_from(inspector.get("/auth/me").get_data(as_text=True))})
    assert claimed.status_code == 303
    assert f'id="task-{number}-1"' in inspector.get("/work/tasks").get_data(as_text=True)
    assert inspector.get(f"/work/cases/{number}").status_code == 200
    assert inspector.get("/admin/people").status_code == 404  # granted nothing more

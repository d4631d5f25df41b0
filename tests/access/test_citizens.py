"""Citizen and enterprise accounts: registration (credit code checked) and sign-in."""

from __future__ import annotations

import re
import time

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from runtime.store import accounts
from runtime.store.audit import AuditEntry
from runtime.store.citizen_messages import CitizenMessage
from runtime.web.database import store

from .conftest import csrf_from

VALID_USCC = "91110000600037341L"


def register(client: FlaskClient, **fields: str) -> tuple[int, str]:
    token = csrf_from(client.get("/auth/register").get_data(as_text=True))
    data = {"kind": "person", "mobile": "13912345678", "name": "张三",
            "password": "citizen2025", "confirm_password": "citizen2025",
            "csrf_token": token, **fields}
    response = client.post("/auth/register", data=data)
    return response.status_code, response.get_data(as_text=True)


def errors(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-field="([a-z_]+)">([^<]+)<', page))


def sign_in(client: FlaskClient, mobile: str = "13912345678",
            password: str = "citizen2025") -> int:
    token = csrf_from(client.get("/auth/citizen/login").get_data(as_text=True))
    return client.post("/auth/citizen/login", data={"mobile": mobile, "password": password,
                                                    "csrf_token": token}).status_code


def test_a_citizen_registers_and_signs_in(app: Flask, client: FlaskClient) -> None:
    assert register(client)[0] == 303
    assert sign_in(client) == 302
    page = client.get("/auth/citizen").get_data(as_text=True)
    assert "欢迎，张三" in page and "个人" in page
    with store(app).sessions() as session:
        citizen = accounts.citizen_by_mobile(session, "13912345678")
        assert citizen is not None and citizen.password_hash.startswith("scrypt:")


def test_an_enterprise_needs_a_valid_credit_code(app: Flask, client: FlaskClient) -> None:
    status, page = register(client, kind="enterprise", name="示例科技有限公司",
                            uscc="91110000600037341X")
    assert status == 400 and errors(page) == {"uscc": "统一社会信用代码无效"}
    assert register(client, kind="enterprise", name="示例科技有限公司", uscc=VALID_USCC)[0] \
        == 303
    with store(app).sessions() as session:
        kinds = list(session.execute(select(accounts.Citizen.kind, accounts.Citizen.uscc)))
    assert kinds == [("enterprise", VALID_USCC)]


def test_registration_lists_every_problem(client: FlaskClient) -> None:
    status, page = register(client, mobile="12345", name="", password="short",
                            confirm_password="other")
    assert status == 400
    assert errors(page) == {"mobile": "请输入 11 位手机号", "name": "请填写姓名或企业名称",
                            "password": "密码至少 10 位；密码须包含数字",
                            "confirm_password": "两次输入的新密码不一致"}


def answer(client: FlaskClient, **fields: str) -> tuple[int, str, str]:
    """What registering shows: the status, where it leads and the page there."""
    token = csrf_from(client.get("/auth/register").get_data(as_text=True))
    data = {"kind": "person", "mobile": "13912345678", "name": "张三",
            "password": "citizen2025", "confirm_password": "citizen2025",
            "csrf_token": token, **fields}
    response = client.post("/auth/register", data=data)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    return response.status_code, response.headers["Location"], \
        re.sub(r'name="csrf_token" value="[^"]+"|"X-CSRFToken": "[^"]+"', "", page)


def test_registering_a_taken_number_answers_as_a_new_one_does(client: FlaskClient,
                                                               app: Flask) -> None:
    new = answer(client, mobile="13900000001")
    taken = answer(app.test_client(), mobile="13900000001", password="another-pass-9",
                   confirm_password="another-pass-9", name="冒名者")
    assert new == taken
    assert new[0] == 303 and "注册申请已提交" in new[2]
    assert sign_in(app.test_client(), "13900000001", "another-pass-9") == 401
    assert sign_in(client, "13900000001") == 302  # the first one's password still
    page = client.get("/auth/citizen").get_data(as_text=True)
    assert "有人尝试用您的手机号或信用代码注册新账号" in page  # the holder is told
    with store(app).sessions() as session:
        repeat = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "account.register_repeat")).one()
        assert repeat.target_kind == "citizen" and repeat.ip == "127.0.0.1"


def test_registering_a_taken_credit_code_tells_its_holder(client: FlaskClient,
                                                          app: Flask) -> None:
    enterprise = {"kind": "enterprise", "name": "示例科技有限公司", "uscc": VALID_USCC}
    first = answer(client, mobile="13900000002", **enterprise)
    again = answer(app.test_client(), mobile="13900000003", **enterprise)
    assert first == again
    with store(app).sessions() as session:
        assert session.scalar(select(func.count()).select_from(accounts.Citizen)) == 1
        assert [m.kind for m in session.scalars(select(CitizenMessage))] == ["register_repeat"]


def test_registration_is_limited_per_address(client: FlaskClient, app: Flask) -> None:
    limit = app.config["REGISTER_RATE_PER_IP"]
    statuses = [register(client, mobile=f"139000001{n:02d}")[0] for n in range(limit + 1)]
    assert statuses == [303] * limit + [429]
    with store(app).sessions() as session:
        refused = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "request.throttled")).one()
        assert refused.detail == "register"


def test_citizen_sign_in_and_out(client: FlaskClient, app: Flask) -> None:
    register(client)
    other = app.test_client()
    token = csrf_from(other.get("/auth/citizen/login").get_data(as_text=True))
    wrong = other.post("/auth/citizen/login", data={
        "mobile": "13912345678", "password": "wrong-password-1", "csrf_token": token})
    assert wrong.status_code == 401 and "手机号或密码错误" in wrong.get_data(as_text=True)
    right = other.post("/auth/citizen/login", data={
        "mobile": "13912345678", "password": "citizen2025", "csrf_token": token})
    assert right.headers["Location"] == "/auth/citizen/cases"  # their applications
    assert 'id="my-cases"' in other.get("/auth/citizen/cases").get_data(as_text=True)
    page = other.get("/auth/citizen").get_data(as_text=True)
    other.post("/auth/logout", data={"csrf_token": csrf_from(page)})
    assert other.get("/auth/citizen").status_code == 302
    assert other.get("/admin/users").status_code == 302  # a citizen is not staff


def test_a_citizen_session_ends_twelve_hours_after_sign_in(client: FlaskClient) -> None:
    register(client)
    sign_in(client)
    assert client.get("/auth/citizen").status_code == 200
    with client.session_transaction() as held:
        held["citizen"] = [*held["citizen"][:2], int(time.time() - 12.1 * 3600)]  # set: a change
    assert client.get("/auth/citizen").status_code == 302

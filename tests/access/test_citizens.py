"""Citizen and enterprise accounts: registration (credit code checked) and sign-in."""

from __future__ import annotations

import re
import time

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from runtime.store import accounts
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


def test_a_citizen_registers_and_is_signed_in(app: Flask, client: FlaskClient) -> None:
    assert register(client)[0] == 302
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
        == 302
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


def test_a_mobile_number_registers_once(client: FlaskClient, app: Flask) -> None:
    register(client)
    status, page = register(app.test_client())
    assert status == 400 and errors(page) == {"mobile": "该手机号或信用代码已注册"}


def test_citizen_sign_in_and_out(client: FlaskClient, app: Flask) -> None:
    register(client)
    other = app.test_client()
    token = csrf_from(other.get("/auth/citizen/login").get_data(as_text=True))
    wrong = other.post("/auth/citizen/login", data={
        "mobile": "13912345678", "password": "wrong-password-1", "csrf_token": token})
    assert wrong.status_code == 401 and "手机号或密码错误" in wrong.get_data(as_text=True)
    right = other.post("/auth/citizen/login", data={
        "mobile": "13912345678", "password": "citizen2025", "csrf_token": token})
    assert right.headers["Location"] == "/auth/citizen"
    page = other.get("/auth/citizen").get_data(as_text=True)
    other.post("/auth/logout", data={"csrf_token": csrf_from(page)})
    assert other.get("/auth/citizen").status_code == 302
    assert other.get("/admin/users").status_code == 302  # a citizen is not staff


def test_a_citizen_session_ends_twelve_hours_after_sign_in(client: FlaskClient) -> None:
    register(client)
    assert client.get("/auth/citizen").status_code == 200
    with client.session_transaction() as held:
        held["citizen"][2] = int(time.time() - 12.1 * 3600)
    assert client.get("/auth/citizen").status_code == 302

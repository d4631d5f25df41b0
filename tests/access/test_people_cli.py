"""`lowcode users add | import | list | disable` on the demo organisation: who is created with
which memberships, the password shown once and hashed, every row of a bad CSV named and none
imported, and a disabled account refused at sign-in; every change audited."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from runtime import cli
from runtime.store import accounts, audit
from runtime.web.database import store

from .conftest import SignIn

Run = Callable[..., Result]
PASSWORD = re.compile(r"(?:初始密码（只显示这一次）：|password \(shown once\): )(\S+)")


@pytest.fixture
def run(demo: Flask, db_url: str, tmp_path: Path) -> Run:
    env = {"LOWCODE_DATABASE_URL": db_url, "LOWCODE_INSTANCE_PATH": str(tmp_path / "inst"),
           "LOWCODE_SECRET_KEY": "test"}

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli.main, ["users", *args], env=env, catch_exceptions=False)

    return invoke


def memberships(app: Flask, username: str) -> list[tuple[str, str, str]]:
    with store(app).sessions() as session:
        user = accounts.user_by_name(session, username)
        assert user is not None
        return [(m.department.code, m.role.code, m.scope) for m in user.memberships]


def test_add_prints_a_generated_password_once_and_the_person_signs_in(
        run: Run, demo: Flask, client: FlaskClient, sign_in: SignIn) -> None:
    result = run("add", "wang_police", "--name", "王警官", "--department", "POLICE",
                 "--role", "clerk", "--role", "lead", "--mobile", "13700000001")
    assert result.exit_code == 0, result.output
    password = PASSWORD.search(result.output)
    assert password is not None
    assert memberships(demo, "wang_police") == [("POLICE", "clerk", "department"),
                                                ("POLICE", "lead", "department_tree")]
    with store(demo).sessions() as session:
        user = accounts.user_by_name(session, "wang_police")
        assert user is not None and user.password_hash.startswith("scrypt:")
        assert password.group(1) not in user.password_hash
        rows = session.scalars(select(audit.AuditEntry).where(
            audit.AuditEntry.action == "account.change")).all()
        assert [(r.target_id, r.actor_kind) for r in rows] == [(str(user.id), "system")]
    assert sign_in(client, "wang_police", password.group(1)).status_code == 302
    assert "wang_police\t启用\t王警官\tclerk@POLICE, lead@POLICE" in run("list").output


def test_add_with_a_password_prints_none_and_refusals_say_why(run: Run) -> None:
    given = run("add", "li", "--name", "李", "--department", "HEALTH", "--role", "clerk",
                "--password", "chosen2025x", "--lang", "en")
    assert given.exit_code == 0 and given.output.strip() == "added li"
    for args, said in [
        (("li", "--department", "HEALTH", "--role", "clerk"), "username 'li' is taken"),
        (("zhou", "--department", "NOPE", "--role", "clerk"), "no department 'NOPE'"),
        (("zhou", "--department", "HEALTH", "--role", "chief"), "no role 'chief'"),
        (("zhou", "--department", "STREET_EAST", "--role", "clerk", "--region", "110100"),
         None),
        (("zhou2", "--department", "STREET_EAST", "--role", "clerk", "--region", "120000"),
         "region '120000' is not where department 'STREET_EAST' is ('110105')"),
        (("zhou3", "--department", "HEALTH", "--role", "clerk", "--password", "short1"),
         "the password needs 10 characters or more"),
    ]:
        result = run("add", *args, "--name", "周", "--lang", "en")
        if said is None:
            assert result.exit_code == 0, result.output
        else:
            assert result.exit_code == 1 and said in result.output, result.output


def test_import_adds_everyone_or_no_one(run: Run, demo: Flask, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("username,name,department,roles,region,mobile\n"
                   "a1,甲,HEALTH,clerk;lead,110100,13700000001\n"
                   "a2,乙,NOPE,clerk,,\n"
                   "a1,丙,HEALTH,clerk,,\n"
                   "a3,丁,HEALTH,clerk,,12345\n", encoding="utf-8")
    result = run("import", str(bad))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "第 3 行：部门 'NOPE' 不存在", "第 4 行：用户名 'a1' 已存在",
        "第 5 行：手机号 '12345' 无效", "未导入任何人员：3 行不合格"]
    with store(demo).sessions() as session:
        assert accounts.user_by_name(session, "a1") is None
    good = tmp_path / "good.csv"
    good.write_text("\ufeffusername,name,department,roles,region,mobile\n"
                    "a1,甲,HEALTH,clerk;lead,110100,13700000001\n"
                    "a2,乙,STREET_EAST,clerk,,\n", encoding="utf-8")
    result = run("import", str(good))
    assert result.exit_code == 0, result.output
    assert len(PASSWORD.findall(result.output)) == 2
    assert memberships(demo, "a1") == [("HEALTH", "clerk", "department"),
                                       ("HEALTH", "lead", "department_tree")]
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("user,name\nx,y\n", encoding="utf-8")
    assert "CSV 表头应为：username,name,department,roles,region,mobile" in run(
        "import", str(wrong)).output


def test_disable_ends_sign_in(run: Run, client: FlaskClient, sign_in: SignIn) -> None:
    assert sign_in(client, "clerk_health").status_code == 302
    assert client.get("/work/tasks").status_code == 200
    result = run("disable", "clerk_health")
    assert result.exit_code == 0 and "已停用 clerk_health" in result.output
    assert client.get("/work/tasks").status_code == 302  # the session ended
    assert sign_in(client, "clerk_health").status_code == 401
    assert "clerk_health\t停用" in run("list").output
    assert run("disable", "nobody").exit_code == 1

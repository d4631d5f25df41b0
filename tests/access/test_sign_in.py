"""Staff sign-in and sign-out over HTTP: sessions, lock-out, rate limits, CSRF, password
rotation and the demo accounts, on every database."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from runtime.demo import DEMO_PASSWORD
from runtime.store import accounts
from runtime.store.audit import AuditEntry
from runtime.store.models import utcnow
from runtime.web import create_app
from runtime.web.auth.views import is_local_path
from runtime.web.database import store

from .conftest import SignIn, csrf_from


def actions(app: Flask) -> list[str]:
    with store(app).sessions() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_the_sign_in_page_is_chinese_with_an_english_version(client: FlaskClient) -> None:
    page = client.get("/auth/login").get_data(as_text=True)
    assert "<h1>工作人员登录</h1>" in page and 'name="csrf_token"' in page
    assert "连续输错 10 次密码，账号将锁定 15 分钟。" in page
    assert "<h1>Staff sign-in</h1>" in client.get("/auth/login?lang=en").get_data(as_text=True)


def test_sign_in_and_sign_out(demo: Flask, client: FlaskClient, sign_in: SignIn) -> None:
    response = sign_in(client, "clerk_health")
    assert response.status_code == 302 and response.headers["Location"] == "/work/tasks"
    page = client.get("/auth/me").get_data(as_text=True)
    assert "王办事（卫健委）" in page and "卫生健康委员会 · 办事员 · 数据范围：本部门" in page
    assert 'id="user-menu"' in page and "退出登录" in page
    token = csrf_from(page)
    assert client.post("/auth/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/auth/me").status_code == 302
    assert actions(demo) == ["auth.sign_in", "auth.sign_out"]


def test_sign_in_goes_back_to_the_page_asked_for_but_never_off_site(
        demo: Flask, client: FlaskClient, sign_in: SignIn) -> None:
    assert client.get("/admin/users").headers["Location"] == "/auth/login?next=/admin/users"
    token = csrf_from(client.get("/auth/login").get_data(as_text=True))
    for target, expected in (("/admin/users", "/admin/users"), ("//evil.example", "/admin/people")):
        client.post("/auth/logout", data={"csrf_token": token})
        token = csrf_from(client.get("/auth/login").get_data(as_text=True))
        response = client.post(f"/auth/login?next={target}", data={
            "username": "admin", "password": DEMO_PASSWORD, "csrf_token": token})
        assert response.headers["Location"] == expected



MENU = {"workbench": ("clerk_health", "dispatcher", "supervisor", "lead_health"),
        "dashboards": ("clerk_health", "dispatcher", "supervisor", "lead_health"),
        "people": ("admin",), "jobs": ("admin",), "audit": ("auditor",),
        "batches": ("clerk_health", "lead_health"), "designer": ("designer",)}


@pytest.mark.parametrize(("username", "home", "shows"), [
    ("clerk_health", "/work/tasks", 'id="list-todo"'),
    ("dispatcher", "/work/tasks", 'id="list-todo"'),
    # leaders start from their dashboards, which link their workbench
    ("supervisor", "/dashboards/", 'id="to-workbench"'),
    ("lead_health", "/dashboards/", 'id="to-workbench"'),
    ("admin", "/admin/people", 'id="people"'),
    ("auditor", "/admin/audit", 'id="audit-rows"'),
    ("designer", "/designer/", 'class="designer-index"'),
])
def test_each_role_lands_on_its_work_after_sign_in(
        demo: Flask, client: FlaskClient, sign_in: SignIn, username: str, home: str,
        shows: str) -> None:
    response = sign_in(client, username)
    assert response.status_code == 302 and response.headers["Location"] == home
    page = client.get(home)
    assert page.status_code == 200 and shows in page.get_data(as_text=True)
    menu = client.get("/auth/me").get_data(as_text=True)
    for link, holder in MENU.items():  # the menu offers only what the person may open
        assert (f'id="menu-{link}"' in menu) == (username in holder), (link, username)


@pytest.mark.parametrize(("target", "local"), [
    ("/admin/users", True), ("/work/tasks?done=claim#top", True),
    ("//evil.example/", False), ("/\t/evil.example/", False), ("/\n/evil.example", False),
    ("/\r\n/evil.example", False), ("\t//evil.example", False), ("/\\evil.example", False),
    ("\\/evil.example", False), ("https://evil.example/", False), ("javascript:alert(1)", False),
    (" //evil.example", False), ("evil.example", False), ("", False),
])
def test_next_is_a_path_on_this_site_as_a_browser_reads_it(target: str, local: bool) -> None:
    assert is_local_path(target) is local


def test_a_tab_in_next_does_not_lead_off_site(demo: Flask, client: FlaskClient) -> None:
    token = csrf_from(client.get("/auth/login").get_data(as_text=True))
    response = client.post("/auth/login?next=%2F%09%2Fevil.example%2F", data={
        "username": "admin", "password": DEMO_PASSWORD, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/people"


def test_a_line_break_in_next_answers_a_redirect_home(demo: Flask, client: FlaskClient) -> None:
    """A CR/LF in a Location header made werkzeug raise: a 500 instead of a sign-in."""
    token = csrf_from(client.get("/auth/login").get_data(as_text=True))
    response = client.post("/auth/login?next=%2Fwork%0D%0ASet-Cookie:%20x=1", data={
        "username": "admin", "password": DEMO_PASSWORD, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/people"
    assert "x=1" not in response.headers.get("Set-Cookie", "")

def test_a_copied_cookie_stops_working_after_sign_out(
        demo: Flask, client: FlaskClient, sign_in: SignIn) -> None:
    sign_in(client, "clerk_health")
    copied = client.get_cookie("session")
    assert copied is not None
    thief = demo.test_client()
    thief.set_cookie("session", copied.value)
    assert thief.get("/auth/me").status_code == 200
    token = csrf_from(client.get("/auth/me").get_data(as_text=True))
    client.post("/auth/logout", data={"csrf_token": token})
    assert thief.get("/auth/me").status_code == 302


def test_the_session_cookie_is_http_only_and_lax(
        demo: Flask, client: FlaskClient, sign_in: SignIn) -> None:
    cookie = sign_in(client, "clerk_health").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert demo.config["SESSION_COOKIE_SECURE"] is False  # testing: plain http
    production = create_app({"DATABASE_URL": demo.config["DATABASE_URL"], "SECRET_KEY": "x",
                             "INSTANCE_PATH": demo.instance_path, "LOWCODE_ENV": "production"})
    assert production.config["SESSION_COOKIE_SECURE"] is True


def test_the_failure_message_does_not_say_whether_the_account_exists(
        demo: Flask, client: FlaskClient, sign_in: SignIn) -> None:
    wrong = sign_in(client, "clerk_health", "wrong-password-1")
    missing = sign_in(client, "nobody_here", "wrong-password-1")
    assert wrong.status_code == missing.status_code == 401
    for response in (wrong, missing):
        assert '<p id="sign-in-error" class="form-error" role="alert">用户名或密码错误</p>' in \
            response.get_data(as_text=True)
    assert actions(demo) == ["auth.sign_in_failed", "auth.sign_in_failed"]


def test_the_eleventh_attempt_is_refused_even_with_the_right_password(
        demo: Flask, client: FlaskClient, sign_in: SignIn) -> None:
    for _ in range(10):
        assert sign_in(client, "lead_health", "wrong-password-1").status_code == 401
    refused = sign_in(client, "lead_health")
    assert refused.status_code == 401 and "用户名或密码错误" in refused.get_data(as_text=True)
    assert client.get("/auth/me").status_code == 302
    assert "auth.locked" in actions(demo)
    with store(demo).sessions() as session:
        user = accounts.user_by_name(session, "lead_health")
        assert user is not None and accounts.is_locked(user, utcnow())
        user.locked_until = utcnow() - timedelta(seconds=1)  # the lock-out period is over
        session.commit()
    assert sign_in(client, "lead_health").status_code == 302


def test_a_successful_sign_in_resets_the_failure_count(
        demo: Flask, client: FlaskClient, sign_in: SignIn) -> None:
    for _ in range(9):
        sign_in(client, "lead_health", "wrong-password-1")
    assert sign_in(client, "lead_health").status_code == 302
    for _ in range(9):
        sign_in(client, "lead_health", "wrong-password-1")
    assert sign_in(client, "lead_health").status_code == 302


def test_sign_in_attempts_are_rate_limited_by_address(
        demo: Flask, client: FlaskClient, sign_in: SignIn) -> None:
    demo.config["LOGIN_RATE_PER_IP"] = 3
    for name in ("a_name", "b_name", "c_name"):
        assert sign_in(client, name, "wrong-password-1", ip="10.0.0.1").status_code == 401
    limited = sign_in(client, "clerk_health", ip="10.0.0.1")
    assert limited.status_code == 429
    assert "尝试次数过多，请稍后再试" in limited.get_data(as_text=True)
    assert sign_in(client, "clerk_health", ip="10.0.0.2").status_code == 302
    with store(demo).sessions() as session:
        refused = session.scalars(select(AuditEntry)
                                  .where(AuditEntry.action == "request.throttled")).one()
        assert (refused.detail, refused.actor_name, refused.ip) == (
            "sign-in (staff)", "clerk_health", "10.0.0.1")


def test_sign_in_attempts_are_rate_limited_by_account(
        demo: Flask, client: FlaskClient, sign_in: SignIn) -> None:
    demo.config["LOGIN_RATE_PER_ACCOUNT"] = 2
    for address in ("10.0.0.1", "10.0.0.2"):
        sign_in(client, "clerk_health", "wrong-password-1", ip=address)
    assert sign_in(client, "clerk_health", ip="10.0.0.3").status_code == 429
    assert sign_in(client, "clerk_police", ip="10.0.0.3").status_code == 302


def test_a_post_without_the_csrf_token_is_refused(
        demo: Flask, client: FlaskClient, sign_in: SignIn) -> None:
    response = client.post("/auth/login", data={"username": "clerk_health",
                                                "password": DEMO_PASSWORD},
                           headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "csrf_failed"
    sign_in(client, "clerk_health")
    assert client.post("/auth/logout").status_code == 400
    assert client.get("/auth/me").status_code == 200  # still signed in
    assert client.post("/auth/logout", data={"csrf_token": "forged"}).status_code == 400


def test_htmx_sends_the_token_in_a_header_set_on_the_body(
        demo: Flask, client: FlaskClient, sign_in: SignIn) -> None:
    sign_in(client, "clerk_health")
    page = client.get("/auth/me").get_data(as_text=True)
    token = csrf_from(page)
    assert f'<body hx-headers=\'{{"X-CSRFToken": "{token}"}}\'>' in page
    response = client.post("/auth/logout", headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert response.status_code == 302


def test_sign_out_is_post_only(demo: Flask, client: FlaskClient, sign_in: SignIn) -> None:
    sign_in(client, "clerk_health")
    assert client.get("/auth/logout").status_code == 405
    assert client.get("/auth/me").status_code == 200


def test_demo_accounts_are_refused_in_production(demo: Flask, sign_in: SignIn) -> None:
    production = create_app({"DATABASE_URL": demo.config["DATABASE_URL"], "SECRET_KEY": "x",
                             "INSTANCE_PATH": demo.instance_path, "TESTING": True,
                             "LOWCODE_ENV": "production"})
    client = production.test_client()
    response = sign_in(client, "admin")
    assert response.status_code == 401 and "用户名或密码错误" in response.get_data(as_text=True)
    demo_client = demo.test_client()
    sign_in(demo_client, "admin")
    cookie = demo_client.get_cookie("session")
    assert cookie is not None
    client.set_cookie("session", cookie.value)  # a session made outside production
    assert client.get("/auth/me").status_code == 302
    store(production).engine.dispose()


def test_an_expired_password_must_be_changed_before_anything_else(
        demo: Flask, client: FlaskClient, sign_in: SignIn) -> None:
    with store(demo).sessions() as session:
        user = accounts.user_by_name(session, "designer")
        assert user is not None
        user.password_changed_at = utcnow() - timedelta(days=91)
        session.commit()
    assert sign_in(client, "designer").status_code == 302
    moved = client.get("/auth/me")
    assert moved.headers["Location"] == "/auth/password?next=/auth/me"
    assert client.get("/").status_code == 302
    page = client.get("/auth/password").get_data(as_text=True)
    assert "密码已过期，请先修改密码。" in page
    token = csrf_from(page)
    weak = client.post("/auth/password", data={
        "current_password": DEMO_PASSWORD, "new_password": "short", "confirm_password": "short",
        "csrf_token": token})
    assert weak.status_code == 400
    assert "密码至少 10 位；密码须包含数字" in weak.get_data(as_text=True)
    changed = client.post("/auth/password?next=/auth/me", data={
        "current_password": DEMO_PASSWORD, "new_password": "newpassword42",
        "confirm_password": "newpassword42", "csrf_token": token})
    assert changed.headers["Location"] == "/auth/me"
    assert client.get("/auth/me").status_code == 200
    assert "account.change" in actions(demo)


def test_the_password_age_is_a_setting(demo: Flask, client: FlaskClient,
                                       sign_in: SignIn) -> None:
    demo.config["PASSWORD_MAX_AGE_DAYS"] = 0
    with store(demo).sessions() as session:
        user = accounts.user_by_name(session, "designer")
        assert user is not None
        user.password_changed_at = utcnow() - timedelta(days=3650)
        session.commit()
    sign_in(client, "designer")
    assert client.get("/auth/me").status_code == 200


def test_passwords_are_stored_as_scrypt_hashes(demo: Flask) -> None:
    with store(demo).sessions() as session:
        hashes = list(session.scalars(select(accounts.User.password_hash)))
    assert hashes and all(h.startswith("scrypt:") for h in hashes)
    assert all(DEMO_PASSWORD not in h for h in hashes)


def signed_in_hours_ago(client: FlaskClient, key: str, hours: float) -> None:
    """Move the moment of the sign-in the cookie carries into the past."""
    with client.session_transaction() as held:
        held[key] = [*held[key][:2], int(time.time() - hours * 3600)]  # set: a change


def test_a_staff_session_ends_twelve_hours_after_sign_in_however_busy(
        demo: Flask, client: FlaskClient, sign_in: SignIn) -> None:
    sign_in(client, "clerk_health")
    signed_in_hours_ago(client, "staff", 11.9)
    assert client.get("/auth/me").status_code == 200  # the request slid the cookie on...
    signed_in_hours_ago(client, "staff", 12.1)
    assert client.get("/auth/me").headers["Location"] == "/auth/login?next=/auth/me"  # ...not this
    with client.session_transaction() as held:
        assert "staff" not in held


def test_the_session_slides_on_a_cookie_signed_again_once_a_minute(
        demo: Flask, client: FlaskClient, sign_in: SignIn,
        monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in(client, "clerk_health")
    client.get("/auth/me")  # the first page puts a CSRF token in the session
    start = time.time()
    at = lambda seconds: monkeypatch.setattr(time, "time", lambda: start + seconds)  # noqa: E731
    at(30)
    assert "Set-Cookie" not in client.get("/auth/me").headers  # nothing changed: not signed
    at(61)
    assert "Set-Cookie" in client.get("/auth/me").headers  # a minute old: signed again...
    at(61 + 8 * 3600 - 30)
    assert client.get("/auth/me").status_code == 200  # ...so 8 hours run from there


def test_a_session_from_before_the_absolute_limit_is_signed_out(
        demo: Flask, client: FlaskClient, sign_in: SignIn) -> None:
    sign_in(client, "clerk_health")
    with client.session_transaction() as held:
        held["staff"] = held["staff"][:2]  # a cookie issued before the limit existed
    assert client.get("/auth/me").status_code == 302


def test_the_absolute_limit_is_a_setting(demo: Flask, sign_in: SignIn,
                                        tmp_path: Path) -> None:
    shorter = create_app({"DATABASE_URL": demo.config["DATABASE_URL"], "SECRET_KEY": "x",
                          "TESTING": True, "INSTANCE_PATH": str(tmp_path),
                          "LOWCODE_ENV": "development", "SESSION_ABSOLUTE_HOURS": 2})
    client = shorter.test_client()
    sign_in(client, "clerk_health")
    signed_in_hours_ago(client, "staff", 2.1)
    assert client.get("/auth/me").status_code == 302
    assert demo.config["SESSION_ABSOLUTE_HOURS"] == 12

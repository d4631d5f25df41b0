"""`/healthz`, and where the app finds its database and secret key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine

from runtime.demo import DEMO_PASSWORD, seed_demo
from runtime.store import accounts
from runtime.store.audit import AUDIT_KEY_ENV
from runtime.store.db import session_factory
from runtime.web import create_app
from runtime.web.database import store
from runtime.web.settings import AUDIT_KEY_FILE, INSTANCE_ENV, SECRET_ENV, SECRET_FILE


def test_healthz(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_healthz_without_a_database_is_503(tmp_path: Path) -> None:
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'missing' / 'x.db'}",
                      "SECRET_KEY": "x", "INSTANCE_PATH": tmp_path})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "database_unavailable"


def test_the_engine_and_sessions_are_on_the_app(client: FlaskClient) -> None:
    app = client.application
    assert set(vars(store(app))) == {"engine", "sessions", "heads", "files"}
    assert app.extensions["lowcode"] is store(app)


def test_development_keys_are_kept_in_the_instance_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (SECRET_ENV, AUDIT_KEY_ENV, "LOWCODE_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(INSTANCE_ENV, str(tmp_path / "inst"))
    monkeypatch.setenv("LOWCODE_ENV", "development")
    first = create_app()
    second = create_app()
    for setting, file in (("SECRET_KEY", SECRET_FILE), ("AUDIT_KEY", AUDIT_KEY_FILE)):
        assert first.config[setting] == second.config[setting]
        assert len(first.config[setting]) == 64
        assert (tmp_path / "inst" / file).stat().st_mode & 0o777 == 0o600
    assert first.config["SECRET_KEY"] != first.config["AUDIT_KEY"]
    assert first.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'inst' / 'lowcode.db'}"
    assert first.instance_path == str(tmp_path / "inst")
    assert first.config["TESTING"] is False
    assert first.config["SESSION_COOKIE_SECURE"] is False


def test_the_environment_and_the_config_win(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, "from-env")
    assert create_app({"INSTANCE_PATH": tmp_path}).config["SECRET_KEY"] == "from-env"
    given = create_app({"INSTANCE_PATH": tmp_path, "SECRET_KEY": "given"})
    assert given.config["SECRET_KEY"] == "given"
    assert not (tmp_path / SECRET_FILE).exists()


@pytest.mark.parametrize("missing", [SECRET_ENV, AUDIT_KEY_ENV])
def test_production_is_the_default_and_refuses_to_start_without_its_keys(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, missing: str) -> None:
    """Started as the README's gunicorn line does: no LOWCODE_ENV, no config."""
    monkeypatch.delenv("LOWCODE_ENV", raising=False)
    monkeypatch.setenv(INSTANCE_ENV, str(tmp_path / "inst"))
    monkeypatch.setenv(SECRET_ENV, "s" * 64)
    monkeypatch.setenv(AUDIT_KEY_ENV, "a" * 64)
    monkeypatch.delenv(missing)
    with pytest.raises(RuntimeError) as refused:
        create_app()
    message = str(refused.value)
    assert f"{missing} 未设置" in message and f"{missing} is not set" in message
    assert "LOWCODE_ENV=development" in message
    assert not (tmp_path / "inst" / SECRET_FILE).exists()
    assert not (tmp_path / "inst" / AUDIT_KEY_FILE).exists()


def test_in_production_by_default_demo_accounts_are_refused_and_cookies_are_secure(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str, engine: Engine) -> None:
    monkeypatch.delenv("LOWCODE_ENV", raising=False)
    monkeypatch.setenv("LOWCODE_DATABASE_URL", db_url)
    monkeypatch.setenv(INSTANCE_ENV, str(tmp_path / "inst"))
    monkeypatch.setenv(SECRET_ENV, "s" * 64)
    with session_factory(engine)() as session:
        seed_demo(session, env="development")  # a database a demo ran on before
        staff = accounts.add_user(session, "real_clerk", "王真", "Str0ng-Passw0rd!")
        session.commit()
    app = create_app()
    assert app.config["LOWCODE_ENV"] == "production" and app.config["AUDIT_KEY"] == "test-audit-key"
    client = app.test_client()
    for username, password, status in (("admin", DEMO_PASSWORD, 401),
                                       (staff.username, "Str0ng-Passw0rd!", 302)):
        page = client.get("/auth/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token is not None
        response = client.post("/auth/login", data={
            "username": username, "password": password, "csrf_token": token.group(1)})
        assert response.status_code == status
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=") and "; Secure" in cookie
    store(app).engine.dispose()

"""`/healthz`, and where the app finds its database and secret key."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from runtime.web import create_app
from runtime.web.database import store
from runtime.web.settings import INSTANCE_ENV, SECRET_ENV, SECRET_FILE


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


def test_a_development_secret_is_kept_in_the_instance_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    monkeypatch.delenv("LOWCODE_DATABASE_URL", raising=False)
    monkeypatch.setenv(INSTANCE_ENV, str(tmp_path / "inst"))
    first = create_app()
    second = create_app()
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) == 64
    assert (tmp_path / "inst" / SECRET_FILE).stat().st_mode & 0o077 == 0
    assert first.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'inst' / 'lowcode.db'}"
    assert first.instance_path == str(tmp_path / "inst")
    assert first.config["TESTING"] is False


def test_the_environment_and_the_config_win(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, "from-env")
    assert create_app({"INSTANCE_PATH": tmp_path}).config["SECRET_KEY"] == "from-env"
    given = create_app({"INSTANCE_PATH": tmp_path, "SECRET_KEY": "given"})
    assert given.config["SECRET_KEY"] == "given"
    assert not (tmp_path / SECRET_FILE).exists()

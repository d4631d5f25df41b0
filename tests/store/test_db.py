"""Engines: SQLite tuned for a web app, PostgreSQL through psycopg 3, URLs from the env."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from runtime.store import db


def test_sqlite_connections_are_tuned(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as connection:
        pragma = lambda name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("synchronous") == 1  # NORMAL
        assert pragma("foreign_keys") == 1
        assert pragma("busy_timeout") == db.BUSY_TIMEOUT_MS
    engine.dispose()


@pytest.mark.parametrize(("given", "expected"), [
    ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
    ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
    ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
    ("sqlite:///x.db", "sqlite:///x.db"),
])
def test_postgres_urls_use_psycopg_3(given: str, expected: str) -> None:
    assert db.normalize_url(given) == expected


def test_a_postgres_url_makes_a_psycopg_engine() -> None:
    engine = db.make_engine("postgresql://nobody@127.0.0.1:1/none")
    assert engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg"
    engine.dispose()


def test_the_default_database_is_sqlite_in_the_instance_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(db.URL_ENV, raising=False)
    url = db.database_url(tmp_path / "instance")
    assert url == f"sqlite:///{tmp_path / 'instance' / 'lowcode.db'}"
    assert (tmp_path / "instance").is_dir()


def test_the_environment_names_the_database(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(db.URL_ENV, "postgresql://u@h/d")
    assert db.database_url(tmp_path) == "postgresql://u@h/d"


def test_ping(engine: Engine) -> None:
    with db.session_factory(engine)() as session:
        assert db.ping(session)


def test_ping_fails_when_the_database_cannot_be_reached(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'missing' / 'x.db'}")
    with db.session_factory(engine)() as session:
        assert not db.ping(session)
    engine.dispose()

"""Remembered published versions: a warm form page reads nothing, a new version still shows."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from runtime.packs import check_path
from runtime.store import queries
from runtime.store.publish import publish_pack
from runtime.store.queries import Heads
from runtime.web import create_app
from runtime.web.database import store

MakePack = Callable[..., Path]


def no_session() -> Session:
    raise AssertionError("the database was read")


def test_a_remembered_version_is_served_without_the_database(
        session: Session, make_pack: MakePack) -> None:
    publish_pack(session, check_path(make_pack()))
    heads = Heads()
    first = heads.get(lambda: session, "Form", "demo_apply")
    assert first is not None and (first.version, first.pack_id) == (1, "demo_pack")
    assert heads.get(no_session, "Form", "demo_apply") is first
    assert heads.get(no_session, "Form", "demo_apply", 1) is first
    assert first.spec.title.zh == "示例申请表"


def test_an_unknown_definition_is_none_and_asked_again(
        session: Session, make_pack: MakePack) -> None:
    heads = Heads()
    assert heads.get(lambda: session, "Form", "demo_apply") is None
    publish_pack(session, check_path(make_pack()))
    found = heads.get(lambda: session, "Form", "demo_apply")
    assert found is not None and found.version == 1


def test_a_version_published_here_is_the_latest_at_once(
        session: Session, make_pack: MakePack) -> None:
    publish_pack(session, check_path(make_pack()))
    heads = Heads(ttl=3600)
    assert heads.get(lambda: session, "Form", "demo_apply").version == 1  # type: ignore[union-attr]
    publish_pack(session, check_path(make_pack(form_version=2, form_title="新版申请表")))
    latest = heads.get(lambda: session, "Form", "demo_apply")
    assert latest is not None and latest.version == 2
    old = heads.get(lambda: session, "Form", "demo_apply", 1)
    assert old is not None and old.version == 1


def test_a_version_published_by_another_process_shows_after_the_ttl(
        session: Session, make_pack: MakePack, monkeypatch: pytest.MonkeyPatch) -> None:
    publish_pack(session, check_path(make_pack()))
    clock = [1000.0]
    monkeypatch.setattr(queries.time, "monotonic", lambda: clock[0])
    heads = Heads(ttl=2.0)
    assert heads.get(lambda: session, "Form", "demo_apply").version == 1  # type: ignore[union-attr]
    # Another process publishes: this one hears nothing of it.
    monkeypatch.setattr("runtime.store.publish.published_changed", lambda: None)
    publish_pack(session, check_path(make_pack(form_version=2, form_title="新版申请表")))
    clock[0] += 1.5
    assert heads.get(no_session, "Form", "demo_apply").version == 1  # type: ignore[union-attr]
    clock[0] += 1.0
    latest = heads.get(lambda: session, "Form", "demo_apply")
    assert latest is not None and latest.version == 2


def test_with_no_ttl_every_page_asks_for_the_latest_version(
        db_url: str, tmp_path: Path, engine: Engine, session: Session,
        make_pack: MakePack) -> None:
    app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "test", "TESTING": True,
                      "INSTANCE_PATH": tmp_path / "instance", "LATEST_DEFINITION_SECONDS": 0})
    try:
        publish_pack(session, check_path(make_pack()))
        client = app.test_client()
        assert client.get("/forms/demo_apply").status_code == 200
        statements: list[str] = []
        listen = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine.__class__, "before_cursor_execute", listen)
        try:
            assert client.get("/forms/demo_apply").status_code == 200
        finally:
            event.remove(engine.__class__, "before_cursor_execute", listen)
        assert any("FROM definitions" in statement for statement in statements)
    finally:
        store(app).engine.dispose()


def test_a_warm_form_page_runs_no_sql(client: FlaskClient, engine: Engine, session: Session,
                                      make_pack: MakePack) -> None:
    publish_pack(session, check_path(make_pack()))
    assert client.get("/forms/demo_apply").status_code == 200
    statements: list[str] = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine.__class__, "before_cursor_execute", listen)
    try:
        page = client.get("/forms/demo_apply")
    finally:
        event.remove(engine.__class__, "before_cursor_execute", listen)
    assert page.status_code == 200 and "示例申请表" in page.get_data(as_text=True)
    assert statements == []

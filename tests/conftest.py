"""Fixtures built from factories, with no module state: a fresh database per test (SQLite in
tmp_path, and PostgreSQL in its own schema when LOWCODE_TEST_POSTGRES_URL is set), an app and
a client on it, and a small pack written on demand."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from runtime.packs import check_path
from runtime.store.db import make_engine, normalize_url, session_factory
from runtime.store.migrate import upgrade
from runtime.store.publish import PublishReport, publish_pack
from runtime.web import create_app
from runtime.web.database import store

POSTGRES_ENV = "LOWCODE_TEST_POSTGRES_URL"
REQUIRE_ENV = "LOWCODE_REQUIRE_POSTGRES"
SKIP_REASON = "LOWCODE_TEST_POSTGRES_URL is not set; PostgreSQL tests skipped"

PACK = """\
kind: Pack
id: {pack_id}
version: {pack_version}
format: 1
title: {{zh: 示例场景, en: Demo scenario}}
description: {{zh: 用于测试的小场景包, en: A small pack for tests}}
publisher: 测试团队
departments:
  - {{code: GOVSVC, name: {{zh: 政务服务中心, en: Government Service Centre}}}}
"""
CATALOG = """\
kind: Catalog
id: {prefix}services
version: 1
title: {{zh: 事项目录, en: Service items}}
type: services
items:
  - code: DEMO-APPLY
    label: {{zh: 示例事项申请, en: Demo service}}
    department: GOVSVC
    form: {prefix}apply
  - {{code: DEMO-INFO, label: 只有说明的事项, department: GOVSVC}}
"""
FORM = """\
kind: Form
id: {prefix}apply
version: {form_version}
title: {{zh: {form_title}, en: Demo application form}}
department: GOVSVC
service: {{catalog: {prefix}services, item: DEMO-APPLY}}
fields:
  - {{id: applicant, type: text, label: {{zh: 申请人, en: Applicant}}, required: true}}
"""

MakePack = Callable[..., Path]


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of its own (no tables yet)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'lowcode.db'}"
    else:
        yield from _postgres_schema()


def _postgres_schema() -> Iterator[str]:
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        if os.environ.get(REQUIRE_ENV):
            pytest.fail(f"{REQUIRE_ENV} is set but {POSTGRES_ENV} is not")
        pytest.skip(SKIP_REASON)
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = make_engine(base)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        url = make_url(normalize_url(base))
        yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on the test database, migrated to the latest revision."""
    engine = make_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with session_factory(engine)() as session:
        yield session


@pytest.fixture
def app(engine: Engine, db_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "test", "TESTING": True,
                      "INSTANCE_PATH": tmp_path / "instance"})
    yield app
    store(app).engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make_pack(tmp_path: Path) -> MakePack:
    """Write a small pack (Pack + services Catalog + Form) and return its folder."""

    def write(name: str = "demo_pack", *, pack_id: str = "demo_pack", pack_version: int = 1,
              form_version: int = 1, form_title: str = "示例申请表", prefix: str = "demo_",
              extra: dict[str, str] | None = None) -> Path:
        root = tmp_path / "packs" / name
        files = {"pack.yaml": PACK, "catalogs/services.yaml": CATALOG, "forms/apply.yaml": FORM}
        values = {"pack_id": pack_id, "pack_version": pack_version, "prefix": prefix,
                  "form_version": form_version, "form_title": form_title}
        for file, template in files.items():
            _write(root / file, template.format(**values))
        for file, text in (extra or {}).items():
            _write(root / file, text)
        return root

    return write


CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(page: str) -> str:
    """The CSRF token of a rendered form."""
    found = CSRF_INPUT.search(page)
    assert found is not None, "no csrf_token input on the page"
    return found.group(1)


@pytest.fixture
def csrf(client: FlaskClient) -> Callable[[str], str]:
    """Fetch a page with `client` and return its form's CSRF token (valid for the session)."""

    def token(path: str = "/auth/login") -> str:
        return csrf_from(client.get(path).get_data(as_text=True))

    return token


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def publish(app: Flask) -> Callable[[Path], PublishReport]:
    """Check a pack folder and publish it into the app's database."""

    def run(folder: Path) -> PublishReport:
        with store(app).sessions() as session:
            return publish_pack(session, check_path(folder))

    return run


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say once, at the end, why the PostgreSQL copies of the database tests did not run."""
    skipped = [r for r in terminalreporter.stats.get("skipped", [])
               if SKIP_REASON in str(getattr(r, "longrepr", ""))]
    if skipped:
        terminalreporter.write_line(f"{len(skipped)} skipped: {SKIP_REASON}")

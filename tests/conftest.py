"""Fixtures built from factories, with no module state: a database of each test's own, an app
and a client on it, and a small pack written on demand.

Databases. `db_url` is the URL of a database of the test's own; it is empty (no tables) unless
the test also uses `engine` (itself, or through `session`, `app`, `client`, ...): then it is
already migrated to the latest revision, and `engine` is an engine on it. When the test uses
`demo` (tests/access) the demo organisation is in it too (`demo` seeds again, finding all).
- SQLite, a file in tmp_path. Alembic (and seed_demo) run once per session (once per xdist
  worker) into a template file, and each test that wants a migrated database gets a copy of
  the file: a copy takes a millisecond where the migrations take a tenth of a second. The migrations themselves
  still run from empty, on both databases, in tests/store/test_migrations.py.
- PostgreSQL, when LOWCODE_TEST_POSTGRES_URL is set: a database of its own on that server
  (CREATE DATABASE, so the role needs CREATEDB; parallel runs are safe), made from a template
  database migrated once per session when the test wants a migrated one, and dropped after
  the test; its commits do not wait for the disk (synchronous_commit off). Without the URL these copies skip, said once at the end of the run; with
  LOWCODE_REQUIRE_POSTGRES set they fail instead.
Which tests run on both databases: those that exercise database behaviour, namely every test
under tests/store and tests/access (the store, races, access filters, migrations) and any test
elsewhere marked `@pytest.mark.postgres` (a list query, a search). Every other test runs on
SQLite only: pages, forms and flows do not differ between the two. `-m postgres` selects the
tests that have a PostgreSQL copy. A test may still choose for itself with
`@pytest.mark.parametrize("db_url", [...], indirect=True)`.

Passwords. scrypt is slow on purpose (about 0.1 s a hash or check at werkzeug's cost), and
the tests sign in hundreds of times, so they hash at a lower cost (`TEST_PASSWORD_METHOD`,
set on `runtime.passwords.METHOD` before any test runs), as Django advises for its own test
suites: they check who may sign in, not scrypt's strength; hashes still start "scrypt:". The
demo organisation's password is hashed once per process (`runtime.demo`).
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from runtime import passwords
from runtime.demo import seed_demo
from runtime.destinations import ALLOW_ENV
from runtime.packs import check_path
from runtime.store.audit import AUDIT_KEY_ENV
from runtime.store.db import make_engine, normalize_url, session_factory
from runtime.store.migrate import upgrade
from runtime.store.publish import PublishReport, publish_pack
from runtime.web import create_app
from runtime.web.database import store

POSTGRES_ENV = "LOWCODE_TEST_POSTGRES_URL"
REQUIRE_ENV = "LOWCODE_REQUIRE_POSTGRES"
SKIP_REASON = "LOWCODE_TEST_POSTGRES_URL is not set; PostgreSQL tests skipped"
TESTS = Path(__file__).parent
# Directories under tests/ whose every test that uses a database runs on both databases.
BOTH_DATABASES = frozenset({"store", "access"})
DATABASE_PREFIX = "lowcode_test_"  # of the PostgreSQL databases made here: easy to find
NO_FLUSH = "-csynchronous_commit=off"
MIGRATED, DEMO = "migrated", "demo"  # the template databases tests copy
TEST_PASSWORD_METHOD = "scrypt:1024:8:1"  # werkzeug's default is scrypt:32768:8:1

passwords.METHOD = TEST_PASSWORD_METHOD
# Every process a test starts (the CLI, workers) and every bare session carry these: the
# audit key (the apps below resolve the same one) and loopback on the webhook allow-list,
# for the receivers the tests run on 127.0.0.1.
os.environ.setdefault(AUDIT_KEY_ENV, "test-audit-key")
os.environ.setdefault(ALLOW_ENV, "127.0.0.1/32,::1/128")

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


def on_postgres(item: pytest.Item | pytest.Function) -> bool:
    """Whether a test that uses a database also runs on PostgreSQL."""
    return (item.get_closest_marker("postgres") is not None
            or item.path.relative_to(TESTS).parts[0] in BOTH_DATABASES)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that uses `db_url` runs on SQLite, and those `on_postgres` on PostgreSQL
    too; unless it parametrises `db_url` itself."""
    if "db_url" not in metafunc.fixturenames or _parametrises(metafunc, "db_url"):
        return
    kinds = ["sqlite", "postgres"] if on_postgres(metafunc.definition) else ["sqlite"]
    metafunc.parametrize("db_url", kinds, indirect=True)


def _parametrises(metafunc: pytest.Metafunc, name: str) -> bool:
    for marker in metafunc.definition.iter_markers("parametrize"):
        names = marker.args[0]
        if name in ([n.strip() for n in names.split(",")] if isinstance(names, str) else names):
            return True
    return False


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that have a PostgreSQL copy, so that `-m postgres` finds them all."""
    for item in items:
        if "db_url" in getattr(item, "fixturenames", ()) and on_postgres(item):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a database of the test's own: migrated to the latest revision when the test
    uses `engine`, with the demo organisation too when it uses `demo`, else empty."""
    kind = _template_kind(request.fixturenames)
    if getattr(request, "param", "sqlite") == "sqlite":
        path = tmp_path / "lowcode.db"
        if kind:
            shutil.copyfile(request.getfixturevalue("sqlite_templates")(kind), path)
        yield f"sqlite:///{path}"
        return
    _require_postgres()
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = server.create(request.getfixturevalue("postgres_templates")(kind) if kind else None)
    try:
        yield server.url(name)
    finally:
        server.drop(name)


def _template_kind(fixtures: list[str]) -> str | None:
    """Which template a test's database copies: DEMO, MIGRATED or none (empty)."""
    if "demo" in fixtures:  # tests/access/conftest.py's fixture, which seeds it again: a no-op
        return DEMO
    return MIGRATED if "engine" in fixtures else None


def _fill(url: str, kind: str) -> None:
    """Migrate the database at `url`, and seed the demo organisation for DEMO."""
    upgrade(url)
    if kind == DEMO:
        engine = make_engine(url)
        with session_factory(engine)() as session:
            seed_demo(session, env="testing")
        engine.dispose()  # nobody stays connected: SQLite folds its WAL, PostgreSQL can copy


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """The SQLite file of each template kind, made on first use, for tests to copy."""
    made: dict[str, Path] = {}

    def template(kind: str) -> Path:
        if kind not in made:
            made[kind] = tmp_path_factory.mktemp(kind) / "lowcode.db"
            _fill(f"sqlite:///{made[kind]}", kind)
        return made[kind]

    return template


@pytest.fixture(scope="session")
def sqlite_template(sqlite_templates: Callable[[str], Path]) -> Path:
    """A SQLite file migrated to the latest revision, for tests to copy."""
    return sqlite_templates(MIGRATED)


def _require_postgres() -> str:
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        if os.environ.get(REQUIRE_ENV):
            pytest.fail(f"{REQUIRE_ENV} is set but {POSTGRES_ENV} is not")
        pytest.skip(SKIP_REASON)
    return base


class PostgresServer:
    """Makes and drops whole databases on the server of LOWCODE_TEST_POSTGRES_URL, through a
    connection to the database that URL names."""

    def __init__(self, base: str) -> None:
        self.base = make_url(normalize_url(base))
        self.admin = make_engine(base, isolation_level="AUTOCOMMIT")

    def url(self, name: str) -> str:
        """The URL of database `name`, whose commits do not wait for the disk: durability
        after a crash is not what the tests test, and a flush per commit is slow."""
        options = " ".join(filter(None, [self.base.query.get("options"), NO_FLUSH]))
        url = self.base.set(database=name).update_query_dict({"options": options})
        return url.render_as_string(hide_password=False)

    def create(self, template: str | None = None) -> str:
        """A new database, a copy of `template` if given (nobody may be connected to it)."""
        name = f"{DATABASE_PREFIX}{uuid.uuid4().hex[:16]}"
        like = f' TEMPLATE "{template}"' if template else ""
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"{like}')
        return name

    def drop(self, name: str) -> None:
        """Drop the database, ending any connection a test left open on it."""
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer(_require_postgres())
    yield server
    server.admin.dispose()


@pytest.fixture(scope="session")
def postgres_templates(postgres_server: PostgresServer) -> Iterator[Callable[[str], str]]:
    """The PostgreSQL database of each template kind, made on first use, for tests to copy."""
    made: dict[str, str] = {}

    def template(kind: str) -> str:
        if kind not in made:
            made[kind] = postgres_server.create()
            _fill(postgres_server.url(made[kind]), kind)
        return made[kind]

    yield template
    for name in made.values():
        postgres_server.drop(name)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on the test database, which `db_url` migrated for it."""
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with session_factory(engine)() as session:
        yield session


@pytest.fixture
def app(engine: Engine, db_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "test", "TESTING": True,
                      "LOWCODE_ENV": "development", "INSTANCE_PATH": tmp_path / "instance"})
    yield app
    store(app).engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """`socket.getaddrinfo` answering from the returned dict (host name -> addresses) and
    failing for any other name: a test that resolves a name never asks a real DNS server,
    and no test sends anything to an address but loopback."""
    names: dict[str, list[str]] = {}

    def getaddrinfo(host: str, port: int, *_args: object, **_kwargs: object) -> list[Any]:
        if host not in names and not _is_address(host):
            raise socket.gaierror(socket.EAI_NONAME, f"{host} is not in the test's resolver")
        return [(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM,
                 socket.IPPROTO_TCP, "", (address, port)) for address in names.get(host, [host])]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return names


def _is_address(host: str) -> bool:
    """An address as text, which a resolver answers with itself (connecting to one asks)."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


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

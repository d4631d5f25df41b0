"""Fixtures for real-browser tests: the app served over HTTP on a free local port (a fresh
SQLite database, a copy of the session's migrated template, with the birth pack published)
and Debian's Chromium driven by Playwright. Without Playwright or Chromium the tests skip,
unless LOWCODE_REQUIRE_BROWSER is set: then they fail."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from werkzeug.serving import make_server

from runtime.packs import check_path
from runtime.store.db import make_engine, session_factory
from runtime.store.publish import publish_pack
from runtime.store.submissions import Submission
from runtime.web import create_app
from runtime.web.database import store

REQUIRE_ENV = "LOWCODE_REQUIRE_BROWSER"
if not os.environ.get(REQUIRE_ENV):  # else a missing Playwright fails, as CI wants
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed; browser "
                        f"tests skipped (set {REQUIRE_ENV}=1 to fail instead)")
from playwright.sync_api import (  # noqa: E402  (after the check above, on purpose)
    Browser,
    BrowserContext,
    Page,
    Playwright,
    sync_playwright,
)

CHROMIUM = Path("/usr/bin/chromium")
PACK = Path(__file__).parents[2] / "scenario_packs" / "birth_one_thing"
# No sandbox: CI runs as root in a container. The rest keeps Chromium off the network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]
TIMEOUT_MS = 10_000


def _unavailable(reason: str) -> None:
    if os.environ.get(REQUIRE_ENV):
        pytest.fail(f"{REQUIRE_ENV} is set but {reason}")
    pytest.skip(f"{reason}; browser tests skipped (set {REQUIRE_ENV}=1 to fail instead)")


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@dataclass(frozen=True)
class LiveServer:
    """The app listening at `url`, and an engine on its database for checking what it did."""

    url: str
    engine: Engine


@pytest.fixture
def live_server(tmp_path: Path, sqlite_template: Path) -> Iterator[LiveServer]:
    """The real app (CSRF on, secure cookies relaxed for plain HTTP) in a thread."""
    shutil.copyfile(sqlite_template, tmp_path / "lowcode.db")
    db_url = f"sqlite:///{tmp_path / 'lowcode.db'}"
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        publish_pack(session, check_path(PACK))
    app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "browser-test",
                      "LOWCODE_ENV": "testing", "INSTANCE_PATH": tmp_path / "instance"})
    # Threaded, so two requests at once (a double submit) really overlap.
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.port}", engine)
    finally:
        server.shutdown()
        thread.join(timeout=5)
        store(app).engine.dispose()
        engine.dispose()


@pytest.fixture
def submission_count(live_server: LiveServer) -> Callable[[], int]:
    """How many rows the app has written to `submissions`."""

    def count() -> int:
        with live_server.engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(Submission)) or 0

    return count


@pytest.fixture
def new_page(browser: Browser, live_server: LiveServer) -> Iterator[Callable[..., Page]]:
    """Open a page in a context of its own: a different person, with no cookies; at a
    screen's `width` and `height` when given, in the browser's `locale`."""
    contexts: list[BrowserContext] = []

    def open_page(width: int | None = None, height: int | None = None,
                  locale: str = "zh-CN") -> Page:
        size = {"viewport": {"width": width, "height": height}} if width and height else {}
        context = browser.new_context(base_url=live_server.url, locale=locale, **size)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()

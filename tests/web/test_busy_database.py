"""SQLite under load: a write that waits past the busy timeout for another connection's
write lock answers 503 with Retry-After and stores nothing; once the lock is gone it works."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from runtime.store.audit import AuditEntry
from runtime.store.submissions import Submission
from runtime.web import create_app
from runtime.web.database import store
from runtime.web.errors import BUSY_RETRY_AFTER

BUSY_MS = 200


@pytest.fixture
def impatient(app: Flask, db_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The test app's database, with a short busy timeout (the setting)."""
    quick = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "test", "TESTING": True,
                        "LOWCODE_ENV": "development", "SQLITE_BUSY_MS": BUSY_MS,
                        "INSTANCE_PATH": tmp_path / "instance"})
    yield quick
    store(quick).engine.dispose()


def stored(app: Flask) -> tuple[int, int]:
    with store(app).sessions() as session:
        return (session.scalar(select(func.count()).select_from(Submission)) or 0,
                session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def test_a_write_on_a_locked_database_is_a_503_with_retry_after_and_stores_nothing(
        impatient: Flask, db_url: str, make_pack: Any, publish: Any) -> None:
    publish(make_pack())
    client = impatient.test_client()
    before = stored(impatient)
    holder = sqlite3.connect(make_url(db_url).database or "", isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        started = time.monotonic()
        busy = client.post("/api/forms/demo_apply/submissions",
                           json={"data": {"applicant": "张三"}, "idempotency_key": "k-1"})
        waited = time.monotonic() - started
        assert busy.status_code == 503
        assert busy.headers["Retry-After"] == str(BUSY_RETRY_AFTER)
        assert busy.get_json()["error"]["code"] == "database_busy"
        assert "未保存任何内容" in busy.get_json()["error"]["message"]
        assert waited >= BUSY_MS / 1000  # it waited (SQLite retrying) before giving up
        page = client.post("/api/forms/demo_apply/submissions?lang=en",
                           json={"data": {"applicant": "张三"}, "idempotency_key": "k-1"})
        assert page.get_json()["error"]["message"].startswith("the system is busy")
    finally:
        holder.rollback()
        holder.close()
    assert stored(impatient) == before  # nothing partial: no submission, no audit row
    done = client.post("/api/forms/demo_apply/submissions",
                       json={"data": {"applicant": "张三"}, "idempotency_key": "k-1"})
    assert done.status_code == 201, done.get_data(as_text=True)
    assert stored(impatient) == (before[0] + 1, before[1] + 1)


def test_the_busy_timeout_is_a_setting(impatient: Flask, app: Flask) -> None:
    with store(impatient).engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == BUSY_MS
    with store(app).engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000

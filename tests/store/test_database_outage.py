"""The database goes away under load: requests meanwhile answer 503 with the product's error
page or JSON shape (never a traceback), the pool reconnects by itself afterwards, and every
submission that was acknowledged is stored exactly once.

The outage is made on PostgreSQL for this test's own database only (other tests and other
users of the server go on): new connections are refused and every open one is terminated,
the way a restart looks to the app, then allowed again."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.engine import make_url

from runtime.store.submissions import Submission
from runtime.web import create_app
from runtime.web.database import store

UNREACHABLE = "postgresql://lowcode@127.0.0.1:1/nothing"  # loopback, a port nobody serves


def test_an_unreachable_database_answers_503_never_a_traceback(tmp_path: Path) -> None:
    app = create_app({"DATABASE_URL": UNREACHABLE, "SECRET_KEY": "test", "TESTING": True,
                      "INSTANCE_PATH": tmp_path})
    client = app.test_client()
    page = client.get("/services")
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    text = page.get_data(as_text=True)
    assert "数据库暂时无法访问，请稍后再试" in text and "Traceback" not in text
    assert "127.0.0.1" not in text  # the driver's message stays in the log
    api = client.post("/api/forms/x/submissions", json={"data": {}})
    assert api.status_code == 503
    assert api.get_json()["error"] == {
        "code": "database_unavailable", "status": 503,
        "message": "数据库暂时无法访问，请稍后再试"}


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_an_outage_under_load_answers_503_and_loses_nothing_acknowledged(
        app: Flask, make_pack: Callable[..., Path], publish: Callable[[Path], object],
        postgres_server: Any, db_url: str) -> None:
    publish(make_pack())
    stop, lock = threading.Event(), threading.Lock()
    statuses: Counter[int] = Counter()
    acknowledged: list[str] = []
    shapes: set[str] = set()

    def submit(worker: int) -> None:
        client = app.test_client()
        number = 0
        while not stop.is_set():
            number += 1
            response = client.post("/api/forms/demo_apply/submissions",
                                   json={"data": {"applicant": f"申请人{worker}-{number}"}})
            with lock:
                statuses[response.status_code] += 1
                if response.status_code == 201:
                    acknowledged.append(response.get_json()["tracking_no"])
                else:
                    shapes.add(response.get_json()["error"]["code"])

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    before_outage = statuses[201]
    name = make_url(db_url).database
    with postgres_server.admin.connect() as admin:
        admin.exec_driver_sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        admin.exec_driver_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              f"WHERE datname = '{name}' AND pid <> pg_backend_pid()")
        time.sleep(1.5)
        during = statuses[503]
        admin.exec_driver_sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    time.sleep(1.5)
    stop.set()
    for thread in threads:
        thread.join()
    print(f"outage: {dict(statuses)}; {before_outage} acknowledged before, {during} 503s "
          f"during, {len(acknowledged)} acknowledged in all")
    assert set(statuses) <= {201, 503}, statuses  # no 500, no traceback
    assert before_outage > 0 and during > 0 and shapes == {"database_unavailable"}
    assert statuses[201] > before_outage  # the pool came back by itself
    with store(app).sessions() as session:
        stored = Counter(session.scalars(select(Submission.tracking_no)))
    assert all(stored[number] == 1 for number in acknowledged)
    assert len(acknowledged) == len(set(acknowledged))

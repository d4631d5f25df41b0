"""Benchmark of the designer's view and dashboard editors, each action beside the product's
own page that shows the same thing (the baseline: /views/birth_ledger and
/dashboards/birth_overview for a clerk), measured in the same run.

Run `python bench/designer_views.py`. The birth pack is published into a fresh SQLite
database with APPLICATIONS applications; the designer also reads the service centre's
records, so every preview computes on all of them. Each action is timed over ROUNDS requests
after one warm-up; the median and the p95 are printed in ms with the ratio to its baseline.
Goal: every action under 100 ms.

Actions: open the view editor (check the copy, render the preview's first 20 rows); save a
column's heading (write, check, preview again); add a column (and remove it, in turn); open
the dashboard editor (every widget's figure); save a widget's title (write, check, every
figure again).
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("LOWCODE_AUDIT_KEY", "bench-audit-key")

from flask.testing import FlaskClient  # noqa: E402
from werkzeug.test import TestResponse  # noqa: E402

from runtime import passwords  # noqa: E402
from runtime.casework.submissions import submit_validated  # noqa: E402
from runtime.demo import DEMO_PASSWORD, seed_demo  # noqa: E402
from runtime.packs import check_path  # noqa: E402
from runtime.store import accounts  # noqa: E402
from runtime.store.migrate import upgrade  # noqa: E402
from runtime.store.publish import publish_pack  # noqa: E402
from runtime.store.queries import latest_definition  # noqa: E402
from runtime.web import create_app  # noqa: E402
from runtime.web.database import store  # noqa: E402

ROUNDS = 20
APPLICATIONS = 500
GOAL_MS = 100.0
PACK = Path(__file__).resolve().parents[1] / "scenario_packs" / "birth_one_thing"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
REVISION = re.compile(r'name="revision" value="(\d+)"')
APPLICATION = {
    "child_name": "王小明", "child_gender": "M", "birth_date": "2026-01-02",
    "hospital": "市妇幼保健院", "mother_name": "李丽", "mother_id": "11010519491231002X",
    "contact_mobile": "13912345678", "residence": "110105", "enrol_insurance": True,
    "need_ss_card": True, "bank_account": "6222020200112233445",
}


def timed(action: Callable[[], TestResponse]) -> list[float]:
    assert action().status_code == 200
    found = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        answer = action()
        found.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    return found


def signed_in(app: object, username: str) -> tuple[FlaskClient, str]:
    client = app.test_client()  # type: ignore[attr-defined]
    token = CSRF.search(client.get("/auth/login").get_data(as_text=True))
    assert token is not None
    client.post("/auth/login", data={"username": username, "password": DEMO_PASSWORD,
                                     "csrf_token": token.group(1)})
    page = client.get("/auth/me").get_data(as_text=True)
    found = CSRF.search(page)
    assert found is not None
    return client, found.group(1)


def main() -> None:
    passwords.METHOD = "scrypt:1024:8:1"
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        url = f"sqlite:///{root / 'bench.db'}"
        upgrade(url)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True,
                          "LOWCODE_ENV": "development", "INSTANCE_PATH": root / "instance"})
        with store(app).sessions() as session:
            seed_demo(session, env="testing")
            publish_pack(session, check_path(PACK))
            form = latest_definition(session, "Form", "birth_apply")
            assert form is not None
            for n in range(APPLICATIONS):
                submit_validated(session, form=form.spec,  # type: ignore[arg-type]
                                 data={**APPLICATION, "child_name": f"王{n}"},
                                 idempotency_key=f"bench-{n}", region_code="110105")
            designer = accounts.user_by_name(session, "designer")
            assert designer is not None
            accounts.add_membership(session, designer, "GOVSVC", "clerk")
            session.commit()
        client, csrf = signed_in(app, "designer")
        clerk, _ = signed_in(app, "lead_govsvc")
        hx = {"HX-Request": "true", "X-CSRFToken": csrf}
        revisions: dict[str, str] = {}
        counter = iter(range(10_000))

        def posted(path: str, data: dict[str, str]) -> TestResponse:
            answer = client.post(path, headers=hx, data={**data,
                                                         "revision": revisions[path]})
            found = REVISION.search(answer.get_data(as_text=True))
            if found:
                revisions[path] = found.group(1)
            return answer

        view, dash = "/designer/views/birth_ledger", "/designer/dashboards/birth_overview"
        for path in (view, dash):
            found = REVISION.search(client.get(path, headers=hx).get_data(as_text=True))
            assert found is not None
            revisions[path] = found.group(1)
        base_view = timed(lambda: clerk.get("/views/birth_ledger"))
        base_dash = timed(lambda: clerk.get("/dashboards/birth_overview"))
        rows = [
            ("open the view editor", timed(lambda: client.get(view, headers=hx)), base_view),
            ("save a column's heading", timed(lambda: posted(view, {
                "c0.zh": f"姓名{next(counter)}", "op": "save"})), base_view),
            ("add (or remove) a column", timed(lambda: posted(view, {
                "op": "add_column" if next(counter) % 2 else "del:12",
                "new_column": "field:hospital"})), base_view),
            ("open the dashboard editor", timed(lambda: client.get(dash, headers=hx)),
             base_dash),
            ("save a widget's title", timed(lambda: posted(dash, {
                "w0.type": "indicator", "w0.id": "received", "w0.name": "received",
                "w0.zh": f"受理{next(counter)}", "op": "save"})), base_dash),
        ]
    print(f"{'action':32} {'median':>8} {'p95':>8} {'× page':>7}")
    for name, found, base in [("page /views/birth_ledger", base_view, base_view),
                              ("page /dashboards/birth_overview", base_dash, base_dash),
                              *rows]:
        median = statistics.median(found)
        p95 = sorted(found)[int(len(found) * 0.95) - 1]
        flag = "" if median < GOAL_MS else "  over the goal"
        print(f"{name:32} {median:8.1f} {p95:8.1f} {median / statistics.median(base):7.2f}"
              f"{flag}")


if __name__ == "__main__":
    main()

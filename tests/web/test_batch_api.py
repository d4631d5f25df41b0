"""POST /api/batches: the batch start as JSON for staff signed in (records.write on the
form's department): JSON rows or an uploaded CSV/XLSX list, per-row results with each
row's tracking number, or the one error shape with each bad row's errors by path; one bad
row starts none; the same rows again start nothing twice; a guest or another department's
clerk gets the error shape's 404 and nothing starts."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from openpyxl import Workbook

from runtime.demo import seed_demo
from runtime.web.database import store
from web.test_batch_page import BAD, ELIGIBLE, GOOD, PACK, PROCESS, TASK, _cases
from web.test_pickers import sign_in, token


@pytest.fixture
def ready(app: Flask, make_pack: Callable[..., Path], publish: Callable[[Path], object]) -> Flask:
    """The batch page's pack (免申即享名单 of GOVSVC, one case per row) and the demo staff."""
    with store(app).sessions() as session:
        seed_demo(session, env="testing")
    publish(make_pack(extra={"pack.yaml": PACK, "forms/eligible.yaml": ELIGIBLE,
                             "tasks/confirm.yaml": TASK, "processes/redeem.yaml": PROCESS}))
    return app


ROWS = [{"company": "华兴科技有限公司", "amount": "550000"},
        {"company": "东方制造有限公司", "amount": 120000}]


def test_json_rows_start_one_case_each_and_again_start_nothing_twice(ready: Flask) -> None:
    client = ready.test_client()
    sign_in(client, "clerk_govsvc")
    response = client.post("/api/batches", json={"form": "eligible", "rows": ROWS})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["started"] == 2 and [r["row"] for r in body["rows"]] == [1, 2]
    assert all(r["created"] and len(r["tracking_no"]) == 16 for r in body["rows"])
    assert _cases(ready) == 2
    again = client.post("/api/batches", json={"form": "eligible", "rows": ROWS})
    assert again.status_code == 200 and again.get_json()["started"] == 0
    assert [r["tracking_no"] for r in again.get_json()["rows"]] == [
        r["tracking_no"] for r in body["rows"]]
    assert _cases(ready) == 2


def test_one_bad_row_starts_none_and_the_error_shape_names_each_row_and_field(
        ready: Flask) -> None:
    client = ready.test_client()
    sign_in(client, "clerk_govsvc")
    rows = [ROWS[0], {"company": "", "amount": "一百", "extra": "x"}]
    response = client.post("/api/batches", json={"form": "eligible", "rows": rows})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "batch_refused" and error["status"] == 422
    assert error["message"] == "未发起任何案件：1 行不合格，各行问题见 fields"
    assert set(error["fields"]) == {"columns.extra", "rows[2].company", "rows[2].amount"}
    assert error["fields"]["columns.extra"] == ["表单中没有此字段"]
    assert _cases(ready) == 0


def test_an_uploaded_list_gives_the_same_answers(ready: Flask) -> None:
    client = ready.test_client()
    sign_in(client, "clerk_govsvc")
    csrf = token(client, "/work/batches")

    def upload(content: bytes, name: str) -> tuple[int, dict]:
        response = client.post("/api/batches", data={
            "csrf_token": csrf, "form": "eligible", "list": (io.BytesIO(content), name)},
            content_type="multipart/form-data")
        return response.status_code, response.get_json()

    status, body = upload(BAD, "eligible.csv")
    assert status == 422 and set(body["error"]["fields"]) == {
        "columns.extra", "rows[2].company", "rows[2].amount"}
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["company", "amount"], ["华兴科技有限公司", 550000]):
        sheet.append(row)
    saved = io.BytesIO()
    book.save(saved)
    status, body = upload(saved.getvalue(), "eligible.xlsx")
    assert status == 201 and body["started"] == 1 and _cases(ready) == 1
    status, body = upload(b"x", "eligible.txt")
    assert status == 422 and body["error"]["code"] == "batch_bad_list"
    assert "名单须为 .csv 或 .xlsx 文件" in body["error"]["message"]


def test_an_upload_without_the_csrf_token_is_refused(ready: Flask) -> None:
    client = ready.test_client()
    sign_in(client, "clerk_govsvc")
    response = client.post("/api/batches", data={
        "form": "eligible", "list": (io.BytesIO(GOOD), "eligible.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "csrf_failed"
    assert _cases(ready) == 0


def test_a_guest_and_another_departments_clerk_start_nothing(ready: Flask) -> None:
    guest = ready.test_client().post("/api/batches", json={"form": "eligible", "rows": ROWS})
    assert guest.status_code == 404 and guest.get_json()["error"]["code"] == "not_found"
    client = ready.test_client()
    sign_in(client, "clerk_health")
    response = client.post("/api/batches", json={"form": "eligible", "rows": ROWS})
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "batch_form"
    assert _cases(ready) == 0

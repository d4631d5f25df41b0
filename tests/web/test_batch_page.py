"""批量发起 on the web: a member of staff uploads a list and starts one case per row of a
form of their department; the page shows each row's tracking number, or, when any row is
wrong, starts none and names each bad row and field in Chinese. CSRF and the department's
permission are checked."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from runtime.demo import seed_demo
from runtime.store.cases import CaseRow
from runtime.web.database import store
from web.test_pickers import sign_in, token

PACK = """\
kind: Pack
id: batch_web
version: 1
format: 1
title: 批量发起测试
departments: [{code: GOVSVC, name: 政务服务中心}]
roles: [{code: clerk, name: 办事员}]
"""
ELIGIBLE = """\
kind: Form
id: eligible
version: 1
title: 免申即享名单
department: GOVSVC
audience: staff
fields:
  - {id: company, type: text, label: 企业名称, required: true}
  - {id: amount, type: integer, label: 兑付金额, required: true, min: 1}
"""
TASK = """\
kind: TaskTemplate
id: confirm
version: 1
title: 企业确认
content: {instructions: 请企业确认}
coordination: {assignee: {department: GOVSVC, role: clerk}}
"""
PROCESS = """\
kind: Process
id: redeem
version: 1
title: 免申即享兑付
start_form: eligible
steps: [{id: confirm, task: confirm}]
"""
GOOD = "company,amount\n华兴科技有限公司,550000\n东方制造有限公司,120000\n".encode()
BAD = "company,amount,extra\n华兴科技有限公司,550000,\n,一百,x\n".encode()


@pytest.fixture
def ready(app: Flask, make_pack: Callable[..., Path], publish: Callable[[Path], object]) -> Flask:
    with store(app).sessions() as session:
        seed_demo(session, env="testing")
    publish(make_pack(extra={"pack.yaml": PACK, "forms/eligible.yaml": ELIGIBLE,
                             "tasks/confirm.yaml": TASK, "processes/redeem.yaml": PROCESS}))
    return app


def _cases(app: Flask) -> int:
    with store(app).sessions() as session:
        return session.scalar(select(func.count()).select_from(CaseRow)) or 0


def _upload(client: FlaskClient, content: bytes, name: str = "eligible.csv",
            form: str = "eligible") -> tuple[int, str]:
    response = client.post("/work/batches", data={
        "csrf_token": token(client, "/work/batches"), "form": form,
        "list": (io.BytesIO(content), name)}, content_type="multipart/form-data")
    return response.status_code, response.get_data(as_text=True)


def test_a_clerk_uploads_a_list_and_each_row_starts_a_case(ready: Flask) -> None:
    client = ready.test_client()
    sign_in(client, "clerk_govsvc")
    page = client.get("/work/batches").get_data(as_text=True)
    assert "免申即享名单 (eligible)" in page and 'enctype="multipart/form-data"' in page
    status, page = _upload(client, GOOD)
    assert status == 200
    assert "已发起 2 件（名单共 2 行，0 行此前已发起）" in page
    assert len(re.findall(r'class="batch-receipt"', page)) == 2
    assert _cases(ready) == 2
    status, page = _upload(client, GOOD)  # the same list again
    assert "已发起 0 件（名单共 2 行，2 行此前已发起）" in page and _cases(ready) == 2


def test_one_bad_row_starts_none_and_each_error_names_its_row_and_field(ready: Flask) -> None:
    client = ready.test_client()
    sign_in(client, "clerk_govsvc")
    status, page = _upload(client, BAD)
    assert status == 422
    assert "未发起任何案件：2 行不合格" in page
    rows = re.findall(r'<tr class="batch-error"><td>([^<]*)</td><td>([^<]*)</td>', page)
    assert ("第 1 行（表头）", "extra（extra）") in rows
    assert ("3", "企业名称（company）") in rows and ("3", "兑付金额（amount）") in rows
    assert "表单中没有此字段" in page
    assert _cases(ready) == 0


def test_a_file_that_is_no_list_is_refused_in_chinese(ready: Flask) -> None:
    client = ready.test_client()
    sign_in(client, "clerk_govsvc")
    status, page = _upload(client, b"x", name="eligible.txt")
    assert status == 422 and "名单须为 .csv 或 .xlsx 文件" in page


def test_the_post_needs_the_csrf_token(ready: Flask) -> None:
    client = ready.test_client()
    sign_in(client, "clerk_govsvc")
    response = client.post("/work/batches", data={
        "form": "eligible", "list": (io.BytesIO(GOOD), "eligible.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 400 and _cases(ready) == 0


def test_another_departments_clerk_is_offered_nothing_and_cannot_post_it(ready: Flask) -> None:
    client = ready.test_client()
    sign_in(client, "clerk_health")
    assert "您没有可以批量发起的事项" in client.get("/work/batches").get_data(as_text=True)
    status, page = _upload(client, GOOD)
    assert status == 422 and "请选择事项" in page and _cases(ready) == 0


def test_a_guest_is_sent_to_sign_in(ready: Flask) -> None:
    response = ready.test_client().get("/work/batches")
    assert response.status_code in (302, 303) and "/auth/login" in response.headers["Location"]

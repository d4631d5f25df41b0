"""One error shape for HTML and JSON, pinned here."""

from __future__ import annotations

import html
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from runtime.web import create_app


def html_error(page: str) -> dict[str, object]:
    """The code, message and status an HTML error page shows."""
    section = re.search(r'<section id="error"[^>]*data-code="([^"]+)" data-status="(\d+)"',
                        page)
    message = re.search(r'<p class="error-message">([^<]*)</p>', page)
    assert section is not None and message is not None
    return {"code": section.group(1), "message": html.unescape(message.group(1)),
            "status": int(section.group(2))}


def test_html_and_json_errors_have_the_same_shape(client: FlaskClient) -> None:
    as_html = client.get("/no-such-page", headers={"Accept": "text/html"})
    as_json = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert as_html.status_code == as_json.status_code == 404
    assert as_html.mimetype == "text/html" and as_json.is_json
    assert as_json.get_json() == {"error": html_error(as_html.get_data(as_text=True))}
    assert as_json.get_json()["error"] == {
        "code": "not_found", "message": "页面或资源不存在", "status": 404}


def test_the_html_error_page_is_chinese(client: FlaskClient) -> None:
    page = client.get("/no-such-page").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    assert "出错了" in page and "错误代码：not_found（404）" in page


def test_errors_in_english(client: FlaskClient) -> None:
    response = client.get("/no-such-page?lang=en", headers={"Accept": "application/json"})
    assert response.get_json()["error"]["message"] == "not found"


def test_api_errors_are_json_whatever_the_client_accepts(client: FlaskClient) -> None:
    response = client.get("/api/definitions/Form/nope", headers={"Accept": "text/html"})
    assert response.is_json and response.get_json()["error"]["status"] == 404


def test_a_wrong_method_keeps_the_allow_header(client: FlaskClient) -> None:
    response = client.post("/healthz", headers={"Accept": "application/json"})
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_an_unexpected_failure_is_a_500_in_the_same_shape(app: Flask, db_url: str) -> None:
    broken = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "x",
                         "INSTANCE_PATH": app.instance_path})

    @broken.get("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    response = broken.test_client().get("/boom", headers={"Accept": "application/json"})
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_error"
    assert "boom" not in response.get_data(as_text=True)


def test_the_forms_api_refuses_data_in_the_same_shape_with_the_errors_by_path(
        client: FlaskClient, make_pack: Any, publish: Any) -> None:
    publish(make_pack())  # its form demo_apply requires an applicant
    refused = client.post("/api/forms/demo_apply/submissions", json={"data": {}})
    assert refused.status_code == 422
    assert refused.get_json() == {"error": {
        "code": "invalid_submission", "message": "提交的数据有 1 处问题", "status": 422,
        "fields": {"applicant": ["请填写「申请人」"]}}}
    as_html = client.get("/no-such-page", headers={"Accept": "text/html"})
    shown = html_error(as_html.get_data(as_text=True))
    assert set(refused.get_json()["error"]) - {"fields"} == set(shown)  # the same keys

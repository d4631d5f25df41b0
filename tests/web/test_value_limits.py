"""How large a value may be, over HTTP: text fields have a default longest length (named in
Chinese), the live update echoes no more than it, what a submission stores is capped per value
and in all (a computed value too) with an error naming the field and nothing stored, and JSON
nested past any use is a 400."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from runtime.store.submissions import Submission
from runtime.web.database import store

SIZES = """\
kind: Form
id: sizes
version: 1
title: 大小
fields:
  - {id: line, type: text, label: {zh: 单行, en: Line}}
  - {id: lines, type: textarea, label: {zh: 多行, en: Lines}}
  - {id: essay, type: textarea, label: {zh: 长文, en: Essay}, max_length: 300000}
  - {id: a, type: textarea, label: 甲, max_length: 200000}
  - {id: b, type: textarea, label: 乙, max_length: 200000}
  - {id: c, type: textarea, label: 丙, max_length: 200000}
  - {id: n, type: text, label: 名称}
  - {id: times, type: integer, label: 次数}
  - {id: listed, type: text, label: {zh: 列表, en: Listed}, compute: "[n * 5000] * times if n and times else None"}
"""
API = "/api/forms/sizes/submissions"


@pytest.fixture
def sizes(client: FlaskClient, make_pack: Callable[..., Path],
          publish: Callable[[Path], object]) -> FlaskClient:
    publish(make_pack(extra={"forms/sizes.yaml": SIZES}))
    return client


def stored(client: FlaskClient) -> int:
    with store(client.application).sessions() as session:
        return session.scalar(select(func.count()).select_from(Submission)) or 0


def live(client: FlaskClient, name: str, value: str) -> str:
    page = client.get("/forms/sizes").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    response = client.post("/forms/sizes/state", data={name: value, "csrf_token": token[1]},
                           headers={"HX-Request": "true", "HX-Trigger-Name": name})
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize(("name", "label", "limit"), [
    ("line", "单行", 2_000), ("lines", "多行", 20_000)])
def test_a_text_field_has_a_default_longest_length_and_the_live_update_echoes_no_more(
        sizes: FlaskClient, name: str, label: str, limit: int) -> None:
    fragment = live(sizes, name, "字" * (limit + 5_000))
    assert f"「{label}」最多 {limit} 个字" in fragment
    assert fragment.count("字") <= limit + 10  # the value cut at the limit, not echoed whole
    assert f'maxlength="{limit}"' in fragment


def test_the_page_tells_the_browser_each_default_longest_length(sizes: FlaskClient) -> None:
    page = sizes.get("/forms/sizes").get_data(as_text=True)
    assert re.search(r'name="line"[^>]*maxlength="2000"', page)
    assert re.search(r'name="lines"[^>]*maxlength="20000"', page)
    assert re.search(r'name="essay"[^>]*maxlength="300000"', page)  # its own is kept


def test_the_api_refuses_text_over_the_default_length_and_stores_nothing(
        sizes: FlaskClient) -> None:
    response = sizes.post(API, json={"data": {"line": "x" * 2_001}})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"line": ["「单行」最多 2000 个字"]}
    assert stored(sizes) == 0


def test_a_value_over_the_stored_cap_is_422_naming_the_field(sizes: FlaskClient) -> None:
    response = sizes.post(API, json={"data": {"essay": "字" * 100_000}})  # 300 KB stored
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"essay": ["「长文」的内容过大（最多 256 KB）"]}
    assert stored(sizes) == 0


def test_a_submission_over_the_stored_cap_in_all_is_422_naming_the_largest(
        sizes: FlaskClient) -> None:
    data = {"a": "x" * 180_000, "b": "x" * 190_000, "c": "x" * 170_000}
    response = sizes.post(API, json={"data": data})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {
        "b": ["提交的内容合计过大（最多 512 KB），请精简「乙」"]}
    assert stored(sizes) == 0


def test_a_computed_value_over_the_stored_cap_is_422_naming_it(sizes: FlaskClient) -> None:
    # The checker cannot see `times`: the value is 30 x 5000 characters, 450 KB stored.
    response = sizes.post(API, json={"data": {"n": "字", "times": 30}})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"listed": ["「列表」的内容过大（最多 256 KB）"]}
    assert stored(sizes) == 0
    assert sizes.post(API, json={"data": {"n": "字", "times": 3}}).status_code == 201


def test_the_form_page_shows_a_stored_cap_beside_its_field(sizes: FlaskClient) -> None:
    page = sizes.get("/forms/sizes").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    response = sizes.post("/forms/sizes", data={"n": "字", "times": "30",
                                                "csrf_token": token[1], "_action": "submit"})
    assert response.status_code == 422
    assert "「列表」的内容过大（最多 256 KB）" in response.get_data(as_text=True)
    assert stored(sizes) == 0


@pytest.mark.parametrize("body", [
    '{"data": {"line": ' + "[" * 5_000 + "]" * 5_000 + "}}",  # past the parser's recursion
    '{"data": {"line": ' + "[" * 40 + "]" * 40 + "}}",  # parsed, but deeper than any form
    '{"data": {"rows": [' + '{"a": ' * 40 + "1" + "}" * 40 + "]}}",
])
def test_json_nested_too_deep_is_a_400_in_the_error_shape(sizes: FlaskClient,
                                                          body: str) -> None:
    response = sizes.post(API, data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json() == {"error": {"code": "too_deep", "status": 400,
                                             "message": "请求的 JSON 嵌套超过 32 层"}}
    assert stored(sizes) == 0

"""The start page: Chinese first, the imported packs and the forms they offer."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

MakePack = Callable[..., Path]
Publish = Callable[[Path], object]


def test_the_start_page_is_chinese_and_says_when_nothing_is_imported(
        client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    assert "<title>数字化履职协同平台</title>" in page
    assert "尚未导入场景包" in page


def test_the_start_page_leads_to_the_services_and_to_tracking(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assert '<a class="button" href="/services">办事大厅：全部事项</a>' in page
    assert '<a class="button secondary" href="/track">办件查询</a>' in page
    english = client.get("/?lang=en").get_data(as_text=True)
    assert 'href="/services?lang=en">All services</a>' in english
    assert client.get("/static/favicon.svg").status_code == 200
    assert 'rel="icon"' in page


def test_the_start_page_lists_packs_and_their_service_items(
        publish: Publish, client: FlaskClient, make_pack: MakePack) -> None:
    publish(make_pack())
    page = client.get("/").get_data(as_text=True)
    pack = _element(page, 'id="pack-demo_pack"')
    assert "示例场景" in pack and "第 1 版" in pack and "测试团队" in pack
    assert "用于测试的小场景包" in pack
    service = _element(page, 'id="service-DEMO-APPLY"')
    assert "示例事项申请" in service
    assert "申请表：示例申请表（第 1 版）" in service
    assert "主管部门：政务服务中心" in service
    assert 'href="/forms/demo_apply">在线办理</a>' in service
    assert "/api/definitions" not in service  # definitions are for staff
    assert 'id="service-DEMO-INFO"' not in page  # no form, nothing to apply with


def test_the_start_page_shows_the_latest_form_version(
        publish: Publish, client: FlaskClient, make_pack: MakePack) -> None:
    publish(make_pack())
    publish(make_pack(form_version=2, form_title="新版申请表"))
    service = _element(client.get("/").get_data(as_text=True), 'id="service-DEMO-APPLY"')
    assert "申请表：新版申请表（第 2 版）" in service


def test_english_by_query_parameter(
        publish: Publish, client: FlaskClient, make_pack: MakePack) -> None:
    publish(make_pack())
    page = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Demo scenario" in page and "version 1" in page
    assert "Application form: Demo application form (version 1)" in page
    assert 'href="/forms/demo_apply?lang=en">Apply online</a>' in page
    assert "示例场景" not in page


def test_the_language_switch_links_to_the_other_language(client: FlaskClient) -> None:
    assert 'href="/?lang=en"' in _element(client.get("/").get_data(as_text=True),
                                          'id="lang-switch"')
    english = client.get("/?lang=en").get_data(as_text=True)
    assert 'href="/?lang=zh"' in _element(english, 'id="lang-switch"')  # says so: it is kept


def test_the_chosen_language_is_kept_for_the_next_pages(client: FlaskClient) -> None:
    chosen = client.get("/?lang=en")
    assert "lang=en" in chosen.headers["Set-Cookie"] and "HttpOnly" in chosen.headers[
        "Set-Cookie"]
    assert '<html lang="en">' in client.get("/services").get_data(as_text=True)
    assert '<html lang="en">' in client.get("/track").get_data(as_text=True)
    client.get("/?lang=zh")
    assert '<html lang="zh-CN">' in client.get("/services").get_data(as_text=True)


def test_the_page_uses_only_its_own_scripts_and_styles(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assert '<script src="/static/vendor/htmx/htmx.min.js" defer></script>' in page
    assert '<link rel="stylesheet" href="/static/css/app.css">' in page
    assert re.findall(r"<script(?![^>]*\bsrc=)", page) == []
    assert "<style" not in page and " style=" not in page
    assert "http://" not in page and "https://" not in page


def test_htmx_requests_are_recognised(app: Flask) -> None:
    from flask import request

    with app.test_request_context("/", headers={"HX-Request": "true"}):
        assert request.htmx  # type: ignore[attr-defined]
    with app.test_request_context("/"):
        assert not request.htmx  # type: ignore[attr-defined]


def _element(page: str, marker: str) -> str:
    """The text from `marker` to the end of its element (good enough for our fragments)."""
    start = page.index(marker)
    tag = page.rfind("<", 0, start)
    name = re.match(r"<(\w+)", page[tag:])
    assert name is not None
    return page[tag:page.index(f"</{name.group(1)}>", start)]

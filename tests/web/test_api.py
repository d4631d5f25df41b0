"""The definitions API: the latest of each, one by id, one by version; for staff only."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from runtime.demo import seed_demo
from runtime.store import audit
from runtime.web.database import store

from .test_pickers import sign_in, token

MakePack = Callable[..., Path]
Publish = Callable[[Path], object]


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A designer signed in: the definitions are for staff."""
    with store(app).sessions() as session:
        seed_demo(session, env="testing")
    signed_in = app.test_client()
    sign_in(signed_in, "designer")
    return signed_in


@pytest.mark.parametrize("who", ["guest", "citizen", "auditor"])
def test_only_staff_read_definitions(app: Flask, client: FlaskClient, publish: Publish,
                                     make_pack: MakePack, who: str) -> None:
    publish(make_pack())
    visitor = app.test_client()
    if who == "auditor":
        sign_in(visitor, "auditor")
    elif who == "citizen":
        visitor.post("/auth/register", data={
            "kind": "person", "mobile": "13912345678", "name": "张三",
            "password": "citizen2025", "confirm_password": "citizen2025",
            "csrf_token": token(visitor, "/auth/register")})
    for path in ("/api/definitions", "/api/definitions/Form/demo_apply"):
        response = visitor.get(path)
        assert response.status_code == 404
        assert response.get_json()["error"] == {
            "code": "not_found", "message": "页面或资源不存在", "status": 404}
    with store(app).sessions() as session:
        denied = session.scalars(select(audit.AuditEntry.target_id)
                                 .where(audit.AuditEntry.action == "access.denied")).all()
    assert "/api/definitions" in denied
    assert client.get("/api/definitions/Form/demo_apply").status_code == 200


def test_list_definitions(publish: Publish, client: FlaskClient, make_pack: MakePack) -> None:
    publish(make_pack())
    publish(make_pack(form_version=2))
    response = client.get("/api/definitions")
    assert response.status_code == 200 and response.is_json
    assert response.get_json() == [
        {"kind": "Catalog", "id": "demo_services", "version": 1, "title": "事项目录",
         "pack": "demo_pack", "name": "demo_pack:demo_services"},
        {"kind": "Form", "id": "demo_apply", "version": 2, "title": "示例申请表",
         "pack": "demo_pack", "name": "demo_pack:demo_apply"},
        {"kind": "Pack", "id": "demo_pack", "version": 1, "title": "示例场景",
         "pack": "demo_pack", "name": "demo_pack:demo_pack"},
    ]


def test_two_packs_with_one_id_each_found_by_its_qualified_name(
        publish: Publish, client: FlaskClient, make_pack: MakePack) -> None:
    publish(make_pack())
    publish(make_pack("other", pack_id="other", form_version=3, form_title="另一个包的表"))
    rows = client.get("/api/definitions?kind=Form").get_json()
    assert [(r["name"], r["version"]) for r in rows] == [
        ("demo_pack:demo_apply", 1), ("other:demo_apply", 3)]
    bare = client.get("/api/definitions/Form/demo_apply").get_json()
    assert (bare["pack"], bare["versions"], bare["publisher"]) == ("demo_pack", [1], "测试团队")
    other = client.get("/api/definitions/Form/other:demo_apply").get_json()
    assert (other["pack"], other["versions"]) == ("other", [3])
    assert other["data"]["title"]["zh"] == "另一个包的表"
    assert client.get("/api/definitions/Form/other:demo_apply?version=1").status_code == 404


def test_list_definitions_of_one_kind_in_english(
        publish: Publish, client: FlaskClient, make_pack: MakePack) -> None:
    publish(make_pack())
    rows = client.get("/api/definitions?kind=Form&lang=en").get_json()
    assert [(r["id"], r["title"]) for r in rows] == [("demo_apply", "Demo application form")]


def test_one_definition_latest_and_by_version(
        publish: Publish, client: FlaskClient, make_pack: MakePack) -> None:
    publish(make_pack())
    publish(make_pack(form_version=2, form_title="新版"))
    latest = client.get("/api/definitions/Form/demo_apply").get_json()
    assert (latest["version"], latest["versions"]) == (2, [1, 2])
    assert latest["data"]["title"]["zh"] == "新版"
    assert (latest["format"], latest["source_file"]) == (1, "forms/apply.yaml")
    first = client.get("/api/definitions/Form/demo_apply?version=1").get_json()
    assert first["version"] == 1 and first["data"]["title"]["zh"] == "示例申请表"


def test_an_unknown_definition_is_404(client: FlaskClient) -> None:
    response = client.get("/api/definitions/Form/nope")
    assert response.status_code == 404
    assert response.get_json() == {"error": {
        "code": "definition_not_found", "message": "找不到定义 Form 'nope'", "status": 404}}


def test_an_unknown_version_is_404(
        publish: Publish, client: FlaskClient, make_pack: MakePack) -> None:
    publish(make_pack())
    response = client.get("/api/definitions/Form/demo_apply?version=9&lang=en")
    assert response.status_code == 404
    assert response.get_json()["error"] == {
        "code": "version_not_found", "status": 404,
        "message": "no version 9 of definition Form 'demo_apply'"}


def test_a_bad_version_is_400(client: FlaskClient) -> None:
    for value in ("two", "0", "-1"):
        response = client.get(f"/api/definitions/Form/demo_apply?version={value}")
        assert response.status_code == 400
        assert response.get_json()["error"]["code"] == "bad_version"

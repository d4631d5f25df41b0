"""A form's audience over HTTP: for each kind of visitor, which forms the catalogue and the
start page list, and which the page, the live update, the upload, the draft and the JSON API
open (200/303/201), refuse (403 in the error shape), send to sign in (302), or hide (404)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from runtime.demo import seed_demo
from runtime.web.database import store

from .test_pickers import sign_in, token

PACK = """\
kind: Pack
id: audiences
version: 1
format: 1
title: 适用对象
departments:
  - {code: HEALTH, name: 卫健委}
  - {code: POLICE, name: 公安局}
"""
FORM = """\
kind: Form
id: {id}
version: 1
title: 表单{id}
{audience}
fields:
  - {{id: note, type: text, label: 说明}}
"""
CATALOG = """\
kind: Catalog
id: services
version: 1
title: 事项
type: services
items:
  - {code: S1, label: 公开事项, form: open}
  - {code: S2, label: 个人事项, form: people}
  - {code: S3, label: 办理意见, form: opinion}
"""
TASK = """\
kind: TaskTemplate
id: review
version: 1
title: 审核
content: {instructions: 审核, form: opinion}
coordination:
  assignee: {department: HEALTH}
"""
AUDIENCES = {"open": "", "people": "audience: citizens", "firms": "audience: enterprises",
             "inside": "audience: staff", "health": "audience: {staff: [HEALTH]}",
             "handled": "audience: handlers", "opinion": ""}
VISITORS = ("guest", "person", "enterprise", "clerk_health", "clerk_police")
# Which forms each visitor may open; the rest are refused (or hidden, for handler forms).
OPENS = {
    "guest": {"open"},
    "person": {"open", "people"},
    "enterprise": {"open", "firms"},
    "clerk_health": {"open", "inside", "health"},
    "clerk_police": {"open", "inside"},
}
REFUSAL = {"people": "audience_citizens", "firms": "audience_enterprises",
           "inside": "audience_staff", "health": "audience_staff"}
HANDLER_FORMS = {"handled", "opinion"}  # `opinion` by default: the task template uses it


@pytest.fixture
def forms(app: Flask, tmp_path: Path, publish: Callable[[Path], object]) -> Flask:
    folder = tmp_path / "audiences"
    (folder / "forms").mkdir(parents=True)
    (folder / "tasks").mkdir()
    (folder / "pack.yaml").write_text(PACK, encoding="utf-8")
    (folder / "tasks" / "review.yaml").write_text(TASK, encoding="utf-8")
    (folder / "services.yaml").write_text(CATALOG, encoding="utf-8")
    for form_id, audience in AUDIENCES.items():
        (folder / "forms" / f"{form_id}.yaml").write_text(
            FORM.format(id=form_id, audience=audience), encoding="utf-8")
    publish(folder)  # raises on any problem
    with store(app).sessions() as session:
        seed_demo(session, env="testing")
    return app


def visit(app: Flask, who: str) -> FlaskClient:
    client = app.test_client()
    if who in ("person", "enterprise"):
        extra = {"uscc": "91110000600037341L", "name": "示例科技有限公司"} \
            if who == "enterprise" else {}
        mobile = "13912345678" if who == "person" else "13912345679"
        answer = client.post("/auth/register", data={
            "kind": who, "mobile": mobile, "name": "张三", "password": "citizen2025",
            "confirm_password": "citizen2025", "csrf_token": token(client, "/auth/register"),
            **extra})
        assert answer.status_code == 303  # registered: now sign in, as a person would
        signed = client.post("/auth/citizen/login", data={
            "mobile": mobile, "password": "citizen2025",
            "csrf_token": token(client, "/auth/citizen/login")})
        assert signed.status_code == 302
    elif who != "guest":
        sign_in(client, who)
    return client


def listed(client: FlaskClient) -> set[str]:
    page = client.get("/services").get_data(as_text=True)
    return set(re.findall(r'href="/forms/([a-z_]+)"', page))


@pytest.mark.parametrize("who", VISITORS)
def test_the_catalogue_lists_what_the_visitor_may_use(forms: Flask, who: str) -> None:
    """A guest also sees the services for people and for enterprises, each saying which
    sign-in it asks for (its page sends a guest there); a signed-in visitor sees only what
    their account may use."""
    client = visit(forms, who)
    page = client.get("/services").get_data(as_text=True)
    if who == "guest":
        assert listed(client) == OPENS[who] | {"people", "firms"}
        assert '<span class="muted" id="needs-people">（个人登录后办理）</span>' in page
        assert '<span class="muted" id="needs-firms">（企业登录后办理）</span>' in page
        english = client.get("/services?lang=en").get_data(as_text=True)
        assert "(sign in as an enterprise to apply)" in english
        assert 'id="needs-open"' not in page
    else:
        assert listed(client) == OPENS[who]
        assert 'class="muted" id="needs-' not in page


@pytest.mark.parametrize(("who", "offered"), [("guest", {"open"}),
                                              ("person", {"open", "people"}),
                                              ("clerk_health", {"open"})])
def test_the_start_page_offers_what_the_visitor_may_use(forms: Flask, who: str,
                                                         offered: set[str]) -> None:
    page = visit(forms, who).get("/").get_data(as_text=True)
    assert set(re.findall(r'href="/forms/([a-z_]+)"', page)) == offered
    # the link to a form's definition only for staff, who may read it
    assert ('href="/api/definitions/Form/open"' in page) == (who == "clerk_health")


@pytest.mark.parametrize("who", VISITORS)
def test_the_page_and_the_api_obey_the_audience(forms: Flask, who: str) -> None:
    client = visit(forms, who)
    for form_id in AUDIENCES:
        page = client.get(f"/forms/{form_id}")
        api = client.post(f"/api/forms/{form_id}/submissions", json={"data": {"note": "x"}})
        if form_id in OPENS[who]:
            assert page.status_code == 200, form_id
            assert api.status_code == 201, (form_id, api.get_json())
        elif form_id in HANDLER_FORMS:
            assert (page.status_code, api.status_code) == (404, 404), form_id
        else:
            assert api.status_code == 403, form_id
            assert api.get_json()["error"]["code"] == REFUSAL[form_id]
            assert page.status_code == (302 if who == "guest" else 403), form_id


@pytest.mark.parametrize("who", VISITORS)
def test_posts_live_updates_and_uploads_obey_the_audience(forms: Flask, who: str) -> None:
    client = visit(forms, who)
    csrf = token(client, "/forms/open")
    for form_id in AUDIENCES:
        submit = client.post(f"/forms/{form_id}", data={
            "csrf_token": csrf, "_key": f"k-{form_id}", "note": "x"})
        live = client.post(f"/forms/{form_id}/state", data={"csrf_token": csrf, "note": "x"},
                           headers={"HX-Request": "true", "HX-Trigger-Name": "note"})
        upload = client.post(f"/forms/{form_id}/files/note", data={"csrf_token": csrf})
        if form_id in OPENS[who]:  # `note` is no file field: the upload is a bad request
            assert (submit.status_code, live.status_code, upload.status_code) \
                == (303, 200, 400), form_id
        else:
            wanted = 404 if form_id in HANDLER_FORMS else 403
            # Those who work tasks fill handler forms on the task page, updated live (which
            # stores nothing); submitting or uploading to one directly stays a 404.
            working = form_id in HANDLER_FORMS and who.startswith("clerk_")
            assert (submit.status_code, live.status_code, upload.status_code) \
                == (wanted, 200 if working else wanted, wanted), form_id


def test_a_refusal_says_who_may_use_the_service(forms: Flask) -> None:
    page = visit(forms, "person").get("/forms/firms?lang=en")
    assert page.status_code == 403
    assert "only signed-in enterprises may use this service" in page.get_data(as_text=True)
    guest = visit(forms, "guest").get("/forms/people")
    assert guest.headers["Location"].startswith("/auth/citizen/login?next=/forms/people")
    staff = visit(forms, "guest").get("/forms/inside")
    assert staff.headers["Location"].startswith("/auth/login?next=/forms/inside")


def test_a_draft_is_resumed_only_by_the_audience(forms: Flask) -> None:
    person = visit(forms, "person")
    saved = person.post("/forms/people", data={
        "csrf_token": token(person, "/forms/people"), "_action": "draft", "note": "草稿"})
    link = re.search(r"/drafts/[A-Za-z0-9_-]+", saved.get_data(as_text=True))
    assert saved.status_code == 200 and link is not None
    assert person.get(link.group(0)).status_code == 200
    assert visit(forms, "enterprise").get(link.group(0)).status_code == 403

"""The guard on real pages: staff lists by the administrator's scope, and the audit log for
the auditor only; anyone else gets a 404 and leaves an `access.denied` record."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from runtime.store import audit
from runtime.web.database import store

from .conftest import SignIn

EVERYONE = {"admin", "admin_district", "auditor", "clerk_health", "clerk_police",
            "clerk_govsvc", "clerk_street", "clerk_medins", "clerk_hrss", "designer",
            "clerk_industry", "lead_industry", "clerk_finance", "clerk_tax",
            "dispatcher", "lead_govsvc", "lead_health", "supervisor"}


def listed(page: str) -> set[str]:
    return set(re.findall(r'<tr id="user-([a-z_]+)" class="staff-row">', page))


@pytest.mark.parametrize(("username", "expected"), [
    ("admin", EVERYONE),
    ("admin_district", {"admin_district", "clerk_street"}),
])
def test_an_administrator_sees_exactly_the_staff_in_scope(
        demo: Flask, client: FlaskClient, sign_in: SignIn, username: str,
        expected: set[str]) -> None:
    sign_in(client, username)
    response = client.get("/admin/users")
    assert response.status_code == 200
    assert listed(response.get_data(as_text=True)) == expected


def test_mobile_numbers_are_masked_in_the_staff_list(
        demo: Flask, client: FlaskClient, sign_in: SignIn) -> None:
    sign_in(client, "admin")
    page = client.get("/admin/users").get_data(as_text=True)
    row = page[page.index('id="user-clerk_health"'):]
    assert '<td class="mobile">138****8001</td>' in row
    assert "13800138001" not in page


@pytest.mark.parametrize("username", ["clerk_health", "lead_health", "dispatcher",
                                      "supervisor", "designer", "auditor"])
def test_other_roles_get_a_404_on_the_staff_list(
        demo: Flask, client: FlaskClient, sign_in: SignIn, username: str) -> None:
    sign_in(client, username)
    assert client.get("/admin/users").status_code == 404


@pytest.mark.parametrize("username", ["admin", "clerk_health", "supervisor", "designer"])
def test_only_the_auditor_reaches_the_audit_log_and_its_fragment(
        demo: Flask, client: FlaskClient, sign_in: SignIn, username: str) -> None:
    sign_in(client, username)
    page = client.get("/admin/audit", headers={"Accept": "application/json"})
    assert page.status_code == 404 and page.get_json()["error"]["code"] == "not_found"
    fragment = client.get("/admin/audit/rows?before=1000", headers={"HX-Request": "true"})
    assert fragment.status_code == 404
    with store(demo).sessions() as session:
        denied = session.scalars(select(audit.AuditEntry).where(
            audit.AuditEntry.action == "access.denied")).all()
    assert [(d.actor_name, d.target_id, d.detail) for d in denied] == [
        (username, "/admin/audit", "audit.read"), (username, "/admin/audit/rows", "audit.read")]


def test_signed_out_visitors_are_sent_to_sign_in(demo: Flask, client: FlaskClient) -> None:
    assert client.get("/admin/audit").headers["Location"] == "/auth/login?next=/admin/audit"
    fragment = client.get("/admin/audit/rows", headers={"HX-Request": "true"})
    assert fragment.status_code == 401
    assert fragment.headers["HX-Redirect"] == "/auth/login?next=/admin/audit/rows"


def test_the_auditor_searches_by_actor_and_action(
        demo: Flask, client: FlaskClient, sign_in: SignIn) -> None:
    other = demo.test_client()
    sign_in(other, "clerk_health", "wrong-password-1")
    sign_in(other, "clerk_health")
    sign_in(client, "auditor")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "<h1>审计日志</h1>" in page
    assert page.count('class="audit-row"') == 3  # failure, clerk's and auditor's sign-in
    mine = client.get("/admin/audit?actor=clerk_health&action=auth.sign_in")
    rows = re.findall(r'data-action="([a-z_.]+)"', mine.get_data(as_text=True))
    assert rows == ["auth.sign_in"]
    assert 'class="audit-row"' not in client.get(
        "/admin/audit?since=2000-01-01&until=2000-01-02").get_data(as_text=True)
    today = client.get("/admin/audit?since=2000-01-01").get_data(as_text=True)
    assert today.count('class="audit-row"') == 3


def test_the_audit_log_pages_with_an_htmx_more_fragment(
        demo: Flask, client: FlaskClient, sign_in: SignIn, monkeypatch: pytest.MonkeyPatch
        ) -> None:
    from runtime.web import admin

    monkeypatch.setattr(admin, "PAGE_SIZE", 2)
    for _ in range(4):
        sign_in(demo.test_client(), "nobody", "wrong-password-1")
    sign_in(client, "auditor")  # five rows now
    page = client.get("/admin/audit").get_data(as_text=True)
    first = re.findall(r'id="audit-(\d+)"', page)
    assert len(first) == 2 and 'id="audit-more"' in page
    more = re.search(r'hx-get="([^"]+)"', page)
    assert more is not None
    fragment = client.get(more.group(1).replace("&amp;", "&"),
                          headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and fragment.lstrip().startswith("<tr")
    second = re.findall(r'id="audit-(\d+)"', fragment)
    assert len(second) == 2 and int(second[0]) < int(first[-1])

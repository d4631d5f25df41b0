"""View pages as staff see them: the birth pack's ledger and the hotline's work orders with
their columns and labels in both languages, numbers masked, filters, search, keyset pages,
scope, saved filters, row actions and downloads (CSV and XLSX)."""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from openpyxl import load_workbook
from sqlalchemy import select

from runtime.packs import check_path
from runtime.store import accounts, audit, notifications
from runtime.store import views as store_views
from runtime.store.accounts import User
from runtime.store.cases import CaseRow, Notification
from runtime.store.models import utcnow
from runtime.store.publish import publish_pack
from runtime.store.ratings import RatingRow
from runtime.web import views as web_views
from runtime.web.database import store
from templates_lib import TASK_TEMPLATES

from .conftest import SignIn, csrf_from
from .test_records import APPLICATION, EXAMPLE

HOTLINE = EXAMPLE.parent / "hotline_12345"


@pytest.fixture
def ledger(demo: Flask) -> dict[str, str]:
    """Two birth applications (district 110105 and far away 440305), the first by a mother
    whose child's name a spreadsheet would run as a formula. Returns region -> number."""
    with store(demo).sessions() as session:
        publish_pack(session, check_path(EXAMPLE))
    client = demo.test_client()
    found = {}
    for region, child in (("110105", "=1+2"), ("440305", "李小红")):
        response = client.post("/api/forms/birth_apply/submissions", json={
            "data": {**APPLICATION, "child_name": child, "residence": region}})
        assert response.status_code == 201, response.get_json()
        found[region] = response.get_json()["tracking_no"]
    return found


def rows(page: str) -> list[str]:
    return re.findall(r'<tr id="row-([0-9A-Z-]+)" class="view-row">', page)


def test_the_ledger_shows_applicant_status_step_and_masked_numbers(
        ledger: dict[str, str], client: FlaskClient, sign_in: SignIn) -> None:
    sign_in(client, "clerk_govsvc")
    page = client.get("/views/birth_ledger").get_data(as_text=True)
    assert set(rows(page)) == set(ledger.values())
    headings = re.findall(r'<th scope="col">([^<]+)</th>', page)
    assert headings[:4] == ["受理编号", "新生儿姓名", "申请人", "母亲身份证号"]
    assert {"状态", "当前环节", "承办部门", "经办人", "办理期限", "提交时间", "操作"} <= set(headings)
    assert "李丽" in page  # the applicant by name
    assert "110105********002X" in page and "11010519491231002X" not in page
    assert "139****5678" in page and "13912345678" not in page
    assert "已提交" in page or "已受理" in page
    english = client.get("/views/birth_ledger?lang=en").get_data(as_text=True)
    assert {"Applicant", "Current step", "Holder", "Deadline"} <= set(
        re.findall(r'<th scope="col">([^<]+)</th>', english))


def test_a_cell_is_escaped_as_jinja_would(demo: Flask, client: FlaskClient,
                                          sign_in: SignIn) -> None:
    """The rows are written in Python, not by a template: their text is escaped the same."""
    with store(demo).sessions() as session:
        publish_pack(session, check_path(EXAMPLE))
    name = """<b a="x">&'</b>"""  # the form allows 20 characters
    response = demo.test_client().post("/api/forms/birth_apply/submissions", json={
        "data": {**APPLICATION, "child_name": name, "residence": "110105"}})
    assert response.status_code == 201, response.get_json()
    sign_in(client, "clerk_govsvc")
    page = client.get("/views/birth_ledger").get_data(as_text=True)
    assert f'<td data-label="新生儿姓名">{escape(name)}</td>' in page
    assert "&lt;b a=&#34;x&#34;&gt;&amp;&#39;&lt;/b&gt;" in page and name not in page


def test_the_ledger_shows_the_applicants_rating(
        ledger: dict[str, str], demo: Flask, client: FlaskClient, sign_in: SignIn) -> None:
    with store(demo).sessions() as session:
        case = session.scalars(select(CaseRow).where(CaseRow.tracking_no == ledger["110105"])).one()
        session.add(RatingRow(case_id=case.id, submission_id=case.submission_id,
                              tracking_no=case.tracking_no, level=2, reasons=["slow"],
                              rater_kind="guest"))
        session.commit()
    sign_in(client, "clerk_govsvc")
    page = client.get("/views/birth_ledger").get_data(as_text=True)
    row = page[page.index(f'id="row-{ledger["110105"]}"'):]
    assert "评价" in re.findall(r'<th scope="col">([^<]+)</th>', page)
    assert '<td data-label="评价">不满意</td>' in row[:row.index("</tr>")]
    other = page[page.index(f'id="row-{ledger["440305"]}"'):]
    assert "不满意" not in other[:other.index("</tr>")]


def test_the_menu_and_index_list_the_views(ledger: dict[str, str], client: FlaskClient,
                                           sign_in: SignIn) -> None:
    sign_in(client, "clerk_govsvc")
    page = client.get("/views").get_data(as_text=True)
    assert 'id="menu-views"' in page
    assert "出生联办受理台账" in page and 'href="/views/birth_ledger"' in page


@pytest.mark.parametrize(("username", "regions"), [
    ("clerk_govsvc", {"110105", "440305"}),  # the centre's own records
    ("lead_govsvc", {"110105", "440305"}),  # department tree: the centre and below it
    ("lead_health", set()),  # another department's tree
    ("dispatcher", {"110105"}),  # region scope 1101..
    ("clerk_health", set()),  # another department sees none of them
])
def test_scope_hides_rows_of_other_departments(ledger: dict[str, str], client: FlaskClient,
                                               sign_in: SignIn, username: str,
                                               regions: set[str]) -> None:
    sign_in(client, username)
    page = client.get("/views/birth_ledger").get_data(as_text=True)
    assert set(rows(page)) == {ledger[r] for r in regions}


def test_filters_and_search(ledger: dict[str, str], client: FlaskClient,
                            sign_in: SignIn) -> None:
    sign_in(client, "clerk_govsvc")
    page = client.get("/views/birth_ledger?f_residence=440305").get_data(as_text=True)
    assert rows(page) == [ledger["440305"]]
    page = client.get(f"/views/birth_ledger?q={ledger['110105']}").get_data(as_text=True)
    assert rows(page) == [ledger["110105"]]
    page = client.get("/views/birth_ledger?q=小红").get_data(as_text=True)
    assert rows(page) == [ledger["440305"]]
    page = client.get("/views/birth_ledger?f_department=HEALTH").get_data(as_text=True)
    assert rows(page) == []
    assert client.get("/views/birth_ledger?f_submitted_at_from=yesterday").status_code == 400
    assert client.get("/views/birth_ledger?after=notjson").status_code == 400
    huge = 9 * 10 ** 22  # past what a row id can be: the drivers refuse to bind it
    for cursor in (f'["2026-01-01", {huge}]', f"[{huge}, 1]"):
        assert client.get(f"/views/birth_ledger?after={cursor}").status_code == 400
    assert client.get("/views/nothing_here").status_code == 404


@pytest.mark.parametrize("url", [
    "/views/birth_ledger",  # newest first, by id
    "/views/birth_ledger?sort=birth_date",  # by a data field all rows share: ties by id
    "/views/birth_ledger?sort=birth_date&order=asc&f_residence=110105",
])
def test_keyset_pages_cover_every_row_once(demo: Flask, ledger: dict[str, str],
                                           client: FlaskClient, sign_in: SignIn,
                                           url: str) -> None:
    poster = demo.test_client()
    for n in range(21):
        response = poster.post("/api/forms/birth_apply/submissions", json={
            "data": {**APPLICATION, "child_name": f"孩子{n}", "residence": "110105"}})
        assert response.status_code == 201
    sign_in(client, "clerk_govsvc")
    seen: list[str] = []
    pages = 0
    following = url
    while following:
        page = client.get(following).get_data(as_text=True)
        seen += rows(page)
        pages += 1
        found = re.search(r'id="next-page" href="([^"]+)"', page)
        following = found.group(1).replace("&amp;", "&") if found else ""
    total = 22 if "f_residence" in url else 23
    assert pages == 2 and len(seen) == total and len(set(seen)) == total
    if "order=asc" in url:
        assert seen[0] == ledger["110105"]  # the oldest first


def test_saved_filters_are_each_users_own(ledger: dict[str, str], demo: Flask,
                                          client: FlaskClient, sign_in: SignIn) -> None:
    sign_in(client, "clerk_govsvc")
    page = client.get("/views/birth_ledger?f_residence=440305").get_data(as_text=True)
    saved = client.post("/views/birth_ledger/filters", data={
        "name": "外省", "query": "f_residence=440305", "csrf_token": csrf_from(page)})
    assert saved.status_code == 303
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert rows(page) == [ledger["440305"]]
    link = re.search(r'<a href="(/views/birth_ledger\?[^"]+)">外省</a>', page)
    assert link is not None and link.group(1) == "/views/birth_ledger?f_residence=440305"
    other = demo.test_client()
    sign_in(other, "lead_govsvc")
    assert "外省" not in other.get("/views/birth_ledger").get_data(as_text=True)
    delete = re.search(r'action="(/views/birth_ledger/filters/\d+/delete)"', page)
    assert delete is not None
    assert other.post(delete.group(1), data={"csrf_token": csrf_from(
        other.get("/views/birth_ledger").get_data(as_text=True))}).status_code == 404
    client.post(delete.group(1), data={"csrf_token": csrf_from(page)})
    assert "外省" not in client.get("/views/birth_ledger").get_data(as_text=True)


def test_csv_is_one_row_per_application_masked_neutralised_and_audited(
        ledger: dict[str, str], demo: Flask, client: FlaskClient, sign_in: SignIn) -> None:
    sign_in(client, "lead_govsvc")
    response = client.get("/views/birth_ledger?format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert table[0][:4] == ["受理编号", "新生儿姓名", "申请人", "母亲身份证号"]
    by_number = {line[0]: line for line in table[1:]}
    assert set(by_number) == set(ledger.values())
    first = by_number[ledger["110105"]]
    assert first[1] == "'=1+2"  # a formula is text in a spreadsheet
    assert first[2] == "李丽" and first[3] == "110105********002X" and first[4] == "139****5678"
    assert "11010519491231002X" not in response.get_data(as_text=True)
    filtered = client.get("/views/birth_ledger?format=csv&f_residence=440305")
    assert len(list(csv.reader(io.StringIO(filtered.get_data(as_text=True))))) == 2
    with store(demo).sessions() as session:
        assert [(r.target_kind, r.target_id) for r in audit.search(session, action="export")] \
            == [("view", "birth_ledger")] * 2


LABELLED = """\
kind: View
id: demo_list
version: 1
title: 示例台账
type: list
form: demo_apply
columns:
  - {field: applicant, label: "=1+2"}
"""


def test_every_downloaded_cell_is_neutralised_headings_too(
        demo: Flask, client: FlaskClient, sign_in: SignIn, make_pack: Callable[..., Path],
        publish: Callable[[Path], object]) -> None:
    """A heading is a definition's label, written by a third party: no more a formula in a
    spreadsheet than a value."""
    publish(make_pack(extra={"views/list.yaml": LABELLED}))
    answered = client.post("/api/forms/demo_apply/submissions",
                           json={"data": {"applicant": "@SUM(A1)"}})
    assert answered.status_code == 201
    sign_in(client, "lead_govsvc")
    table = list(csv.reader(io.StringIO(client.get("/views/demo_list?format=csv")
                                        .get_data(as_text=True).lstrip("\ufeff"))))
    assert table == [["受理编号", "'=1+2"], [answered.get_json()["tracking_no"], "'@SUM(A1)"]]


def test_xlsx_has_the_columns_as_shown(ledger: dict[str, str], client: FlaskClient,
                                       sign_in: SignIn) -> None:
    sign_in(client, "lead_govsvc")
    response = client.get("/views/birth_ledger?format=xlsx&lang=en")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:3] == ["Tracking number", "Child's name", "Applicant"]
    assert len(values) == 3
    cells = {row[0]: row for row in values[1:]}
    assert cells[ledger["110105"]][1] == "'=1+2"
    assert cells[ledger["110105"]][3] == "110105********002X"


@pytest.mark.parametrize("url", [
    "/views/birth_ledger",  # the view's own order
    "/views/birth_ledger?sort=birth_date&order=asc",  # by a data field all rows share
    "/views/birth_ledger?sort=birth_date&order=asc&f_residence=110105",
])
def test_a_download_read_in_many_batches_has_the_rows_of_the_pages_in_their_order(
        demo: Flask, ledger: dict[str, str], client: FlaskClient, sign_in: SignIn,
        monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    poster = demo.test_client()
    for n in range(6):
        response = poster.post("/api/forms/birth_apply/submissions", json={
            "data": {**APPLICATION, "child_name": f"孩子{n}", "residence": "110105"}})
        assert response.status_code == 201
    sign_in(client, "lead_govsvc")
    shown = rows(client.get(url).get_data(as_text=True))

    def download() -> list[list[str]]:
        text = client.get(url + ("&" if "?" in url else "?") + "format=csv")
        return list(csv.reader(io.StringIO(text.get_data(as_text=True).lstrip("\ufeff"))))

    whole = download()
    monkeypatch.setattr(store_views, "EXPORT_BATCH", 2)
    batched = download()
    assert [line[0] for line in batched[1:]] == shown and len(shown) in (7, 8)
    assert batched == whole  # every cell, the live task's step and holder too
    monkeypatch.setattr(web_views, "EXPORT_LIMIT", 3)
    assert download() == whole[:4]


def test_downloads_need_the_export_permission(ledger: dict[str, str], client: FlaskClient,
                                              sign_in: SignIn) -> None:
    sign_in(client, "clerk_govsvc")
    page = client.get("/views/birth_ledger").get_data(as_text=True)
    assert 'id="download-csv"' not in page
    assert client.get("/views/birth_ledger?format=csv").status_code == 404
    assert client.get("/views/birth_ledger?format=pdf").status_code == 400


def test_a_hotline_board_groups_by_category(demo: Flask, client: FlaskClient,
                                            sign_in: SignIn) -> None:
    with store(demo).sessions() as session:
        publish_pack(session, check_path(TASK_TEMPLATES))  # the library the pack requires
        publish_pack(session, check_path(HOTLINE))
    sign_in(client, "dispatcher")
    page = client.get("/views/hl_orders_board").get_data(as_text=True)
    assert re.findall(r'<section class="board-column" id="board-(\w+)"', page) == [
        "consultation", "request", "complaint", "suggestion"]
    listing = client.get("/views/hl_work_orders?lang=en").get_data(as_text=True)
    assert "Category" in listing and "Deadline" in listing


def test_a_clerk_claims_from_the_view_and_becomes_its_holder(
        ledger: dict[str, str], client: FlaskClient, sign_in: SignIn) -> None:
    sign_in(client, "clerk_govsvc")
    page = client.get("/views/birth_ledger?f_residence=440305").get_data(as_text=True)
    number = ledger["440305"]
    claim = re.search(rf'action="(/work/tasks/{number}/\d+/claim)"', page)
    assert claim is not None and "待签收" in page
    done = client.post(claim.group(1), data={"csrf_token": csrf_from(page)})
    assert done.status_code == 303
    page = client.get("/views/birth_ledger?f_residence=440305").get_data(as_text=True)
    assert "钱受理（政务服务中心）" in page  # the holder, by name
    assert f"/work/tasks/{number}/" not in page.split("<tbody")[1]  # nothing left to claim


def test_a_detail_view_shows_cards_and_htmx_gets_rows_alone(
        demo: Flask, client: FlaskClient, sign_in: SignIn, tmp_path: Path) -> None:
    pack = tmp_path / "birth"
    shutil.copytree(EXAMPLE, pack)
    (pack / "views" / "cards.yaml").write_text(CARDS, encoding="utf-8")
    with store(demo).sessions() as session:
        publish_pack(session, check_path(pack))
    number = demo.test_client().post("/api/forms/birth_apply/submissions", json={
        "data": {**APPLICATION, "residence": "110105"}}).get_json()["tracking_no"]
    sign_in(client, "clerk_govsvc")
    page = client.get("/views/birth_cards").get_data(as_text=True)
    card = page.split(f'<article class="card view-card" id="row-{number}">')[1]
    assert "<dt>母亲姓名</dt><dd>李丽</dd>" in card
    assert "<dt>联系手机</dt><dd>139****5678</dd>" in card
    rows_only = client.get("/views/birth_ledger", headers={"HX-Request": "true"})
    fragment = rows_only.get_data(as_text=True)
    assert "<html" not in fragment and f'<tr id="row-{number}" class="view-row">' in fragment


CARDS = """\
kind: View
id: birth_cards
version: 1
title: {zh: 出生联办卡片, en: Newborn cards}
type: detail
form: birth_apply
columns:
  - {field: mother_name}
  - {field: contact_mobile}
  - {case: step}
"""


# Nothing a view page shows of the person is kept between requests: each of these changes
# shows on the very next page.

def test_a_role_taken_away_shows_on_the_next_page(ledger: dict[str, str], demo: Flask,
                                                  client: FlaskClient,
                                                  sign_in: SignIn) -> None:
    sign_in(client, "clerk_govsvc")
    assert set(rows(client.get("/views/birth_ledger").get_data(as_text=True))) == set(
        ledger.values())
    with store(demo).sessions() as session:
        user = session.scalars(select(User).where(User.username == "clerk_govsvc")).one()
        health = accounts.department(session, "HEALTH")
        assert health is not None
        user.memberships[0].department = health  # moved to another department
        session.commit()
    assert rows(client.get("/views/birth_ledger").get_data(as_text=True)) == []
    with store(demo).sessions() as session:
        user = session.scalars(select(User).where(User.username == "clerk_govsvc")).one()
        user.memberships.clear()  # no role at all: no records to read
        session.commit()
    assert client.get("/views/birth_ledger").status_code in (403, 404)


def test_a_new_message_shows_in_the_views_menu_at_once(ledger: dict[str, str], demo: Flask,
                                                       client: FlaskClient,
                                                       sign_in: SignIn) -> None:
    sign_in(client, "clerk_govsvc")
    before = client.get("/views/birth_ledger").get_data(as_text=True)
    with store(demo).sessions() as session:
        user = session.scalars(select(User).where(User.username == "clerk_govsvc")).one()
        case = session.scalars(select(CaseRow)).first()
        assert case is not None
        session.add(Notification(case_id=case.id, key="assigned", user_id=user.id, params={}))
        session.commit()
    after = client.get("/views/birth_ledger").get_data(as_text=True)
    count = re.compile(r'id="unread-count">(\d+)')
    was = count.search(before)
    now = count.search(after)
    assert now is not None
    assert int(now.group(1)) == (int(was.group(1)) if was else 0) + 1


def test_after_signing_out_the_view_is_not_shown(ledger: dict[str, str], client: FlaskClient,
                                                 sign_in: SignIn) -> None:
    sign_in(client, "clerk_govsvc")
    page = client.get("/views/birth_ledger").get_data(as_text=True)
    assert rows(page)
    client.post("/auth/logout", data={"csrf_token": csrf_from(page)})
    response = client.get("/views/birth_ledger")
    assert response.status_code in (302, 303) and "/auth/login" in response.location


def test_the_menus_unread_count_is_the_users_and_their_pools(ledger: dict[str, str],
                                                              demo: Flask) -> None:
    with store(demo).sessions() as session:
        user = session.scalars(select(User).where(User.username == "clerk_govsvc")).one()
        principal = accounts.principal_of(user)
        before = notifications.unread(session, principal)
        case = session.scalars(select(CaseRow)).first()
        assert case is not None
        for user_id, department, role, read in (
                (user.id, None, None, False), (user.id, None, None, True),  # theirs
                (user.id + 1000, None, None, False),  # someone else's
                (None, "GOVSVC", None, False), (None, "GOVSVC", "clerk", False),  # pools
                (None, "GOVSVC", "lead", False), (None, "HEALTH", None, False)):  # not theirs
            session.add(Notification(case_id=case.id, key="assigned", user_id=user_id,
                                     department=department, role=role, params={},
                                     read_at=utcnow() if read else None))
        session.commit()
        assert notifications.unread(session, principal) == before + 3
        shown, _ = notifications.page(session, principal, limit=100)
        assert sum(1 for i in shown if i.notification.read_at is None) == before + 3
        # a view page reads the same count with the user's saved filters, with or without any
        assert store_views.saved_filters_and_unread(session, principal, "birth_ledger") == (
            [], before + 3)
        for name in ("b", "a"):
            store_views.save_filter(session, user.id, "birth_ledger", name, f"q={name}")
        other = accounts.user_by_name(session, "lead_govsvc")
        assert other is not None
        store_views.save_filter(session, other.id, "birth_ledger", "c", "q=c")
        session.commit()
        saved, count = store_views.saved_filters_and_unread(session, principal, "birth_ledger")
        assert [(f.name, f.query) for f in saved] == [("a", "q=a"), ("b", "q=b")]
        assert count == before + 3

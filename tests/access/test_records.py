"""Staff see submissions exactly as far as their data scope reaches: the record page, its
files and the reveal fragment; anything beyond is a 404. (The list and its download are the
ledger View's: tests/access/test_views.py.)"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from runtime.packs import check_path
from runtime.store import audit
from runtime.store.files import Attachment, LocalFileStore, store_file
from runtime.store.publish import publish_pack
from runtime.store.submissions import GUEST, Submission
from runtime.web.database import store

from .conftest import SignIn, csrf_from

# Within the birth pack's one-month eligibility rule, whatever day the tests run.
RECENT_BIRTH = (date.today() - timedelta(days=3)).isoformat()
EXAMPLE = Path(__file__).parents[2] / "scenario_packs" / "birth_one_thing"
APPLICATION = {
    "child_name": "王小明", "child_gender": "M", "birth_date": RECENT_BIRTH,
    "hospital": "=HYPERLINK(\"http://x\",\"y\")", "mother_name": "李丽",
    "mother_id": "11010519491231002X", "contact_mobile": "13912345678",
    "enrol_insurance": True, "need_ss_card": False,
    "guardians": [{"guardian_name": "王大爷", "guardian_relation": "guardian"}],
}
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture
def cases(demo: Flask) -> dict[str, str]:
    """Two applications to the government service centre: one from the district (110105),
    one from far away (440305). Returns region -> tracking number."""
    with store(demo).sessions() as session:
        publish_pack(session, check_path(EXAMPLE))
    client = demo.test_client()
    found = {}
    for region in ("110105", "440305"):
        response = client.post("/api/forms/birth_apply/submissions",
                               json={"data": {**APPLICATION, "residence": region}})
        assert response.status_code == 201, response.get_json()
        found[region] = response.get_json()["tracking_no"]
    with store(demo).sessions() as session:
        row = session.scalars(select(Submission)
                              .where(Submission.tracking_no == found["110105"])).one()
        files = LocalFileStore(Path(demo.instance_path, "uploads"))
        attached = store_file(session, files, name="出生证明.pdf", data=io.BytesIO(PDF),
                              owner=GUEST)
        attached.submission_id = row.id
        session.commit()
        found["file"] = attached.key
    return found


@pytest.mark.parametrize(("username", "regions"), [
    ("clerk_govsvc", {"110105", "440305"}),  # department scope: the centre's own records
    ("dispatcher", {"110105"}),  # region scope 1101..: the district's only
    ("clerk_health", set()),  # another department
])
def test_each_role_opens_exactly_its_scope(demo: Flask, cases: dict[str, str],
                                           client: FlaskClient, sign_in: SignIn,
                                           username: str, regions: set[str]) -> None:
    sign_in(client, username)
    for region, number in cases.items():
        if region == "file":
            continue
        expected = 200 if region in regions else 404
        assert client.get(f"/work/submissions/{number}").status_code == expected
    assert client.get(f"/work/files/{cases['file']}").status_code == (
        200 if "110105" in regions else 404)


def test_staff_download_a_file_stored_under_a_name_with_a_line_break(
        demo: Flask, cases: dict[str, str], client: FlaskClient, sign_in: SignIn) -> None:
    """A name kept before names were cleaned still downloads: the header is made safe."""
    with store(demo).sessions() as session:
        row = session.scalars(select(Attachment).where(Attachment.key == cases["file"])).one()
        row.original_name = "scan\r\n.pdf"
        session.commit()
    sign_in(client, "clerk_govsvc")
    response = client.get(f"/work/files/{cases['file']}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"] == "attachment; filename=scan.pdf"


def test_the_record_page_reads_as_the_form_does(cases: dict[str, str], client: FlaskClient,
                                                 sign_in: SignIn) -> None:
    """Catalog options by their labels, a table row cell by cell, personal numbers masked."""
    sign_in(client, "clerk_govsvc")
    page = client.get(f"/work/submissions/{cases['110105']}").get_data(as_text=True)
    assert "姓名：王大爷，关系：其他监护人" in page
    assert "110105********002X" in page and "11010519491231002X" not in page


def test_a_reveal_is_allowed_in_scope_and_audited(demo: Flask, cases: dict[str, str],
                                                  client: FlaskClient, sign_in: SignIn) -> None:
    sign_in(client, "lead_govsvc")
    page = client.get(f"/work/submissions/{cases['110105']}").get_data(as_text=True)
    assert "北京市 朝阳区" in page and "<td>男</td>" in page  # read as words, not codes
    revealed = client.post(f"/work/submissions/{cases['110105']}/reveal/mother_id",
                           headers={"HX-Request": "true", "X-CSRFToken": csrf_from(page)})
    assert revealed.status_code == 200
    assert '<span id="value-mother_id" class="revealed">11010519491231002X</span>' in \
        revealed.get_data(as_text=True)
    with store(demo).sessions() as session:
        rows = audit.search(session, action="pii.reveal")
        assert [r.target_id for r in rows] == [f"{cases['110105']}:mother_id"]
        assert rows[0].actor_name == "lead_govsvc"


def test_a_reveal_fragment_is_404_without_the_permission(cases: dict[str, str],
                                                         client: FlaskClient,
                                                         sign_in: SignIn) -> None:
    sign_in(client, "clerk_govsvc")  # may read the record, may not reveal
    page = client.get(f"/work/submissions/{cases['110105']}").get_data(as_text=True)
    assert "查看完整" not in page
    response = client.post(f"/work/submissions/{cases['110105']}/reveal/mother_id",
                           headers={"HX-Request": "true", "X-CSRFToken": csrf_from(page)})
    assert response.status_code == 404


def test_the_old_ledger_leads_to_the_ledger_view(demo: Flask, cases: dict[str, str],
                                                 client: FlaskClient, sign_in: SignIn) -> None:
    sign_in(client, "lead_govsvc")
    listed = client.get("/work/submissions?lang=en")
    assert listed.status_code == 302
    assert listed.headers["Location"] == "/views/birth_ledger?lang=en"
    exported = client.get("/work/submissions.csv")
    assert exported.headers["Location"] == "/views/birth_ledger?format=csv"
    assert set(cases.values()) - {cases["file"]} <= {
        row[0] for row in csv.reader(io.StringIO(client.get(
            exported.headers["Location"]).get_data(as_text=True).lstrip("\ufeff")))}


def test_without_the_ledger_view_the_old_ledger_leads_to_the_views(
        demo: Flask, client: FlaskClient, sign_in: SignIn) -> None:
    sign_in(client, "lead_govsvc")  # no pack published: no ledger View
    assert client.get("/work/submissions").headers["Location"] == "/views"
    sign_in(client, "clerk_govsvc")  # reads records, may not export
    assert client.get("/work/submissions.csv").status_code == 404


def test_no_page_with_personal_data_is_kept_in_a_cache(demo: Flask, cases: dict[str, str],
                                                       client: FlaskClient,
                                                       sign_in: SignIn) -> None:
    """The record page, the reveal fragment, the ledger's CSV and a guest's tracking page all
    say no-store; a static file may be cached."""
    sign_in(client, "lead_govsvc")
    record = client.get(f"/work/submissions/{cases['110105']}")
    revealed = client.post(f"/work/submissions/{cases['110105']}/reveal/mother_id",
                           headers={"HX-Request": "true",
                                    "X-CSRFToken": csrf_from(record.get_data(as_text=True))})
    exported = client.get("/views/birth_ledger?format=csv")
    guest = demo.test_client()
    tracked = guest.post("/track", data={
        "csrf_token": csrf_from(guest.get("/track").get_data(as_text=True)),
        "no": cases["110105"], "code": "WRONGCODE2"})
    for response in (record, revealed, exported, tracked):
        assert response.status_code in (200, 404)
        assert response.headers["Cache-Control"] == "no-store", response.request.path
    assert "no-store" not in client.get("/static/css/app.css").headers.get("Cache-Control", "")

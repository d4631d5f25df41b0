"""The generated forms over HTTP, as a citizen uses them: find the service, fill the form, see
the errors in Chinese, save a draft, submit once, keep the receipt and track the case."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from runtime.store.files import Attachment
from runtime.store.submissions import Submission
from runtime.web.database import store

# Within the birth pack's one-month eligibility rule, whatever day the tests run.
RECENT_BIRTH = (date.today() - timedelta(days=3)).isoformat()
EXAMPLE = Path(__file__).parents[2] / "scenario_packs" / "birth_one_thing"
GOOD = {
    "child_name": "王小明", "child_gender": "M", "birth_date": RECENT_BIRTH,
    "hospital": "市妇幼保健院", "mother_name": "李丽", "mother_id": "11010519491231002x",
    "contact_mobile": "138 1234 5678", "residence": "110105", "enrol_insurance": "true",
    "need_ss_card": "false",
}


@pytest.fixture
def form_client(client: FlaskClient, publish: Callable[[Path], object]) -> FlaskClient:
    publish(EXAMPLE)
    return client


@pytest.fixture
def session_factory_of(form_client: FlaskClient) -> sessionmaker[Session]:
    return store(form_client.application).sessions


def csrf_from(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def page_fields(client: FlaskClient, path: str = "/forms/birth_apply") -> dict[str, str]:
    page = client.get(path).get_data(as_text=True)
    key = re.search(r'name="_key" value="([^"]+)"', page)
    version = re.search(r'name="_version" value="([0-9]+)"', page)
    assert key is not None and version is not None
    return {"csrf_token": csrf_from(page), "_version": version.group(1), "_key": key.group(1)}


def post(client: FlaskClient, data: dict[str, str], hidden: dict[str, str], action: str):
    return client.post("/forms/birth_apply", data={**hidden, **data, "_action": action})


def test_the_catalogue_lists_the_service_and_searches(form_client: FlaskClient) -> None:
    page = form_client.get("/services").get_data(as_text=True)
    assert "新生儿出生“一件事”联办申请" in page and 'href="/forms/birth_apply"' in page
    assert "<h2>政务服务中心</h2>" in page
    assert "新生儿" not in form_client.get("/services?q=营业执照").get_data(as_text=True)


def test_the_form_page_has_labelled_inputs_and_steps(form_client: FlaskClient) -> None:
    page = form_client.get("/forms/birth_apply").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    assert '<label for="in-child_name">新生儿姓名' in page
    assert 'aria-current="step"' in page and "父母信息" in page
    assert 'id="f-bank_account" class="field field-bank_account" hidden' not in page  # default: shown
    english = form_client.get("/forms/birth_apply?lang=en").get_data(as_text=True)
    assert "Child&#39;s name" in english or "Child's name" in english


def test_submitting_empty_shows_every_error_in_chinese(form_client: FlaskClient) -> None:
    hidden = page_fields(form_client)
    response = post(form_client, {"mother_id": "110105194912310021"}, hidden, "submit")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="error-summary"' in page
    assert '<a href="#in-child_name">请填写「新生儿姓名」</a>' in page
    assert "「母亲身份证号」校验码不正确，请核对" in page
    assert 'aria-describedby="err-mother_id"' in page and 'aria-invalid="true"' in page


def test_a_good_submission_gives_a_receipt_once(form_client: FlaskClient) -> None:
    hidden = page_fields(form_client)
    first = post(form_client, GOOD, hidden, "submit")
    assert first.status_code == 303
    receipt = form_client.get(first.headers["Location"]).get_data(as_text=True)
    number = re.search(r'id="tracking-no" class="big">([0-9]{16})<', receipt)
    code = re.search(r'id="verification-code" class="big">([2-9A-HJKMNP-Z]{10})<', receipt)
    assert number and code
    again = post(form_client, GOOD, hidden, "submit")  # the same page submitted twice
    assert again.status_code == 303
    assert number.group(1) in form_client.get("/receipt").get_data(as_text=True)
    token = csrf_from(form_client.get("/track").get_data(as_text=True))
    track = form_client.post("/track", data={"csrf_token": token,
                                              "no": number.group(1), "code": code.group(1)})
    assert track.status_code == 200
    assert 'id="status" class="status-submitted">已提交<' in track.get_data(as_text=True)
    wrong = form_client.post("/track", data={"csrf_token": token,
                                              "no": number.group(1), "code": "x"})
    assert wrong.status_code == 404 and "受理编号或验证码不正确" in wrong.get_data(as_text=True)


def test_next_checks_only_the_current_page(form_client: FlaskClient) -> None:
    hidden = {**page_fields(form_client), "_step": "0"}
    stay = post(form_client, {"child_name": "王小明"}, hidden, "next")
    assert stay.status_code == 422
    summary = re.search(r'id="error-summary".*?</ul>', stay.get_data(as_text=True), re.S)
    assert summary is not None
    assert "请填写「出生日期」" in summary.group(0)
    assert "母亲姓名" not in summary.group(0)  # the next page's fields wait for their turn
    moved = post(form_client, GOOD, hidden, "next")
    assert moved.status_code == 200
    assert '<input type="hidden" name="_step" value="1">' in moved.get_data(as_text=True)
    page_one_only = {k: GOOD[k] for k in ("child_name", "child_gender", "birth_date", "hospital")}
    fresh = post(form_client, page_one_only, hidden, "next")  # the next page is still empty
    assert fresh.status_code == 200 and 'id="error-summary"' not in fresh.get_data(as_text=True)
    english = form_client.post("/forms/birth_apply?lang=en",
                               data={**hidden, "_action": "next"}).get_data(as_text=True)
    assert "Child&#39;s name is required" in english


def test_a_change_updates_only_the_fields_that_depend_on_it(form_client: FlaskClient) -> None:
    hidden = page_fields(form_client)
    response = form_client.post("/forms/birth_apply/state",
                                data={**hidden, "need_ss_card": "false"},
                                headers={"HX-Request": "true", "HX-Trigger-Name": "need_ss_card"})
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.findall(r'<div id="(f-[^"]+)"', fragment) == ["f-bank_account"]
    assert 'hx-swap-oob="true"' in fragment and " hidden" in fragment
    computed = form_client.post("/forms/birth_apply/state",
                                data={**hidden, "birth_date": "2026-11-01"},
                                headers={"HX-Request": "true", "HX-Trigger-Name": "birth_date"})
    assert re.findall(r'<div id="(f-[^"]+)"', computed.get_data(as_text=True)) == [
        "f-days_since_birth", "f-birth_date"]


def test_a_typed_value_is_checked_as_the_person_leaves_the_field(form_client: FlaskClient) -> None:
    hidden = page_fields(form_client)

    def leave(name: str, value: str) -> str:
        return form_client.post("/forms/birth_apply/state", data={**hidden, name: value},
                                headers={"HX-Request": "true", "HX-Trigger-Name": name}
                                ).get_data(as_text=True)

    wrong = leave("mother_id", "110105194912310021")
    assert '<p id="err-mother_id" class="error">「母亲身份证号」校验码不正确，请核对</p>' in wrong
    assert 'id="f-mother_id"' in leave("mother_id", "11010519491231002X")  # comes back clean
    assert 'class="error"' not in leave("mother_id", "11010519491231002X")
    assert 'class="error"' not in leave("child_name", "")  # empty is for the submit to say


def test_a_value_that_fails_its_check_stays_in_its_field(form_client: FlaskClient) -> None:
    """A wrong check digit, a 10-digit mobile, an address whose region is text: each keeps
    what was typed beside its message, as the field is left and when the page is sent."""
    hidden = page_fields(form_client)
    for name, value, message in (("mother_id", "110105194912310021", "校验码不正确"),
                                 ("contact_mobile", "1381234567", "联系手机")):
        left = form_client.post("/forms/birth_apply/state", data={**hidden, name: value},
                                headers={"HX-Request": "true", "HX-Trigger-Name": name}
                                ).get_data(as_text=True)
        assert f'name="{name}" aria-describedby="err-{name}" aria-invalid="true"' in left
        assert f'value="{value}"' in left and message in left
    page_two = {**{k: GOOD[k] for k in ("child_name", "child_gender", "birth_date", "hospital")},
                "mother_name": "李丽", "mother_id": "110105194912310021",
                "contact_mobile": "1381234567", "_step": "1"}
    sent = post(form_client, page_two, hidden, "next").get_data(as_text=True)
    assert '<input type="hidden" name="_step" value="1">' in sent  # stays on its page
    assert 'value="110105194912310021"' in sent and 'value="1381234567"' in sent
    address = {"delivery_address.region": "朝阳区", "delivery_address.detail": "建国路 1 号"}
    sent = post(form_client, {**GOOD, **address, "_step": "2"}, hidden, "submit"
                ).get_data(as_text=True)
    assert 'value="朝阳区"' in sent and 'value="建国路 1 号"' in sent
    assert 'id="err-delivery_address"' in sent


def test_a_birth_date_in_the_future_is_refused_on_its_page(form_client: FlaskClient) -> None:
    hidden = page_fields(form_client)
    future = (date.today() + timedelta(days=5)).isoformat()
    page_one = {**{k: GOOD[k] for k in ("child_name", "child_gender", "hospital")},
                "birth_date": future}
    sent = post(form_client, page_one, hidden, "next").get_data(as_text=True)
    assert '<input type="hidden" name="_step" value="0">' in sent
    assert '<p id="err-birth_date" class="error">出生日期不能晚于今天</p>' in sent
    assert f'value="{future}"' in sent
    left = form_client.post("/forms/birth_apply/state", data={**hidden, "birth_date": future},
                            headers={"HX-Request": "true", "HX-Trigger-Name": "birth_date"}
                            ).get_data(as_text=True)
    assert "出生日期不能晚于今天" in left  # already as the field is left


def test_rows_are_added_and_removed(form_client: FlaskClient) -> None:
    hidden = page_fields(form_client)
    added = post(form_client, {"guardians[0].guardian_name": "张三"}, hidden,
                 "add_row:guardians").get_data(as_text=True)
    assert 'name="guardians[1].guardian_name"' in added and 'value="张三"' in added
    removed = post(form_client, {"guardians[0].guardian_name": "张三",
                                 "guardians[1].guardian_name": "李四"}, hidden,
                   "remove_row:guardians:0").get_data(as_text=True)
    assert 'value="李四"' in removed and 'value="张三"' not in removed


def test_a_draft_is_saved_and_resumed_by_its_link(form_client: FlaskClient) -> None:
    hidden = page_fields(form_client)
    saved = post(form_client, {"child_name": "王小明"}, hidden, "draft").get_data(as_text=True)
    link = re.search(r'id="resume-link" href="http://localhost(/drafts/[^"]+)"', saved)
    assert link is not None
    resumed = form_client.get(link.group(1)).get_data(as_text=True)
    assert 'value="王小明"' in resumed and 'name="_draft"' in resumed
    assert form_client.get(link.group(1) + "x").status_code == 404


def test_a_post_without_the_csrf_token_is_refused(form_client: FlaskClient) -> None:
    hidden = {k: v for k, v in page_fields(form_client).items() if k != "csrf_token"}
    assert post(form_client, GOOD, hidden, "submit").status_code == 400


def test_an_unknown_form_is_404_in_the_one_error_shape(form_client: FlaskClient) -> None:
    response = form_client.get("/forms/nope", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def upload(client: FlaskClient, hidden: dict[str, str], name: str, data: bytes):
    return client.post("/forms/birth_apply/files/birth_certificate_scan",
                       data={**hidden, "upload": (io.BytesIO(data), name)},
                       headers={"HX-Request": "true", "X-CSRFToken": hidden["csrf_token"]},
                       content_type="multipart/form-data")


def test_a_file_is_uploaded_shown_by_its_chinese_name_and_claimed_on_submit(
        form_client: FlaskClient, session_factory_of) -> None:
    hidden = page_fields(form_client)
    fragment = upload(form_client, hidden, "出生证明.pdf", PDF).get_data(as_text=True)
    key = re.search(r'name="birth_certificate_scan" value="([^"]+)"', fragment)
    assert key is not None and "出生证明.pdf" in fragment
    download = form_client.get(f"/files/{key.group(1)}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in download.headers["Content-Disposition"]
    stranger = form_client.application.test_client()
    assert stranger.get(f"/files/{key.group(1)}").status_code == 404
    response = post(form_client, {**GOOD, "birth_certificate_scan": key.group(1)}, hidden,
                    "submit")
    assert response.status_code == 303
    with session_factory_of() as session:
        row = session.scalars(select(Attachment)).one()
        assert row.submission_id is not None


def test_a_file_named_with_a_line_break_is_kept_under_a_clean_name(
        form_client: FlaskClient, session_factory_of) -> None:
    """`filename*=UTF-8''scan%0D%0A.pdf` decodes to a name with CR/LF, which no download
    header may carry: the name is cleaned when the file is kept."""
    hidden = page_fields(form_client)
    boundary = "lowcodeboundary"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
             for name, value in hidden.items()]
    body = ("".join(parts).encode() + f"--{boundary}\r\nContent-Disposition: form-data; "
            f"name=\"upload\"; filename*=UTF-8''scan%0D%0A%E2%80%AEfdp.exe\r\n"
            f"Content-Type: application/pdf\r\n\r\n".encode() + PDF
            + f"\r\n--{boundary}--\r\n".encode())
    fragment = form_client.post(
        "/forms/birth_apply/files/birth_certificate_scan", data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers={"HX-Request": "true", "X-CSRFToken": hidden["csrf_token"]})
    assert fragment.status_code == 200
    with session_factory_of() as session:
        assert session.scalars(select(Attachment.original_name)).one() == "scanfdp.exe"
    key = re.search(r'name="birth_certificate_scan" value="([^"]+)"', fragment.get_data(as_text=True))
    assert key is not None
    download = form_client.get(f"/files/{key.group(1)}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"] == "attachment; filename=scanfdp.exe"


def test_a_file_that_is_not_what_its_name_says_is_refused(form_client: FlaskClient) -> None:
    hidden = page_fields(form_client)
    fragment = upload(form_client, hidden, "材料.pdf", b"<html>not a pdf</html>")
    assert "只能上传 PDF、JPG 或 PNG 文件" in fragment.get_data(as_text=True)


def test_another_system_submits_json_and_gets_errors_by_path(form_client: FlaskClient) -> None:
    bad = form_client.post("/api/forms/birth_apply/submissions",
                           json={"data": {"child_name": "王小明", "mother_id": "123"}})
    assert bad.status_code == 422
    assert bad.get_json()["error"]["code"] == "invalid_submission"
    errors = bad.get_json()["error"]["fields"]
    assert errors["mother_id"] == ["「母亲身份证号」应为 18 位"]
    assert errors["birth_date"] == ["请填写「出生日期」"]
    good = form_client.post("/api/forms/birth_apply/submissions",
                            json={"data": GOOD, "idempotency_key": "sys-1"})
    again = form_client.post("/api/forms/birth_apply/submissions",
                             json={"data": GOOD, "idempotency_key": "sys-1"})
    assert (good.status_code, again.status_code) == (201, 200)
    assert good.get_json()["tracking_no"] == again.get_json()["tracking_no"]
    english = form_client.post("/api/forms/birth_apply/submissions?lang=en", json={"data": {}})
    assert english.get_json()["error"]["fields"]["child_name"] == ["Child's name is required"]


def test_the_json_api_refuses_anything_but_json(form_client: FlaskClient) -> None:
    response = form_client.post("/api/forms/birth_apply/submissions", data={"data": "x"})
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "json_required"


def test_the_region_picker_cascades_province_city_county(form_client: FlaskClient) -> None:
    page = form_client.get("/forms/birth_apply").get_data(as_text=True)
    assert 'id="picker-residence"' in page and '<option value="44">广东省</option>' in page
    cities = form_client.get("/forms/birth_apply/regions?path=residence"
                             "&residence.province=44").get_data(as_text=True)
    assert '<option value="4403">深圳市</option>' in cities
    counties = form_client.get("/forms/birth_apply/regions?path=residence&residence.province=44"
                               "&residence.city=4403").get_data(as_text=True)
    assert '<option value="440305">南山区</option>' in counties
    assert form_client.get("/forms/birth_apply/regions?path=child_name").status_code == 404


def test_a_signed_in_citizen_gets_locked_prefilled_values(form_client: FlaskClient,
                                                          session_factory_of) -> None:
    token = csrf_from(form_client.get("/auth/register").get_data(as_text=True))
    registered = form_client.post("/auth/register", data={
        "kind": "person", "mobile": "13912345678", "name": "李丽", "password": "citizen2025",
        "confirm_password": "citizen2025", "csrf_token": token})
    assert registered.status_code == 303
    signed_in = form_client.post("/auth/citizen/login", data={
        "mobile": "13912345678", "password": "citizen2025", "csrf_token": token})
    assert signed_in.status_code == 302
    page = form_client.get("/forms/birth_apply").get_data(as_text=True)
    assert re.search(r'id="in-contact_mobile" name="contact_mobile"[^>]* readonly', page)
    assert 'value="13912345678"' in page
    hidden = page_fields(form_client)
    response = post(form_client, {**GOOD, "contact_mobile": "13800000000"}, hidden, "submit")
    assert response.status_code == 303
    with session_factory_of() as session:
        row = session.scalars(select(Submission)).one()
        assert row.data["contact_mobile"] == "13912345678"  # the account's, not the request's
        assert row.prefilled == {"contact_mobile": "account.mobile"}
        assert row.owner_kind == "citizen" and row.owner_id is not None


def test_guessing_verification_codes_is_rate_limited(form_client: FlaskClient) -> None:
    token = csrf_from(form_client.get("/track").get_data(as_text=True))
    limit = form_client.application.config["TRACK_RATE_PER_NUMBER"]
    statuses = [form_client.post("/track", data={"csrf_token": token, "no": "2026112200000001",
                                                 "code": f"{i:06d}"}).status_code
                for i in range(limit + 1)]
    assert statuses[:limit] == [404] * limit
    assert statuses[limit] == 429


def test_a_json_body_without_data_is_told_the_shape_it_needs(form_client: FlaskClient) -> None:
    response = form_client.post("/api/forms/birth_apply/submissions", json={"child_name": "王小明"})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "bad_submission"
    assert error["message"] == '请求体应为 {"data": {...}} 形式的 JSON 对象'

"""Picker fields over HTTP: the search fragment lists matching departments, staff and
records (records only within the signed-in user's data scope), a chosen value that does not
exist or is not the submitter's to choose is refused naming the field, and nobody but
signed-in staff who read records can search at all."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from runtime.demo import DEMO_PASSWORD, seed_demo
from runtime.store import accounts
from runtime.store.submissions import Submission
from runtime.web.database import store

PACK = """\
kind: Pack
id: demo_pack
version: 1
format: 1
title: 选择器测试
departments:
  - {code: GOVSVC, name: 政务服务中心}
  - {code: HEALTH, name: 卫生健康委员会}
  - {code: DISTRICT, name: 示例区人民政府}
"""
CASE = """\
kind: Form
id: case_apply
version: 1
title: 申请
department: GOVSVC
fields:
  - {id: applicant, type: text, label: 申请人}
  - {id: residence, type: region, label: 户籍所在地}
"""
PICK = """\
kind: Form
id: pick
version: 1
title: 办理意见
department: GOVSVC
fields:
  - {id: dept, type: department, label: 转办部门}
  - {id: district_dept, type: department, label: 区内部门, department: DISTRICT}
  - {id: handler, type: user, label: 经办人}
  - {id: health_handler, type: user, label: 卫健经办人, department: HEALTH}
  - {id: case, type: related_record, label: 关联申请, related_form: case_apply, related_title: applicant}
  - id: helpers
    type: table
    label: 协办人
    fields:
      - {id: helper, type: user, label: 协办人员}
"""
PICKS = """\
kind: View
id: picks
version: 1
title: 办理意见台账
type: list
form: pick
columns: [{field: dept}, {field: handler}]
"""
APPLICANTS = {"110105": "王近", "440305": "李远"}  # in the district; far away


@pytest.fixture
def cases(app: Flask, make_pack: Callable[..., Path],
          publish: Callable[[Path], object]) -> dict[str, str]:
    """The demo organisation, the pack, and one application from the district and one from
    far away (both to the service centre); returns region -> tracking number."""
    with store(app).sessions() as session:
        seed_demo(session, env="testing")
    publish(make_pack(extra={"pack.yaml": PACK, "forms/case.yaml": CASE,
                             "forms/pick.yaml": PICK, "views/picks.yaml": PICKS}))
    found = {}
    for region, name in APPLICANTS.items():
        response = app.test_client().post("/api/forms/case_apply/submissions", json={
            "data": {"applicant": name, "residence": region}})
        assert response.status_code == 201, response.get_json()
        found[region] = response.get_json()["tracking_no"]
    return found


def token(client: FlaskClient, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert found is not None
    return found.group(1)


def sign_in(client: FlaskClient, username: str) -> None:
    response = client.post("/auth/login", data={"username": username, "password": DEMO_PASSWORD,
                                                "csrf_token": token(client, "/auth/login")})
    assert response.status_code == 302


def choices(client: FlaskClient, field: str, q: str = "", **params: str) -> tuple[int, str]:
    response = client.get(f"/forms/pick/pickers/{field}",
                          query_string={"path": field, "q": q, **params})
    return response.status_code, response.get_data(as_text=True)


def values(fragment: str) -> list[str]:
    """The values the fragment offers, without the empty 'none chosen' one."""
    return [v for v in re.findall(r'<option value="([^"]*)"', fragment) if v]


def post(client: FlaskClient, data: dict[str, Any], key: str = "k1"):
    return client.post("/forms/pick", data={"csrf_token": token(client, "/forms/pick"),
                                            "_version": "1", "_key": key, "_action": "submit",
                                            **data})


def error(page: str, field: str) -> str:
    found = re.search(rf'<p id="err-{re.escape(field)}" class="error">([^<]*)</p>', page)
    return found.group(1) if found else ""


# --- the widget and the fragment --------------------------------------------------------

def test_the_form_page_shows_a_search_box_and_a_listbox(cases: dict[str, str],
                                                         client: FlaskClient) -> None:
    sign_in(client, "clerk_govsvc")
    page = client.get("/forms/pick").get_data(as_text=True)
    assert '<div id="picker-dept" class="picker picker-department">' in page
    assert 'hx-get="/forms/pick/pickers/dept?path=dept' in page
    assert '<label for="in-dept">' in page and 'id="in-dept" type="search"' in page
    assert re.search(r'<select id="sel-dept" name="dept" size="2"', page)
    assert 'id="opts-case"' in page and 'id="opts-helpers' not in page  # no rows yet


@pytest.mark.postgres  # a list query or a search: SQL that differs
def test_department_choices_match_the_search_and_the_limit(cases: dict[str, str],
                                                           client: FlaskClient) -> None:
    sign_in(client, "clerk_health")
    status, fragment = choices(client, "dept", "街道")
    assert status == 200 and fragment.startswith('<div id="opts-dept" class="picker-choices"')
    assert values(fragment) == ["STREET_EAST", "STREET_WEST"]
    assert "东湖街道办事处（示例区人民政府）" in fragment
    assert values(choices(client, "district_dept")[1]) == ["DISTRICT", "STREET_EAST",
                                                           "STREET_WEST"]
    assert "没有找到匹配项" in choices(client, "dept", "不存在的部门")[1]
    english = client.get("/forms/pick/pickers/dept",
                         query_string={"path": "dept", "q": "street", "lang": "en"})
    assert "Donghu Street Office" in english.get_data(as_text=True)


def test_the_chosen_value_stays_first_while_searching(cases: dict[str, str],
                                                      client: FlaskClient) -> None:
    sign_in(client, "clerk_health")
    _, fragment = choices(client, "dept", "街道", dept="HEALTH")
    assert values(fragment) == ["HEALTH", "STREET_EAST", "STREET_WEST"]
    assert '<option value="HEALTH" selected>卫生健康委员会（示例市人民政府）</option>' in fragment


@pytest.mark.postgres  # a list query or a search: SQL that differs
def test_user_choices_are_active_staff_of_the_limited_department(
        app: Flask, cases: dict[str, str], client: FlaskClient) -> None:
    sign_in(client, "clerk_health")
    _, fragment = choices(client, "handler", "办事")
    assert {"clerk_health", "clerk_police", "clerk_street"} <= set(values(fragment))
    assert "王办事（卫健委） · 卫生健康委员会" in fragment
    assert values(choices(client, "health_handler")[1]) == ["lead_health", "clerk_health"]
    with store(app).sessions() as session:
        accounts.user_by_name(session, "clerk_police").active = False
        session.commit()
    assert "clerk_police" not in values(choices(client, "handler", "办事")[1])


@pytest.mark.postgres  # a list query or a search: SQL that differs
def test_record_choices_are_only_those_in_scope(cases: dict[str, str],
                                                client: FlaskClient) -> None:
    sign_in(client, "dispatcher")  # region scope 1101..: the district's application only
    _, fragment = choices(client, "case")
    assert values(fragment) == [cases["110105"]]
    assert f"{cases['110105']} · 王近 · " in fragment
    assert values(choices(client, "case", "王近")[1]) == [cases["110105"]]
    for far in ("李远", cases["440305"]):
        assert values(choices(client, "case", far)[1]) == []


def test_a_department_scope_reaches_none_of_another_departments_records(
        cases: dict[str, str], client: FlaskClient) -> None:
    sign_in(client, "clerk_health")
    assert values(choices(client, "case")[1]) == []
    sign_in(client, "clerk_govsvc")
    assert set(values(choices(client, "case")[1])) == {cases["110105"], cases["440305"]}


def test_a_picker_in_a_table_row_answers_for_its_path(cases: dict[str, str],
                                                      client: FlaskClient) -> None:
    sign_in(client, "clerk_health")
    status, fragment = choices(client, "helper", "王", path="helpers[2].helper")
    assert status == 200 and '<select id="sel-helpers-2-helper" name="helpers[2].helper"' in fragment
    assert choices(client, "helper", path="elsewhere")[0] == 404
    assert choices(client, "applicant")[0] == 404  # not a picker


@pytest.mark.parametrize("field", ["dept", "handler", "case"])
def test_only_staff_who_read_records_can_search(cases: dict[str, str], client: FlaskClient,
                                                field: str) -> None:
    assert choices(client, field)[0] == 404  # a guest (or a citizen: no staff user)
    sign_in(client, "auditor")  # signed in, but reads the audit log only
    assert choices(client, field)[0] == 404


# --- the check on submit ----------------------------------------------------------------

def test_chosen_values_that_exist_are_stored(cases: dict[str, str],
                                             client: FlaskClient) -> None:
    sign_in(client, "dispatcher")
    chosen = {"dept": "HEALTH", "district_dept": "STREET_EAST", "handler": "clerk_police",
              "health_handler": "lead_health", "case": cases["110105"],
              "helpers[0].helper": "clerk_street"}
    response = post(client, chosen)
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    with store(client.application).sessions() as session:
        row = session.scalars(select(Submission).where(Submission.form_id == "pick")).one()
    assert row.data["dept"] == "HEALTH" and row.data["case"] == cases["110105"]
    assert row.data["helpers"] == [{"helper": "clerk_street"}]


def test_staff_read_chosen_values_by_name_on_the_record_and_in_the_export(
        cases: dict[str, str], client: FlaskClient) -> None:
    sign_in(client, "dispatcher")
    chosen = {"dept": "HEALTH", "handler": "clerk_police", "case": cases["110105"],
              "helpers[0].helper": "clerk_street"}
    assert post(client, chosen).status_code == 303
    with store(client.application).sessions() as session:
        number = session.scalars(select(Submission.tracking_no)
                                 .where(Submission.form_id == "pick")).one()
    sign_in(client, "lead_govsvc")  # the form's department: reads its records, exports
    page = client.get(f"/work/submissions/{number}").get_data(as_text=True)
    assert "卫生健康委员会" in page and "张办事（公安局）" in page
    assert f"{cases['110105']} · 王近" in page and "协办人员：赵办事（东湖街道）" in page
    assert ">HEALTH<" not in page and ">clerk_police<" not in page
    export = client.get("/views/picks?format=csv").get_data(as_text=True)
    rows = [line for line in export.splitlines() if line.startswith(number)]
    assert rows == [f"{number},卫生健康委员会（示例市人民政府）,张办事（公安局） · 公安局"], rows


def test_wrong_values_are_refused_naming_the_field(app: Flask, cases: dict[str, str],
                                                   client: FlaskClient) -> None:
    with store(app).sessions() as session:
        accounts.user_by_name(session, "clerk_street").active = False
        session.commit()
    sign_in(client, "dispatcher")
    response = post(client, {"dept": "NOPE", "district_dept": "HEALTH", "handler": "nobody",
                             "health_handler": "clerk_police", "case": cases["440305"],
                             "helpers[0].helper": "clerk_street"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert error(page, "dept") == "「转办部门」所选部门不存在"
    assert error(page, "district_dept") == "「区内部门」只能选择限定部门或其下级部门"
    assert error(page, "handler") == "「经办人」所选人员不存在或已停用"
    assert re.search(r'<select id="sel-handler"[^>]* aria-invalid="true"', page)
    assert error(page, "health_handler") == "「卫健经办人」所选人员不属于限定的部门"
    assert error(page, "case") == "「关联申请」所选记录不存在或不在您的数据范围内"
    assert error(page, "helpers-0-helper") == "「协办人员」所选人员不存在或已停用"
    # a chosen value that exists reads by its name on the page shown again
    assert '<option value="HEALTH" selected>卫生健康委员会（示例市人民政府）</option>' in page


def test_an_out_of_scope_record_is_refused_but_one_in_scope_is_taken(
        cases: dict[str, str], client: FlaskClient) -> None:
    sign_in(client, "dispatcher")
    refused = post(client, {"case": cases["440305"]}, "far")
    assert refused.status_code == 422
    assert cases["440305"] + " · " not in refused.get_data(as_text=True)  # not named either
    assert post(client, {"case": cases["110105"]}, "near").status_code == 303


def test_a_guest_cannot_choose_people_or_records(cases: dict[str, str],
                                                 client: FlaskClient) -> None:
    page = post(client, {"dept": "HEALTH", "handler": "clerk_health",
                         "case": cases["110105"]}).get_data(as_text=True)
    assert error(page, "dept") == ""  # departments are no secret
    assert error(page, "handler") == "「经办人」所选人员不存在或已停用"
    assert error(page, "case") == "「关联申请」所选记录不存在或不在您的数据范围内"
    assert "王办事" not in page and "王近" not in page


def test_the_json_api_gets_the_same_errors_by_path(cases: dict[str, str],
                                                   client: FlaskClient) -> None:
    response = client.post("/api/forms/pick/submissions",
                           json={"data": {"dept": "NOPE", "district_dept": "STREET_WEST"}})
    assert response.status_code == 422
    assert response.get_json() == {"error": {
        "code": "invalid_submission", "message": "提交的数据有 1 处问题", "status": 422,
        "fields": {"dept": ["「转办部门」所选部门不存在"]}}}
    english = client.post("/api/forms/pick/submissions?lang=en", json={"data": {"dept": "NOPE"}})
    assert english.get_json()["error"]["fields"]["dept"] == [
        "转办部门: the chosen department does not exist"]


# --- the shipped pack -------------------------------------------------------------------

# Within the birth pack's one-month eligibility rule, whatever day the tests run.
RECENT_BIRTH = (date.today() - timedelta(days=3)).isoformat()
EXAMPLE = Path(__file__).parents[2] / "scenario_packs" / "birth_one_thing"
BIRTH = {"child_name": "王小明", "child_gender": "M", "birth_date": RECENT_BIRTH,
         "hospital": "示例市妇幼保健院", "mother_name": "李丽",
         "mother_id": "11010519491231002X", "contact_mobile": "13912345678",
         "residence": "110105", "enrol_insurance": True, "need_ss_card": False}


def test_the_shipped_handling_opinion_finds_applications_but_is_no_page_of_its_own(
        app: Flask, client: FlaskClient, publish: Callable[[Path], object]) -> None:
    with store(app).sessions() as session:
        seed_demo(session, env="testing")
    publish(EXAMPLE)
    answer = client.post("/api/forms/birth_apply/submissions", json={"data": BIRTH})
    assert answer.status_code == 201, answer.get_json()
    number = answer.get_json()["tracking_no"]
    sign_in(client, "clerk_govsvc")
    found = client.get("/forms/handling_opinion/pickers/application",
                       query_string={"path": "application", "q": "王小明"})
    assert f"{number} · 王小明 · " in found.get_data(as_text=True)
    # A handler form is filled in on its task, never opened or submitted on its own.
    assert client.get("/forms/handling_opinion").status_code == 404
    refused = client.post("/forms/handling_opinion", data={
        "csrf_token": token(client, "/auth/password"), "_version": "2", "_key": "h1",
        "_action": "submit", "application": number, "decision": "approve"})
    assert refused.status_code == 404

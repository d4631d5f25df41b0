"""The citizen sees the case as it is, over HTTP with the birth pack: the tracking page, the
citizen's 我的办件 and the ledger show the applicant's status (未通过 with the reason written
for them, never the clerk's internal opinion; 已办结); a correction asked of the applicant is
corrected on the same application and the case goes on, audited, with both values in the
clerk's history."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from runtime.flows.applicant import STATUSES
from runtime.store import audit
from runtime.store.cases import CaseRow, Task
from runtime.store.submissions import Submission
from runtime.web.database import store
from runtime.web.workwords import TEXT

from .test_workbench import CSRF, Person, accepted, apply, field_error, world  # noqa: F401

__all__ = ["world"]


def tracked(app: Flask, number: str, client: FlaskClient | None = None) -> str:
    """The tracking page of `number` looked up with its code, by `client` (a new browser
    when none)."""
    with store(app).sessions() as session:
        code = session.scalar(select(Submission.verification_code)
                              .where(Submission.tracking_no == number))
    client = client or app.test_client()
    token = CSRF.search(client.get("/track").get_data(as_text=True))
    assert token is not None
    response = client.post("/track", data={"no": number, "code": code,
                                           "csrf_token": token.group(1)})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def status(page: str) -> str:
    found = re.search(r'id="status" class="status-([a-z_]+)">([^<]+)<', page)
    assert found is not None
    return found.group(2)


def stored(app: Flask, number: str) -> Submission:
    with store(app).sessions() as session:
        row = session.scalars(select(Submission).where(Submission.tracking_no == number)).one()
        session.expunge(row)
        return row


def test_a_rejected_case_shows_not_approved_and_the_reason_for_the_applicant(
        world: Flask) -> None:
    number = apply(world)
    govsvc = Person(world, "clerk_govsvc")
    govsvc.done(number, 1, "claim")
    govsvc.done(number, 1, "complete", outcome="reject", opinion="内部：疑似重复申报",
                notice="该新生儿已办理出生登记，请勿重复申请")
    page = tracked(world, number)
    assert status(page) == "未通过"
    assert re.search(r'id="status-reason">该新生儿已办理出生登记，请勿重复申请<', page)
    assert "疑似重复申报" not in page
    ledger = Person(world, "lead_govsvc").page("/views/birth_ledger")
    row = re.search(f'<tr id="row-{number}".*?</tr>', ledger, re.S)
    assert row is not None and "未通过" in row.group(0)
    assert stored(world, number).status == "not_approved"


def test_a_finished_case_shows_done(world: Flask) -> None:
    number = apply(world)
    assert status(tracked(world, number)) == "已提交"
    govsvc = accepted(world, number)
    assert status(tracked(world, number)) == "已受理"
    health, police = Person(world, "clerk_health"), Person(world, "clerk_police")
    for person, title in ((health, "出生信息联合核验"), (police, "出生信息联合核验"),
                          (health, "签发出生医学证明"), (police, "出生户口登记"),
                          (Person(world, "clerk_medins"), "医保参保登记"),
                          (Person(world, "clerk_hrss"), "社会保障卡申领"),
                          (govsvc, "办结归档")):
        no = person.task_no("pool", number, title)
        person.done(number, no, "claim")
        if title == "出生信息联合核验" and person is health:
            assert status(tracked(world, number)) == "办理中"
        person.done(number, no, "complete", outcome="approve", opinion="同意")
    assert status(tracked(world, number)) == "已办结"
    assert stored(world, number).status == "done"


def test_a_correction_round_trip(world: Flask) -> None:
    number = apply(world)
    govsvc = Person(world, "clerk_govsvc")
    page = govsvc.done(number, 1, "claim")
    assert 'id="action-ask_correction"' in page and 'name="fix.hospital"' in page
    refused = govsvc.act(number, 1, "ask_correction", notice="请补正")
    assert refused.status_code == 422
    assert field_error(refused, "ask_correction", "fields") == "请选择需要补正的项目"
    page = govsvc.done(number, 1, "ask_correction", **{"fix.hospital": "1"},
                       notice="出生医院名称与出生医学证明不一致，请填写证明上的医院全称")
    assert 'id="task-status">等待申请人补正<' in page
    assert "要求申请人补正（「受理」）：出生医院" in page
    assert not govsvc.rows("todo") and not govsvc.rows("pool")

    citizen = world.test_client()
    page = tracked(world, number, citizen)
    assert status(page) == "待补正"
    assert "出生医院名称与出生医学证明不一致" in page
    assert re.search(r'id="fix-fields">出生医院', page)
    assert citizen.get(f"/applications/{number}/correct").status_code == 200
    assert world.test_client().get(f"/applications/{number}/correct").status_code == 404

    form = citizen.get(f"/applications/{number}/correct").get_data(as_text=True)
    assert re.search(r'name="hospital"[^>]*value="市妇幼保健院"', form)
    assert 'name="child_name"' not in form  # only what the clerk named is editable
    token = CSRF.search(form)
    assert token is not None
    empty = citizen.post(f"/applications/{number}/correct",
                         data={"csrf_token": token.group(1), "hospital": "",
                               "child_name": "改名"})
    assert empty.status_code == 422 and 'id="error-summary"' in empty.get_data(as_text=True)
    assert stored(world, number).status == "correction"
    done = citizen.post(f"/applications/{number}/correct",
                        data={"csrf_token": token.group(1), "hospital": "北京市第一人民医院",
                              "child_name": "改名"})
    assert done.status_code == 303
    page = citizen.get(done.headers["Location"]).get_data(as_text=True)
    assert 'id="corrected"' in page and status(page) == "已提交"

    row = stored(world, number)
    assert row.data["hospital"] == "北京市第一人民医院"
    assert row.data["child_name"] == "王小明"  # not asked for: the posted value is ignored
    assert (row.status, row.notice) == ("submitted", None)
    with store(world).sessions() as session:
        case_id = session.scalar(select(CaseRow.id).where(CaseRow.tracking_no == number))
        tasks = session.scalars(select(Task).where(Task.case_id == case_id)
                                .order_by(Task.no)).all()
        assert [(t.no, t.step, t.status, t.user_id) for t in tasks] == [
            (1, "accept", "corrected", tasks[0].user_id), (2, "accept", "open", None)]
        [entry] = audit.search(session, action="submission.correct")
        assert entry.target_id == number and entry.after == {"fields": ["hospital"]}
    page = govsvc.done(number, 2, "claim")
    assert "北京市第一人民医院" in page  # the application as it now is
    assert "申请人已补正：出生医院：市妇幼保健院 → 北京市第一人民医院" in page
    govsvc.done(number, 2, "complete", outcome="approve", opinion="材料齐全")
    assert status(tracked(world, number)) == "已受理"
    again = citizen.get(f"/applications/{number}/correct")
    assert again.status_code == 302  # nothing to correct any more


def test_a_citizen_sees_their_applications_with_their_status(world: Flask) -> None:
    number = apply(world)
    client = world.test_client()
    token = CSRF.search(client.get("/auth/register").get_data(as_text=True))
    assert token is not None
    client.post("/auth/register", data={
        "kind": "person", "mobile": "13912345678", "name": "李丽", "password": "citizen2025",
        "confirm_password": "citizen2025", "csrf_token": token.group(1)})
    token = CSRF.search(client.get("/auth/citizen/login").get_data(as_text=True))
    assert token is not None
    assert client.post("/auth/citizen/login", data={
        "mobile": "13912345678", "password": "citizen2025",
        "csrf_token": token.group(1)}).status_code == 302
    with store(world).sessions() as session:  # as if submitted signed in
        session.execute(update(Submission).where(Submission.tracking_no == number)
                        .values(owner_kind="citizen", owner_id=1))
        session.commit()
    govsvc = Person(world, "clerk_govsvc")
    govsvc.done(number, 1, "claim")
    govsvc.done(number, 1, "ask_correction", **{"fix.mother_id": "1"}, notice="身份证号有误")
    mine = client.get("/auth/citizen/cases").get_data(as_text=True)
    assert re.search(f'id="case-{number}">.*?待补正<', mine, re.S)
    page = client.get(f"/applications/{number}").get_data(as_text=True)
    assert status(page) == "待补正" and "身份证号有误" in page
    form = client.get(f"/applications/{number}/correct").get_data(as_text=True)
    token = CSRF.search(form)
    assert token is not None
    bad = client.post(f"/applications/{number}/correct",
                      data={"csrf_token": token.group(1), "mother_id": "110105194912310021"})
    assert bad.status_code == 422  # the form's own validation: a wrong check digit
    good = client.post(f"/applications/{number}/correct",
                       data={"csrf_token": token.group(1), "mother_id": "11010519491231002X"})
    assert good.status_code == 303
    assert world.test_client().get(f"/applications/{number}").status_code == 404


def test_every_status_of_the_applicant_has_its_words_and_its_docs() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "definitions.md").read_text(encoding="utf-8")
    for name in STATUSES:
        zh, en = TEXT.format(f"as_{name}", "zh"), TEXT.format(f"as_{name}", "en")
        assert zh and en and en != zh
        assert f"| `{name}` | {zh} |" in docs

"""Service ratings (好差评) over HTTP with the birth pack and the service_ratings pack: the
tracking page offers the rating form only for an ended case and only to its applicant; a
case is rated once; a poor rating opens a rectification task in the pool of the department
that handled the case, whose reply the applicant then reads on the tracking page."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from runtime.casework import ratings as casework_ratings
from runtime.demo import seed_demo
from runtime.packs import check_path
from runtime.store.accounts import add_citizen
from runtime.store.audit import AuditEntry
from runtime.store.cases import CaseRow, Task
from runtime.store.models import aware
from runtime.store.publish import publish_pack
from runtime.store.ratings import RatingRow
from runtime.store.submissions import Submission
from runtime.web.database import store

from .test_applicant import tracked
from .test_workbench import CSRF, EXAMPLE, Person, apply

# Their queries (a scope, a period, a unique constraint, JSON) run on both databases.
pytestmark = pytest.mark.postgres
RATINGS_PACK = Path(__file__).parents[2] / "scenario_packs" / "service_ratings"


@pytest.fixture
def rated_world(app: Flask) -> Flask:
    with store(app).sessions() as session:
        seed_demo(session, env="testing")
        publish_pack(session, check_path(EXAMPLE))
        publish_pack(session, check_path(RATINGS_PACK))
    return app


def ended(app: Flask) -> str:
    """An application whose case has ended (not approved at acceptance by GOVSVC)."""
    number = apply(app)
    govsvc = Person(app, "clerk_govsvc")
    govsvc.done(number, 1, "claim")
    govsvc.done(number, 1, "complete", outcome="reject", opinion="材料不实",
                notice="出生医学证明编号有误")
    return number


def post_rating(client, number: str, page: str, **data: object):  # type: ignore[no-untyped-def]
    token = CSRF.search(page)
    assert token is not None
    return client.post(f"/applications/{number}/rating",
                       data={"csrf_token": token.group(1), **data})


def ratings(app: Flask) -> list[RatingRow]:
    with store(app).sessions() as session:
        rows = list(session.scalars(select(RatingRow)))
        session.expunge_all()
        return rows


def test_the_form_shows_only_for_an_ended_case(rated_world: Flask) -> None:
    running = apply(rated_world)
    page = tracked(rated_world, running)
    assert 'id="rating"' not in page or 'name="level"' not in page
    number = ended(rated_world)
    page = tracked(rated_world, number)
    assert 'id="rating"' in page and 'name="level" value="1"' in page
    assert "非常不满意" in page and "问题没有解决" in page


def test_only_the_applicant_may_rate(rated_world: Flask) -> None:
    number = ended(rated_world)
    stranger = rated_world.test_client()
    page = stranger.get("/track").get_data(as_text=True)
    answer = post_rating(stranger, number, page, level="5")
    assert answer.status_code == 404
    wrong = stranger.post("/track", data={"no": number, "code": "WRONGCODE2",
                                          "csrf_token": CSRF.search(page).group(1)})  # type: ignore[union-attr]
    assert wrong.status_code == 404 and 'name="level"' not in wrong.get_data(as_text=True)
    assert post_rating(stranger, number, page, level="5").status_code == 404
    clerk = Person(rated_world, "clerk_govsvc")  # staff are not the applicant either
    assert clerk.client.post(f"/applications/{number}/rating",
                             data={"csrf_token": clerk.token(), "level": "5"}).status_code == 404
    assert ratings(rated_world) == []


def test_rated_once_and_a_second_attempt_is_refused(rated_world: Flask) -> None:
    number = ended(rated_world)
    applicant = rated_world.test_client()
    page = tracked(rated_world, number, applicant)
    answer = post_rating(applicant, number, page, level="5", reasons_5=["fast", "polite"],
                         reasons_1=["slow"], comment="<script>alert(1)</script>很好")
    assert answer.status_code == 303
    shown = applicant.get(answer.headers["Location"]).get_data(as_text=True)
    assert 'id="rating-given"' in shown and "非常满意" in shown and "办理快捷、态度热情" in shown
    assert "<script>alert(1)" not in shown and "&lt;script&gt;alert(1)&lt;/script&gt;很好" in shown
    assert "感谢您的评价" in shown and 'name="level"' not in shown
    [row] = ratings(rated_world)
    assert (row.level, row.reasons, row.department) == (5, ["fast", "polite"], "GOVSVC")
    assert row.rectify_case_id is None  # a good rating opens nothing
    again = post_rating(applicant, number, page, level="1", reasons_1=["slow"])
    assert again.status_code == 409
    assert "该件已经评价过，每件只能评价一次" in again.get_data(as_text=True)
    assert [r.level for r in ratings(rated_world)] == [5]
    with store(rated_world).sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "rating.create")) == 1


def test_a_running_case_and_bad_input_are_refused(rated_world: Flask) -> None:
    running = apply(rated_world)
    applicant = rated_world.test_client()
    page = tracked(rated_world, running, applicant)
    refused = post_rating(applicant, running, page, level="5")
    assert refused.status_code == 409 and "办结后才能评价" in refused.get_data(as_text=True)
    number = ended(rated_world)
    page = tracked(rated_world, number, applicant)
    for data, message in (({}, "请选择一个评价等级"), ({"level": "9"}, "请选择一个评价等级"),
                          ({"level": "2"}, "不满意时请勾选理由或写明意见"),
                          ({"level": "2", "reasons_2": "fast"}, "所选理由不属于该评价等级")):
        answer = post_rating(applicant, number, page, **data)
        assert answer.status_code == 422 and message in answer.get_data(as_text=True), data
    assert ratings(rated_world) == []


def test_htmx_swaps_the_panel(rated_world: Flask) -> None:
    number = ended(rated_world)
    applicant = rated_world.test_client()
    page = tracked(rated_world, number, applicant)
    answer = post_rating(applicant, number, page, level="4", reasons_4=["clear"])
    assert answer.status_code == 303  # without htmx: back to the application page
    number = ended(rated_world)
    page = tracked(rated_world, number, applicant)
    token = CSRF.search(page).group(1)  # type: ignore[union-attr]
    refused = applicant.post(f"/applications/{number}/rating", headers={"HX-Request": "true"},
                             data={"csrf_token": token, "level": "1"})
    body = refused.get_data(as_text=True)  # a 2xx, or htmx would not swap it in
    assert refused.status_code == 200 and body.startswith("<section")
    assert "不满意时请勾选理由或写明意见" in body and 'name="level" value="1" required checked' in body
    swapped = applicant.post(f"/applications/{number}/rating", headers={"HX-Request": "true"},
                             data={"csrf_token": token, "level": "3", "reasons_3": "slow"})
    body = swapped.get_data(as_text=True)
    assert swapped.status_code == 200 and body.startswith("<section") and "基本满意" in body
    assert "<html" not in body


def test_a_poor_rating_opens_a_rectification_whose_reply_the_applicant_reads(
        rated_world: Flask) -> None:
    number = ended(rated_world)
    applicant = rated_world.test_client()
    page = tracked(rated_world, number, applicant)
    answer = post_rating(applicant, number, page, level="1", reasons_1=["unsolved", "slow"],
                         comment="一直没人联系我")
    assert answer.status_code == 303
    shown = applicant.get(answer.headers["Location"]).get_data(as_text=True)
    assert re.search(r'id="rating-rectify">已转 政务服务中心 整改', shown)
    [row] = ratings(rated_world)
    with store(rated_world).sessions() as session:
        case = session.get(CaseRow, row.rectify_case_id)
        assert case is not None and case.process_id == "sr_rectify"
        task = session.scalars(select(Task).where(Task.case_id == case.id)).one()
        assert (task.department, task.role, task.user_id) == ("GOVSVC", "lead", None)
        rectify_no = case.tracking_no
    # the department's lead finds it in the pool, with the applicant's reasons and comment
    lead = Person(rated_world, "lead_govsvc")
    no = lead.task_no("pool", rectify_no, "差评整改")
    task_page = lead.done(rectify_no, no, "claim")
    assert "一直没人联系我" in task_page and "问题没有解决" in task_page
    assert re.search(r"<th[^>]*>整改部门</th>\s*<td[^>]*>政务服务中心（", task_page)  # not GOVSVC
    assert Person(rated_world, "clerk_health").rows("pool") == {} or all(
        n != rectify_no for n, _ in Person(rated_world, "clerk_health").rows("pool"))
    lead.done(rectify_no, no, "complete", outcome="approve",
              opinion="已核实，向您致歉；已约谈经办人并改进告知流程。")
    page = tracked(rated_world, number, applicant)
    assert re.search(r'id="rating-reply">已核实，向您致歉；已约谈经办人并改进告知流程。<', page)
    assert "<dt>理由</dt><dd>问题没有解决、办理超时或拖延</dd>" in page  # not "tick any"
    [row] = ratings(rated_world)
    assert row.reply and row.replied_at is not None
    beijing = dt.timedelta(hours=8)  # both moments in China time, as the rest of the page
    for key, moment in (("rated_at", row.rated_at), ("replied_at", row.replied_at)):
        at = (aware(moment) + beijing).strftime("%Y-%m-%d %H:%M")
        assert re.search(rf'<dd id="rating-{key}">{at}</dd>', page), (key, at)
    with store(rated_world).sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "rating.reply")) == 1


def test_the_citizens_list_says_which_to_rate_and_they_rate_from_their_account(
        rated_world: Flask) -> None:
    running, number = apply(rated_world), ended(rated_world)
    with store(rated_world).sessions() as session:
        citizen = add_citizen(session, "13912345678", "张三", "citizen2025")
        session.execute(update(Submission).where(Submission.tracking_no.in_([running, number]))
                        .values(owner_kind="citizen", owner_id=citizen.id))
        session.commit()
    client = rated_world.test_client()
    token = CSRF.search(client.get("/auth/citizen/login").get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    assert client.post("/auth/citizen/login", data={
        "mobile": "13912345678", "password": "citizen2025", "csrf_token": token}
        ).status_code == 302
    listed = client.get("/auth/citizen/cases").get_data(as_text=True)

    def cell(no: str) -> str:
        row = re.search(f'<tr id="case-{no}".*?</tr>', listed, re.S)
        assert row is not None
        found = re.search(r'class="rating-cell">(.*?)</td>', row.group(0), re.S)
        assert found is not None
        return found.group(1)

    assert cell(running) == "" and "去评价" in cell(number)
    page = client.get(f"/applications/{number}").get_data(as_text=True)
    assert post_rating(client, number, page, level="4", reasons_4="easy").status_code == 303
    listed = client.get("/auth/citizen/cases").get_data(as_text=True)
    assert cell(number) == "已评价"
    [row] = ratings(rated_world)
    assert (row.rater_kind, row.rater_id, row.level) == ("citizen", citizen.id, 4)
    with store(rated_world).sessions() as session:
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "rating.create")).one()
        assert (entry.actor_kind, entry.actor_id, entry.actor_name) == (
            "citizen", str(citizen.id), "张三")
        assert entry.target_id == number


def test_two_ratings_at_once_make_one(rated_world: Flask,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The unique constraint decides a race the first check did not see: the second is
    refused as already rated, and nothing of it is kept."""
    number = ended(rated_world)
    applicant = rated_world.test_client()
    page = tracked(rated_world, number, applicant)
    assert post_rating(applicant, number, page, level="5").status_code == 303
    monkeypatch.setattr(casework_ratings, "rating_of_case", lambda session, case_id: None)
    again = post_rating(applicant, number, page, level="1", reasons_1="slow")
    assert again.status_code == 409 and "每件只能评价一次" in again.get_data(as_text=True)
    assert [r.level for r in ratings(rated_world)] == [5]


def test_without_the_ratings_pack_a_poor_rating_is_kept_and_promises_nothing(
        app: Flask) -> None:
    with store(app).sessions() as session:
        seed_demo(session, env="testing")
        publish_pack(session, check_path(EXAMPLE))
    number = ended(app)
    applicant = app.test_client()
    page = tracked(app, number, applicant)
    answer = post_rating(applicant, number, page, level="2", reasons_2="slow")
    assert answer.status_code == 303
    shown = applicant.get(answer.headers["Location"]).get_data(as_text=True)
    assert "不满意" in shown and 'id="rating-rectify"' not in shown
    [row] = ratings(app)
    assert (row.level, row.department, row.rectify_case_id) == (2, "GOVSVC", None)

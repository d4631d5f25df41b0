"""Rules over HTTP, with a small policy pack (tests/web/packs/rd_subsidy): rule sets refuse an
ineligible application with every failing clause at once and store nothing; a validation
that cannot be evaluated refuses too, naming itself; an eligible application is stored with
its rule results, its case reads them as `rules.*`, and the task page explains them clause by
clause; a computed date is stored as its ISO text."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from runtime.demo import DEMO_PASSWORD, seed_demo
from runtime.packs import check_path
from runtime.store.cases import CaseRow, Task
from runtime.store.publish import publish_pack
from runtime.store.submissions import Submission
from runtime.web.database import store

PACK = Path(__file__).parent / "packs" / "rd_subsidy"
GOOD = {"company": "示例科技有限公司", "spend": 8000000, "staff": 40, "registered_here": True,
        "bad_credit": False, "provided": ["license", "audit"], "applied_on": "2026-12-01"}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def world(app: Flask) -> Flask:
    with store(app).sessions() as session:
        seed_demo(session, env="testing")
        publish_pack(session, check_path(PACK))
    return app


def post(app: Flask, lang: str = "zh", **data: Any) -> Any:
    return app.test_client().post(f"/api/forms/rd_apply/submissions?lang={lang}",
                                  json={"data": {**GOOD, **data}})


def stored(app: Flask) -> int:
    with store(app).sessions() as session:
        return session.scalar(select(func.count()).select_from(Submission)) or 0


def test_an_ineligible_application_is_told_every_failing_clause_at_once(world: Flask) -> None:
    answer = post(world, spend=500000, registered_here=False, bad_credit=True)
    assert answer.status_code == 422
    assert answer.get_json()["error"]["fields"] == {"_form": [
        "上年度研发投入不足 100 万元（依据：《研发费用补助办法》第 3 条：上年度研发投入不低于 100 万元）",
        "企业须在本市登记注册（依据：《研发费用补助办法》第 4 条：在本市登记注册）",
        "有严重失信记录的企业不予补助（依据：《研发费用补助办法》第 5 条：无严重失信记录）",
    ]}
    english = post(world, "en", spend=500000).get_json()["error"]["fields"]["_form"]
    assert english == ["R&D spend under 1 million yuan (basis: R&D expense subsidy measures, "
                       "clause 3: R&D spend of at least 1 million yuan last year)"]
    assert stored(world) == 0


@pytest.mark.parametrize(("data", "says"), [
    ({"provided": []}, "「请提交营业执照」未通过：规则「licence_given」无法计算"),
    ({"staff": 0}, "「人均研发投入异常」未通过：规则「spend_per_head」无法计算（第 7 列：除数为零）"),
    ({"spend": 10**17, "staff": 10**17}, None),
])
def test_a_rule_that_cannot_be_evaluated_refuses_the_submission(
        world: Flask, data: dict[str, Any], says: str | None) -> None:
    answer = post(world, **data)
    if says is None:  # within range: the huge values are fine, and the rule holds
        assert answer.status_code == 201, answer.get_json()
        return
    assert answer.status_code == 422
    [message] = answer.get_json()["error"]["fields"]["_form"]
    assert message.startswith(says)
    assert stored(world) == 0


def test_an_eligible_application_keeps_its_results_and_its_case_reads_them(
        world: Flask) -> None:
    answer = post(world)
    assert answer.status_code == 201, answer.get_json()
    tracking_no = answer.get_json()["tracking_no"]
    with store(world).sessions() as session:
        row = session.scalars(select(Submission)).one()
        assert row.data["reply_by"] == "2026-12-21"  # a computed date, stored as its text
        assert row.data["grade"] == "中型"  # a form compute reading a decision table
        assert row.rules["names"] == {"eligible": True, "rd_subsidy": {
            "spend_enough": True, "local": True, "good_credit": True, "eligible_all": True,
            "amount": 500000, "amount_text": "500,000.00 元"}}
        case = session.scalars(select(CaseRow)).one()
        steps = {t.step for t in session.scalars(select(Task).where(Task.case_id == case.id))}
    assert steps == {"review"}
    page = _clerk(world).get(f"/work/tasks/{tracking_no}/1").get_data(as_text=True)
    section = page[page.index('id="rule-results"'):page.index('id="history"')]
    assert "补助金额：结果：500000" in section
    assert "所用的值：spend = 8000000" in section
    assert "依据：《研发费用补助办法》第 6 条：按研发投入的 10% 补助，最高 50 万元" in section
    assert "符合" in section
    _finish_review(_clerk(world), tracking_no)
    with store(world).sessions() as session:
        steps = {t.step for t in session.scalars(select(Task))}
    assert steps == {"review", "capped"}  # rules.rd_subsidy.amount read from the stored results


def _finish_review(clerk: Any, tracking_no: str) -> None:
    for action, data in (("claim", {}), ("complete", {"outcome": "approve", "opinion": "同意"})):
        token = CSRF.search(clerk.get("/auth/me").get_data(as_text=True))
        assert token is not None
        answer = clerk.post(f"/work/tasks/{tracking_no}/1/{action}",
                            data={"csrf_token": token.group(1), **data})
        assert answer.status_code == 303, answer.get_data(as_text=True)[:500]


def _clerk(app: Flask) -> Any:
    client = app.test_client()
    token = CSRF.search(client.get("/auth/login").get_data(as_text=True))
    assert token is not None
    answer = client.post("/auth/login", data={"username": "clerk_govsvc",
                                              "password": DEMO_PASSWORD,
                                              "csrf_token": token.group(1)})
    assert answer.status_code == 302
    return client

"""The shipped policy-redemption pack (scenario_packs/policy_redemption, 惠企政策兑付) in the
test database, beside the birth and 12345 packs: an enterprise applies for the R&D subsidy,
the rules decide eligibility and the amount clause by clause (10% of the spend, capped at
500,000 yuan), the service centre accepts it, the industry bureau reviews, finance and tax
countersign, the proposal is published for 5 working days and passes by itself with no
objection, finance pays and the enterprise is told the matter is closed. The exceptions: an
ineligible application is refused with every failing clause at once; the cap; an acceptance
with non-key materials missing (容缺) makes a follow-up task that holds the payment; a
refusal at acceptance tells the applicant everything at once; an objection during publicity
is looked into and an upheld one ends the case. 免申即享: a list of eligible enterprises
starts their cases, each enterprise confirms on its own page (or declines, and sees so)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from store.casework import BIRTH, act, events, publish, staff, tasks
from web.test_pickers import token
from web.test_workbench import Person

from runtime import worker
from runtime.casework import batches
from runtime.casework.submissions import Application, submit
from runtime.definitions.spec import FormSpec
from runtime.demo import seed_demo
from runtime.flows import actions, stored
from runtime.flows.deadlines import due_after
from runtime.packs import check_path
from runtime.providers import default_field_types
from runtime.store import cases
from runtime.store.cases import CaseEvent, CaseRow
from runtime.store.queries import latest_definition, rule_book
from runtime.store.submissions import Owner, Submission
from runtime.web.database import store
from templates_lib import TASK_TEMPLATES

PACK = Path(__file__).parents[2] / "scenario_packs" / "policy_redemption"
HOTLINE = Path(__file__).parents[2] / "scenario_packs" / "hotline_12345"
LIST = PACK / "assets" / "pr_auto_list.csv"
GOVSVC = staff(1, "GOVSVC")
INDUSTRY = staff(2, "INDUSTRY")
INDUSTRY_LEAD = staff(3, "INDUSTRY", "lead")
FINANCE = staff(4, "FINANCE")
TAX = staff(5, "TAX")
USCC = "91110000600037341L"
APPLICATION = {"company_name": "示例市星河智能装备有限公司", "uscc": USCC,
               "registered_here": True, "bad_credit": False, "rd_spend": "3200000",
               "materials": ["licence", "audit_report", "project_docs", "tax_proof"],
               "bank_name": "示例银行示例市分行", "bank_account": "6222020200012345678",
               "contact_name": "周敏", "contact_mobile": "13800138000"}
# What each handler form records when a test does not say.
RECORDED: dict[str, dict[str, Any]] = {
    "accept": {"tolerated": False, "missing": None},
    "supplement": {"received_on": "2026-12-08"},
    "review": {"approved_amount": 320000},
    "countersign": {},
    "publicity": {"objection": False, "objection_note": None},
    "verify": {},
    "payment": {"voucher_no": "ZF-2026-000123", "paid_amount": 320000},
}
WHO = {"accept": GOVSVC, "supplement": GOVSVC, "review": INDUSTRY, "publicity": INDUSTRY,
       "verify": INDUSTRY_LEAD, "payment": FINANCE}


@pytest.fixture
def policy(session: Session) -> Session:
    publish(session, TASK_TEMPLATES)  # `make run` imports every pack: the library first,
    publish(session, BIRTH)  # then ours beside the other two
    publish(session, HOTLINE)
    publish(session, PACK)
    return session


def form(session: Session, form_id: str) -> FormSpec:
    row = latest_definition(session, "Form", form_id)
    assert row is not None and isinstance(row.spec, FormSpec)
    return row.spec


def apply(session: Session, key: str = "a1", **changes: Any) -> CaseRow:
    """Submit the enterprise's application as the page does, rule sets decided."""
    done = submit(session, Application(form(session, "pr_rd_apply"), {**APPLICATION, **changes},
                                       key, owner=Owner("citizen", 1)), default_field_types())
    assert done.receipt is not None, done.validation.errors
    return session.scalars(select(CaseRow)
                           .where(CaseRow.tracking_no == done.receipt.tracking_no)).one()


def live(session: Session, case: CaseRow, step: str) -> list[Any]:
    return [t for t in tasks(session, case.id, step) if t.status in ("open", "claimed")]


def handle(session: Session, case: CaseRow, step: str, who: actions.Staff | None = None,
           outcome: str = "approve", notice: str | None = None, **data: Any) -> None:
    [task] = live(session, case, step)
    who = who or WHO[step]
    if task.user_id is None:
        act(session, case.id, who, actions.claim, task.no)
    act(session, case.id, who, actions.complete, task.no, outcome=outcome,
        opinion="不同意" if outcome == "reject" else "同意", notice=notice,
        data={**RECORDED[step], **data})


def countersign(session: Session, case: CaseRow) -> None:
    parties = {t.department: t for t in live(session, case, "countersign")}
    assert set(parties) == {"FINANCE", "TAX"}  # 会签: one task each
    for who in (FINANCE, TAX):
        act(session, case.id, who, actions.claim, parties[who.principal.memberships[0]
                                                          .department_code].no)
        act(session, case.id, who, actions.complete,
            parties[who.principal.memberships[0].department_code].no, opinion="同意")


def steps(session: Session, case: CaseRow) -> dict[str, str]:
    session.refresh(case)
    return {k: v.status for k, v in stored.steps_of(case.steps).items()}


def submission(session: Session, case: CaseRow) -> Submission:
    row = session.scalars(select(Submission)
                          .where(Submission.tracking_no == case.tracking_no)).one()
    session.refresh(row)
    return row


def publicity_passes(session: Session, case: CaseRow) -> None:
    """Nobody objects: at the end of the 5 working days the publicity passes by itself."""
    [task] = live(session, case, "publicity")
    assert task.department == "INDUSTRY"
    due = cases.aware(task.due_at)
    assert due == due_after(cases.aware(task.created_at), 5)
    worker.run_once(session, "w1", now=due + timedelta(seconds=1))


def feedback(session: Session, case: CaseRow) -> list[str]:
    return [(e.detail or {})["zh"] for e in session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == "feedback")
        .order_by(CaseEvent.id))]


def test_the_pack_checks_clean_and_imports_beside_the_other_packs(policy: Session) -> None:
    assert check_path(PACK).ok
    assert form(policy, "pr_rd_apply").audience.who == "enterprises"
    auto = form(policy, "pr_auto_list").audience
    assert (auto.who, auto.departments) == ("staff", ("INDUSTRY",))


@pytest.mark.postgres  # the whole main path on both databases
def test_an_application_runs_from_acceptance_to_payment_with_a_real_closing_message(
        policy: Session) -> None:
    case = apply(policy)
    rules = submission(policy, case).rules
    assert rules is not None
    assert rules["names"]["eligible"] is True
    assert rules["names"]["pr_rd_rules"]["amount"] == 320000
    assert rules["names"]["pr_rd_rules"]["amount_text"] == "320,000.00 元"
    assert rules["names"]["pr_rd_rules"]["capped"] is False
    [accept] = live(policy, case, "accept")
    assert (accept.department, accept.role) == ("GOVSVC", "clerk")
    handle(policy, case, "accept")
    assert steps(policy, case)["supplement"] == "skipped"  # nothing missing: no follow-up
    assert submission(policy, case).status == "accepted"

    [review] = live(policy, case, "review")
    assert review.department == "INDUSTRY"
    handle(policy, case, "review")
    countersign(policy, case)
    publicity_passes(policy, case)
    assert steps(policy, case)["verify"] == "skipped"  # no objection: nothing to look into
    [payment] = live(policy, case, "payment")
    assert payment.department == "FINANCE"
    handle(policy, case, "payment")

    assert steps(policy, case) == dict.fromkeys(
        ("accept", "review", "countersign", "publicity", "payment"), "done") | {
        "supplement": "skipped", "verify": "skipped"}
    assert case.status == "done"
    assert submission(policy, case).status == "done"
    told = feedback(policy, case)
    assert told[0].startswith("您的申请已受理")
    assert "本事项已办结" in told[-1] and told[-1] != told[0]  # 办结, not the acceptance again


def test_an_ineligible_application_is_refused_with_every_failing_clause_at_once(
        policy: Session) -> None:
    done = submit(policy, Application(form(policy, "pr_rd_apply"), {
        **APPLICATION, "rd_spend": "800000", "registered_here": False, "bad_credit": True,
        "materials": ["licence"]}, "bad"), default_field_types())
    assert done.receipt is None
    notices = [e.message("zh") for e in done.validation.errors["_form"]]
    assert notices[0] == (
        "上年度研发费用不足 100 万元（依据：《〔示例〕示例市企业研发费用补助实施办法（请替换为本地文件）》"
        "第 3 条：申请企业上年度研发费用不低于 100 万元（以专项审计报告为准）。）")
    assert [n.split("（依据")[0] for n in notices] == [
        "上年度研发费用不足 100 万元", "企业须在本市登记注册", "近三年有严重失信记录的企业不予补助",
        "缺少关键材料：研发费用专项审计报告"]  # the licence was given: not listed
    assert ["第 3 条" in notices[0], "第 4 条" in notices[1], "第 5 条" in notices[2],
            "第 8 条" in notices[3]] == [True] * 4
    assert policy.scalar(select(Submission.id)) is None  # nothing stored


def test_the_amount_is_capped_at_500000_and_explained_by_clause(policy: Session) -> None:
    case = apply(policy, rd_spend="8600000")
    names = submission(policy, case).rules["names"]["pr_rd_rules"]
    assert (names["computed"], names["capped"], names["amount"]) == (860000, True, 500000)
    assert names["amount_text"] == "500,000.00 元"
    [amount] = [r for r in submission(policy, case).rules["results"] if r["rule"] == "amount"]
    assert amount["explain"]["zh"] == [
        "补助金额：结果：500000", "所用的值：computed = 860000.0",
        "依据：《〔示例〕示例市企业研发费用补助实施办法（请替换为本地文件）》第 6 条："
        "按上年度研发费用的 10% 给予补助，单个企业最高 50 万元。"]
    assert amount["applicant"] is True  # shown to the enterprise (show_applicant)


def test_acceptance_with_missing_non_key_materials_makes_a_follow_up_that_holds_payment(
        policy: Session) -> None:
    case = apply(policy, materials=["licence", "audit_report"])
    handle(policy, case, "accept", tolerated=True, missing=["project_docs", "tax_proof"])
    [follow_up] = live(policy, case, "supplement")
    assert (follow_up.department, follow_up.role) == ("GOVSVC", "clerk")
    assert cases.aware(follow_up.due_at) == due_after(cases.aware(follow_up.created_at), 5)
    assert live(policy, case, "review")  # the review does not wait for the materials
    handle(policy, case, "review")
    countersign(policy, case)
    publicity_passes(policy, case)
    assert steps(policy, case)["payment"] == "waiting"  # not paid before they are in
    handle(policy, case, "supplement")
    assert live(policy, case, "payment")


def test_a_refusal_at_acceptance_tells_the_applicant_everything_at_once(
        policy: Session) -> None:
    case = apply(policy)
    notice = ("请一次性补正以下问题后重新申请：1. 营业执照已过有效期；2. 专项审计报告未加盖会计师事务所"
              "公章；3. 收款账户须为企业基本存款账户。")
    handle(policy, case, "accept", outcome="reject", notice=notice)
    row = submission(policy, case)
    assert (row.status, row.notice["reason"]) == ("not_approved", notice)
    assert steps(policy, case)["review"] == "waiting"


def test_an_objection_during_publicity_is_looked_into_and_an_upheld_one_ends_the_case(
        policy: Session) -> None:
    case = apply(policy)
    handle(policy, case, "accept")
    handle(policy, case, "review")
    countersign(policy, case)
    handle(policy, case, "publicity", objection=True,
           objection_note="举报：该企业研发费用中含生产人员工资，审计报告虚增研发投入。")
    [verify] = live(policy, case, "verify")
    assert (verify.department, verify.role) == ("INDUSTRY", "lead")
    assert steps(policy, case)["payment"] == "waiting"
    handle(policy, case, "verify", outcome="reject",
           notice="经核查，贵单位研发费用归集不符合规定，异议成立，本次不予补助。")
    assert case.status == "rejected"
    row = submission(policy, case)
    assert row.status == "not_approved" and "异议成立" in row.notice["reason"]


def test_an_objection_not_upheld_goes_on_to_payment(policy: Session) -> None:
    case = apply(policy)
    handle(policy, case, "accept")
    handle(policy, case, "review")
    countersign(policy, case)
    handle(policy, case, "publicity", objection=True, objection_note="质疑金额")
    handle(policy, case, "verify")
    assert live(policy, case, "payment")


def test_a_rejection_in_the_countersign_ends_the_case(policy: Session) -> None:
    case = apply(policy)
    handle(policy, case, "accept")
    handle(policy, case, "review")
    tax = next(t for t in live(policy, case, "countersign") if t.department == "TAX")
    act(policy, case.id, TAX, actions.claim, tax.no)
    act(policy, case.id, TAX, actions.complete, tax.no, outcome="reject",
        opinion="企业加计扣除申报数与审计报告不符", notice="研发费用数据与税务申报不一致，不予补助。")
    policy.refresh(case)
    assert case.status == "rejected" and steps(policy, case)["publicity"] == "waiting"
    assert not live(policy, case, "countersign")  # finance's task is cancelled
    row = submission(policy, case)
    assert (row.status, row.notice["reason"]) == ("not_approved", "研发费用数据与税务申报不一致，不予补助。")


# --- 免申即享 ---------------------------------------------------------------------------

def started_from_the_list(session: Session, rows: list[dict[str, str]] | None = None,
                          ) -> batches.Batch:
    """What `lowcode cases start pr_auto_list assets/pr_auto_list.csv --as USER` does."""
    content = LIST.read_bytes()
    spec = form(session, "pr_auto_list")
    return batches.start_batch(
        session, spec, rows or batches.read_rows(LIST.name, content), default_field_types(),
        owner=Owner("staff", 2), list_id=batches.list_id(content),
        book=rule_book(session, "pr_auto_list"),
        owner_of=batches.enterprise_owner(session, spec))


def test_an_ineligible_row_of_the_list_starts_nothing_and_names_its_clauses(
        policy: Session) -> None:
    rows = batches.read_rows(LIST.name, LIST.read_bytes())
    rows[1]["bad_credit"] = "true"
    batch = started_from_the_list(policy, rows)
    assert not batch.ok and list(batch.errors) == [3]
    assert "近三年有严重失信记录的企业不予补助" in batch.errors[3]["_form"][0]
    assert policy.scalar(select(Submission.id)) is None


def enterprise(app: Flask, mobile: str = "13912345679", uscc: str = USCC) -> FlaskClient:
    client = app.test_client()
    registered = client.post("/auth/register", data={
        "kind": "enterprise", "mobile": mobile, "name": "示例市星河智能装备有限公司",
        "uscc": uscc, "password": "citizen2025", "confirm_password": "citizen2025",
        "csrf_token": token(client, "/auth/register")})
    assert registered.status_code == 303
    signed = client.post("/auth/citizen/login", data={
        "mobile": mobile, "password": "citizen2025",
        "csrf_token": token(client, "/auth/citizen/login")})
    assert signed.status_code == 302
    return client


@pytest.fixture
def world(app: Flask, publish: Any) -> Flask:
    publish(TASK_TEMPLATES)
    publish(BIRTH)
    publish(HOTLINE)
    publish(PACK)
    with store(app).sessions() as session:
        seed_demo(session, env="testing")
    return app


def status_on(page: str) -> str:
    found = re.search(r'id="status" class="status-([a-z_]+)">([^<]+)<', page)
    assert found is not None
    return found.group(2)


def test_the_list_starts_each_enterprises_case_which_it_confirms_and_the_case_goes_on(
        world: Flask) -> None:
    company = enterprise(world)  # registered before the list ran: its case is its own
    with store(world).sessions() as session:
        batch = started_from_the_list(session)
        assert batch.ok, batch.errors
        numbers = [r.tracking_no for r in batch.receipts]
        mine, other = (session.scalars(select(Submission).where(
            Submission.tracking_no == n)).one() for n in numbers)
        assert (mine.owner_kind, other.owner_kind) == ("citizen", "staff")
        assert mine.rules["names"]["pr_auto_rules"]["amount"] == 320000
        assert mine.status == "confirm"
        case = session.scalars(select(CaseRow).where(CaseRow.tracking_no == numbers[0])).one()
        [waiting] = tasks(session, case.id, "confirm")
        assert waiting.status == "confirming"  # on no staff list, no clock running
    clerk = Person(world, "clerk_industry")
    assert numbers[0] not in clerk.page("/work/tasks?list=pool")
    waiting_page = clerk.page(f"/work/tasks/{numbers[0]}/1")  # staff follow it, cannot act
    assert "等待申请人确认" in waiting_page and 'id="action-claim"' not in waiting_page
    assert "请申请人确认「企业确认」" in waiting_page

    listed = company.get("/auth/citizen/cases").get_data(as_text=True)
    assert re.search(f'id="case-{numbers[0]}">.*?待您确认<', listed, re.S)
    assert numbers[1] not in listed
    page = company.get(f"/applications/{numbers[0]}").get_data(as_text=True)
    assert status_on(page) == "待您确认"
    assert "按上年度研发费用的 10% 给予补助" in page  # the rules, clause by clause
    answered = company.post(f"/applications/{numbers[0]}/confirm", data={
        "answer": "confirm", "csrf_token": token(company, f"/applications/{numbers[0]}")})
    assert answered.status_code == 303
    page = company.get(answered.headers["Location"]).get_data(as_text=True)
    assert "已确认，办理将继续" in page and status_on(page) != "待您确认"
    assert 'id="confirm"' not in page
    with store(world).sessions() as session:
        case = session.scalars(select(CaseRow).where(CaseRow.tracking_no == numbers[0])).one()
        [review] = live(session, case, "review")
        assert review.department == "INDUSTRY"
        assert events(session, "feedback", case.id) == 1  # 您已确认享受……
    assert clerk.task_no("pool", numbers[0], "工信局审核")


def test_an_enterprise_that_declines_sees_its_case_ended_as_declined(world: Flask) -> None:
    company = enterprise(world)
    with store(world).sessions() as session:
        number = started_from_the_list(session).receipts[0].tracking_no
    declined = company.post(f"/applications/{number}/confirm", data={
        "answer": "decline", "csrf_token": token(company, f"/applications/{number}")})
    page = company.get(declined.headers["Location"]).get_data(as_text=True)
    assert status_on(page) == "已放弃" and "您已放弃，本事项已终止" in page
    again = company.post(f"/applications/{number}/confirm", data={
        "answer": "confirm", "csrf_token": token(company, f"/applications/{number}")})
    assert status_on(company.get(again.headers["Location"]).get_data(as_text=True)) == "已放弃"
    with store(world).sessions() as session:
        case = session.scalars(select(CaseRow).where(CaseRow.tracking_no == number)).one()
        assert case.status == "rejected" and not tasks(session, case.id, "review")
    stranger = enterprise(world, "13912340000", "91110108MA01ABCDEN")
    assert stranger.get(f"/applications/{number}").status_code == 404


def test_an_enterprise_that_registers_after_the_list_answers_from_its_own_cases(
        world: Flask) -> None:
    """青禾 had no account when the list ran: its case stayed with the clerk. It registers
    with its credit code, and the case waiting for it moves to its 我的办件, where it
    confirms; the case it had no part in (星河's) stays where it was."""
    with store(world).sessions() as session:
        first, second = (r.tracking_no for r in started_from_the_list(session).receipts)
    late = enterprise(world, "13912340000", "91110108MA01ABCDEN")
    listed = late.get("/auth/citizen/cases").get_data(as_text=True)
    assert re.search(f'id="case-{second}">.*?待您确认<', listed, re.S)
    assert first not in listed
    answered = late.post(f"/applications/{second}/confirm", data={
        "answer": "confirm", "csrf_token": token(late, f"/applications/{second}")})
    assert answered.status_code == 303
    with store(world).sessions() as session:
        row = session.scalars(select(Submission).where(Submission.tracking_no == second)).one()
        assert (row.owner_kind, row.status) == ("citizen", "accepted")
        other = session.scalars(select(Submission).where(Submission.tracking_no == first)).one()
        assert (other.owner_kind, other.status) == ("staff", "confirm")
        assert events(session, "feedback", session.scalars(select(CaseRow.id).where(
            CaseRow.tracking_no == second)).one()) == 1


def test_the_catalogue_lists_the_application_and_the_demo_users_carry_a_case(
        world: Flask) -> None:
    company = enterprise(world)
    services = company.get("/services").get_data(as_text=True)
    listed = set(re.findall(r'href="/forms/(pr_[a-z_]+)"', services))
    assert listed == {"pr_rd_apply"}  # the list is the bureau's; handler forms never
    clerk = Person(world, "clerk_industry")  # the bureau's staff see the list's form
    assert set(re.findall(r'href="/forms/(pr_[a-z_]+)"', clerk.page("/services"))) == {
        "pr_auto_list"}
    page = company.get("/forms/pr_rd_apply").get_data(as_text=True)
    assert USCC in page  # prefilled from the account
    posted = company.post("/forms/pr_rd_apply", data={
        **{k: v for k, v in APPLICATION.items() if k not in ("materials", "registered_here",
                                                              "bad_credit")},
        "registered_here": "true", "bad_credit": "false",
        "materials": ["licence", "audit_report"], "_key": "w1",
        "csrf_token": token(company, "/forms/pr_rd_apply")})
    assert posted.status_code == 303, posted.get_data(as_text=True)[:3000]
    with store(world).sessions() as session:
        number = session.scalars(select(CaseRow.tracking_no)).one()
    govsvc = Person(world, "clerk_govsvc")
    govsvc.done(number, 1, "claim")
    govsvc.done(number, 1, "complete", outcome="approve", opinion="容缺受理",
                tolerated="true", missing=["project_docs", "tax_proof"])
    industry = Person(world, "clerk_industry")
    no = industry.task_no("pool", number, "工信局审核")
    industry.done(number, no, "claim")
    refused = industry.act(number, no, "complete", outcome="approve", opinion="核定",
                           approved_amount="600000")
    assert refused.status_code == 422
    assert "50 万元的上限" in refused.get_data(as_text=True)
    industry.done(number, no, "complete", outcome="approve", opinion="核定",
                  approved_amount="320000")
    for username in ("clerk_finance", "clerk_tax"):
        person = Person(world, username)
        no = person.task_no("pool", number, "财政、税务会签")
        person.done(number, no, "claim")
        person.done(number, no, "complete", outcome="approve", opinion="同意")
    no = industry.task_no("pool", number, "公示")
    industry.done(number, no, "claim")  # nobody objects: the period ends and it passes
    with store(world).sessions() as session:
        case = session.scalars(select(CaseRow)).one()
        [publicity] = live(session, case, "publicity")
        worker.run_once(session, "w1", now=cases.aware(publicity.due_at) + timedelta(seconds=1))
    mine = company.get(f"/applications/{number}").get_data(as_text=True)
    assert status_on(mine) == "办理中"
    assert "按上年度研发费用的 10% 给予补助" in mine  # the rules' explanation, for the applicant
    finance = Person(world, "clerk_finance")
    assert number not in finance.page("/work/tasks?list=pool")  # the materials are not in yet
    no = govsvc.task_no("pool", number, "容缺材料补齐")
    govsvc.done(number, no, "claim")
    govsvc.done(number, no, "complete", outcome="approve", opinion="已收到原件",
                received_on="2026-12-08")
    no = finance.task_no("pool", number, "资金拨付")
    finance.done(number, no, "claim")
    finance.done(number, no, "complete", outcome="approve", opinion="已拨付",
                 voucher_no="ZF-2026-000123", paid_amount="320000")
    mine = company.get(f"/applications/{number}").get_data(as_text=True)
    assert status_on(mine) == "已办结"
    assert "研发费用补助资金已按核定金额拨付至贵单位基本存款账户" in mine


def test_the_application_page_shows_the_amount_the_rules_give_as_the_enterprise_types(
        world: Flask) -> None:
    """The form's `expected_amount` computes `rules.pr_rd_rules.amount_text`: decided on the
    server, by the same rules the submit applies (10%, capped at 500,000 yuan)."""
    company = enterprise(world)
    page = company.get("/forms/pr_rd_apply").get_data(as_text=True)
    assert "预计补助金额" in page and " 元" not in re.sub(r"<[^>]+>", "", page).split(
        "预计补助金额")[1][:200]  # nothing typed yet: the rule gives no amount

    def typed(spend: str) -> str:
        response = company.post("/forms/pr_rd_apply/state", data={
            "rd_spend": spend, "csrf_token": token(company, "/forms/pr_rd_apply")},
            headers={"HX-Request": "true", "HX-Trigger-Name": "rd_spend"})
        assert response.status_code == 200
        return response.get_data(as_text=True)

    fragment = typed("3200000")
    assert 'id="f-expected_amount"' in fragment
    assert "320,000.00 元" in fragment
    assert "500,000.00 元" in typed("9000000")  # the cap, as the rule says

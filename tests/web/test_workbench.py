"""The staff workbench over HTTP, with the demo organisation and the birth pack: each list
shows each role exactly its tasks; a task, a case and its actions are a 404 beyond scope;
every action changes the case as the rendered page shows; a refusal shows the engine's reason
beside the action (in the page's language), keeps what was typed and changes nothing; a POST
without the CSRF token is refused; the demo clerks take a case from acceptance to close."""

from __future__ import annotations

import re
import string
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, select, update
from werkzeug.test import TestResponse

from runtime.demo import DEMO_PASSWORD, seed_demo
from runtime.flows import registry
from runtime.flows.case import Case, StepState
from runtime.flows.commands import COMMANDS
from runtime.flows.errors import FlowError
from runtime.packs import check_path
from runtime.store import audit
from runtime.store.audit import AuditEntry
from runtime.store.cases import CaseRow, Task
from runtime.store.models import utcnow
from runtime.store.publish import publish_pack
from runtime.web import casepages, workbench
from runtime.web.database import store
from runtime.web.workwords import TEXT

# Within the birth pack's one-month eligibility rule, whatever day the tests run.
RECENT_BIRTH = (date.today() - timedelta(days=3)).isoformat()
EXAMPLE = Path(__file__).parents[2] / "scenario_packs" / "birth_one_thing"
APPLICATION = {
    "child_name": "王小明", "child_gender": "M", "birth_date": RECENT_BIRTH,
    "hospital": "市妇幼保健院", "mother_name": "李丽", "mother_id": "11010519491231002X",
    "contact_mobile": "13912345678", "enrol_insurance": True, "need_ss_card": True,
    "bank_account": "6222020200112233445",
}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ROW = re.compile(r'<tr id="task-([0-9]+)-([0-9]+)" class="task-row">(.*?)</tr>', re.S)


@pytest.fixture
def world(app: Flask) -> Flask:
    with store(app).sessions() as session:
        seed_demo(session, env="testing")
        publish_pack(session, check_path(EXAMPLE))
    return app


def apply(app: Flask, region: str = "110105", **data: Any) -> str:
    """A citizen's application through the API; its tracking number."""
    response = app.test_client().post("/api/forms/birth_apply/submissions",
                                      json={"data": {**APPLICATION, "residence": region,
                                                     **data}})
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["tracking_no"])


class Person:
    """A signed-in member of staff with a browser of their own."""

    def __init__(self, app: Flask, username: str):
        self.client = app.test_client()
        token = CSRF.search(self.client.get("/auth/login").get_data(as_text=True))
        assert token is not None
        answer = self.client.post("/auth/login", data={
            "username": username, "password": DEMO_PASSWORD, "csrf_token": token.group(1)})
        assert answer.status_code == 302, username

    def get(self, path: str, **headers: str) -> TestResponse:
        return self.client.get(path, headers=headers)

    def page(self, path: str) -> str:
        response = self.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response.get_data(as_text=True)

    def token(self) -> str:
        found = CSRF.search(self.page("/auth/me"))
        assert found is not None
        return found.group(1)

    def act(self, number: str, no: int, action: str, **data: str) -> TestResponse:
        return self.client.post(f"/work/tasks/{number}/{no}/{action}",
                                data={"csrf_token": self.token(), **data})

    def done(self, number: str, no: int, action: str, **data: str) -> str:
        """Act, expect success, and read the page it leads to."""
        response = self.act(number, no, action, **data)
        assert response.status_code == 303, refusal(response)
        return self.page(response.headers["Location"])

    def rows(self, name: str, query: str = "") -> dict[tuple[str, int], str]:
        """(tracking number, task no) -> the row's text, of one list."""
        found = ROW.findall(self.page(f"/work/tasks?list={name}{query}"))
        return {(number, int(no)): re.sub(r"<[^>]+>|\s+", " ", cells)
                for number, no, cells in found}

    def task_no(self, name: str, number: str, title: str) -> int:
        matches = [no for (n, no), text in self.rows(name).items()
                   if n == number and title in text]
        assert matches, (name, number, title, self.rows(name))
        return matches[0]


def refusal(response: TestResponse) -> str:
    found = re.search(r'role="alert"[^>]*>([^<]+)<', response.get_data(as_text=True))
    return found.group(1) if found else f"no refusal; status {response.status_code}"


def field_error(response: TestResponse, action: str, name: str) -> str:
    found = re.search(f'id="error-{action}-{name}">([^<]+)<', response.get_data(as_text=True))
    return found.group(1) if found else ""


def form_field_error(response: TestResponse, path: str) -> str:
    """The error beside a field of the handler form, as any form shows it."""
    found = re.search(f'id="err-{path}" class="error">([^<]+)<', response.get_data(as_text=True))
    return found.group(1) if found else ""


def open_actions(page: str) -> set[str]:
    return set(re.findall(r'id="action-([a-z_]+)"', page))


def timeline(page: str) -> str:
    found = re.search(r'<ol class="timeline" id="timeline">(.*?)</ol>', page, re.S)
    assert found is not None
    return re.sub(r"<[^>]+>|\s+", " ", found.group(1))


def set_due(app: Flask, number: str, no: int, *, due_in: timedelta,
            yellow_in: timedelta | None = None) -> None:
    """Move a task's deadline (the worker's timers are not run in these tests)."""
    now = utcnow()
    with store(app).sessions() as session:
        case_id = session.scalar(select(CaseRow.id).where(CaseRow.tracking_no == number))
        session.execute(update(Task).where(Task.case_id == case_id, Task.no == no).values(
            due_at=now + due_in, due_sort=now + due_in,
            yellow_at=now + (yellow_in if yellow_in is not None else due_in)))
        session.commit()


def accepted(app: Flask, number: str) -> Person:
    """clerk_govsvc claims and completes 受理 of the case."""
    govsvc = Person(app, "clerk_govsvc")
    govsvc.done(number, 1, "claim")
    govsvc.done(number, 1, "complete", outcome="approve", opinion="材料齐全，予以受理")
    return govsvc


# --- lists and scope --------------------------------------------------------------------

@pytest.mark.postgres  # a list query or a search: SQL that differs
@pytest.mark.parametrize(("username", "lists"), [
    ("clerk_govsvc", {"pool": {"near", "far"}, "overdue": {"near", "far"}, "todo": set()}),
    ("clerk_health", {"pool": set(), "overdue": set(), "todo": set()}),
    ("supervisor", {"pool": set(), "overdue": {"near"}, "supervised": set()}),
    ("lead_govsvc", {"pool": set(), "overdue": {"near", "far"}}),
])
def test_each_list_shows_each_role_its_tasks(world: Flask, username: str,
                                              lists: dict[str, set[str]]) -> None:
    numbers = {"near": apply(world, "110105"), "far": apply(world, "440305")}
    for number in numbers.values():
        set_due(world, number, 1, due_in=timedelta(hours=-1))
    person = Person(world, username)
    for name, expected in lists.items():
        shown = {number for number, _no in person.rows(name)}
        assert shown == {numbers[k] for k in expected}, (username, name)


def test_todo_done_copied_and_supervised_follow_the_actions(world: Flask) -> None:
    number = apply(world)
    govsvc = Person(world, "clerk_govsvc")
    assert (number, 1) in govsvc.rows("pool")
    govsvc.done(number, 1, "claim")
    assert (number, 1) in govsvc.rows("todo") and (number, 1) not in govsvc.rows("pool")
    supervisor = Person(world, "supervisor")
    supervisor.done(number, 1, "supervise", note="请今日办结")
    assert (number, 1) in supervisor.rows("supervised")
    assert (number, 1) in govsvc.rows("supervised")
    health = Person(world, "clerk_health")
    assert health.get(f"/work/tasks/{number}/1").status_code == 404
    govsvc.done(number, 1, "copy", department="HEALTH")
    assert (number, 1) in health.rows("copied")
    assert "受理" in health.page(f"/work/tasks/{number}/1")  # a copy may read the task
    govsvc.done(number, 1, "complete", outcome="approve", opinion="同意")
    assert (number, 1) in govsvc.rows("done") and (number, 1) not in govsvc.rows("todo")
    assert (number, 2) in health.rows("pool")  # the joint check, for health and police
    assert (number, 3) in Person(world, "clerk_police").rows("pool")


def test_a_row_shows_number_title_department_due_and_a_colour_in_words(world: Flask) -> None:
    number = apply(world)
    other = apply(world)
    set_due(world, number, 1, due_in=timedelta(hours=-2))
    set_due(world, other, 1, due_in=timedelta(hours=5), yellow_in=timedelta(hours=-1))
    govsvc = Person(world, "clerk_govsvc")
    rows = govsvc.rows("pool")
    assert "受理" in rows[(number, 1)] and "政务服务中心" in rows[(number, 1)]
    assert "超期" in rows[(number, 1)] and "临期" in rows[(other, 1)]
    assert re.search(r"20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}", rows[(other, 1)])
    assert set(govsvc.rows("pool", "&colour=red")) == {(number, 1)}
    assert set(govsvc.rows("pool", "&colour=yellow")) == {(other, 1)}
    assert set(govsvc.rows("pool", f"&q={other[:16]}")) == {(other, 1)}
    assert set(govsvc.rows("pool", "&q=受理")) == {(number, 1), (other, 1)}
    assert govsvc.rows("pool", "&q=户口") == {}


@pytest.mark.postgres  # a list query or a search: SQL that differs
def test_more_pages_come_as_the_rows_fragment(world: Flask) -> None:
    numbers = {apply(world) for _ in range(21)}
    govsvc = Person(world, "clerk_govsvc")
    page = govsvc.page("/work/tasks?list=pool")
    assert len(ROW.findall(page)) == 20
    more = re.search(r'hx-get="([^"]+)" hx-target="#more-rows"', page)
    assert more is not None
    fragment = govsvc.get(more.group(1).replace("&amp;", "&"), **{"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert "<html" not in text and 'id="more-rows"' not in text
    seen = {n for n, _, _ in ROW.findall(page)} | {n for n, _, _ in ROW.findall(text)}
    assert seen == numbers


def test_lists_refuse_strangers_unknown_lists_and_forged_tokens(world: Flask) -> None:
    assert Person(world, "designer").get("/work/tasks").status_code == 404
    assert Person(world, "designer").get("/work/notifications").status_code == 404
    govsvc = Person(world, "clerk_govsvc")
    assert govsvc.get("/work/tasks?list=everything").status_code == 404
    assert govsvc.get("/work/tasks?list=pool&after=yesterday~1").status_code == 400
    assert world.test_client().get("/work/tasks").status_code == 302  # to sign in


def test_tasks_and_cases_beyond_scope_are_not_found(world: Flask) -> None:
    near, far = apply(world, "110105"), apply(world, "440305")
    health, police = Person(world, "clerk_health"), Person(world, "clerk_police")
    supervisor = Person(world, "supervisor")
    for person in (health, police):
        assert person.get(f"/work/tasks/{near}/1").status_code == 404
        assert person.get(f"/work/cases/{near}").status_code == 404
        assert person.act(near, 1, "claim").status_code == 404
    assert supervisor.get(f"/work/tasks/{near}/1").status_code == 200
    assert supervisor.get(f"/work/tasks/{far}/1").status_code == 404  # outside 1101
    assert supervisor.get(f"/work/cases/{far}").status_code == 404
    govsvc = Person(world, "clerk_govsvc")
    assert govsvc.get(f"/work/tasks/{near}/99").status_code == 404
    assert govsvc.get("/work/tasks/0000/1").status_code == 404
    assert govsvc.get("/work/cases/0000").status_code == 404
    assert govsvc.act(near, 1, "explode").status_code == 404
    accepted(world, near)
    assert "出生信息联合核验" in health.page(f"/work/tasks/{near}/2")  # its pool now
    assert "联办总览" in health.page(f"/work/cases/{near}")


# --- the task page ----------------------------------------------------------------------

def test_the_task_page_shows_the_five_elements_application_history_and_diagram(
        world: Flask) -> None:
    number = apply(world)
    govsvc = accepted(world, number)
    health = Person(world, "clerk_health")
    page = health.page(f"/work/tasks/{number}/2")
    assert "依据" in page and "婴儿出生后一个月以内" in page  # the clause's text
    assert "目标" in page and "最多跑一次比例（目标值 95%）" in page
    assert "内容" in page and "出生医院分娩记录（必需）" in page
    assert "依赖" in page and "前置任务：受理（已完成）" in page
    assert "协调与反馈" in page and "2 个工作日" in page and "用时过 50% 黄色预警" in page
    assert "政务服务中心（科室负责人）" in page  # escalation
    assert "110105********002X" in page and "11010519491231002X" not in page  # masked
    assert "6222020200112233445" not in page
    assert "材料齐全，予以受理" in timeline(page)
    assert re.search(r'id="step-accept" class="step step-done"', page)
    assert re.search(r'id="step-joint_check" class="step step-active step-current"', page)
    assert re.search(r'id="step-certificate" class="step step-waiting"', page)
    assert open_actions(page) == {"claim"}
    assert "签收「受理」" in timeline(govsvc.page(f"/work/tasks/{number}/1"))


def test_english_pages_and_reasons(world: Flask) -> None:
    number = apply(world)
    govsvc = Person(world, "clerk_govsvc")
    govsvc.done(number, 1, "claim")
    assert "Basis" in govsvc.page(f"/work/tasks/{number}/1?lang=en")
    response = govsvc.client.post(f"/work/tasks/{number}/1/complete?lang=en",
                                  data={"csrf_token": govsvc.token(), "outcome": "reject"})
    assert response.status_code == 422
    assert field_error(response, "complete", "notice") == "Write the reason the applicant is told"
    response = govsvc.client.post(f"/work/tasks/{number}/1/complete?lang=en", data={
        "csrf_token": govsvc.token(), "outcome": "reject", "notice": "x"})
    assert response.status_code == 422  # an opinion, beside it, before the engine is asked
    assert field_error(response, "complete", "opinion") == (
        "Write an opinion when you do not approve")


# --- every action through HTTP ----------------------------------------------------------

def test_claim_complete_with_the_handler_form_and_withdraw(world: Flask) -> None:
    number = apply(world)
    govsvc = Person(world, "clerk_govsvc")
    page = govsvc.done(number, 1, "claim")
    assert "已签收。" in page and "钱受理（政务服务中心）" in page
    assert {"complete", "transfer", "extend", "copy"} <= open_actions(page)
    # The whole handler form, pickers too, by the fields' own template; not its decision
    # and opinion, which are the action's own outcome and opinion.
    assert 'name="transfer_to"' in page and 'name="handler"' in page
    assert 'name="decision"' not in page
    assert "证件编号" not in page  # the certificate step's field, not acceptance's
    bad = govsvc.act(number, 1, "complete", outcome="approve", opinion="好",
                     handler="not-a-person")
    assert bad.status_code == 422
    assert form_field_error(bad, "handler")
    assert ">好</textarea>" in bad.get_data(as_text=True)  # what was typed is kept
    page = govsvc.done(number, 1, "complete", outcome="approve", opinion="材料齐全")
    assert "已办理。" in page and "办理「受理」：同意" in timeline(page)
    assert open_actions(page) == {"withdraw"}
    page = govsvc.done(number, 1, "withdraw", reason="漏看一份材料")
    assert "撤回「受理」" in timeline(page)
    again = govsvc.task_no("todo", number, "受理")
    assert open_actions(govsvc.page(f"/work/tasks/{number}/{again}")) >= {"complete"}


def test_return_to_acceptance_with_a_reason(world: Flask) -> None:
    number = apply(world)
    govsvc = accepted(world, number)
    health = Person(world, "clerk_health")
    health.done(number, 2, "claim")
    refused = health.act(number, 2, "return", target="accept", reason=" ")
    assert refused.status_code == 422 and refusal(refused) == "退回须填写理由"
    page = health.done(number, 2, "return", target="accept", reason="母亲身份证号有误")
    assert "将「出生信息联合核验」退回到「受理」" in timeline(page)
    assert "母亲身份证号有误" in timeline(page)
    back = govsvc.task_no("todo", number, "受理")  # straight back to its previous handler
    assert "母亲身份证号有误" in timeline(govsvc.page(f"/work/tasks/{number}/{back}"))


def test_transfer_delegate_and_add_signer(world: Flask) -> None:
    number = apply(world)
    govsvc = Person(world, "clerk_govsvc")
    govsvc.done(number, 1, "claim")
    lead = Person(world, "lead_govsvc")
    page = govsvc.page(f"/work/tasks/{number}/1")
    assert "冯科长（政务服务中心）" in page and "周设计" not in page  # colleagues who act
    lead_id = re.search(r'<option value="([0-9]+)">冯科长', page)
    assert lead_id is not None
    page = govsvc.done(number, 1, "add_signer", user=lead_id.group(1), position="after",
                       note="请科长复核")
    assert "为「受理」加签冯科长（政务服务中心）（后加签）" in timeline(page)
    page = govsvc.done(number, 1, "delegate", user=lead_id.group(1), note="请代为核对")
    assert "将「受理」委派给冯科长（政务服务中心）" in timeline(page)
    assert (number, 1) in lead.rows("todo")
    page = lead.done(number, 1, "complete", outcome="approve", opinion="核对无误")
    assert "受委派办理「受理」完毕" in timeline(page)
    assert (number, 1) in govsvc.rows("todo")  # back with the delegator
    refused = govsvc.act(number, 1, "transfer", department="MARS", reason="x")
    assert refused.status_code == 422
    assert field_error(refused, "transfer", "department") == "请从列表中选择"
    response = govsvc.act(number, 1, "transfer", department="HEALTH", reason="应由卫健受理")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/work/tasks?done=transfer")  # not mine
    health = Person(world, "clerk_health")
    assert (number, 1) in health.rows("pool")
    assert "将「受理」转办给卫生健康委员会" in timeline(health.page(f"/work/tasks/{number}/1"))


def test_extension_requested_and_decided_by_the_lead(world: Flask) -> None:
    number = apply(world)
    govsvc = Person(world, "clerk_govsvc")
    govsvc.done(number, 1, "claim")
    refused = govsvc.act(number, 1, "extend", days="三", reason="等材料")
    assert refused.status_code == 422 and field_error(refused, "extend", "days") == "请填写整数"
    refused = govsvc.act(number, 1, "extend", days="99", reason="等材料")
    assert refused.status_code == 422 and refusal(refused) == "延期天数须为 1 到 30 个工作日"
    page = govsvc.done(number, 1, "extend", days="2", reason="等待医院回函")
    assert "申请「受理」延期 2 个工作日" in timeline(page)
    assert "extend" not in open_actions(page)
    lead = Person(world, "lead_govsvc")
    lead_page = lead.page(f"/work/tasks/{number}/1")
    assert {"decide_extension", "remind"} <= open_actions(lead_page)
    before = re.search(r"办理时限：([0-9: -]+)", lead_page)
    page = lead.done(number, 1, "decide_extension", decision="approve", note="同意")
    assert "「受理」延期申请：批准" in timeline(page)
    after = re.search(r"办理时限：([0-9: -]+)", page)
    assert before and after and after.group(1) > before.group(1)
    assert "decide_extension" not in open_actions(page)


def test_suspend_stops_the_clock_and_resume_moves_the_due_moment(world: Flask) -> None:
    number = apply(world)
    govsvc = Person(world, "clerk_govsvc")
    page = govsvc.done(number, 1, "claim")
    assert "suspend" in open_actions(page) and "resume" not in open_actions(page)
    refused = govsvc.act(number, 1, "suspend", reason=" ")
    assert refused.status_code == 422 and refusal(refused) == "挂起须填写理由"
    page = govsvc.done(number, 1, "suspend", reason="等待申请人补交出生医学证明")
    assert "挂起「受理」" in timeline(page)
    assert "挂起中（自 " in page and "时限暂停计算" in page
    assert open_actions(page) >= {"resume"} and "complete" not in open_actions(page)
    page = govsvc.done(number, 1, "resume", note="材料已补齐")
    assert "恢复「受理」" in timeline(page) and "挂起中" not in page
    assert "complete" in open_actions(page)


def test_remind_and_supervise_by_the_supervisor(world: Flask) -> None:
    number = apply(world)
    supervisor = Person(world, "supervisor")
    page = supervisor.page(f"/work/tasks/{number}/1")
    assert open_actions(page) == {"remind", "supervise"}
    refused = supervisor.act(number, 1, "supervise", note="")
    assert refused.status_code == 422 and refusal(refused) == "督办须填写理由"
    page = supervisor.done(number, 1, "remind", note="请尽快签收")
    assert "催办「受理」" in timeline(page) and "请尽快签收" in timeline(page)
    page = supervisor.done(number, 1, "supervise", note="列入督办")
    assert "督办「受理」" in timeline(page) and "督办中" in page
    assert Person(world, "clerk_govsvc").act(number, 1, "supervise",
                                             note="x").status_code == 409


def test_a_refusal_keeps_the_case_and_says_why_in_chinese(world: Flask) -> None:
    number = apply(world)
    govsvc = Person(world, "clerk_govsvc")
    govsvc.done(number, 1, "claim")
    stale = govsvc.act(number, 1, "claim")  # a second tab still offering 签收
    assert stale.status_code == 409
    assert refusal(stale) == "签收：此任务已待办，不能再签收"  # no 签收 form left to hold it
    assert 'id="action-complete"' in stale.get_data(as_text=True)  # the page, as it is now
    refused = govsvc.act(number, 1, "transfer", department="HEALTH", reason="")
    assert refused.status_code == 422 and refusal(refused) == "转办须填写理由"
    assert '<option value="HEALTH" selected>' in refused.get_data(as_text=True)
    page = govsvc.page(f"/work/tasks/{number}/1")
    assert "转办" not in timeline(page) and (number, 1) in govsvc.rows("todo")
    health = Person(world, "clerk_health")
    accepted_page = govsvc.done(number, 1, "complete", outcome="approve", opinion="同意")
    health.done(number, 2, "claim")
    late = govsvc.act(number, 1, "withdraw")
    assert late.status_code == 409 and refusal(late) == "撤回：下一步已开始办理，不能撤回"
    assert "撤回" not in timeline(govsvc.page(f"/work/tasks/{number}/1"))
    assert "withdraw" in open_actions(accepted_page)


def test_a_post_without_the_csrf_token_is_refused(world: Flask) -> None:
    number = apply(world)
    govsvc = Person(world, "clerk_govsvc")
    response = govsvc.client.post(f"/work/tasks/{number}/1/claim")
    assert response.status_code == 400
    assert "页面已过期或请求来源无法确认" in response.get_data(as_text=True)
    assert (number, 1) in govsvc.rows("pool")  # not claimed


# --- overview, messages, the citizen ----------------------------------------------------

def test_the_overview_shows_each_step_and_what_holds_the_case_up(world: Flask) -> None:
    number = apply(world)
    accepted(world, number)
    Person(world, "clerk_health").done(number, 2, "claim")
    set_due(world, number, 2, due_in=timedelta(hours=-3))
    set_due(world, number, 3, due_in=timedelta(hours=4), yellow_in=timedelta(hours=-1))
    page = Person(world, "lead_govsvc").page(f"/work/cases/{number}")
    accept = re.search(r'<tr id="line-accept".*?</tr>', page, re.S)
    check = re.search(r'<tr id="line-joint_check".*?</tr>', page, re.S)
    assert accept and "已完成" in accept.group(0) and "政务服务中心" in accept.group(0)
    assert check and "卫生健康委员会、公安局" in check.group(0)
    assert "王办事（卫健委）" in check.group(0) and "待签收" in check.group(0)
    assert "超期" in check.group(0)
    holding = re.search(r'<section class="card" id="holding-up">(.*?)</section>', page, re.S)
    assert holding is not None
    items = re.findall(r'<li class="holding">(.*?)</li>', holding.group(1), re.S)
    assert len(items) == 2 and "卫生健康委员会" in items[0] and "公安局" in items[1]
    assert "超期" in items[0] and "临期" in items[1]


def test_messages_are_counted_in_the_menu_and_marked_read(world: Flask) -> None:
    number = apply(world)
    govsvc = Person(world, "clerk_govsvc")
    page = govsvc.page("/work/notifications")
    assert f"新任务：受理（{number}）" in page
    assert re.search(r'id="unread-count">1<', page)
    found = re.search(r'name="id" value="([0-9]+)"', page)
    assert found is not None
    response = govsvc.client.post("/work/notifications/read",
                                  data={"csrf_token": govsvc.token(), "id": found.group(1)})
    assert response.status_code == 303
    page = govsvc.page("/work/notifications")
    assert 'id="unread-count"' not in page and "未读" not in page
    Person(world, "supervisor").done(number, 1, "remind", note="快")
    assert re.search(r'id="unread-count">1<', govsvc.page("/work/tasks"))
    govsvc.client.post("/work/notifications/read", data={"csrf_token": govsvc.token()})
    assert 'id="unread-count"' not in govsvc.page("/work/tasks")


def track(app: Flask, number: str) -> str:
    from runtime.store.submissions import Submission

    with store(app).sessions() as session:
        code = session.scalar(select(Submission.verification_code)
                              .where(Submission.tracking_no == number))
    client = app.test_client()
    token = CSRF.search(client.get("/track").get_data(as_text=True))
    assert token is not None
    response = client.post("/track", data={"no": number, "code": code,
                                           "csrf_token": token.group(1)})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_demo_clerks_take_a_case_from_acceptance_to_close(world: Flask) -> None:
    number = apply(world)
    progress = track(world, number)
    assert "受理：<strong>正在办理</strong>" in progress
    assert "出生户口登记：<strong>等待办理</strong>" in progress
    accepted(world, number)
    health, police = Person(world, "clerk_health"), Person(world, "clerk_police")
    for person, title in ((health, "出生信息联合核验"), (police, "出生信息联合核验"),
                          (health, "签发出生医学证明"), (police, "出生户口登记"),
                          (Person(world, "clerk_medins"), "医保参保登记"),
                          (Person(world, "clerk_hrss"), "社会保障卡申领"),
                          (Person(world, "clerk_govsvc"), "办结归档")):
        no = person.task_no("pool", number, title)
        person.done(number, no, "claim")
        page = person.done(number, no, "complete", outcome="approve", opinion=f"{title}完成")
        assert f"办理「{title}」：同意" in timeline(page)
    page = Person(world, "lead_govsvc").page(f"/work/cases/{number}")
    assert '<span id="case-status">已办结</span>' in page
    progress = track(world, number)
    assert "受理：<strong>已完成</strong>" in progress
    assert "社会保障卡申领：<strong>已完成</strong>" in progress
    assert "您的申请已受理" in progress and "社保卡已寄出" in progress
    assert "钱受理" not in progress and "王办事" not in progress  # no staff names


def test_an_internal_return_is_shown_to_the_citizen_as_in_progress(world: Flask) -> None:
    number = apply(world)
    accepted(world, number)
    health = Person(world, "clerk_health")
    health.done(number, 2, "claim")
    health.done(number, 2, "return", target="accept", reason="请补充父亲身份证")
    progress = track(world, number)
    assert 'id="status" class="status-in_progress">办理中<' in progress
    assert "待补正" not in progress and "请补充父亲身份证" not in progress
    assert 'id="correct-link"' not in progress
    assert "出生信息联合核验：<strong>等待办理</strong>" in progress
    assert "王办事" not in progress


# --- the parts on their own -------------------------------------------------------------

def test_every_command_has_one_entry_in_the_action_registry() -> None:
    assert list(registry.ACTIONS) == [command.name for command in COMMANDS]


def test_the_workbench_words_of_each_action_come_from_its_entry() -> None:
    fragments = Path(__file__).parents[2] / "runtime" / "web" / "templates" / "actions"
    for name, entry in registry.ACTIONS.items():
        assert (fragments / f"_{name}.html").is_file(), f"action {name!r} has no form"
        assert TEXT.format(f"act_{name}", "en") == entry.label("en")
        for happened, (zh, en) in entry.events.items():
            names = {n for _, n, _, _ in string.Formatter().parse(zh + en) if n}
            same = {n: f"<{n}>" for n in names}
            assert TEXT.format(f"ev_{happened}", "zh", **same) == zh.format(**same)
            assert TEXT.format(f"ev_{happened}", "en", **same) == en.format(**same)


def test_a_step_whose_dispatch_rule_fails_names_no_department_yet() -> None:
    class Plan:
        def parties(self, step_id: str, data: dict[str, Any], items: Any = None) -> list[Any]:
            raise FlowError("rule_no_department", step=step_id, source="dept")

    case = Case("p", 1, {}, steps={"s": StepState("s")})
    names = casepages.Names({})
    assert casepages.departments(Plan(), case, "s", names) == []  # type: ignore[arg-type]


def test_a_completion_reads_the_case_once_and_writes_it_once(world: Flask) -> None:
    number = apply(world)
    govsvc = Person(world, "clerk_govsvc")
    govsvc.done(number, 1, "claim")
    token = govsvc.token()
    sent: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(" ".join(statement.split()))

    engine = store(world).engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        response = govsvc.client.post(f"/work/tasks/{number}/1/complete", data={
            "csrf_token": token, "outcome": "approve", "opinion": "材料齐全"})
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert response.status_code == 303, refusal(response)
    assert response.headers["Location"].endswith(f"/work/tasks/{number}/1?done=complete")
    reads = [s for s in sent if s.startswith("SELECT") and " FROM cases " in s]
    assert len(reads) == 1, reads
    assert [s.split(" SET ")[0] for s in sent if s.startswith("UPDATE cases")] == [
        "UPDATE cases"]


def test_an_app_works_with_its_own_table_of_actions(world: Flask) -> None:
    world.extensions[workbench.ACTIONS_EXTENSION] = registry.build(
        entry for entry in registry.BUILT_IN if entry.name != "copy")
    number = apply(world)
    govsvc = Person(world, "clerk_govsvc")
    page = govsvc.done(number, 1, "claim")
    assert "complete" in open_actions(page) and "copy" not in open_actions(page)
    assert govsvc.act(number, 1, "copy", user="2").status_code == 404


def test_each_action_is_audited_under_its_own_name_with_address_and_browser(
        world: Flask) -> None:
    number = apply(world)
    supervisor, govsvc = Person(world, "supervisor"), Person(world, "clerk_govsvc")
    supervisor.client.environ_base.update(REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="Firefox/140")
    govsvc.client.environ_base.update(REMOTE_ADDR="10.4.5.6", HTTP_USER_AGENT="Edge/139")
    supervisor.done(number, 1, "remind", note="请尽快签收")
    supervisor.done(number, 1, "supervise", note="列入督办")
    govsvc.done(number, 1, "claim")
    with store(world).sessions() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.target_id == number)
                               .order_by(AuditEntry.id)).all()
        assert [(r.action, r.actor_kind, r.ip, r.user_agent) for r in rows] == [
            ("submission.create", "guest", "127.0.0.1", rows[0].user_agent),
            ("task.remind", "staff", "10.1.2.3", "Firefox/140"),
            ("task.supervise", "staff", "10.1.2.3", "Firefox/140"),
            ("task.claim", "staff", "10.4.5.6", "Edge/139")]
        assert rows[0].user_agent and rows[0].user_agent.startswith("Werkzeug/")
        assert [r.label("zh") for r in rows[1:]] == ["催办", "督办", "签收任务"]
        assert audit.verify(session).ok


def test_every_built_in_action_has_an_audit_name_with_words() -> None:
    names = [entry.audit_action for entry in registry.BUILT_IN]
    assert names == [f"task.{entry.name}" for entry in registry.BUILT_IN]
    assert set(names) <= set(audit.ACTIONS.codes())

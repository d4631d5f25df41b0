"""The shipped 12345 pack (scenario_packs/hotline_12345) in the test database, imported
beside the birth pack: a web complaint dispatched to the department the table picks, claimed,
handled within its type's limit (13 working days; urgent the same working day), replied to,
revisited dissatisfied, redone once by the same department and revisited satisfied; a second
dissatisfaction goes to supervision (督办). The exceptions: a return after the 2-working-day
window is refused, one within it is re-dispatched elsewhere; an order unclaimed for a working
day is flagged; the hotline, not the department, decides an extension; an overdue order is
escalated to the hotline lead; a suspended order's clock stands still. Over HTTP: the phone
intake only opens to hotline staff, and the dispatcher works its dispatch on the workbench."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from store.casework import BIRTH, act, events, notifications, publish, staff, tasks
from web.test_pickers import sign_in, token
from web.test_workbench import Person

from runtime import worker
from runtime.access import Visibility
from runtime.casework.submissions import Application, submit
from runtime.definitions.spec import FormSpec
from runtime.demo import seed_demo
from runtime.flows import actions, stored
from runtime.flows.deadlines import due_after, due_by, extended
from runtime.flows.errors import FlowError
from runtime.packs import check_path
from runtime.providers import default_field_types
from runtime.store import cases
from runtime.store.cases import CaseRow
from runtime.store.queries import latest_definition
from runtime.store.scoping import scope_filter
from runtime.store.submissions import Submission
from runtime.web.database import store
from templates_lib import TASK_TEMPLATES

PACK = Path(__file__).parents[2] / "scenario_packs" / "hotline_12345"
DISPATCHER = staff(1, "HOTLINE", "dispatcher")
CALLBACK = staff(2, "HOTLINE")
LEAD = staff(3, "HOTLINE", "lead")
HOUSING = staff(4, "HOUSING")
MARKET = staff(5, "MARKET")
HOUSING_LEAD = staff(6, "HOUSING", "lead")
CHINA = timedelta(hours=8)
COMPLAINT = {"category": "complaint", "topic": "housing", "urgent": False, "district": "110101",
             "address": "东城区和平里街道某小区 3 号楼", "content": "楼道照明坏了两个月，物业不修。",
             "caller_name": "李明", "caller_mobile": "13800138000"}


# What each handler form records when a test does not say (every field, None where empty).
RECORDED = {"dispatch": {"assign_to": None},
            "handle": {"result": "solved", "reason": None},
            "reply": {"method": "phone"}}


@pytest.fixture
def hotline(session: Session) -> Session:
    publish(session, TASK_TEMPLATES)  # the library pack whose form the supervision uses
    publish(session, BIRTH)  # `make run` imports every pack: ours beside the birth pack
    publish(session, PACK)
    return session


def web_order(session: Session, key: str = "w1", **changes: Any) -> CaseRow:
    """Submit the public web form as a guest would, computes and tables included."""
    row = latest_definition(session, "Form", "hl_web_intake")
    assert row is not None and isinstance(row.spec, FormSpec)
    assert row.spec.audience.who == "public"
    done = submit(session, Application(row.spec, {**COMPLAINT, **changes}, key),
                  default_field_types())
    assert done.receipt is not None, done.validation.errors
    return session.scalars(select(CaseRow)
                           .where(CaseRow.tracking_no == done.receipt.tracking_no)).one()


def only(session: Session, case: CaseRow, step: str) -> Any:
    [task] = [t for t in tasks(session, case.id, step) if t.status in ("open", "claimed")]
    return task


def handle(session: Session, case: CaseRow, step: str, who: actions.Staff,
           data: dict[str, Any] | None = None, now: datetime | None = None) -> None:
    task = only(session, case, step)
    no = task.no
    if task.user_id is None:  # in the pool; a step run again goes straight to its holder
        act(session, case.id, who, actions.claim, no, now=now)
    act(session, case.id, who, actions.complete, no, opinion="已办理",
        data=RECORDED.get(step) if data is None else data, now=now)


def step_status(session: Session, case: CaseRow) -> dict[str, str]:
    session.refresh(case)
    return {k: v.status for k, v in stored.steps_of(case.steps).items()}


def china_day_end(moment: datetime) -> datetime:
    """The end of the China day `moment` falls on, in UTC."""
    day = (moment.astimezone(UTC) + CHINA).date()
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1) - CHINA


def test_the_pack_checks_clean_and_imports_beside_the_birth_pack(hotline: Session) -> None:
    assert check_path(PACK).ok
    phone = latest_definition(hotline, "Form", "hl_phone_intake")
    assert phone is not None and isinstance(phone.spec, FormSpec)
    assert (phone.spec.audience.who, phone.spec.audience.departments) == ("staff", ("HOTLINE",))


@pytest.mark.postgres  # the whole main path on both databases
def test_a_web_complaint_runs_from_dispatch_to_a_satisfied_revisit(hotline: Session) -> None:
    case = web_order(hotline)
    assert case.process_id == "hl_order_web"
    dispatch = only(hotline, case, "dispatch")
    assert (dispatch.department, dispatch.role) == ("HOTLINE", "dispatcher")
    handle(hotline, case, "dispatch", DISPATCHER)

    order = only(hotline, case, "handle")  # housing → 住建局, as the dispatch table says
    assert (order.department, order.role, order.user_id) == ("HOUSING", "clerk", None)
    created = cases.aware(order.created_at)
    due = cases.aware(order.due_at)
    assert due == due_after(created, 13)  # a complaint: 13 working days, from the limit table
    assert due - created >= timedelta(days=13 + 2 * 2)  # with its weekends at least
    assert due == china_day_end(due - timedelta(seconds=1))  # the end of a China day
    handle(hotline, case, "handle", HOUSING)

    reply = only(hotline, case, "reply")
    assert reply.department == "HOUSING"  # whoever handled it replies
    handle(hotline, case, "reply", HOUSING)
    revisit = only(hotline, case, "revisit")
    assert (revisit.department, cases.aware(revisit.due_at)) == (
        "HOTLINE", due_after(cases.aware(revisit.created_at), 1))  # the next working day
    handle(hotline, case, "revisit", CALLBACK,
           data={"reached": True, "solved": False, "satisfied": False, "note": "灯仍未修"})

    redo = only(hotline, case, "handle")  # the route sends it back to the department
    assert (redo.department, redo.round) == ("HOUSING", 2)
    assert redo.user_id == HOUSING.user_id  # to whoever handled it before
    assert step_status(hotline, case)["revisit"] == "waiting"
    act(hotline, case.id, HOUSING, actions.complete, redo.no, opinion="已督促物业更换灯具",
        data=RECORDED["handle"])
    handle(hotline, case, "reply", HOUSING)
    handle(hotline, case, "revisit", CALLBACK,
           data={"reached": True, "solved": True, "satisfied": True, "note": None})

    assert step_status(hotline, case) == {"dispatch": "done", "handle": "done", "reply": "done",
                                          "revisit": "done", "supervise": "skipped"}
    assert case.status == "done"


def test_dissatisfied_again_after_the_redo_goes_to_supervision(hotline: Session) -> None:
    case = web_order(hotline, topic="market", category="request")
    handle(hotline, case, "dispatch", DISPATCHER)
    assert only(hotline, case, "handle").department == "MARKET"
    unhappy = {"reached": True, "solved": False, "satisfied": False, "note": "不满意"}
    for _ in range(2):  # the first time redone, the second time the route is used up
        handle(hotline, case, "handle", MARKET)
        handle(hotline, case, "reply", MARKET)
        handle(hotline, case, "revisit", CALLBACK, data=unhappy)
    supervise = only(hotline, case, "supervise")
    assert (supervise.department, supervise.role) == ("HOTLINE", "lead")
    handle(hotline, case, "supervise", LEAD)
    assert step_status(hotline, case)["supervise"] == "done"


def test_an_urgent_order_is_due_the_same_working_day(hotline: Session) -> None:
    case = web_order(hotline, urgent=True)
    handle(hotline, case, "dispatch", DISPATCHER)
    order = only(hotline, case, "handle")
    # the end of the day it came in, or of the next working day when it came on a rest day
    assert cases.aware(order.due_at) == due_by(cases.aware(order.created_at), "working_days", 0)


def test_a_return_after_the_return_window_is_refused(hotline: Session) -> None:
    case = web_order(hotline)
    handle(hotline, case, "dispatch", DISPATCHER)
    order = only(hotline, case, "handle")
    late = due_after(cases.aware(order.created_at), 2) + timedelta(hours=1)
    act(hotline, case.id, HOUSING, actions.claim, order.no, now=late)
    with pytest.raises(FlowError) as refused:
        act(hotline, case.id, HOUSING, actions.return_to, order.no, "dispatch",
            "不属本单位职责", now=late)
    assert refused.value.code == "return_window"
    assert "return_within：2 个工作日" in refused.value.message("zh")
    assert only(hotline, case, "handle").user_id == HOUSING.user_id  # nothing changed
    assert step_status(hotline, case)["dispatch"] == "done"


def test_a_return_within_the_window_goes_back_to_the_dispatcher_who_redispatches(
        hotline: Session) -> None:
    case = web_order(hotline)
    handle(hotline, case, "dispatch", DISPATCHER)
    order = only(hotline, case, "handle")
    act(hotline, case.id, HOUSING, actions.claim, order.no)
    act(hotline, case.id, HOUSING, actions.return_to, order.no, "dispatch",
        "属市场监管职责（《消费者权益保护法》）")
    handle(hotline, case, "dispatch", DISPATCHER, data={"assign_to": "MARKET"})
    assert only(hotline, case, "handle").department == "MARKET"


def claimed_order(session: Session) -> tuple[CaseRow, Any]:
    case = web_order(session)
    handle(session, case, "dispatch", DISPATCHER)
    order = only(session, case, "handle")
    act(session, case.id, HOUSING, actions.claim, order.no)
    return case, order


def test_the_hotline_decides_an_extension_not_the_handling_department(hotline: Session) -> None:
    case, order = claimed_order(hotline)
    due = cases.aware(order.due_at)
    act(hotline, case.id, HOUSING, actions.request_extension, order.no, 5, "需等待检测报告")
    with pytest.raises(FlowError) as refused:  # 承办部门不能审批本部门的延期申请
        act(hotline, case.id, HOUSING_LEAD, actions.decide_extension, order.no, True)
    assert refused.value.code == "own_department_extension"
    act(hotline, case.id, LEAD, actions.decide_extension, order.no, True, "同意延期")
    assert cases.aware(only(hotline, case, "handle").due_at) == extended(due, 5)


def test_an_overdue_order_is_escalated_to_the_hotline_lead(hotline: Session) -> None:
    case, order = claimed_order(hotline)
    due = cases.aware(order.due_at)
    worker.run_once(hotline, "w1", now=due + timedelta(seconds=1))
    assert events(hotline, "escalate", case.id) == 1
    [escalated] = notifications(hotline, "task.escalated", case.id)
    assert (escalated.department, escalated.role) == ("HOTLINE", "lead")
    assert only(hotline, case, "handle").escalated


def test_the_call_taker_enters_a_phone_order_which_the_public_may_not_open(
        app: Flask, publish: Any) -> None:
    publish(TASK_TEMPLATES)
    publish(BIRTH)
    publish(PACK)
    with store(app).sessions() as session:
        seed_demo(session, env="testing")
    guest = app.test_client()
    services = guest.get("/services").get_data(as_text=True)
    assert set(re.findall(r'href="/forms/(hl_[a-z_]+)"', services)) == {"hl_web_intake"}
    assert guest.get("/forms/hl_phone_intake").headers["Location"].startswith("/auth/login")
    clerk = app.test_client()
    sign_in(clerk, "clerk_health")  # staff, but not of the hotline
    assert clerk.get("/forms/hl_phone_intake").status_code == 403
    taker = app.test_client()
    sign_in(taker, "dispatcher")
    posted = taker.post("/forms/hl_phone_intake", data={
        **{k: ("false" if v is False else v) for k, v in COMPLAINT.items()},
        "topic": "environment", "call_id": "REC-20261203-0007",
        "csrf_token": token(taker, "/forms/hl_phone_intake"), "_key": "p1"})
    assert posted.status_code == 303, posted.get_data(as_text=True)[:2000]
    with store(app).sessions() as session:
        case = session.scalars(select(CaseRow)).one()
        assert case.process_id == "hl_order_phone"
    dispatcher = Person(app, "dispatcher")  # works the dispatch task on the workbench
    page = dispatcher.done(case.tracking_no, 1, "claim")
    assert 'name="assign_to"' in page  # the handler form's department picker
    offered = re.findall(r'<input type="radio" name="outcome" value="(\w+)"> (\S+)</label>', page)
    assert offered == [("approve", "派出")]  # the dispatch record offers no 不同意
    dispatcher.done(case.tracking_no, 1, "complete", outcome="approve", opinion="派生态环境局")
    with store(app).sessions() as session:
        case = session.scalars(select(CaseRow)).one()
        assert only(session, case, "handle").department == "ECO"  # pollution → 生态环境局


def test_an_order_left_unclaimed_past_one_working_day_is_flagged_once(hotline: Session) -> None:
    case = web_order(hotline)
    handle(hotline, case, "dispatch", DISPATCHER)
    order = only(hotline, case, "handle")
    window = due_after(cases.aware(order.created_at), 1)  # claim_within: 1 working day
    worker.run_once(hotline, "w1", now=window - timedelta(seconds=1))
    assert events(hotline, "warning.claim", case.id) == 0
    worker.run_once(hotline, "w1", now=window + timedelta(seconds=1))
    worker.run_once(hotline, "w1", now=window + timedelta(seconds=2))
    assert events(hotline, "warning.claim", case.id) == 1
    told = {(n.department, n.role) for n in notifications(hotline, "task.claim_late", case.id)}
    assert told == {("HOUSING", "clerk"), ("HOTLINE", "lead")}  # its pool and the hotline lead


def test_a_suspended_order_waits_for_a_test_result_without_going_overdue(
        hotline: Session) -> None:
    case, order = claimed_order(hotline)
    due = cases.aware(order.due_at)
    act(hotline, case.id, HOUSING, actions.suspend, order.no, "等待房屋安全鉴定报告")
    worker.run_once(hotline, "w1", now=due + timedelta(seconds=1))
    assert events(hotline, "escalate", case.id) == 0  # its clock stands still
    act(hotline, case.id, HOUSING, actions.resume, order.no, "鉴定报告已出",
        now=due + timedelta(days=1))
    assert cases.aware(only(hotline, case, "handle").due_at) > due + timedelta(days=1)


def test_an_order_belongs_to_its_district(hotline: Session) -> None:
    """The order's district is its region (the form's `region: district`): a region-scoped
    supervisor of the city, or of that district, reaches it; one of the other district not."""
    east, west = web_order(hotline, "e1"), web_order(hotline, "w1", district="110102")
    assert (east.region_code, west.region_code) == ("110101", "110102")
    submitted = hotline.scalars(select(Submission.region_code).where(
        Submission.tracking_no == east.tracking_no)).one()
    assert submitted == "110101"
    for regions, seen in (({"1101"}, {east.id, west.id}), ({"110102"}, {west.id})):
        where = scope_filter(Visibility(region_prefixes=frozenset(regions)),
                             department=CaseRow.department_code, region=CaseRow.region_code)
        assert set(hotline.scalars(select(CaseRow.id).where(where))) == seen

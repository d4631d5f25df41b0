"""Each role's journey in a real browser at a desktop's 1366x768 and a phone's 390x844: the
citizen applies for the birth service from the start page and tracks it; a clerk claims and
completes acceptance (a click with no outcome chosen completes nothing); the dispatcher
dispatches a 12345 order; the supervisor, the department lead, the administrator and the
auditor land on their own page and reach their work. Each asserts what a person sees, no
console error, and saves a screenshot per stop in the test's tmp dir (CI keeps them)."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy import select

from runtime.casework.submissions import Application, submit
from runtime.definitions.spec import FormSpec
from runtime.packs import check_path
from runtime.providers import default_field_types
from runtime.store.db import session_factory
from runtime.store.publish import publish_pack
from runtime.store.queries import latest_definition
from runtime.store.submissions import Submission
from templates_lib import TASK_TEMPLATES

from .conftest import LiveServer
from .test_citizen_form import ANSWER, fill_the_first_two_pages
from .test_what_people_see import sized_page  # noqa: F401  (a fixture)
from .test_workbench import applied, open_task, signed_in

HOTLINE = Path(__file__).parents[2] / "scenario_packs" / "hotline_12345"
COMPLAINT = {"category": "complaint", "topic": "housing", "urgent": False, "district": "110101",
             "address": "东城区和平里街道某小区 3 号楼", "content": "楼道照明坏了两个月，物业不修。",
             "caller_name": "李明", "caller_mobile": "13800138000"}


def shot(page: Page, tmp_path: Path, name: str, size: str) -> None:
    """The whole page, and what the screen shows (a person's first look)."""
    page.screenshot(path=tmp_path / f"{name}-{size}.png", full_page=True)
    page.screenshot(path=tmp_path / f"{name}-{size}-screen.png")


def test_the_citizen_applies_from_the_start_page_and_tracks_it(
        sized_page, live_server: LiveServer, tmp_path: Path) -> None:  # noqa: F811
    size, open_page, errors = sized_page
    page = open_page()
    page.goto("/")
    shot(page, tmp_path, "citizen-start", size)
    page.locator("main").get_by_role("link", name=re.compile("办事|事项")).first.click()
    page.get_by_role("link", name="新生儿出生“一件事”联办申请").click()
    expect(page.locator("ol.steps [aria-current=step]")).to_have_text("新生儿信息")
    fill_the_first_two_pages(page)
    page.fill("#in-bank_account", ANSWER["bank_account"])
    shot(page, tmp_path, "citizen-form-page3", size)
    page.get_by_role("button", name="提交", exact=True).click()
    number = page.locator("#tracking-no")
    expect(number).to_have_text(re.compile(r"^[0-9]{16}$"))
    code = page.locator("#verification-code").inner_text()
    shot(page, tmp_path, "citizen-receipt", size)
    page.emulate_media(media="print")  # the receipt on paper: its numbers, not the site
    expect(page.locator(".site-header")).to_be_hidden()
    expect(number).to_be_visible()
    expect(page.locator("#verification-code")).to_be_visible()
    page.screenshot(path=tmp_path / f"citizen-receipt-print-{size}.png", full_page=True)
    page.emulate_media(media="screen")
    tracking_no = number.inner_text()
    page.goto("/")
    page.locator("main").get_by_role("link", name=re.compile("查询")).first.click()
    page.fill("#no", tracking_no)
    page.fill("#code", code)
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#status")).to_have_text("已提交")
    expect(page.locator("main")).to_contain_text("受理")
    for target in page.locator("main input:not([type=hidden]), main button").all():
        box = target.bounding_box()
        assert box is not None and box["height"] >= 44, (size, target.get_attribute("id"), box)
    shot(page, tmp_path, "citizen-tracking", size)
    assert errors == []


def test_a_clerk_claims_and_completes_acceptance(
        sized_page, live_server: LiveServer, tmp_path: Path) -> None:  # noqa: F811
    size, open_page, errors = sized_page
    number = applied(live_server)
    clerk = signed_in(open_page(), "clerk_govsvc")
    expect(clerk).to_have_url(re.compile(r"/work/tasks$"))
    shot(clerk, tmp_path, "clerk-home", size)
    open_task(clerk, "部门待签收", number, "受理")
    clerk.locator("#action-claim").get_by_role("button").click()
    expect(clerk.locator("#done")).to_have_text("已签收。")
    form = clerk.locator("#action-complete")
    expect(form.get_by_label("通过", exact=True)).not_to_be_checked()
    form.get_by_role("button", name="办理").click()  # one click: nothing chosen
    expect(clerk.locator("#error-complete-outcome")).to_have_text("请选择办理结果")
    shot(clerk, tmp_path, "clerk-no-outcome", size)
    form = clerk.locator("#action-complete")
    form.get_by_label("通过", exact=True).check()
    form.get_by_label(re.compile("^意见")).fill("材料齐全，予以受理")
    form.get_by_role("button", name="办理").click()
    expect(clerk.locator("#done")).to_have_text("已办理。")
    expect(clerk.locator("#timeline")).to_contain_text("材料齐全，予以受理")
    shot(clerk, tmp_path, "clerk-done", size)
    assert [e for e in errors if "status of 422" not in e] == []  # the refusal is a 422


def test_the_dispatcher_dispatches_a_12345_order(
        sized_page, live_server: LiveServer, tmp_path: Path) -> None:  # noqa: F811
    size, open_page, errors = sized_page
    applied(live_server)  # the demo organisation
    with session_factory(live_server.engine)() as session:
        publish_pack(session, check_path(TASK_TEMPLATES))  # the library the pack requires
        publish_pack(session, check_path(HOTLINE))
        row = latest_definition(session, "Form", "hl_web_intake")
        assert row is not None and isinstance(row.spec, FormSpec)
        done = submit(session, Application(row.spec, COMPLAINT, "browser-order"),
                      default_field_types())
        assert done.receipt is not None
        number = done.receipt.tracking_no
    dispatcher = signed_in(open_page(), "dispatcher")
    expect(dispatcher).to_have_url(re.compile(r"/work/tasks"))
    shot(dispatcher, tmp_path, "dispatcher-home", size)
    open_task(dispatcher, "部门待签收", number, "派单")
    dispatcher.locator("#action-claim").get_by_role("button").click()
    form = dispatcher.locator("#action-complete")
    form.get_by_label("派出", exact=True).check()  # the dispatch form's own word
    form.get_by_label(re.compile("^意见")).fill("按派单规则派住建局")
    form.get_by_role("button", name="办理").click()
    expect(dispatcher.locator("#done")).to_have_text("已办理。")
    expect(dispatcher.locator("#timeline")).to_contain_text("按派单规则派住建局")
    shot(dispatcher, tmp_path, "dispatcher-done", size)
    assert errors == []


def test_supervisor_lead_admin_and_auditor_land_on_their_work(
        sized_page, live_server: LiveServer, tmp_path: Path) -> None:  # noqa: F811
    size, open_page, errors = sized_page
    number = applied(live_server)
    supervisor = signed_in(open_page(), "supervisor")  # a leader: the dashboards first
    expect(supervisor).to_have_url(re.compile(r"/dashboards/"))
    supervisor.locator("#to-workbench").click()
    expect(supervisor).to_have_url(re.compile(r"/work/tasks"))
    expect(supervisor.locator("h1")).to_have_text("工作台")
    supervisor.goto(f"/work/cases/{number}")
    expect(supervisor.locator("main")).to_contain_text("受理")
    shot(supervisor, tmp_path, "supervisor-case", size)
    lead = signed_in(open_page(), "lead_govsvc")
    expect(lead).to_have_url(re.compile(r"/dashboards/"))
    shot(lead, tmp_path, "lead-dashboards", size)
    lead.locator("#to-workbench").click()
    expect(lead).to_have_url(re.compile(r"/work/tasks"))
    expect(lead.locator(f'tr[id^="task-{number}-"]')).to_have_count(0)  # not overdue
    lead.locator("#menu-workbench").click()
    shot(lead, tmp_path, "lead-home", size)
    admin = signed_in(open_page(), "admin")
    expect(admin).to_have_url(re.compile(r"/admin/people"))
    expect(admin.locator("main")).to_contain_text("clerk_govsvc")
    admin.locator("#menu-jobs").click()
    expect(admin).to_have_url(re.compile(r"/admin/jobs"))
    shot(admin, tmp_path, "admin-jobs", size)
    auditor = signed_in(open_page(), "auditor")
    expect(auditor).to_have_url(re.compile(r"/admin/audit"))
    expect(auditor.locator("main table")).to_contain_text("登录")
    shot(auditor, tmp_path, "auditor-home", size)
    with live_server.engine.connect() as connection:
        assert connection.scalar(select(Submission.tracking_no)) == number
    assert errors == []

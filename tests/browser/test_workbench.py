"""Clerks of three departments work one birth case in real browsers: the service centre
accepts it, health returns it to acceptance with a reason, the centre sees it back in its
to-do with the reason in the history and accepts again, health claims its check from its pool
again and completes it, and the police clerk finds the joint check in the pool with the
others' opinions in the timeline."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

from playwright.sync_api import Page, expect

from runtime.casework.submissions import submit_validated as submit
from runtime.demo import DEMO_PASSWORD, seed_demo
from runtime.store.db import session_factory
from runtime.store.queries import latest_definition

from .conftest import LiveServer

# Within the birth pack's one-month eligibility rule, whatever day the tests run.
RECENT_BIRTH = (date.today() - timedelta(days=3)).isoformat()
APPLICATION = {
    "child_name": "王小明", "child_gender": "M", "birth_date": RECENT_BIRTH,
    "hospital": "市妇幼保健院", "mother_name": "李丽", "mother_id": "11010519491231002X",
    "contact_mobile": "13812345678", "residence": "110105", "enrol_insurance": True,
    "need_ss_card": False,
}
REASON = "母亲身份证号与出生医学记录不一致，请申请人补正"


def test_three_departments_work_one_case(live_server: LiveServer,
                                         new_page: Callable[[], Page]) -> None:
    number = applied(live_server)
    govsvc = signed_in(new_page(), "clerk_govsvc")
    open_task(govsvc, "部门待签收", number, "受理")
    act(govsvc, "claim")
    complete(govsvc, "材料齐全，予以受理")

    health = signed_in(new_page(), "clerk_health")
    open_task(health, "部门待签收", number, "出生信息联合核验")
    act(health, "claim")
    form = health.locator("#action-return")
    form.get_by_label("退回到").select_option(label="受理")
    form.get_by_role("button", name="退回").click()
    expect(health.locator("#error-return")).to_have_text("退回须填写理由")  # refused, kept
    form = health.locator("#action-return")
    form.get_by_label("理由").fill(REASON)
    form.get_by_role("button", name="退回").click()
    expect(health.locator("#done")).to_have_text("已退回。")
    expect(health.locator("#timeline")).to_contain_text("将「出生信息联合核验」退回到「受理」")

    open_task(govsvc, "我的待办", number, "受理")
    expect(govsvc.locator("#timeline")).to_contain_text(REASON)
    expect(govsvc.locator("#step-accept")).to_contain_text("办理中")
    complete(govsvc, "已请申请人补正，材料齐全")

    # The department that returned the case finds its step in its pool again, as documented.
    open_task(health, "部门待签收", number, "出生信息联合核验")
    act(health, "claim")
    complete(health, "分娩记录与申请一致")
    expect(health.locator("#step-joint_check")).to_contain_text("办理中")  # police to sign

    police = signed_in(new_page(), "clerk_police")
    open_task(police, "部门待签收", number, "出生信息联合核验")
    timeline = police.locator("#timeline")
    expect(timeline).to_contain_text("钱受理（政务服务中心）")
    expect(timeline).to_contain_text("意见：已请申请人补正，材料齐全")
    expect(timeline).to_contain_text("王办事（卫健委）")
    expect(timeline).to_contain_text("意见：分娩记录与申请一致")
    expect(police.locator("#action-claim")).to_be_visible()
    expect(police.locator("#action-complete")).to_have_count(0)  # only what is open now


def applied(server: LiveServer) -> str:
    """The demo organisation, and one application submitted through the store."""
    with session_factory(server.engine)() as session:
        seed_demo(session, env="testing")
        form = latest_definition(session, "Form", "birth_apply")
        assert form is not None
        receipt = submit(session, form=form.spec, data=APPLICATION,  # type: ignore[arg-type]
                         idempotency_key="browser-workbench", region_code="110105")
    return receipt.tracking_no


def signed_in(page: Page, username: str) -> Page:
    page.goto("/auth/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#user-menu")).to_contain_text("退出登录")
    return page


def open_task(page: Page, tab: str, number: str, title: str) -> None:
    """From the menu to the workbench, the tab, and the task's row."""
    page.locator("#menu-workbench").click()
    page.locator(".tabs").get_by_role("link", name=tab, exact=True).click()
    expect(page.locator(".tabs [aria-current=page]")).to_have_text(tab)
    row = page.locator(f'tr[id^="task-{number}-"]', has_text=title)
    expect(row).to_have_count(1)
    row.locator("a.task-link").click()
    expect(page.locator("h1")).to_contain_text(title)


def act(page: Page, action: str) -> None:
    page.locator(f"#action-{action}").get_by_role("button").click()
    expect(page.locator("#done")).to_be_visible()


def complete(page: Page, opinion: str) -> None:
    form = page.locator("#action-complete")
    form.get_by_label("通过", exact=True).check()  # the handler form's own word
    form.get_by_label("意见").fill(opinion)
    form.get_by_role("button", name="办理").click()
    expect(page.locator("#done")).to_have_text("已办理。")
    expect(page.locator("#timeline")).to_contain_text(re.compile(f"意见：{opinion}"))

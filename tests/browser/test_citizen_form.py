"""A citizen fills the birth form in a real browser: the error summary moves focus, a table
row is added, a conditional field hides and shows through htmx, a draft is resumed by another
person, a double submit makes one submission, and the receipt's number tracks the case."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from runtime.store.submissions import Submission
from tests.browser.conftest import LiveServer

pytest.importorskip("playwright")  # the conftest decides whether its absence fails

from playwright.sync_api import Page, expect  # noqa: E402

ANSWER = {"child_name": "王小明", "hospital": "市妇幼保健院", "mother_name": "李丽",
          "mother_id": "11010519491231002X", "contact_mobile": "13812345678",
          "residence": "110105", "guardian": "张三", "bank_account": "6222020200112233445"}


def test_a_citizen_applies_saves_resumes_submits_and_tracks(
        new_page: Callable[[], Page], live_server: LiveServer) -> None:
    page = new_page()
    open_the_form(page)
    empty_page_shows_errors_that_move_focus(page)
    fill_the_first_two_pages(page)
    the_bank_account_follows_the_card_choice(page)
    resumed = new_page()
    resumed.goto(save_draft(page))
    expect(resumed.locator("#in-child_name")).to_have_value(ANSWER["child_name"])
    for _ in range(2):
        click_step(resumed, "下一步")
    expect(resumed.locator("#in-bank_account")).to_have_value(ANSWER["bank_account"])
    number, code = submit_twice(resumed)
    with live_server.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Submission)) == 1
    track(resumed, number, code)


def open_the_form(page: Page) -> None:
    page.goto("/services")
    page.get_by_role("link", name="新生儿出生一件事联办申请").click()
    expect(page).to_have_url(re.compile(r"/forms/birth_apply$"))
    expect(page.locator("ol.steps [aria-current=step]")).to_have_text("新生儿信息")


def empty_page_shows_errors_that_move_focus(page: Page) -> None:
    page.get_by_role("button", name="下一步").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("请填写「出生日期」")
    expect(summary).not_to_contain_text("母亲姓名")  # later pages wait for their turn
    summary.get_by_role("link", name="请填写「新生儿姓名」").click()
    expect(page.locator("#in-child_name")).to_be_focused()
    assert page.evaluate("document.activeElement.id") == "in-child_name"


def fill_the_first_two_pages(page: Page) -> None:
    page.fill("#in-child_name", ANSWER["child_name"])
    page.get_by_role("radio", name="男").check()
    page.fill("#in-birth_date", (date.today() - timedelta(days=3)).isoformat())
    page.fill("#in-hospital", ANSWER["hospital"])
    click_step(page, "下一步")
    expect(page.locator("ol.steps [aria-current=step]")).to_have_text("父母信息")
    expect(page.locator("#error-summary")).to_have_count(0)
    page.fill("#in-mother_name", ANSWER["mother_name"])
    page.fill("#in-mother_id", ANSWER["mother_id"])
    page.fill("#in-contact_mobile", ANSWER["contact_mobile"])
    page.fill("#in-residence", ANSWER["residence"])
    page.get_by_role("button", name="添加一行").click()
    row = page.locator('input[name="guardians[0].guardian_name"]')
    expect(row).to_be_visible()
    expect(page.locator("#in-mother_name")).to_have_value(ANSWER["mother_name"])  # kept
    row.fill(ANSWER["guardian"])
    click_step(page, "下一步")
    expect(page.locator("ol.steps [aria-current=step]")).to_have_text("联办事项")


def the_bank_account_follows_the_card_choice(page: Page) -> None:
    card = page.locator("#f-need_ss_card")
    bank = page.locator("#f-bank_account")
    expect(card.get_by_role("radio", name="是")).to_be_checked()
    expect(bank).to_be_visible()
    card.get_by_role("radio", name="否").check()
    expect(bank).to_be_hidden()  # swapped in by htmx: no reload
    card.get_by_role("radio", name="是").check()
    expect(bank).to_be_visible()
    page.fill("#in-bank_account", ANSWER["bank_account"])


def save_draft(page: Page) -> str:
    page.get_by_role("button", name="保存草稿").click()
    link = page.locator("#resume-link")
    expect(link).to_have_attribute("href", re.compile(r"/drafts/"))
    href = link.get_attribute("href")
    assert href is not None
    return href


def click_step(page: Page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()
    expect(page.locator("#error-summary")).to_have_count(0)


def submit_twice(page: Page) -> tuple[str, str]:
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.get_by_role("button", name="提交", exact=True).dblclick()
    number = page.locator("#tracking-no")
    expect(number).to_have_text(re.compile(r"^[0-9]{16}$"))
    code = page.locator("#verification-code")
    expect(code).to_have_text(re.compile(r"^[0-9]{6}$"))
    assert len([u for u in posts if u.endswith("/forms/birth_apply")]) == 2
    return number.inner_text(), code.inner_text()


def track(page: Page, number: str, code: str) -> None:
    page.goto("/track")
    page.fill("#no", number)
    page.fill("#code", code)
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#status")).to_have_text("已提交，待受理")

"""A citizen fills the birth form in a real browser: the error summary moves focus, a table
row is added, a conditional field hides and shows through htmx, a draft is resumed by another
person, a double submit makes one submission, and the receipt's number tracks the case."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

from playwright.sync_api import Page, expect

ANSWER = {"child_name": "王小明", "hospital": "市妇幼保健院", "mother_name": "李丽",
          "mother_id": "11010519491231002X", "contact_mobile": "13812345678",
          "residence": "110105", "guardian": "张三", "bank_account": "6222020200112233445"}

# Runs through the DevTools protocol, so the page's CSP (no inline scripts) does not apply.
SEND_TWICE = """async () => {
  const form = document.getElementById("form");
  const send = async () => {
    const body = new FormData(form);
    body.set("_action", "submit");
    const answer = await fetch(form.action, {method: "POST", body});
    return [answer.status, await answer.text()];
  };
  return Promise.all([send(), send()]);
}"""


def test_a_citizen_applies_saves_resumes_submits_and_tracks(
        new_page: Callable[[], Page], submission_count: Callable[[], int]) -> None:
    page = new_page()
    open_the_form(page)
    empty_page_shows_errors_that_move_focus(page)
    fill_the_first_two_pages(page)
    the_bank_account_follows_the_card_choice(page)
    resumed = new_page()
    resumed.goto(save_draft(page))
    expect(resumed.locator("#in-child_name")).to_have_value(ANSWER["child_name"])
    expect(resumed.locator('input[name="guardians[0].guardian_name"]')).to_have_value(
        ANSWER["guardian"])
    expect(resumed.locator("#in-residence")).to_have_value(ANSWER["residence"])
    for _ in range(2):
        click_step(resumed, "下一步")
    expect(resumed.locator("#in-bank_account")).to_have_value(ANSWER["bank_account"])
    number, code = submit_twice(resumed)
    assert submission_count() == 1
    track(resumed, number, code)


def open_the_form(page: Page) -> None:
    page.goto("/services")
    page.get_by_role("link", name="新生儿出生“一件事”联办申请").click()
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
    page.fill("#in-mother_name", ANSWER["mother_name"])
    page.fill("#in-mother_id", ANSWER["mother_id"])
    page.fill("#in-contact_mobile", ANSWER["contact_mobile"])
    choose_region(page, "residence", "北京市", "市辖区", "朝阳区")
    expect(page.locator("#in-residence")).to_have_value(ANSWER["residence"])
    page.get_by_role("button", name="添加一行").click()
    row = page.locator('input[name="guardians[0].guardian_name"]')
    expect(row).to_be_visible()
    expect(page.locator("#in-mother_name")).to_have_value(ANSWER["mother_name"])  # kept
    row.fill(ANSWER["guardian"])
    click_step(page, "下一步")
    expect(page.locator("ol.steps [aria-current=step]")).to_have_text("联办事项")


def choose_region(page: Page, field: str, province: str, city: str, county: str) -> None:
    """Each choice in the cascading picker brings the next level's options (through htmx)."""
    picker = page.locator(f"#picker-{field}")
    levels = [(f'select[name="{field}.province"]', province),
              (f'select[name="{field}.city"]', city), (f"#in-{field}", county)]
    for selector, label in levels:
        select = picker.locator(selector)
        expect(select).to_be_enabled()
        htmx_settled(page)
        select.select_option(label=label)


def htmx_settled(page: Page) -> None:
    """Wait until htmx has finished a swap. It wires up swapped-in elements only when they
    settle (20 ms later); a person is never that quick, but Playwright can be."""
    expect(page.locator(".htmx-request, .htmx-added, .htmx-settling")).to_have_count(0)


def the_bank_account_follows_the_card_choice(page: Page) -> None:
    card = page.locator("#f-need_ss_card")
    bank = page.locator("#f-bank_account")
    expect(card.get_by_role("radio", name="是")).to_be_checked()
    expect(bank).to_be_visible()
    card.get_by_role("radio", name="否").check()
    expect(bank).to_be_hidden()  # swapped in by htmx: no reload
    htmx_settled(page)
    card.get_by_role("radio", name="是").check()
    expect(bank).to_be_visible()
    htmx_settled(page)
    page.fill("#in-bank_account", ANSWER["bank_account"])


def save_draft(page: Page) -> str:
    page.get_by_role("button", name="保存草稿").click()
    link = page.locator("#resume-link")
    expect(link).to_have_attribute("href", re.compile(r"/drafts/"))
    href = link.get_attribute("href")
    assert href is not None
    return href


def click_step(page: Page, name: str) -> None:
    """Go to another page of the form: it opens clean, its fields not yet judged."""
    page.get_by_role("button", name=name, exact=True).click()
    expect(page.locator("#error-summary"),
           f"{name} from a complete page shows the next page without errors").to_have_count(0)


def submit_twice(page: Page) -> tuple[str, str]:
    """The page's form sent twice at the same moment, then a double click on 提交: all with
    the page's one idempotency key. (Chromium folds a double click into one request, so the
    overlap comes from the two fetches.)"""
    answers = page.evaluate(SEND_TWICE)
    page.get_by_role("button", name="提交", exact=True).dblclick()
    number = page.locator("#tracking-no")
    expect(number).to_have_text(re.compile(r"^[0-9]{16}$"))
    code = page.locator("#verification-code")
    expect(code).to_have_text(re.compile(r"^[2-9A-HJKMNP-Z]{10}$"))
    for status, html in answers:
        assert status == 200 and number.inner_text() in html  # the same receipt every time
    return number.inner_text(), code.inner_text()


def track(page: Page, number: str, code: str) -> None:
    page.goto("/track")
    page.fill("#no", number)
    page.fill("#code", code)
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#status")).to_have_text("已提交")


def test_a_value_that_fails_its_check_stays_beside_its_message(
        new_page: Callable[[], Page]) -> None:
    """A wrong check digit and a 10-digit mobile stay in their fields as the person leaves
    them and after 下一步; a birth date in the future is refused on page 1 beside the date."""
    page = new_page()
    page.goto("/forms/birth_apply")
    page.fill("#in-child_name", ANSWER["child_name"])
    page.get_by_role("radio", name="男").check()
    future = (date.today() + timedelta(days=5)).isoformat()
    page.fill("#in-birth_date", future)
    page.fill("#in-hospital", ANSWER["hospital"])
    page.get_by_role("button", name="下一步").click()
    expect(page.locator("#err-birth_date")).to_have_text("出生日期不能晚于今天")
    expect(page.locator("#in-birth_date")).to_have_value(future)
    expect(page.locator("ol.steps [aria-current=step]")).to_have_text("新生儿信息")
    page.fill("#in-birth_date", (date.today() - timedelta(days=3)).isoformat())
    click_step(page, "下一步")
    for field, wrong, message in (("mother_id", "110105194912310021", "校验码不正确"),
                                  ("contact_mobile", "1381234567", "联系手机")):
        page.fill(f"#in-{field}", wrong)
        page.locator(f"#in-{field}").blur()
        expect(page.locator(f"#err-{field}")).to_contain_text(message)
        htmx_settled(page)
        expect(page.locator(f"#in-{field}")).to_have_value(wrong)
    page.get_by_role("button", name="下一步").click()
    expect(page.locator("ol.steps [aria-current=step]")).to_have_text("父母信息")
    expect(page.locator("#in-mother_id")).to_have_value("110105194912310021")
    expect(page.locator("#err-mother_id")).to_contain_text("校验码不正确")
    expect(page.locator("#err-contact_mobile")).not_to_contain_text("请填写")

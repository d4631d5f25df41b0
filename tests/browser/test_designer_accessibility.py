"""axe-core over every designer page at a desktop's and a phone's width, in the states a
designer sees: the app list; the form designer with a field selected and its properties
open, then with a problem shown at its field; the YAML editor with its problems and the
publish panel's compatibility report, and a refused publish; the process editor with its
diagram, a step's panel and the expression editor flagging a wrong name; the decision-table
editor with its test panel answered; the versions page comparing two versions. No critical
or serious violation (colour contrast aside, as in test_accessibility), and no page wider
than a phone's screen. Screenshots go to the test's tmp folder."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from runtime.demo import DEMO_PASSWORD, seed_demo
from runtime.store.db import session_factory

from .conftest import LiveServer
from .test_accessibility import problems
from .test_what_people_see import sized_page  # noqa: F401  (a fixture)

WIDER_THAN_THE_SCREEN = ("document.documentElement.scrollWidth > "
                         "document.documentElement.clientWidth")
# The form's working copy, changed in the YAML editor: a type changed (the compatibility
# report says it breaks data) and a misspelt name in a computed value (a problem).
FORM_CHANGES = {
    "{id: hospital, type: text,": "{id: hospital, type: integer,",
    "compute: days_between(birth_date, today()) if birth_date else None":
        "compute: days_between(birth_dat, today())",
}


def test_no_serious_accessibility_violation_on_the_designer_pages(
        sized_page, live_server: LiveServer, tmp_path: Path) -> None:  # noqa: F811
    size, open_page, errors = sized_page
    with session_factory(live_server.engine)() as session:
        seed_demo(session, env="testing")
    page = _signed_in(open_page())
    found: list[str] = []

    def check(state: str) -> None:
        found.extend(problems(page, state, tmp_path, size))
        if page.evaluate(WIDER_THAN_THE_SCREEN):  # a wide table or diagram scrolls in its box
            found.append(f"{state}: the page is wider than the screen")

    page.goto("/designer/")
    check("apps")
    page.goto("/designer/forms/birth_apply?selected=child_name")
    expect(page.locator("#p-prop-label")).to_be_visible()
    check("form-selected")

    page.goto("/designer/Form/birth_apply")
    _edit_yaml(page, FORM_CHANGES)
    expect(page.locator("#compat li[data-severity=breaking]").first).to_be_visible()
    check("yaml-problems-compat")
    page.locator("#publish-button").click()
    expect(page.locator("#yaml-editor")).to_contain_text("未发布")
    check("publish-refused")
    page.goto("/designer/forms/birth_apply?selected=days_since_birth")
    expect(page.locator("#canvas-days_since_birth .field-problem").first).to_be_visible()
    check("form-problem")

    page.goto("/designer/processes/birth_joint?step=4")
    expect(page.locator("#process-diagram")).to_be_visible()
    check("process-step")
    page.locator("#p-s4-when-input").fill("enrol_insurence")
    expect(page.locator("#p-s4-when-feedback .expr-problem")).to_contain_text(
        "'enrol_insurance'")
    check("expression-editor")

    page.goto("/designer/tables/card_channel")
    test = page.locator("#table-test-form")
    test.get_by_label("residence").fill("110105")
    test.get_by_role("button", name="测试").click()
    expect(page.locator("#table-test-result")).to_contain_text("命中第 2 行")
    check("table-test")

    page.goto("/designer/DecisionTable/card_channel")
    _edit_yaml(page, {"then: {channel: post, days: 7}": "then: {channel: post, days: 6}"})
    page.locator("#publish-button").click()
    expect(page.locator("#notice")).to_contain_text("已发布第 2 版")
    page.goto("/designer/DecisionTable/card_channel/versions")
    expect(page.locator("body")).to_contain_text("days: 6")
    check("versions-compare")

    assert found == [], "\n".join(found)
    # the refused publish and the form with a problem answer 422 on purpose
    assert [e for e in errors if "status of 422" not in e] == []


def _signed_in(page: Page) -> Page:
    page.goto("/auth/login")
    page.get_by_label("用户名").fill("designer")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#user-menu")).to_contain_text("退出登录")
    return page


def _edit_yaml(page: Page, changes: dict[str, str]) -> None:
    """In the YAML editor, replace each `old` of the text by `new`, and save."""
    area = page.locator("#yaml-text")
    text = area.input_value()
    for old, new in changes.items():
        assert old in text, old
        text = text.replace(old, new)
    area.fill(text)
    with page.expect_response(lambda r: r.url.endswith("/save")):
        page.locator("#save-button").click()
    expect(page.locator("#yaml-text")).to_have_value(text)

"""axe-core (vendored from npm under runtime/web/static/vendor/axe-core, used only here)
over the main page states at a desktop's and a phone's width: the start page, the
catalogue, each page of the birth form (and its error summary), tracking with a result, the
clerk's workbench, task, case and record pages, messages, and the staff pages of the
administrator and the auditor. No critical or serious violation of WCAG 2.1 A/AA.

Colour contrast is left to a later pass (the palette is a design decision of its own)."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy import select

from runtime.store.submissions import Submission

from .conftest import LiveServer
from .test_citizen_form import ANSWER, choose_region, click_step
from .test_what_people_see import sized_page  # noqa: F401  (a fixture)
from .test_workbench import RECENT_BIRTH, applied, signed_in

AXE = (Path(__file__).parents[2] / "runtime" / "web" / "static" / "vendor" / "axe-core"
       / "axe.min.js")
# Through the DevTools protocol: the page's CSP (our own scripts only) does not apply to it.
RUN_AXE = """async () => {
  const found = await axe.run(document, {
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    rules: {"color-contrast": {enabled: false}}, resultTypes: ["violations"]});
  return found.violations.filter(v => v.impact === "critical" || v.impact === "serious")
    .map(v => `${v.impact} ${v.id}: ${v.nodes.map(n => n.target.join(" ")).join(", ")}`);
}"""


def problems(page: Page, state: str, tmp_path: Path, size: str) -> list[str]:
    """axe's critical and serious findings on `page` as it is now, named by `state`."""
    page.screenshot(path=tmp_path / f"a11y-{state}-{size}.png", full_page=True)
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    return [f"{state}: {found}" for found in page.evaluate(RUN_AXE)]


def test_no_serious_accessibility_violation_on_the_main_pages(
        sized_page, live_server: LiveServer, tmp_path: Path) -> None:  # noqa: F811
    size, open_page, errors = sized_page
    number = applied(live_server)
    with live_server.engine.connect() as connection:
        code = connection.scalar(select(Submission.verification_code)
                                 .where(Submission.tracking_no == number))
    found: list[str] = []
    guest = open_page()
    for state, path in (("start", "/"), ("catalogue", "/services"),
                        ("form-page1", "/forms/birth_apply")):
        guest.goto(path)
        found += problems(guest, state, tmp_path, size)
    guest.get_by_role("button", name="下一步").click()
    expect(guest.locator("#error-summary")).to_be_visible()
    found += problems(guest, "form-errors", tmp_path, size)
    guest.fill("#in-child_name", ANSWER["child_name"])
    guest.locator("#in-child_name").blur()  # its message goes and the page moves up:
    expect(guest.locator("#err-child_name")).to_have_count(0)  # click only after that
    guest.get_by_role("radio", name="男").check()
    guest.fill("#in-birth_date", RECENT_BIRTH)
    guest.fill("#in-hospital", ANSWER["hospital"])
    click_step(guest, "下一步")
    found += problems(guest, "form-page2", tmp_path, size)
    guest.get_by_role("button", name="下一步").click()
    found += problems(guest, "form-page2-errors", tmp_path, size)
    guest.fill("#in-mother_name", ANSWER["mother_name"])
    guest.fill("#in-mother_id", ANSWER["mother_id"])
    guest.fill("#in-contact_mobile", ANSWER["contact_mobile"])
    choose_region(guest, "residence", "北京市", "市辖区", "朝阳区")
    click_step(guest, "下一步")
    found += problems(guest, "form-page3", tmp_path, size)
    guest.goto("/track")
    guest.fill("#no", number)
    guest.fill("#code", str(code))
    guest.get_by_role("button", name="查询").click()
    expect(guest.locator("#status")).to_be_visible()
    found += problems(guest, "tracking", tmp_path, size)
    clerk = signed_in(open_page(), "clerk_govsvc")
    for state, path in (("workbench", "/work/tasks?list=pool"),
                        ("task", f"/work/tasks/{number}/1"), ("case", f"/work/cases/{number}"),
                        ("ledger", "/views/birth_ledger"), ("record", f"/work/submissions/{number}"),
                        ("messages", "/work/notifications")):
        clerk.goto(path)
        found += problems(clerk, state, tmp_path, size)
    admin = signed_in(open_page(), "admin")
    for state, path in (("people", "/admin/people"), ("jobs", "/admin/jobs")):
        admin.goto(path)
        found += problems(admin, state, tmp_path, size)
    auditor = signed_in(open_page(), "auditor")
    found += problems(auditor, "audit-log", tmp_path, size)
    assert found == [], "\n".join(found)
    # The two error states are answered 422 on purpose, which the console reports.
    assert [e for e in errors if "status of 422" not in e] == []

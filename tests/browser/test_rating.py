"""An applicant rates their ended case in a real browser: looked up on the tracking page, a
poor rating with a reason and a comment is sent by htmx, which swaps the panel in place (the
page stays the tracking page) to the rating given and the department asked to rectify; a
first try with no reason is refused beside the form, keeping what was chosen."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy import select, update

from runtime.packs import check_path
from runtime.store.cases import CaseRow
from runtime.store.db import session_factory
from runtime.store.publish import publish_pack
from runtime.store.submissions import Submission

from .conftest import LiveServer
from .test_workbench import applied

RATINGS_PACK = Path(__file__).parents[2] / "scenario_packs" / "service_ratings"


def ended(server: LiveServer) -> tuple[str, str]:
    """An application whose case has ended (set in the store: the HTTP tests end cases by
    the clerks' actions), and its code."""
    number = applied(server)
    with session_factory(server.engine)() as session:
        publish_pack(session, check_path(RATINGS_PACK))
        session.execute(update(Submission).where(Submission.tracking_no == number)
                        .values(status="not_approved"))
        session.execute(update(CaseRow).where(CaseRow.tracking_no == number)
                        .values(status="rejected"))
        session.commit()
        code = session.scalar(select(Submission.verification_code)
                              .where(Submission.tracking_no == number))
    return number, str(code)


def test_a_poor_rating_by_htmx(live_server: LiveServer, new_page: Callable[[], Page]) -> None:
    number, code = ended(live_server)
    page = new_page()
    page.goto("/track")
    page.fill("#no", number)
    page.fill("#code", code)
    page.get_by_role("button", name="查询").click()
    panel = page.locator("#rating")
    expect(panel).to_contain_text("本件已办结，请对办理服务作出评价")
    panel.get_by_label("非常不满意").check()
    panel.get_by_role("button", name="提交评价").click()
    expect(page.locator("#rating-reasons-error")).to_have_text(
        "不满意时请勾选理由或写明意见，便于部门整改")
    expect(page.locator("#rating").get_by_label("非常不满意")).to_be_checked()
    panel = page.locator("#rating")
    level = panel.locator(".rating-level", has=page.get_by_label("非常不满意"))
    level.get_by_label("问题没有解决").check()
    panel.get_by_label("意见建议").fill("<b>一直没人联系我</b>")
    panel.get_by_role("button", name="提交评价").click()
    expect(page.locator("#rating-given")).to_contain_text("非常不满意")
    expect(page.locator("#rating-given")).to_contain_text("<b>一直没人联系我</b>")  # as text
    expect(page.locator("#rating-rectify")).to_contain_text("已转 政务服务中心 整改")
    assert page.url.endswith("/track")  # swapped in place, no new page

"""免申即享 in a real browser: the industry bureau's list starts an enterprise's R&D subsidy
case; the enterprise signs in, finds it in 我的办件 waiting for its confirmation with the
amount explained clause by clause, confirms, and the bureau's clerk finds the review in the
department's pool."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from runtime.casework import batches
from runtime.demo import seed_demo
from runtime.packs import check_path
from runtime.providers import default_field_types
from runtime.store.accounts import add_citizen
from runtime.store.db import session_factory
from runtime.store.publish import publish_pack
from runtime.store.queries import latest_definition, rule_book
from runtime.store.submissions import Owner

from .conftest import LiveServer
from .test_workbench import open_task, signed_in

POLICY = Path(__file__).parents[2] / "scenario_packs" / "policy_redemption"
LIST = POLICY / "assets" / "pr_auto_list.csv"


def started(server: LiveServer) -> str:
    """The demo organisation, the enterprise's account and the list started as the CLI does."""
    with session_factory(server.engine)() as session:
        publish_pack(session, check_path(POLICY))
        seed_demo(session, env="testing")
        add_citizen(session, "13912345679", "示例市星河智能装备有限公司", "citizen2025",
                    uscc="91110000600037341L")
        session.commit()
        form = latest_definition(session, "Form", "pr_auto_list")
        assert form is not None
        content = LIST.read_bytes()
        batch = batches.start_batch(
            session, form.spec, batches.read_rows(LIST.name, content),  # type: ignore[arg-type]
            default_field_types(), owner=Owner("staff", 1), list_id=batches.list_id(content),
            book=rule_book(session, "pr_auto_list"),
            owner_of=batches.enterprise_owner(session, form.spec))  # type: ignore[arg-type]
        assert batch.ok, batch.errors
        return batch.receipts[0].tracking_no


def test_an_enterprise_confirms_a_benefit_it_did_not_apply_for(
        live_server: LiveServer, new_page: Callable[[], Page]) -> None:
    number = started(live_server)
    company = new_page()
    company.goto("/auth/citizen/login")
    company.get_by_label("手机号").fill("13912345679")
    company.get_by_label("密码").fill("citizen2025")
    company.get_by_role("button", name="登录").click()
    company.goto("/auth/citizen/cases")
    row = company.locator(f"#case-{number}")
    expect(row).to_contain_text("待您确认")
    row.get_by_role("link", name=number).click()
    expect(company.locator("#status")).to_have_text("待您确认")
    expect(company.locator("#rule-results")).to_contain_text("第 6 条：按上年度研发费用的 10%")
    company.locator("#confirm").get_by_role("button", name="确认享受").click()
    expect(company.locator("#answered")).to_have_text("已确认，办理将继续。")
    expect(company.locator("#confirm")).to_have_count(0)

    clerk = signed_in(new_page(), "clerk_industry")
    open_task(clerk, "部门待签收", number, "工信局审核")
    expect(clerk.locator("#timeline")).to_contain_text("申请人")

"""A designer in a real browser: adds a step to the birth process from a task template and
sees it drawn, types a wrong condition and sees the checker's did-you-mean as they type;
then adds a row to the card channel decision table and tests an input, seeing which row fired.
No page logs an error to the console."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import yaml
from playwright.sync_api import ConsoleMessage, Page, expect

from runtime.demo import DEMO_PASSWORD, seed_demo
from runtime.store import designs
from runtime.store.db import session_factory

from .conftest import LiveServer


def _designer(live_server: LiveServer, new_page: Callable[[], Page], errors: list[str],
              target: str) -> Page:
    """A designer signed in on the sign-in page that `target` sends them to."""
    with session_factory(live_server.engine)() as session:
        seed_demo(session, env="testing")
    page = new_page()
    page.on("console", lambda m: _keep(m, page, errors))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(target)
    page.get_by_label("用户名").fill("designer")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#user-menu")).to_contain_text("退出登录")
    assert page.url.endswith(target)
    return page


def _keep(message: ConsoleMessage, page: Page, errors: list[str]) -> None:
    if message.type == "error":
        errors.append(f"{page.url}: {message.text} {message.location}")


def test_a_designer_adds_a_step_and_sees_a_wrong_condition_flagged(
        live_server: LiveServer, new_page: Callable[[], Page], tmp_path: Path) -> None:
    errors: list[str] = []
    page = _designer(live_server, new_page, errors, "/designer/processes/birth_joint")
    expect(page.locator("#box-close")).to_be_visible()
    add = page.locator("form.dtools-add")
    add.get_by_label("任务模板").select_option("ss_card")
    add.get_by_label("步骤标识").fill("archive")
    add.get_by_label("接在哪个步骤之后").select_option("close")
    add.get_by_role("button", name="添加步骤").click()
    expect(page.locator("#box-archive")).to_be_visible()
    expect(page.locator("#panel-h")).to_contain_text("archive")

    # the new step's panel settled (htmx listens on its inputs from then on), as it has
    # long before a person types
    expect(page.locator(".htmx-request, .htmx-added, .htmx-settling")).to_have_count(0)
    condition = page.locator("#p-s7-when-input")
    condition.fill("need_ss_car")
    feedback = page.locator("#p-s7-when-feedback")
    expect(feedback.locator(".expr-problem")).to_contain_text("'need_ss_card'")
    feedback.get_by_role("button", name="need_ss_card").click()  # the completion
    expect(page.locator("#p-s7-when-input")).to_have_value("need_ss_card")
    expect(page.locator("#p-s7-when-feedback")).to_contain_text("表达式正确")
    # a countersign (会签) of two departments, which may return the case to acceptance
    page.locator('[name="s7.assignees.mode"]').select_option("all")
    page.locator('[name="s7.assignees.parties.0.department"]').fill("HEALTH")
    page.locator('[name="s7.assignees.parties.0.role"]').fill("clerk")
    page.locator('[name="s7.can_return_to"][value="accept"]').check()
    page.get_by_role("button", name="保存步骤").click()
    expect(page.locator('[name="s7.assignees.parties.1.department"]')).to_be_visible()
    page.locator('[name="s7.assignees.parties.1.department"]').fill("POLICE")
    page.locator('[name="s7.assignees.parties.1.role"]').fill("clerk")
    page.get_by_role("button", name="保存步骤").click()
    expect(page.locator('[name="s7.assignees.parties.2.department"]')).to_be_visible()
    expect(page.locator(".dtools-problems .expr-ok")).to_have_text("检查通过，没有问题")
    expect(page.locator("#box-archive")).to_have_class("box box-selected")
    steps = yaml.safe_load(_copy_text(live_server, "Process", "birth_joint"))["steps"]
    assert steps[-1] == {"id": "archive", "task": "ss_card", "after": ["close"],
                         "when": "need_ss_card",
                         "assignees": {"mode": "all", "parties": [
                             {"department": "HEALTH", "role": "clerk"},
                             {"department": "POLICE", "role": "clerk"}]},
                         "can_return_to": ["accept"]}
    page.screenshot(path=str(tmp_path / "process.png"), full_page=True)
    _save_shot(tmp_path / "process.png", "process.png")
    assert errors == []


def test_a_designer_adds_a_row_and_tests_an_input(
        live_server: LiveServer, new_page: Callable[[], Page], tmp_path: Path) -> None:
    errors: list[str] = []
    page = _designer(live_server, new_page, errors, "/designer/tables/card_channel")
    expect(page.locator("#decision-grid tbody tr")).to_have_count(2)
    page.locator("#add-row").click()
    expect(page.locator("#decision-grid tbody tr")).to_have_count(3)
    page.get_by_label("行 3 residence").fill("'110108'")
    page.get_by_label("行 3 channel").fill("street_office")
    page.get_by_label("行 3 days").fill("3")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_label("行 3 residence")).to_have_value("'110108'")

    test = page.locator("#table-test-form")
    test.get_by_label("residence").fill("110108")
    test.get_by_role("button", name="测试").click()
    expect(page.locator("#table-test-result")).to_contain_text("命中第 3 行")
    expect(page.locator("#trace-row-3")).to_have_class("trace-fired")
    page.screenshot(path=str(tmp_path / "table.png"), full_page=True)
    _save_shot(tmp_path / "table.png", "table.png")
    assert errors == []


def _copy_text(live_server: LiveServer, kind: str, def_id: str) -> str:
    with session_factory(live_server.engine)() as session:
        found = designs.get_copy(session, kind, def_id)
        assert found is not None
        return found.text


def _save_shot(made: Path, name: str) -> None:
    """Kept for a person to look at when LOWCODE_SCREENSHOTS names a folder."""
    folder = os.environ.get("LOWCODE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / name).write_bytes(made.read_bytes())

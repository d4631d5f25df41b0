"""A designer in a real browser edits the birth pack's eligibility rules in the items editor:
adds a rule, names it, types a wrong expression and sees the checker's did-you-mean as they
type, picks the completion, saves (the rule is in the working copy's YAML), moves it up with
the keyboard, and publishes version 2. No page logs an error to the console, and axe-core
finds no serious violation on the rule's panel or the whole set's."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml
from playwright.sync_api import Page, expect

from runtime.store.db import session_factory
from runtime.store.queries import latest_definition

from .conftest import LiveServer
from .test_accessibility import problems
from .test_designer_tools import _copy_text, _designer, _save_shot


def test_a_designer_adds_a_rule_sees_it_checked_and_publishes(
        live_server: LiveServer, new_page: Callable[[], Page], tmp_path: Path) -> None:
    errors: list[str] = []
    page = _designer(live_server, new_page, errors, "/designer/items/rules/birth_eligibility")
    expect(page.locator("#items-list li")).to_have_count(3)
    page.get_by_role("button", name="添加规则").click()
    expect(page.locator("#panel-h")).to_contain_text("new_item")
    expect(page.locator("#item-3 .item-marked")).to_be_visible()  # no expression yet
    assert problems(page, "rule-panel", tmp_path, "desktop") == []  # axe-core

    page.locator('[name="i3.id"]').fill("mother_named")
    page.locator('[name="i3.purpose"]').select_option("validation")
    page.locator("#p-i3-title").fill("母亲姓名已填")
    expression = page.locator("#p-i3-expression-input")
    expression.fill("mother_nam != ''")
    feedback = page.locator("#p-i3-expression-feedback")
    expect(feedback.locator(".expr-problem")).to_contain_text("'mother_name'")
    expression.fill("mother_nam")
    feedback.get_by_role("button", name="mother_name").click()  # the completion
    expression = page.locator("#p-i3-expression-input")
    expect(expression).to_have_value("mother_name")
    expression.fill("mother_name != ''")
    expect(page.locator("#p-i3-expression-feedback")).to_contain_text("表达式正确")
    page.locator("#save-item").click()
    expect(page.locator(".dtools-problems .expr-ok")).to_have_text("检查通过，没有问题")
    rules = yaml.safe_load(_copy_text(live_server, "RuleSet", "birth_eligibility"))["rules"]
    assert rules[-1] == {"id": "mother_named", "title": "母亲姓名已填",
                         "purpose": "validation", "expression": "mother_name != ''"}

    page.get_by_role("button", name="上移 mother_named").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#item-2")).to_contain_text("mother_named")
    page.locator("#publish-button").click()
    expect(page.locator("#notice")).to_have_text("已发布第 2 版")
    assert problems(page, "rule-set-panel", tmp_path, "desktop") == []
    with session_factory(live_server.engine)() as session:
        published = latest_definition(session, "RuleSet", "birth_eligibility")
        assert published is not None and published.version == 2
        assert [r["id"] for r in published.data["rules"]][2] == "mother_named"
    page.screenshot(path=str(tmp_path / "rules.png"), full_page=True)
    _save_shot(tmp_path / "rules.png", "rules.png")
    assert errors == []

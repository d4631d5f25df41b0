"""A designer in a real browser adds the hospital column to the birth ledger and sees it in the
preview with the real application's value, then moves it up with the keyboard and sees the
preview follow, and drags a column; adds a trend widget to the birth overview and sees its chart drawn, then a
misspelt measure flagged at it. No page logs an error to the console."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from runtime.store import accounts
from runtime.store.db import session_factory

from .conftest import LiveServer
from .test_accessibility import problems
from .test_designer import drag
from .test_workbench import applied, signed_in


def test_a_designer_adds_a_column_and_sees_it_in_the_preview(
        live_server: LiveServer, new_page: Callable[[], Page], tmp_path: Path) -> None:
    number = applied(live_server)
    with session_factory(live_server.engine)() as session:  # the designer reads the centre's
        designer = accounts.user_by_name(session, "designer")
        assert designer is not None
        accounts.add_membership(session, designer, "GOVSVC", "clerk")
        session.commit()
    page = signed_in(new_page(), "designer")
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto("/designer/")
    page.locator('a[href="/designer/views/birth_ledger"]', has_text="设计").click()
    expect(page.locator("#preview-table")).to_be_visible()
    expect(page.locator(f"#preview-{number}")).to_contain_text("110105********002X")

    page.get_by_label("添加列").select_option("field:hospital")
    page.locator("#add-column").click()
    heads = page.locator("#preview-table thead th")
    expect(heads.last).to_have_text("出生医院")
    expect(page.locator(f"#preview-{number} td").last).to_have_text("市妇幼保健院")

    up = page.get_by_role("button", name="上移“出生医院 (hospital)”")
    up.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#column-11")).to_have_attribute("data-key", "field:hospital")
    expect(heads.nth(heads.count() - 2)).to_have_text("出生医院")
    expect(page.locator("#view-clean")).to_have_text("检查通过，没有问题")
    # and a drag: the first column dropped onto the third
    drag(page, page.locator("#column-0 .drag-handle"), page.locator("#column-2"))
    expect(page.locator("#column-0")).to_have_attribute("data-key", "field:mother_name")
    expect(heads.nth(1)).to_have_text("申请人")
    assert problems(page, "view-editor", tmp_path, "desktop") == []
    assert errors == []


def test_a_designer_adds_a_trend_widget_and_sees_it_drawn(
        live_server: LiveServer, new_page: Callable[[], Page], tmp_path: Path) -> None:
    applied(live_server)
    page = signed_in(new_page(), "designer")
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto("/designer/dashboards/birth_overview")
    expect(page.locator("#chart-trend")).to_have_attribute("data-drawn", "true")
    page.get_by_label("添加组件").select_option("trend")
    page.locator("#add-widget").click()
    expect(page.locator("#chart-widget_12")).to_have_attribute("data-drawn", "true")
    page.get_by_label("度量").last.fill("recieved")
    page.locator("#dashboard-save").click()
    expect(page.locator("#edit-widget-11 .field-error")).to_contain_text("received")
    assert problems(page, "dashboard-editor", tmp_path, "desktop") == []
    assert errors == []

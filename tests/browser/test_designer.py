"""A designer builds a form in a real browser: drags a field type from the palette onto an
empty form, sets its label in the properties panel, sees it in the runtime's preview,
tries it in the preview, publishes, and the public form shows it. Screenshots go to the test's tmp folder."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from runtime.demo import DEMO_PASSWORD, seed_demo
from runtime.store.db import session_factory
from runtime.store.queries import definition_versions

from .conftest import LiveServer

LABEL = "孩子的小名"


def test_a_designer_drags_a_field_in_and_publishes_the_form(
        new_page: Callable[[], Page], live_server: LiveServer, tmp_path: Path) -> None:
    with session_factory(live_server.engine)() as session:
        seed_demo(session, env="testing")
    page = sign_in(new_page(), "designer")
    page.get_by_role("link", name="应用设计").click()
    expect(page.locator("h1")).to_have_text("应用设计")
    page.get_by_label("表单标识").first.fill("nickname_form")
    page.get_by_role("button", name="新建表单").first.click()
    expect(page).to_have_url(re.compile(r"/designer/forms/nickname_form$"))
    expect(page.locator("#canvas")).to_contain_text("拖到这里")
    page.screenshot(path=str(tmp_path / "1-empty.png"), full_page=True)

    source = page.locator('.palette-item[data-type="text"] .drag-handle')
    drag(page, source, page.locator("#canvas ol.canvas-list"))
    item = page.locator("#canvas .canvas-item")
    expect(item).to_have_count(1)
    expect(item).to_have_class(re.compile(r"\bselected\b"))
    expect(page.locator("#problems")).to_contain_text("检查通过")
    page.screenshot(path=str(tmp_path / "2-dropped.png"), full_page=True)

    page.locator("#p-prop-label").fill(LABEL)
    page.locator('[name="prop-label.en"]').fill("Nickname")
    page.locator("#apply-props").click()
    expect(page.locator("#canvas .canvas-label")).to_have_text(LABEL)
    expect(page.locator("#canvas .canvas-item code").first).to_have_text("hai_zi_de_xiao_ming")
    expect(page.locator("#preview label")).to_contain_text(LABEL)
    page.screenshot(path=str(tmp_path / "3-labelled.png"), full_page=True)
    # try it: what is typed into the preview comes back as the field's value and state
    page.locator("#preview").get_by_label(LABEL).fill("小宝")
    page.locator("#preview").get_by_label(LABEL).press("Tab")
    row = page.locator('#try-table tr[data-path="hai_zi_de_xiao_ming"]')
    expect(row.locator(".state-value")).to_have_text("小宝")
    expect(row.locator(".state-visible")).to_have_text("是")

    # the keyboard's way: the palette's button adds after the selected field; then a drag
    # on the canvas puts the new field first
    page.get_by_role("button", name="添加“居民身份证号”").click()
    expect(page.locator("#canvas .canvas-item")).to_have_count(2)
    id_card = page.locator("#canvas-ju_min_shen_fen_zheng_hao")
    expect(id_card).to_have_class(re.compile(r"\bselected\b"))
    with page.expect_response(re.compile(r"/designer/forms/nickname_form/edit$")) as moved:
        drag(page, id_card.locator(".drag-handle"), page.locator("#canvas-hai_zi_de_xiao_ming"))
    assert moved.value.status == 200
    expect(page.locator("#canvas .canvas-item").first).to_have_attribute(
        "data-id", "ju_min_shen_fen_zheng_hao")
    expect(page.locator("#workspace")).to_have_attribute("data-revision", "5")
    page.locator("#publish-button").click()
    expect(page.locator("#notice")).to_contain_text("已发布第 1 版")
    page.screenshot(path=str(tmp_path / "4-published.png"), full_page=True)
    with session_factory(live_server.engine)() as session:
        assert definition_versions(session, "Form", "nickname_form") == [1]

    public = new_page()
    public.goto("/forms/nickname_form")
    expect(public.get_by_label(LABEL)).to_be_visible()
    expect(public.locator(".field").first).to_contain_text("居民身份证号")
    public.screenshot(path=str(tmp_path / "5-public.png"), full_page=True)


def drag(page: Page, source: Locator, target: Locator) -> None:
    """A person's drag: press, move over the target's upper part in small steps, release."""
    target.scroll_into_view_if_needed()
    source.scroll_into_view_if_needed()
    start, end = source.bounding_box(), target.bounding_box()
    assert start is not None and end is not None
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    for share in (0.7, 0.5, 0.25):
        page.mouse.move(end["x"] + 30, end["y"] + end["height"] * share, steps=10)
        page.wait_for_timeout(150)  # the list animates each swap
    page.mouse.up()


def sign_in(page: Page, username: str) -> Page:
    page.goto("/auth/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#user-menu")).to_contain_text("退出登录")
    return page

"""What a person sees, at a desktop's 1366x768 and a phone's 390x844: the birth form shows one
page at a time, the header and the pages hold at phone width (no word broken a character per
line, no sideways scroll of the page itself), and no page logs an error to the console (a
missing favicon did). Screenshots are saved to the test's tmp dir."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from .conftest import TIMEOUT_MS, LiveServer
from .test_citizen_form import ANSWER, click_step
from .test_workbench import RECENT_BIRTH, applied, signed_in

SIZES = {"desktop": (1366, 768), "phone": (390, 844)}
# A header link or button one line high is about 26 px; one broken a character per line is
# three times that. The header of two wrapped rows stays well under the second bound.
LINE_PX, HEADER_PX = 40, 130
# Table cells with text narrower than three characters: a column squeezed to one per line.
NARROW_CELLS = """() => [...document.querySelectorAll("td, th")]
  .filter(c => c.innerText.trim().length > 2 && c.getBoundingClientRect().width <
               3 * parseFloat(getComputedStyle(c).fontSize))
  .map(c => c.innerText.trim())"""


@pytest.fixture(params=list(SIZES))
def sized_page(request: pytest.FixtureRequest, browser: Browser,
               live_server: LiveServer) -> Iterator[tuple[str, Callable[[], Page], list[str]]]:
    """Pages at one size, and the console errors of all of them."""
    width, height = SIZES[request.param]
    errors: list[str] = []
    contexts = []

    def open_page() -> Page:
        context = browser.new_context(base_url=live_server.url, locale="zh-CN",
                                      viewport={"width": width, "height": height})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: _keep_error(m, page, errors))
        page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
        return page

    yield request.param, open_page, errors
    for context in contexts:
        context.close()


def _keep_error(message: ConsoleMessage, page: Page, errors: list[str]) -> None:
    if message.type == "error":
        errors.append(f"{page.url}: {message.text}")


def test_the_birth_form_shows_one_page_at_a_time(sized_page, tmp_path: Path) -> None:
    size, open_page, errors = sized_page
    page = open_page()
    page.goto("/forms/birth_apply")
    pages = page.locator("section.step")
    expect(pages).to_have_count(3)
    only_visible(page, 0)
    page.screenshot(path=tmp_path / f"form-page1-{size}.png", full_page=True)
    page.fill("#in-child_name", ANSWER["child_name"])
    page.get_by_role("radio", name="男").check()
    page.fill("#in-birth_date", RECENT_BIRTH)
    page.fill("#in-hospital", ANSWER["hospital"])
    click_step(page, "下一步")
    only_visible(page, 1)
    expect(page.locator("#in-mother_name")).to_be_visible()
    expect(page.locator("#in-child_name")).to_be_hidden()
    page.screenshot(path=tmp_path / f"form-page2-{size}.png", full_page=True)
    assert errors == []


def only_visible(page: Page, index: int) -> None:
    for n in range(3):
        section = page.locator(f"#step-{n}")
        if n == index:
            expect(section).to_be_visible()
        else:
            expect(section).to_be_hidden()


def test_pages_hold_at_both_widths_without_console_errors(
        sized_page, live_server: LiveServer, tmp_path: Path) -> None:
    size, open_page, errors = sized_page
    number = applied(live_server)
    guest = open_page()
    for path in ("/", "/services", "/track", "/forms/birth_apply"):
        looked_at(guest, path, tmp_path, size)
    clerk = signed_in(open_page(), "clerk_govsvc")
    expect(clerk).to_have_url(f"{live_server.url}/work/tasks")  # their work, first
    for path in ("/work/tasks?list=pool", "/views/birth_ledger", f"/work/cases/{number}"):
        looked_at(clerk, path, tmp_path, size)
    region = clerk.locator(".table-wrap").first
    expect(region).to_have_attribute("tabindex", "0")
    expect(region).to_have_attribute("role", "region")
    region.focus()
    expect(region).to_be_focused()  # a keyboard reaches what scrolls sideways
    assert errors == []


def looked_at(page: Page, path: str, tmp_path: Path, size: str) -> None:
    """Open `path`, save its screenshot, and check the header and the page's width."""
    page.goto(path)
    name = path.strip("/").replace("/", "_").replace("?", "_") or "start"
    page.screenshot(path=tmp_path / f"{name}-{size}.png", full_page=True)
    header = page.locator(".site-header").bounding_box()
    assert header is not None and header["height"] < HEADER_PX, (path, header)
    for item in page.locator(".site-header a, .site-header button").all():
        box = item.bounding_box()
        assert box is not None and box["height"] < LINE_PX, (path, item.inner_text(), box)
    narrow = page.evaluate(NARROW_CELLS)
    assert narrow == [], f"{path} squeezes table columns at {size}: {narrow}"
    wide, inner = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]")
    assert wide <= inner, f"{path} scrolls sideways at {size}: {wide} > {inner}"

"""A leader opens the birth dashboard in a real browser: the charts draw with ECharts under
the CSP with no console error, the filters change the figures, a widget downloads as XLSX
(its contents checked) and a chart as PNG."""

from __future__ import annotations

import io
from collections.abc import Callable

from openpyxl import load_workbook
from playwright.sync_api import ConsoleMessage, Page, expect

from .conftest import LiveServer
from .test_workbench import applied, signed_in


def test_a_dashboard_draws_filters_and_downloads(live_server: LiveServer,
                                                 new_page: Callable[[], Page]) -> None:
    applied(live_server)
    page = new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if _bad(m) else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    signed_in(page, "lead_govsvc")
    expect(page).to_have_url(live_server.url + "/dashboards/")
    page.get_by_role("link", name="出生“一件事”运行情况").click()
    expect(page.locator("h1")).to_have_text("出生“一件事”运行情况")
    for chart in ("trend", "by_region"):
        expect(page.locator(f"#chart-{chart}")).to_have_attribute("data-drawn", "true")
        expect(page.locator(f"#chart-{chart} canvas")).to_have_count(1)
    # no task finished yet: no on-time rate, said in words rather than as empty axes
    expect(page.locator("#empty-by_department")).to_have_text("暂无数据")
    expect(page.locator("#value-received")).to_have_text("1")

    page.locator("#f-granularity").select_option(label="按月")
    page.locator("#apply-filters").click()
    expect(page.locator("#f-granularity")).to_have_value("month")
    expect(page.locator("#table-trend tbody tr")).not_to_have_count(30)
    expect(page.locator("#chart-trend")).to_have_attribute("data-drawn", "true")

    with page.expect_download() as download:
        page.locator("#xlsx-received").click()
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    assert list(sheet.iter_rows(values_only=True))[:2] == [("项目", "数值"), ("数值", 1)]

    png, csv = page.locator("#png-trend"), page.locator("#csv-trend")
    for look in ("color", "font-size", "background-color"):  # a link like the others
        assert png.evaluate(f"e => getComputedStyle(e)['{look}']") == csv.evaluate(
            f"e => getComputedStyle(e)['{look}']"), look
    with page.expect_download() as picture:
        png.click()
    assert picture.value.suggested_filename == "birth_overview-trend.png"
    assert picture.value.path().read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert problems == []


def _bad(message: ConsoleMessage) -> bool:
    return message.type in ("error", "warning")


def test_on_a_phone_each_filter_label_stays_beside_its_field(live_server: LiveServer,
                                                            new_page: Callable[..., Page]) -> None:
    """The filter row wraps at 390 wide; a label never ends one line with its field on the
    next (on the dashboard and on the effectiveness page, which share the filters)."""
    applied(live_server)
    page = new_page(width=390, height=844)
    signed_in(page, "lead_govsvc")
    for url, fields in (("/dashboards/birth_overview", FILTERS + ("f-granularity",)),
                        ("/effectiveness", FILTERS + ("f-by",))):
        page.goto(url)
        for field in fields:
            label = page.locator(f"label[for={field}]").bounding_box()
            control = page.locator(f"#{field}").bounding_box()
            assert label is not None and control is not None
            middle = label["y"] + label["height"] / 2
            assert control["y"] <= middle <= control["y"] + control["height"], (url, field)
            assert control["x"] + control["width"] <= 390, (url, field)


FILTERS = ("f-department", "f-region", "f-from", "f-to")


def test_in_english_on_a_phone_nothing_is_wider_than_the_screen(live_server: LiveServer,
                                                                new_page: Callable[..., Page]) -> None:
    """The product's English name wraps in the header, each department's reckoning on the
    effectiveness page scrolls in its own region, and English titles use an English colon."""
    applied(live_server)
    page = new_page(width=390, height=844, locale="en-GB")
    signed_in(page, "lead_govsvc")
    for url in ("/dashboards/?lang=en", "/effectiveness?lang=en&from=2020-01-01"):
        page.goto(url)
        for details in page.locator("details").all():
            details.locator("summary").click()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, url
    expect(page.locator("h1")).to_have_text("Effectiveness: Newborn joint handling "
                                            "indicators")
    expect(page.locator("details.explain summary").first).to_contain_text(": ")

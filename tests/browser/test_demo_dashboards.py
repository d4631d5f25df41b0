"""The demo supervisor reads the demo cases (`lowcode demo cases`) on the birth dashboard in a
real browser, on a laptop and on a phone: the figures equal direct counts, change with the
date range, the granularity and the organisation, and a widget downloaded as XLSX holds what
the page's accessible table shows. No console error on the way."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from runtime.democases import Made, make_cases
from runtime.store.cases import CaseRow
from runtime.store.db import session_factory

from .conftest import LiveServer
from .test_dashboards import _bad
from .test_workbench import signed_in

CHINA = timedelta(hours=8)
SHOTS = os.environ.get("LOWCODE_SCREENSHOTS")  # a folder to keep the screenshots in


def china_today() -> datetime:
    return datetime.now(UTC) + CHINA


def births_since(server: LiveServer, first_day: str) -> int:
    """Birth cases that arrived on or after `first_day` (a China date), counted directly."""
    start = datetime.fromisoformat(first_day).replace(tzinfo=UTC) - CHINA
    with session_factory(server.engine)() as session:
        return session.scalar(select(func.count()).select_from(CaseRow).where(
            CaseRow.process_id == "birth_joint", CaseRow.created_at >= start)) or 0


def demo_cases(server: LiveServer) -> Made:
    """Thirty demo birth cases over the last sixty days, the same every run."""
    with session_factory(server.engine)() as session:
        return make_cases(session, 30, seed=4, days=60, env="testing")


def number(text: str) -> float:
    return float(text.replace(",", "").replace("%", "").strip())


def table_rows(page: Page, widget: str) -> list[tuple[str, float]]:
    """The rows of the widget's accessible table (folded under the chart: read its text)."""
    rows = page.locator(f"#table-{widget} tbody tr")
    return [((rows.nth(i).locator("th").text_content() or "").strip(),
             number(rows.nth(i).locator("td").text_content() or ""))
            for i in range(rows.count())]


def shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / name), full_page=True)


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (390, 844)])
def test_the_supervisor_reads_the_demo_cases_on_the_birth_dashboard(
        live_server: LiveServer, new_page: Callable[..., Page], width: int, height: int) -> None:
    assert demo_cases(live_server).per_pack == {"birth_one_thing": 30}
    page = new_page(width=width, height=height)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if _bad(m) else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    signed_in(page, "supervisor")
    page.goto("/dashboards/")
    page.get_by_role("link", name="出生“一件事”运行情况").click()
    expect(page.locator("h1")).to_have_text("出生“一件事”运行情况")

    today = china_today().date()
    since = (today - timedelta(days=61)).isoformat()
    page.locator("#f-from").fill(since)
    page.locator("#f-to").fill(today.isoformat())
    page.locator("#f-granularity").select_option("month")
    page.locator("#apply-filters").click()
    expect(page.locator("#f-granularity")).to_have_value("month")
    received = births_since(live_server, since)
    assert received == 30
    expect(page.locator("#value-received")).to_have_text(str(received))
    assert number(page.locator("#value-closed").inner_text()) > 0
    assert number(page.locator("#value-on_time").inner_text()) > 0
    expect(page.locator("#chart-trend")).to_have_attribute("data-drawn", "true")
    months = table_rows(page, "trend")
    assert 2 <= len(months) <= 4 and sum(v for _, v in months) == received
    shot(page, f"dashboard-{width}-months.png")

    # A week: fewer cases, each day its row
    week = (today - timedelta(days=6)).isoformat()
    page.locator("#f-from").fill(week)
    page.locator("#f-granularity").select_option("day")
    page.locator("#apply-filters").click()
    expect(page.locator("#f-from")).to_have_value(week)
    recent = births_since(live_server, week)
    assert recent < received
    expect(page.locator("#value-received")).to_have_text(str(recent) if recent else "暂无数据")
    expect(page.locator("#table-trend tbody tr")).to_have_count(
        len({d for d, _ in table_rows(page, "trend")}))

    # Back to the whole range; the organisation: health received none of them (the
    # service centre receives), but it handled tasks whose on-time rate it sees
    page.locator("#f-from").fill(since)
    page.locator("#f-granularity").select_option("week")
    page.locator("#f-department").select_option("HEALTH")
    page.locator("#apply-filters").click()
    expect(page.locator("#f-department")).to_have_value("HEALTH")
    expect(page.locator("#value-received")).not_to_have_text(str(received))
    page.locator("#f-department").select_option("")
    page.locator("#apply-filters").click()
    expect(page.locator("#value-received")).to_have_text(str(received))
    weeks = table_rows(page, "trend")
    assert len(weeks) >= 8 and sum(v for _, v in weeks) == received
    shot(page, f"dashboard-{width}-weeks.png")

    # The trend downloaded as XLSX holds what the accessible table shows
    header = [(c.text_content() or "").strip()
          for c in page.locator("#table-trend thead th").all()]
    with page.expect_download() as download:
        page.locator("#xlsx-trend").click()
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert [str(c) for c in rows[0]] == header
    assert [(str(label), float(v)) for label, v in rows[1:]] == weeks
    ranking = table_rows(page, "by_department")
    assert ranking and all(0 <= v <= 100 for _, v in ranking)
    assert problems == []


# Every text ECharts drew on each chart, with where it lies: zrender's display list holds
# one tspan per label, its text as drawn (cut to "石..." when ECharts ran out of room).
CHART_TEXTS = """() => [...document.querySelectorAll('[data-drawn]')].flatMap(element => {
  const chart = echarts.getInstanceByDom(element);
  return chart.getZr().storage.getDisplayList()
    .filter(e => e.type === 'tspan' && e.style.text && !e.ignore && !e.invisible)
    .map(e => {
      const box = e.getBoundingRect().clone();
      const transform = e.getComputedTransform();
      if (transform) { box.applyTransform(transform); }
      return {chart: element.id, text: e.style.text, left: box.x, right: box.x + box.width,
              width: chart.getWidth()};
    });
})"""


# How wide the bars of each ranking may grow, against the whole chart.
BAR_ROOM = """() => [...document.querySelectorAll('.widget-ranking [data-drawn]')].map(element => {
  const chart = echarts.getInstanceByDom(element);
  const grid = chart.getModel().getComponent('grid', 0).coordinateSystem.getRect();
  return [element.id, grid.width / chart.getWidth()];
})"""


@pytest.mark.parametrize(("width", "height", "lang"),
                         [(1280, 800, "zh"), (390, 844, "zh"), (390, 844, "en")])
def test_every_chart_label_is_whole_and_inside_its_chart(
        live_server: LiveServer, new_page: Callable[..., Page], width: int, height: int, lang: str) -> None:
    """The region names beside the ring, the figure at the end of each bar (100 at the
    edge) and the units stay whole and inside the chart, on a laptop and on a phone; long
    department names (in English above all) wrap and leave the bars half the chart."""
    demo_cases(live_server)
    page = new_page(width=width, height=height)
    signed_in(page, "supervisor")
    since = (china_today().date() - timedelta(days=61)).isoformat()
    page.goto(f"/dashboards/birth_overview?from={since}&lang={lang}")
    for chart in ("trend", "by_department", "by_region"):
        expect(page.locator(f"#chart-{chart}")).to_have_attribute("data-drawn", "true")
    texts = page.evaluate(CHART_TEXTS)
    regions = [t["text"] for t in texts if t["chart"] == "chart-by_region"]
    assert len(regions) >= 3, texts  # the demo cases come from several districts
    cut = [t["text"] for t in texts if "..." in t["text"] or "…" in t["text"]]
    outside = [t for t in texts if t["left"] < -1 or t["right"] > t["width"] + 1]
    assert (cut, outside) == ([], [])
    rooms = page.evaluate(BAR_ROOM)
    assert rooms and all(room >= 0.4 for _, room in rooms), rooms
    shot(page, f"dashboard-{width}-{lang}-labels.png")


def test_the_bottleneck_tables_fit_a_laptop_screen(live_server: LiveServer,
                                                   new_page: Callable[..., Page]) -> None:
    """All ten columns of each bottleneck table show at 1280 wide, without scrolling
    sideways (their long headings wrap), the figures under right-aligned headings."""
    demo_cases(live_server)
    page = new_page(width=1280, height=800)
    signed_in(page, "supervisor")
    page.goto("/bottlenecks")
    for table in ("#by-department", "#by-step"):
        region = page.locator(f"{table} .table-wrap")
        expect(region.locator("tbody tr").first).to_be_visible()
        sizes = region.evaluate("e => [e.scrollWidth, e.clientWidth]")
        assert sizes[0] <= sizes[1], (table, sizes)
        heading = region.locator("thead th").last
        assert heading.evaluate("e => getComputedStyle(e).textAlign") == "right"
    shot(page, "bottlenecks-1280.png")


def test_one_departments_charts_draw_a_bar_and_whole_counts(live_server: LiveServer,
                                                              new_page: Callable[..., Page]) -> None:
    demo_cases(live_server)
    page = new_page(width=1280, height=800)
    signed_in(page, "supervisor")
    since = (china_today().date() - timedelta(days=61)).isoformat()
    page.goto(f"/dashboards/birth_overview?from={since}&department=HEALTH")
    chart = page.locator("#chart-by_department")
    expect(chart).to_have_attribute("data-drawn", "true")
    expect(page.locator("#table-by_department tbody tr")).to_have_count(1)
    thickness = chart.evaluate("e => echarts.getInstanceByDom(e).getModel()"
                               ".getSeriesByIndex(0).getData().getItemLayout(0).height")
    assert 0 < thickness <= 28
    # health received none of the cases: its trend is zeros, on an axis of whole cases
    ticks = [t["text"] for t in page.evaluate(CHART_TEXTS) if t["chart"] == "chart-trend"
             and not t["text"].startswith("20")]
    assert "0" in ticks and not [t for t in ticks if "." in t], ticks

"""The dashboard editor over HTTP, on the birth pack's overview: the widgets read from the
dashboard, one added, moved and removed, written to the working copy's YAML; each widget's
preview computed by the dashboard page's own code on the real cases the designer's data scope
reaches; an unknown measure flagged at its widget; publishing a version the dashboard then
shows."""

from __future__ import annotations

import re

import pytest
import yaml
from flask import Flask
from web.test_workbench import Person, apply, world  # noqa: F401

from runtime.store import designs
from runtime.web.database import store

from .test_view_editor import give

__all__ = ["world"]
URL = "/designer/dashboards/birth_overview"


def copy_data(app: Flask) -> dict:
    with store(app).sessions() as session:
        found = designs.get_copy(session, "Dashboard", "birth_overview")
        assert found is not None
        return yaml.safe_load(found.text)


def fields_of(page: str) -> dict[str, str]:
    """The editor form's inputs and selected options as the browser sends them."""
    form = re.search(r'<form id="dashboard-form".*?</form>', page, re.S)
    assert form is not None
    found = dict(re.findall(r'<input[^>]*name="([^"]+)" value="([^"]*)"', form.group(0)))
    for name, body in re.findall(r'<select[^>]*name="([^"]+)">(.*?)</select>', form.group(0),
                                 re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        found[name] = chosen.group(1) if chosen else ""
    return found


def widget_ids(app: Flask) -> list[str]:
    return [w["id"] for w in copy_data(app)["widgets"]]


def preview(page: str, widget_id: str) -> str:
    start = page.index(f'id="preview-{widget_id}"')
    return page[start:page.index("</section>", start)]


def test_the_editor_lists_the_widgets_with_their_measures(world: Flask) -> None:
    page = Person(world, "designer").page(URL)
    assert len(re.findall(r'<li class="edit-item widget-edit" id="edit-widget-\d+">', page)) == 11
    assert 'name="w2.name" value="on_time_rate"' in page
    assert 'name="w2.target" value="95"' in page
    assert "你的数据范围内没有可查看的案件" in page  # the demo designer reads no records
    assert 'id="value-received">0<' in preview(page, "received")
    index = Person(world, "designer").page("/designer/")
    assert 'href="/designer/dashboards/birth_overview"' in index


def test_adding_a_widget_previews_its_figure_on_real_cases(world: Flask) -> None:
    give(world, "designer", "GOVSVC", "clerk")
    for region in ("110105", "440305"):
        apply(world, region=region)
    designer = Person(world, "designer")
    page = designer.page(URL)
    assert "你的数据范围内没有可查看的案件" not in page
    answer = designer.client.post(URL, data={**fields_of(page), "op": "add",
                                             "new_type": "indicator"})
    assert answer.status_code == 200, answer.get_data(as_text=True)[:2000]
    page = answer.get_data(as_text=True)
    added = copy_data(world)["widgets"][-1]
    assert added == {"id": "widget_12", "type": "indicator", "measure": {"name": "received"},
                     "title": {"zh": "指标卡", "en": "Indicator card"}}
    assert 'id="value-widget_12">2<' in preview(page, "widget_12")
    fields = {**fields_of(page), "w11.zh": "本月受理", "w11.type": "distribution",
              "w11.group_by": "region"}
    page = designer.client.post(URL, data={**fields, "op": "save"}).get_data(as_text=True)
    shown = preview(page, "widget_12")
    assert "<h3>本月受理</h3>" in shown and 'data-chart="' in shown
    assert re.findall(r'<th scope="row">([^<]+)</th><td>([^<]+)</td>', shown) == [
        ("北京市 朝阳区", "1"), ("广东省 深圳市 南山区", "1")]


@pytest.mark.postgres  # the figures' scope filter
def test_the_preview_keeps_to_the_designers_scope(world: Flask) -> None:
    give(world, "designer", "HOTLINE", "dispatcher")  # region scope: the city 1101 only
    for region in ("110105", "440305"):
        apply(world, region=region)
    page = Person(world, "designer").page(URL)
    assert 'id="value-received">1<' in preview(page, "received")


def test_an_unknown_measure_is_flagged_at_its_widget(world: Flask) -> None:
    designer = Person(world, "designer")
    fields = {**fields_of(designer.page(URL)), "w0.name": "recieved"}
    page = designer.client.post(URL, data={**fields, "op": "save"}).get_data(as_text=True)
    assert copy_data(world)["widgets"][0]["measure"] == {"name": "recieved"}
    item = re.search(r'<li class="edit-item widget-edit has-problem" id="edit-widget-0">.*?</li>',
                     page, re.S)
    assert item is not None
    assert 'data-path="widgets[0].measure.name"' in item.group(0)
    assert "received" in item.group(0)  # did you mean
    assert "修正此组件的问题后显示预览" in preview(page, "received")
    fields = {**fields_of(page), "w0.name": "received", "w1.target": "many"}
    page = designer.client.post(URL, data={**fields, "op": "save"}).get_data(as_text=True)
    assert 'data-path="widgets[1].target"' in page
    assert 'data-path="widgets[0]' not in page


def test_widgets_move_and_go(world: Flask) -> None:
    designer = Person(world, "designer")
    page = designer.client.post(URL, data={**fields_of(designer.page(URL)), "op": "down:0"}
                                ).get_data(as_text=True)
    assert widget_ids(world)[:2] == ["closed", "received"]
    designer.client.post(URL, data={**fields_of(page), "op": "del:1"})
    assert "received" not in widget_ids(world) and len(widget_ids(world)) == 10


def test_publish_makes_a_version_the_dashboard_shows(world: Flask) -> None:
    designer = Person(world, "designer")
    page = designer.page(URL)
    designer.client.post(URL, data={**fields_of(page), "op": "add", "new_type": "trend"})
    page = designer.page(URL)
    assert 'name="w11.id" value="widget_12"' in page
    revision = re.search(r'name="revision" value="(\d+)"', page)
    assert revision is not None
    answer = designer.client.post("/designer/Dashboard/birth_overview/publish",
                                  data={"revision": revision.group(1),
                                        "csrf_token": fields_of(page)["csrf_token"]})
    assert "已发布第 3 版" in answer.get_data(as_text=True)
    lead = Person(world, "lead_govsvc").page("/dashboards/birth_overview")
    assert 'id="widget-widget_12"' in lead and 'id="chart-widget_12"' in lead

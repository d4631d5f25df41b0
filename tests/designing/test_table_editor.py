"""The decision-table editor over HTTP, on the birth pack's card channel table: the grid read
from the rows' conditions, adding a row and an input column written to the working copy's
YAML, overlaps flagged, a bad cell refused, the test panel deciding with the runtime, who may
open it, and CSRF."""

from __future__ import annotations

import re

import yaml
from flask import Flask
from web.test_workbench import Person, world  # noqa: F401

from runtime.store import designs
from runtime.web.database import store

__all__ = ["world"]
URL = "/designer/tables/card_channel"


def copy_data(app: Flask) -> dict:
    with store(app).sessions() as session:
        found = designs.get_copy(session, "DecisionTable", "card_channel")
        assert found is not None
        return yaml.safe_load(found.text)


def grid_form(page: str) -> dict[str, str]:
    """Every input of the grid form as the browser would send it."""
    form = re.search(r'<form id="table-form".*?</form>', page, re.S)
    assert form is not None
    fields: dict[str, str] = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form.group(0)):
        if name != "inputs":
            fields[name] = value.replace("&#39;", "'")
    fields["hit_policy"] = "first"
    return fields


def test_the_grid_shows_the_rows_columns_and_the_runtime_rows_it_cannot_split(world: Flask):
    page = Person(world, "designer").page(URL)
    assert '<table class="table dtools-grid" id="decision-grid">' in page
    assert "<code>residence</code>" in page  # the input column read from `residence in [...]`
    assert 'name="c1.residence" value="&#39;110105&#39;, &#39;110106&#39;"' in page
    assert "not is_empty(delivery_address)" in page  # kept as the row's other condition
    assert "未参与重叠与遗漏分析" in page


def test_adding_a_row_writes_the_working_copy_and_an_overlap_is_flagged(world: Flask):
    designer = Person(world, "designer")
    page = designer.page(URL)
    fields = grid_form(page)
    inputs = re.findall(r'name="inputs" value="([^"]+)"', page)
    answer = designer.client.post(URL, data={**fields, "inputs": inputs, "op": "add_row"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    rows = copy_data(world)["rows"]
    assert len(rows) == 3 and rows[2] == {"when": "true", "then": {}}
    fields = grid_form(answer.get_data(as_text=True))
    fields.update({"c2.residence": "'110105'", "o2.channel": "post", "o2.days": "3",
                   "hit_policy": "unique"})
    answer = designer.client.post(URL, data={**fields, "inputs": inputs, "op": "save"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    data = copy_data(world)
    assert data["hit_policy"] == "unique"
    assert data["rows"][2] == {"when": "residence == '110105'",
                               "then": {"channel": "post", "days": 3}}
    assert "第 2 行与第 3 行有重叠，例如 residence = &#39;110105&#39;" in page


def test_a_cell_that_is_no_test_is_refused_and_nothing_is_saved(world: Flask):
    designer = Person(world, "designer")
    page = designer.page(URL)
    before = copy_data(world)
    fields = {**grid_form(page), "c1.residence": "between 1 and 2", "inputs": "residence"}
    answer = designer.client.post(URL, data={**fields, "op": "save"})
    assert answer.status_code == 422
    assert "无法理解单元格 `between 1 and 2`" in answer.get_data(as_text=True)
    assert copy_data(world) == before


def test_the_test_panel_says_which_row_fired_and_why(world: Flask):
    designer = Person(world, "designer")
    page = designer.page(URL)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore
    answer = designer.client.post(URL + "/test", data={
        "csrf_token": token, "t.residence": "110106", "t.delivery_address": ""})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "<code>channel = street_office</code> <code>days = 5</code>" in page and "命中第 2 行" in page
    assert '<tr id="trace-row-2" class="trace-fired">' in page
    assert "✓ 成立" in page
    answer = designer.client.post(URL + "/test?lang=en", data={
        "csrf_token": token, "t.residence": "110000", "t.delivery_address": ""})
    assert "no row matched: the default applies" in answer.get_data(as_text=True)


def test_only_a_designer_may_open_or_change_it_and_a_change_needs_the_token(world: Flask):
    assert Person(world, "clerk_police").get(URL).status_code == 404
    designer = Person(world, "designer")
    page = designer.page(URL)
    fields = {k: v for k, v in grid_form(page).items() if k != "csrf_token"}
    assert designer.client.post(URL, data={**fields, "op": "add_row"}).status_code == 400
    assert len(copy_data(world)["rows"]) == 2


def test_an_input_column_and_an_output_column_come_and_go(world: Flask):
    designer = Person(world, "designer")
    page = designer.page(URL)
    fields = grid_form(page)
    answer = designer.client.post(URL, data={**fields, "inputs": ["residence"],
                                             "op": "add_input", "new_input": "need_ss_card"})
    page = answer.get_data(as_text=True)
    assert "<code>need_ss_card</code>" in page and 'name="c1.need_ss_card" value="-"' in page
    fields = {**grid_form(page), "c1.need_ss_card": "true"}
    answer = designer.client.post(URL, data={**fields, "inputs": ["residence", "need_ss_card"],
                                             "op": "del_output:days"})
    assert answer.status_code == 200
    data = copy_data(world)
    assert data["rows"][1] == {"when": "residence in ['110105', '110106'] and need_ss_card",
                               "then": {"channel": "street_office"}}
    assert [o["id"] for o in data["outputs"]] == ["channel"]
    assert data["default"] == {"channel": "service_centre"}


def test_the_editor_speaks_english_when_asked(world: Flask):
    page = Person(world, "designer").page(URL + "?lang=en")
    assert "Decision table editor: card_channel" in page and "Add row" in page
    assert "their conditions not being column tests: row 1" in page

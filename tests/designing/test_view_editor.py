"""The view editor over HTTP, on the birth pack's ledger: the columns, filters and layout read
from the view, a column added from the form's fields and one from the case's facts, reordered,
relabelled and removed, written to the working copy's YAML; the preview showing the working
copy on real applications, only those the designer's own data scope reaches; an unknown field
flagged at its column; publishing a new version that /views/<id> then shows."""

from __future__ import annotations

import re

import pytest
import yaml
from flask import Flask
from web.test_workbench import Person, apply, world  # noqa: F401

from runtime.store import accounts, designs
from runtime.web.database import store

__all__ = ["world"]
URL = "/designer/views/birth_ledger"


def give(app: Flask, username: str, department: str, role: str) -> None:
    """A further membership for a demo account (the designer role reads no records)."""
    with store(app).sessions() as session:
        user = accounts.user_by_name(session, username)
        assert user is not None
        accounts.add_membership(session, user, department, role)
        session.commit()


@pytest.fixture
def ledger(world: Flask) -> dict[str, str]:
    """Two applications: in the district (110105) and far away (440305); region -> number."""
    return {region: apply(world, region=region, hospital=f"医院{region}")
            for region in ("110105", "440305")}


def copy_data(app: Flask) -> dict:
    with store(app).sessions() as session:
        found = designs.get_copy(session, "View", "birth_ledger")
        assert found is not None
        return yaml.safe_load(found.text)


def fields_of(page: str) -> dict[str, str]:
    """The editor form's text inputs and selected options as the browser sends them."""
    form = re.search(r'<form id="view-form".*?</form>', page, re.S)
    assert form is not None
    found = dict(re.findall(r'<input (?!type="checkbox")[^>]*name="([^"]+)" value="([^"]*)"',
                            form.group(0)))
    for name, body in re.findall(r'<select[^>]*name="([^"]+)">(.*?)</select>', form.group(0),
                                 re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        if chosen:
            found[name] = chosen.group(1)
    found.update({n: "1" for n in re.findall(r'name="([^"]+)" value="1" checked', form.group(0))})
    return found


def preview_of(page: str) -> str:
    return page[page.index('id="view-preview"'):]


def headings(part: str) -> list[str]:
    return re.findall(r'<th scope="col">([^<]+)</th>', part)


def test_the_editor_shows_the_views_columns_filters_and_layout(world: Flask) -> None:
    page = Person(world, "designer").page(URL)
    columns = re.findall(r'<li id="column-\d+" class="edit-item" data-key="([^"]+)">', page)
    assert columns[:3] == ["field:child_name", "field:mother_name", "field:mother_id"]
    assert "case:deadline" in columns and len(columns) == 12
    assert 'name="c1.zh" value="申请人"' in page  # a heading of its own
    assert re.search(r'name="filter.field:residence">.*?<option value="eq" selected>', page,
                     re.S)
    assert 'option value="list" selected>列表' in page
    index = Person(world, "designer").page("/designer/")
    assert 'href="/designer/views/birth_ledger"' in index


@pytest.mark.postgres  # the preview's list query
def test_adding_a_column_writes_the_copy_and_the_preview_shows_real_values(
        world: Flask, ledger: dict[str, str]) -> None:
    give(world, "designer", "GOVSVC", "clerk")
    designer = Person(world, "designer")
    page = designer.page(URL)
    answer = designer.client.post(URL, data={**fields_of(page), "op": "add_column",
                                             "new_column": "field:hospital"})
    assert answer.status_code == 200, answer.get_data(as_text=True)[:2000]
    page = answer.get_data(as_text=True)
    assert copy_data(world)["columns"][-1] == {"field": "hospital"}
    preview = preview_of(page)
    assert headings(preview)[-1] == "出生医院"
    assert "医院110105" in preview and "医院440305" in preview
    assert set(re.findall(r'id="preview-([0-9A-Z-]+)"', preview)) == set(ledger.values())
    assert "110105********002X" in preview and "11010519491231002X" not in preview


def test_columns_move_relabel_and_go_and_a_case_fact_is_added(world: Flask) -> None:
    designer = Person(world, "designer")
    page = designer.page(URL)
    fields = {**fields_of(page), "c0.zh": "宝宝", "c0.en": "Baby"}
    page = designer.client.post(URL, data={**fields, "op": "down:0"}).get_data(as_text=True)
    columns = copy_data(world)["columns"]
    assert columns[:2] == [{"field": "mother_name", "label": {"zh": "申请人", "en": "Applicant"}},
                           {"field": "child_name", "label": {"zh": "宝宝", "en": "Baby"}}]
    page = designer.client.post(URL, data={**fields_of(page), "op": "del:0"}).get_data(
        as_text=True)
    page = designer.client.post(URL, data={**fields_of(page), "op": "add_column",
                                           "new_column": "case:tracking_no"}).get_data(
        as_text=True)
    columns = copy_data(world)["columns"]
    assert columns[0]["field"] == "child_name" and columns[-1] == {"case": "tracking_no"}
    assert "mother_name" not in str(columns)
    assert headings(preview_of(page)) == []  # the demo designer reads no records
    assert "你的数据范围内没有可查看的申请" in preview_of(page)


def test_filters_sort_and_layout_are_written(world: Flask) -> None:
    designer = Person(world, "designer")
    fields = fields_of(designer.page(URL))
    fields.update({"filter.field:residence": "", "filter.field:hospital": "contains",
                   "type": "board", "group_by": ""})
    designer.client.post(URL, data={**fields, "op": "add_sort", "new_sort": "field:child_name"})
    data = copy_data(world)
    assert {"field": "residence", "op": "eq"} not in data["filters"]
    assert data["filters"][-1] == {"field": "hospital", "op": "contains"}
    assert data["sort"][-1] == {"field": "child_name", "order": "desc"}
    assert data["type"] == "board" and "group_by" not in data


def test_an_unknown_field_is_flagged_at_its_column(world: Flask) -> None:
    designer = Person(world, "designer")
    answer = designer.client.post(URL, data={**fields_of(designer.page(URL)),
                                             "op": "add_column", "new_column": "field:hospitl"})
    page = answer.get_data(as_text=True)
    item = re.search(r'<li id="column-12" class="edit-item has-problem".*?</li>', page, re.S)
    assert item is not None
    assert "hospitl" in item.group(0) and "hospital" in item.group(0)  # did you mean
    assert 'data-path="columns[12].field"' in page
    bad = designer.client.post(URL, data={**fields_of(page), "op": "add_column",
                                          "new_column": "field:Bad Name"})
    assert bad.status_code == 422
    other = designer.client.post(URL, data={**fields_of(page), "form": "handling_opinion"})
    page = other.get_data(as_text=True)  # another form: its fields are not the ledger's
    assert copy_data(world)["form"] == "handling_opinion"
    assert 'data-path="columns[0].field"' in page and 'data-path="filters[2].field"' in page


@pytest.mark.postgres  # the preview's scope filter
def test_the_preview_keeps_to_the_designers_scope(world: Flask,
                                                  ledger: dict[str, str]) -> None:
    give(world, "designer", "HOTLINE", "dispatcher")  # region scope: the city 1101 only
    page = Person(world, "designer").page(URL)
    shown = set(re.findall(r'id="preview-([0-9A-Z-]+)"', preview_of(page)))
    assert shown == {ledger["110105"]}


def test_save_reload_publish_and_the_view_shows_the_column(
        world: Flask, ledger: dict[str, str]) -> None:
    designer = Person(world, "designer")
    page = designer.page(URL)
    designer.client.post(URL, data={**fields_of(page), "op": "add_column",
                                    "new_column": "field:hospital"})
    page = designer.page(URL)  # a fresh load reads the saved copy
    assert 'data-key="field:hospital"' in page
    revision = re.search(r'name="revision" value="(\d+)"', page)
    assert revision is not None
    answer = designer.client.post("/designer/View/birth_ledger/publish",
                                  data={"revision": revision.group(1),
                                        "csrf_token": fields_of(page)["csrf_token"]})
    assert answer.status_code == 200, answer.get_data(as_text=True)[:3000]
    assert "已发布第 2 版" in answer.get_data(as_text=True)
    clerk = Person(world, "clerk_govsvc").page("/views/birth_ledger")
    assert headings(clerk)[-2:] == ["出生医院", "操作"]
    assert "医院440305" in clerk


def test_a_designer_of_another_department_and_a_missing_view_are_refused(
        world: Flask) -> None:
    assert Person(world, "clerk_govsvc").get(URL).status_code in (403, 404)
    assert Person(world, "designer").get("/designer/views/no_such_view").status_code == 404
    designer = Person(world, "designer")
    fields = fields_of(designer.page(URL))
    fields.pop("csrf_token")
    assert designer.client.post(URL, data={**fields, "op": "save"}).status_code in (400, 403)


def test_a_board_previews_one_column_per_option_of_its_group_field(
        world: Flask, ledger: dict[str, str]) -> None:
    give(world, "designer", "GOVSVC", "clerk")
    designer = Person(world, "designer")
    fields = {**fields_of(designer.page(URL)), "type": "board", "group_by": "child_gender"}
    page = designer.client.post(URL, data={**fields, "op": "save"}).get_data(as_text=True)
    assert copy_data(world)["group_by"] == "child_gender"
    columns = re.findall(r'<section class="board-column" aria-label="([^"]+)">(.*?)</section>',
                         preview_of(page), re.S)
    assert [label for label, _ in columns] == ["男", "女"]
    assert len(re.findall(r'class="card view-card preview-row"', columns[0][1])) == 2
    assert "范围内没有记录" in columns[1][1]
    fields = {**fields_of(page), "type": "list"}  # a list is grouped by nothing
    designer.client.post(URL, data={**fields, "op": "save"})
    assert "group_by" not in copy_data(world)


def test_an_edit_on_an_old_revision_is_refused_and_says_who_saved(world: Flask) -> None:
    designer = Person(world, "designer")
    stale = fields_of(designer.page(URL))
    designer.client.post(URL, data={**stale, "op": "del:0"})
    answer = designer.client.post(URL, data={**stale, "op": "del:0"})
    assert answer.status_code == 409
    assert 'role="alert"' in answer.get_data(as_text=True)
    assert len(copy_data(world)["columns"]) == 11


def test_a_default_filter_narrows_the_preview_and_the_published_page_until_cleared(
        world: Flask, ledger: dict[str, str]) -> None:
    give(world, "designer", "GOVSVC", "clerk")
    designer = Person(world, "designer")
    fields = {**fields_of(designer.page(URL)), "default.field:residence": "440305",
              "default.case:status": "submitted, accepted"}  # eq: the text is one value
    page = designer.client.post(URL, data={**fields, "op": "save"}).get_data(as_text=True)
    filters = copy_data(world)["filters"]
    assert filters[2] == {"field": "residence", "op": "eq", "default": "440305"}
    assert filters[0] == {"case": "status", "op": "eq", "default": "submitted, accepted"}
    assert 'name="default.field:residence" value="440305"' in page
    shown = set(re.findall(r'id="preview-([0-9A-Z-]+)"', preview_of(page)))
    assert shown == set()  # no case has that status
    fields = {**fields_of(page), "default.case:status": "", "filter.field:birth_date": "range",
              "default.field:birth_date": "2000-01-01,"}
    page = designer.client.post(URL, data={**fields, "op": "save"}).get_data(as_text=True)
    assert copy_data(world)["filters"][3]["default"] == ["2000-01-01", ""]
    assert set(re.findall(r'id="preview-([0-9A-Z-]+)"', preview_of(page))) == {ledger["440305"]}
    revision = re.search(r'name="revision" value="(\d+)"', page)
    assert revision is not None
    designer.client.post("/designer/View/birth_ledger/publish", data={
        "revision": revision.group(1), "csrf_token": fields_of(page)["csrf_token"]})
    clerk = Person(world, "clerk_govsvc")
    opened = clerk.page("/views/birth_ledger")
    assert set(re.findall(r'<tr id="row-([0-9A-Z-]+)"', opened)) == {ledger["440305"]}
    assert 'name="f_residence" value="440305"' in opened  # the form says what is set
    cleared = clerk.page("/views/birth_ledger?f_residence=")
    assert set(re.findall(r'<tr id="row-([0-9A-Z-]+)"', cleared)) == set(ledger.values())

"""The items editor over HTTP, on the birth pack: a rule set's rules, a catalog's policy
documents and their clauses, and a task template, each in the panel generated from its kind's
JSON Schema; adding, moving, duplicating and deleting items; the checker's problems at the
item and the input they are at; a stale revision refused with nothing lost; publishing; a
rule set tried on data."""

from __future__ import annotations

import re
from datetime import date, timedelta

import yaml
from flask import Flask
from web.test_workbench import Person, world  # noqa: F401

from runtime.store import designs
from runtime.store.queries import latest_definition
from runtime.web.database import store

from .test_process_editor import revision, token

__all__ = ["world"]
RULES = "/designer/items/rules/birth_eligibility"
HX = {"HX-Request": "true"}


def copy_data(app: Flask, kind: str, def_id: str) -> dict:
    with store(app).sessions() as session:
        found = designs.get_copy(session, kind, def_id)
        assert found is not None
        return yaml.safe_load(found.text)


def post(person: Person, url: str, page: str, **data: str) -> tuple[int, str]:
    answer = person.client.post(url, data={"csrf_token": token(page),
                                           "revision": revision(page), **data}, headers=HX)
    return answer.status_code, answer.get_data(as_text=True)


def prop_block(page: str, name: str) -> str:
    """The panel's block of the input `name`: the input, its help and its problems."""
    start = page.index(f'name="{name}"')
    return page[start:page.index('<div class="prop ', start)]


def test_the_designer_lists_link_the_three_kinds_to_this_editor(world: Flask) -> None:
    page = Person(world, "designer").page("/designer/")
    for url in (RULES, "/designer/items/catalogs/birth_policies",
                "/designer/items/tasks/joint_check"):
        assert f'href="{url}' in page, url


def test_a_rule_is_added_changed_checked_at_its_place_and_saved(world: Flask) -> None:
    designer = Person(world, "designer")
    page = designer.page(RULES)
    for rule in ("within_deadline", "mother_id_ok", "eligible"):
        assert f"<code>{rule}</code>" in page
    status, page = post(designer, RULES + "/edit", page, op="add")
    assert status == 200 and page.startswith('<div id="items-editor"')
    rules = copy_data(world, "RuleSet", "birth_eligibility")["rules"]
    assert rules[-1] == {"id": "new_item"}
    # its panel, from the schema; the missing expression is marked on the item
    assert 'name="i3.expression"' in page and 'name="i3.purpose"' in page
    assert 'name="i3.title.zh"' in page and 'name="i3.message.zh"' in page
    assert re.search(r'id="item-3".*?item-marked', page, re.S)
    status, page = post(designer, RULES + "/edit", page, item="3", op="save",
                        **{"i3.id": "mother_adult", "i3.purpose": "eligibility",
                           "i3.expression": "mother_ag >= 18", "i3.title.zh": "母亲成年",
                           "i3.title.en": "", "i3.message.zh": "", "i3.message.en": ""})
    assert status == 200
    assert copy_data(world, "RuleSet", "birth_eligibility")["rules"][3] == {
        "id": "mother_adult", "title": "母亲成年", "purpose": "eligibility",
        "expression": "mother_ag >= 18"}
    # the unknown name is shown under the expression input it is in
    assert "未知的名称 &#39;mother_ag&#39;" in prop_block(page, "i3.expression")
    assert "rules[3].expression" in page  # and in the list of every problem
    # the page opened again shows the saved rule selected
    again = designer.page(RULES + "?item=3")
    assert 'value="mother_ag &gt;= 18"' in again


def test_keyboard_moves_duplicate_and_delete(world: Flask) -> None:
    designer = Person(world, "designer")
    page = designer.page(RULES)

    def ids() -> list[str]:
        return [r["id"] for r in copy_data(world, "RuleSet", "birth_eligibility")["rules"]]

    _, page = post(designer, RULES + "/edit", page, op="down:0")
    assert ids() == ["mother_id_ok", "within_deadline", "eligible"]
    _, page = post(designer, RULES + "/edit", page, op="up:1")
    assert ids() == ["within_deadline", "mother_id_ok", "eligible"]
    _, page = post(designer, RULES + "/edit", page, op="dup:1")
    assert ids() == ["within_deadline", "mother_id_ok", "mother_id_ok_copy", "eligible"]
    assert '<code>mother_id_ok_copy</code>' in page[page.index('id="panel-h"'):][:200]
    _, page = post(designer, RULES + "/edit", page, op="del:2")
    assert ids() == ["within_deadline", "mother_id_ok", "eligible"]


def test_a_stale_revision_is_refused_and_loses_neither_copy_nor_typing(world: Flask) -> None:
    first, second = Person(world, "designer"), Person(world, "designer")
    page1, page2 = first.page(RULES + "?item=0"), second.page(RULES + "?item=0")
    status, _ = post(first, RULES + "/edit", page1, item="0",
                     **{"i0.expression": "days_between(birth_date, today()) <= 60"})
    assert status == 200
    saved = copy_data(world, "RuleSet", "birth_eligibility")
    status, page = post(second, RULES + "/edit", page2, item="0",
                        **{"i0.expression": "days_between(birth_date, today()) <= 90"})
    assert status == 409
    assert "designer" in page and 'id="items-mine"' in page and "&lt;= 90" in page
    assert copy_data(world, "RuleSet", "birth_eligibility") == saved  # the first one's edit
    assert 'value="days_between(birth_date, today()) &lt;= 60"' in page  # shown, newest


def test_publishing_a_stale_revision_is_refused(world: Flask) -> None:
    first, second = Person(world, "designer"), Person(world, "designer")
    page1, page2 = first.page(RULES), second.page(RULES)
    post(first, RULES + "/edit", page1, op="add")
    status, page = post(second, RULES + "/publish", page2)
    assert status == 409 and "designer" in page
    with store(world).sessions() as session:
        published = latest_definition(session, "RuleSet", "birth_eligibility")
        assert published is not None and published.version == 1


def test_a_catalog_clause_is_added_in_its_document_row(world: Flask) -> None:
    designer = Person(world, "designer")
    url = "/designer/items/catalogs/birth_policies"
    page = designer.page(url + "?item=0")
    assert 'name="d.type"' not in page  # the whole catalog's panel is not the one open
    assert 'name="i0.clauses.0.code" value="3"' in page
    assert 'name="i0.clauses.1.code"' in page  # a blank row to add one
    status, page = post(designer, url + "/edit", page, item="0",
                        **{"i0.clauses.1.code": "4", "i0.clauses.1.text.zh": "一次告知。",
                           "i0.clauses.1.text.en": ""})
    assert status == 200
    item = copy_data(world, "Catalog", "birth_policies")["items"][0]
    assert item["clauses"][-1] == {"code": "4", "text": "一次告知。"}
    assert item["label"] == "关于加快推进政务服务标准化规范化便利化的指导意见"  # kept
    head = designer.page(url)
    assert '<select id="p-d-type" name="d.type">' in head


def test_a_task_template_is_one_panel_of_its_five_elements(world: Flask) -> None:
    designer = Person(world, "designer")
    url = "/designer/items/tasks/joint_check"
    page = designer.page(url)
    assert 'id="add-item"' not in page  # no list of items
    for name in ("d.basis.0.catalog", "d.goal.outcome.zh", "d.content.instructions.zh",
                 "d.dependencies", "d.coordination.deadline.working_days",
                 "d.coordination.escalation.department"):
        assert f'name="{name}"' in page, name
    status, page = post(designer, url + "/edit", page,
                        **{"d.coordination.deadline.working_days": "3",
                           "d.dependencies": "accept, nowhere"})
    assert status == 200
    data = copy_data(world, "TaskTemplate", "joint_check")
    assert data["coordination"]["deadline"] == {"working_days": 3}
    assert data["coordination"]["escalation"] == {"department": "GOVSVC", "role": "lead"}
    assert data["dependencies"] == ["accept", "nowhere"]
    assert "任务模板 &#39;nowhere&#39; 不存在" in prop_block(page, "d.dependencies")


def test_publishing_refuses_with_the_problems_then_publishes(world: Flask) -> None:
    designer = Person(world, "designer")
    page = designer.page(RULES)
    _, page = post(designer, RULES + "/edit", page, op="add")
    status, page = post(designer, RULES + "/publish", page)
    assert status == 422 and "未发布" in page and "rules[3]" in page
    _, page = post(designer, RULES + "/edit", page, item="3",
                   **{"i3.expression": "mother_id != ''"})
    status, page = post(designer, RULES + "/publish", page)
    assert status == 200 and "已发布第 2 版" in page
    with store(world).sessions() as session:
        published = latest_definition(session, "RuleSet", "birth_eligibility")
        assert published is not None and published.version == 2
        assert published.data["rules"][-1] == {"id": "new_item", "expression": "mother_id != ''"}


def test_a_rule_set_tried_on_data_explains_each_rule(world: Flask) -> None:
    designer = Person(world, "designer")
    page = designer.page(RULES)
    _, page = post(designer, RULES + "/edit", page, op="add")
    _, page = post(designer, RULES + "/edit", page, item="3", **{"i3.expression": "mother_id >"})
    # a rule that does not parse is the checker's to name; the test asks for what the rest read
    assert 'name="t.birth_date"' in page and 'name="t.mother_id"' in page
    recent = (date.today() - timedelta(days=5)).isoformat()
    answer = designer.client.post(RULES + "/test", data={
        "csrf_token": token(page), "t.birth_date": recent, "t.mother_id": "123"}, headers=HX)
    result = answer.get_data(as_text=True)
    assert answer.status_code == 200
    within = re.search(r'<li id="test-within_deadline" class="([^"]+)">(.*?)</li>', result, re.S)
    mother = re.search(r'<li id="test-mother_id_ok" class="([^"]+)">(.*?)</li>', result, re.S)
    assert within is not None and within[1] == "trace-fired" and "符合" in within[2]
    assert f"birth_date = {recent}" in within[2]  # the values it read
    assert mother is not None and mother[1] == "field-error"
    assert "母亲身份证号码校验不通过" in mother[2]  # the rule's own words


def test_a_yaml_error_leaves_the_panels_to_the_yaml_view(world: Flask) -> None:
    designer = Person(world, "designer")
    page = designer.page(RULES)
    answer = designer.client.post("/designer/RuleSet/birth_eligibility/save", data={
        "csrf_token": token(page), "revision": revision(page),
        "text": "kind: RuleSet\nid: birth_eligibility\nrules: [\n"})
    assert answer.status_code == 200
    page = designer.page(RULES)
    assert "YAML 有错误" in page and 'id="items-form"' not in page
    status, page = post(designer, RULES + "/edit", page, op="add")
    assert status == 422 and "YAML 有错误" in page
    answer = designer.client.post(RULES + "/test", data={"csrf_token": token(page)})
    assert answer.status_code == 422 and "修正后才能测试" in answer.get_data(as_text=True)

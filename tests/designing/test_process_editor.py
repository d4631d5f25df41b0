"""The process editor over HTTP, on the birth pack: who may open it, the diagram and the
checker's marks, adding a step from a task template (written to the working copy's YAML),
editing a step through its schema-generated panel, a stale revision, and CSRF."""

from __future__ import annotations

import re

import pytest
import yaml
from flask import Flask
from web.test_workbench import Person, world  # noqa: F401

from runtime.store import designs
from runtime.web.database import store

__all__ = ["world"]
URL = "/designer/processes/birth_joint"


def copy_data(app: Flask) -> dict:
    with store(app).sessions() as session:
        found = designs.get_copy(session, "Process", "birth_joint")
        assert found is not None
        return yaml.safe_load(found.text)


def revision(page: str) -> str:
    found = re.search(r'name="revision" value="(\d+)"', page)
    assert found is not None
    return found.group(1)


def test_the_editor_draws_every_step_of_the_process(world: Flask) -> None:
    page = Person(world, "designer").page(URL)
    assert '<svg id="process-diagram"' in page
    data = copy_data(world)
    for step in data["steps"]:
        assert f'id="box-{step["id"]}"' in page
    assert "检查通过，没有问题" in page


def test_each_box_shows_its_steps_deadline(world: Flask) -> None:
    designer = Person(world, "designer")
    card = box(designer.page(URL), "card")  # ss_card's template: 10 working days
    assert '<text class="deadline"' in card and "时限 10 个工作日" in card
    assert "<title>card — 10 个工作日</title>" in card
    assert "Limit: 10 working days" in box(designer.page(URL + "?lang=en"), "card")


def token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def box(page: str, step_id: str) -> str:
    found = re.search(rf'<a id="box-{step_id}" class="([^"]*)".*?</a>', page, re.S)
    assert found is not None, step_id
    return found.group(0)


def test_adding_a_step_from_a_task_template_writes_the_yaml_and_draws_it(world: Flask):
    designer = Person(world, "designer")
    page = designer.page(URL)
    assert '<option value="ss_card">' in page  # the pack's task templates to choose from
    answer = designer.client.post(URL + "/steps", data={
        "csrf_token": token(page), "revision": revision(page), "task": "ss_card",
        "id": "archive", "after": "close"}, headers={"HX-Request": "true"})
    assert answer.status_code == 200
    fragment = answer.get_data(as_text=True)
    assert fragment.startswith('<div id="process-editor"')
    assert "box-archive" in fragment and "编辑: <code>archive</code>" in fragment
    assert "办理时限（来自任务模板）：10 个工作日；用去 75% 时黄色预警" in fragment
    assert copy_data(world)["steps"][-1] == {"id": "archive", "task": "ss_card",
                                            "after": ["close"]}
    # the new step stands right of the one it comes after
    x = {s: int(re.search(rf'id="box-{s}".*?<rect x="(\d+)"', fragment, re.S).group(1))
         for s in ("close", "archive")}
    assert x["archive"] > x["close"]


def test_a_taken_id_or_unknown_template_is_refused_and_nothing_saved(world: Flask):
    designer = Person(world, "designer")
    page = designer.page(URL)
    before = copy_data(world)
    for task, step_id in (("ss_card", "close"), ("ss_card", "Bad id"), ("nope", "x")):
        answer = designer.client.post(URL + "/steps", data={
            "csrf_token": token(page), "revision": revision(page), "task": task, "id": step_id})
        assert answer.status_code == 422
    assert copy_data(world) == before


def test_the_step_panel_is_generated_from_the_schema(world: Flask):
    page = Person(world, "designer").page(URL + "?step=1")
    for label in ("前置步骤", "汇聚方式", "执行条件", "多人办理", "路由"):
        assert label in page, label
    assert '<select id="p-s1-assignees-mode" name="s1.assignees.mode">' in page
    assert '<option value="all" selected>all</option>' in page
    assert '<textarea id="p-s1-set" name="s1.set"' in page  # a map of expressions, as YAML
    assert 'name="s1.can_return_to" value="accept" checked' in page
    assert 'hx-post="/designer/expressions/check"' in page


def test_a_wrong_condition_is_saved_and_marked_on_its_step(world: Flask):
    designer = Person(world, "designer")
    page = designer.page(URL + "?step=4")
    answer = designer.client.post(URL + "/steps/4", data={
        "csrf_token": token(page), "revision": revision(page), "s4.id": "insurance",
        "s4.task": "insurance_enrolment", "s4.after": "hukou", "s4.when": "enrol_insurence",
        "s4.join": "all"})
    fragment = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert copy_data(world)["steps"][4] == {"id": "insurance", "task": "insurance_enrolment",
                                           "after": ["hukou"], "when": "enrol_insurence"}
    assert "box-marked" in box(fragment, "insurance") and "⚠" in box(fragment, "insurance")
    assert "did you mean" not in box(fragment, "card")
    assert "box-marked" not in box(fragment, "card")
    assert "enrol_insurance" in box(fragment, "insurance")  # the did-you-mean, in its title


def test_a_yaml_value_that_is_no_yaml_is_refused_and_nothing_saved(world: Flask):
    designer = Person(world, "designer")
    page = designer.page(URL + "?step=4")
    before = copy_data(world)
    answer = designer.client.post(URL + "/steps/4", data={
        "csrf_token": token(page), "revision": revision(page), "s4.id": "insurance",
        "s4.task": "insurance_enrolment", "s4.set": "status: [open"})
    assert answer.status_code == 422
    assert "不是有效的 YAML" in answer.get_data(as_text=True)
    assert copy_data(world) == before


def test_a_dependency_loop_marks_the_cycle_and_what_waits_on_it(world: Flask):
    designer = Person(world, "designer")
    page = designer.page(URL + "?step=0")
    answer = designer.client.post(URL + "/steps/0?lang=en", data={
        "csrf_token": token(page), "revision": revision(page), "s0.id": "accept",
        "s0.task": "accept", "s0.after": "hukou"})
    fragment = answer.get_data(as_text=True)
    for step in ("accept", "joint_check", "certificate", "hukou"):
        assert "cycle of dependencies" in box(fragment, step)
    assert "this step can never start" in box(fragment, "insurance")
    assert "cycle of dependencies: accept → hukou → certificate → joint_check → accept" \
        in fragment


def test_renaming_a_step_carries_the_steps_that_refer_to_it(world: Flask):
    designer = Person(world, "designer")
    page = designer.page(URL + "?step=0")
    designer.client.post(URL + "/steps/0", data={
        "csrf_token": token(page), "revision": revision(page), "s0.id": "receive",
        "s0.task": "accept"})
    steps = copy_data(world)["steps"]
    assert steps[0]["id"] == "receive" and steps[1]["after"] == ["receive"]
    assert steps[3]["can_return_to"] == ["receive", "certificate"]


def test_a_change_on_a_stale_revision_is_refused_and_names_who_saved(world: Flask):
    designer = Person(world, "designer")
    page = designer.page(URL)
    stale = revision(page)
    designer.client.post(URL + "/steps", data={"csrf_token": token(page), "revision": stale,
                                               "task": "ss_card", "id": "one"})
    answer = designer.client.post(URL + "/steps", data={
        "csrf_token": token(page), "revision": stale, "task": "ss_card", "id": "two"})
    assert answer.status_code == 409
    assert "designer 已于" in answer.get_data(as_text=True)
    assert [s["id"] for s in copy_data(world)["steps"]][-1] == "one"


def test_deleting_a_step_leaves_the_ones_after_it_marked(world: Flask):
    designer = Person(world, "designer")
    page = designer.page(URL + "?step=2")
    fragment = designer.client.post(URL + "/steps/2/delete", data={
        "csrf_token": token(page), "revision": revision(page)}).get_data(as_text=True)
    assert "box-certificate" not in fragment
    assert "前置步骤 &#39;certificate&#39; 不存在" in box(fragment, "hukou")


@pytest.mark.parametrize("who", ["clerk_police", "lead_govsvc"])
def test_only_a_designer_may_open_it(world: Flask, who: str):
    assert Person(world, who).get(URL).status_code == 404


def test_a_change_needs_the_csrf_token(world: Flask):
    designer = Person(world, "designer")
    page = designer.page(URL)
    answer = designer.client.post(URL + "/steps", data={
        "revision": revision(page), "task": "ss_card", "id": "nope"})
    assert answer.status_code == 400
    assert "nope" not in [s["id"] for s in copy_data(world)["steps"]]


def test_a_new_process_starts_empty_and_its_panel_sets_its_name_and_start_form(world: Flask):
    designer = Person(world, "designer")
    index = designer.page("/designer/")
    assert "新建流程" in index and 'for="new-process-birth_one_thing"' in index
    made = designer.client.post("/designer/new", data={
        "csrf_token": token(index), "pack": "birth_one_thing", "kind": "Process",
        "id": "gift_flow", "title": "礼包联办"})
    assert made.status_code == 303 and made.headers["Location"].endswith(
        "/designer/processes/gift_flow")
    page = designer.page("/designer/processes/gift_flow")
    assert '<select id="p-process-start_form" name="process.start_form">' in page
    assert '<option value="birth_apply">' in page  # the pack's forms to choose from
    assert "start_form" in page.split('id="process-problems"')[1]  # required, not set yet
    answer = designer.client.post("/designer/processes/gift_flow/process", data={
        "csrf_token": token(page), "revision": revision(page), "process.title.zh": "礼包联办",
        "process.title.en": "Gift", "process.start_form": "birth_apply"},
        headers={"HX-Request": "true"})
    assert answer.status_code == 200
    assert '<option value="birth_apply" selected>' in answer.get_data(as_text=True)
    with store(world).sessions() as session:
        found = designs.get_copy(session, "Process", "gift_flow")
        assert found is not None
        data = yaml.safe_load(found.text)
    assert data["title"] == {"zh": "礼包联办", "en": "Gift"}
    assert data["start_form"] == "birth_apply" and data["steps"] == []

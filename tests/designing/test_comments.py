"""Every structured edit of the designer writes the working copy through one function
(workspace.save_data) over the copy's current text: a comment the user wrote stays beside the
same thing after a canvas move, a property change, a new process step or a new table row, and
a definition saved unchanged keeps its bytes."""

from __future__ import annotations

import html
import io
import re
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session
from web.test_workbench import Person, world  # noqa: F401

from designer.workspace import save_data
from runtime.definitions.kinds import builtin_kinds
from runtime.definitions.loader import load_text
from runtime.store import audit, designs
from runtime.web.database import store

__all__ = ["world"]
ROOT = Path(__file__).parents[2]
ACTOR = audit.Actor("designer", "designer")


def revision(page: str) -> str:
    found = re.search(r'name="revision" value="(\d+)"', page)
    assert found is not None
    return found.group(1)


def token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def copy_text(app: Flask, kind: str, def_id: str) -> str:
    with store(app).sessions() as session:
        found = designs.get_copy(session, kind, def_id)
        assert found is not None
        return found.text


def write_yaml(person: Person, kind: str, def_id: str, change: dict[str, str],
               text: str | None = None) -> None:
    """In the YAML editor, replace each line `old` of the copy's text (or of `text`) by `new`,
    and save."""
    page = person.page(f"/designer/{kind}/{def_id}")
    found = re.search(r'<textarea[^>]*name="text"[^>]*>(.*?)</textarea>', page, re.S)
    assert found is not None
    text = text or html.unescape(found.group(1)).lstrip("\n")
    for old, new in change.items():
        assert f"\n{old}\n" in text, old
        text = text.replace(f"\n{old}\n", f"\n{new}\n", 1)
    answer = person.client.post(f"/designer/{kind}/{def_id}/save", data={
        "csrf_token": token(page), "revision": revision(page), "text": text})
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]


def owner(text: str, line: str) -> str:
    """The id of the nearest `- id:` (or `- {id:`) item above `line` in `text`."""
    before = text[:text.index(line)]
    return re.findall(r"- \{?id: (\w+)", before)[-1]


BIRTH_COMMENT = ("        # On the field, not the form: refused on this page, beside the date, "
                 "as it is left.\n        validations:")


def test_a_comment_in_a_form_field_survives_canvas_moves_and_a_property_change(world: Flask):
    designer = Person(world, "designer")
    # the shipped file with its author's comment, and one more, as the working copy
    shipped = (ROOT / "scenario_packs/birth_one_thing/forms/birth_apply.yaml").read_text()
    write_yaml(designer, "Form", "birth_apply", {
        "      - id: birth_date": "      - id: birth_date  # 以出生医学证明为准",
        "      - id: father_id": "      # 父亲信息可以不填\n      - id: father_id"}, shipped)
    url = "/designer/forms/birth_apply"
    page = designer.page(url)
    for op, field, extra in (("down", "child_gender", {}), ("up", "birth_date", {}),
                             ("up", "father_id", {}),
                             ("props", "birth_date",
                              {"prop-label.zh": "出生日期（公历）", "prop-label.en": "Birth date"})):
        answer = designer.client.post(url + "/edit", data={
            "csrf_token": token(page), "revision": revision(page), "op": op, "field": field,
            **extra}, headers={"HX-Request": "true"})
        assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
        page = answer.get_data(as_text=True)
        text = copy_text(world, "Form", "birth_apply")
        assert BIRTH_COMMENT in text and owner(text, BIRTH_COMMENT) == "birth_date", op
        assert "      - id: birth_date  # 以出生医学证明为准\n" in text
    assert "label: {zh: 出生日期（公历）, en: Birth date}" in text
    # the comment line above a field moved up with it
    assert "      # 父亲信息可以不填\n      - id: father_id\n" in text
    assert text.index("- id: father_id") < text.index("- {id: father_name")
    # the rest of the form is written as the shipped file writes it
    assert text.split("  - id: services_page")[1] == shipped.split("  - id: services_page")[1]


def test_comments_on_process_steps_survive_adding_and_changing_a_step(world: Flask):
    designer = Person(world, "designer")
    write_yaml(designer, "Process", "birth_joint", {
        "  - {id: accept, task: accept}": "  - {id: accept, task: accept}  # 窗口受理",
        "    when: enrol_insurance": "    # 只在申请人勾选医保时\n    when: enrol_insurance"})
    url = "/designer/processes/birth_joint"
    page = designer.page(url)
    answer = designer.client.post(url + "/steps", data={
        "csrf_token": token(page), "revision": revision(page), "task": "ss_card",
        "id": "archive", "after": "close"}, headers={"HX-Request": "true"})
    assert answer.status_code == 200
    text = copy_text(world, "Process", "birth_joint")
    assert "  - {id: accept, task: accept}  # 窗口受理\n" in text
    assert "    # 只在申请人勾选医保时\n    when: enrol_insurance\n" in text
    assert owner(text, "# 只在申请人勾选医保时") == "insurance"
    assert text.endswith("  - id: archive\n    task: ss_card\n    after: [close]\n")
    page = answer.get_data(as_text=True)
    answer = designer.client.post(url + "/steps/4", data={
        "csrf_token": token(page), "revision": revision(page), "s4.id": "insurance",
        "s4.task": "insurance_enrolment", "s4.after": "hukou",
        "s4.when": "enrol_insurance and not is_empty(residence)"})
    assert answer.status_code == 200
    text = copy_text(world, "Process", "birth_joint")
    assert "  - {id: accept, task: accept}  # 窗口受理\n" in text
    assert ("    # 只在申请人勾选医保时\n"
            "    when: enrol_insurance and not is_empty(residence)\n") in text


def test_a_comment_on_a_table_row_survives_adding_a_row(world: Flask):
    designer = Person(world, "designer")
    row = "  - when: residence in ['110105', '110106']"
    write_yaml(designer, "DecisionTable", "card_channel", {
        "hit_policy: first": "hit_policy: first  # 先到先得",
        row: row + "  # 朝阳、海淀的街道可以代领"})
    url = "/designer/tables/card_channel"
    page = designer.page(url)
    form = re.search(r'<form id="table-form".*?</form>', page, re.S)
    assert form is not None
    fields = {name: html.unescape(value) for name, value in re.findall(
        r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form.group(0)) if name != "inputs"}
    inputs = re.findall(r'name="inputs" value="([^"]+)"', page)
    answer = designer.client.post(url, data={**fields, "hit_policy": "first", "inputs": inputs,
                                             "op": "add_row"})
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    text = copy_text(world, "DecisionTable", "card_channel")
    assert "hit_policy: first  # 先到先得\n" in text
    assert row + "  # 朝阳、海淀的街道可以代领\n" in text
    assert load_text("t.yaml", text).data["rows"][-1] == {"when": "true", "then": {}}


def _shipped() -> list[Path]:
    kinds = builtin_kinds()
    found = sorted([*ROOT.glob("scenario_packs/*/**/*.yaml"),
                    *ROOT.glob("templates_lib/**/*.yaml")])
    return [p for p in found if load_text(str(p), p.read_text("utf-8")).data.get("kind") in kinds]


@pytest.mark.parametrize("path", _shipped(), ids=lambda p: str(p.relative_to(ROOT)))
def test_a_shipped_definition_saved_unchanged_keeps_its_bytes(session: Session, path: Path):
    text = path.read_text("utf-8")
    data = load_text(path.name, text).data
    copy = designs.open_copy(session, data["kind"], data["id"], ACTOR)
    copy = designs.save_copy(session, copy.kind, copy.def_id, text, copy.revision, ACTOR)
    saved = save_data(session, copy.kind, copy.def_id, data, copy.revision, ACTOR)
    assert saved.text == text
    assert saved.revision == copy.revision  # nothing changed, so no new revision


def test_restoring_over_a_copy_whose_yaml_is_broken_writes_the_version(session: Session):
    data = {"kind": "Form", "id": "broken", "version": 1, "fields": []}
    copy = designs.open_copy(session, "Form", "broken", ACTOR)
    copy = designs.save_copy(session, "Form", "broken", "kind: Form\nid: [", copy.revision,
                             ACTOR)
    saved = save_data(session, "Form", "broken", data, copy.revision, ACTOR)
    assert saved.text == "kind: Form\nid: broken\nversion: 1\nfields: []\n"


def test_saving_into_no_copy_is_refused(session: Session):
    with pytest.raises(designs.CopyMissing):
        save_data(session, "Form", "nothing_here", {"kind": "Form"}, 1, ACTOR)


def test_a_published_definition_opens_with_its_comments_and_publishing_keeps_them(
        world: Flask):
    designer = Person(world, "designer")
    shipped = (ROOT / "scenario_packs/birth_one_thing/forms/birth_apply.yaml").read_text()
    designer.page("/designer/forms/birth_apply")
    assert copy_text(world, "Form", "birth_apply") == shipped  # its author's comments too
    # a comment written in the YAML editor is published with the version, so the next working
    # copy and the pack's export still have it
    write_yaml(designer, "Form", "birth_apply", {
        "      - id: father_id": "      # 父亲信息可以不填\n      - id: father_id"})
    page = designer.page("/designer/Form/birth_apply")
    answer = designer.client.post("/designer/Form/birth_apply/publish", data={
        "csrf_token": token(page), "revision": revision(page)})
    assert answer.status_code == 200 and "已发布" in answer.get_data(as_text=True)
    reopened = copy_text(world, "Form", "birth_apply")
    assert "      # 父亲信息可以不填\n      - id: father_id\n" in reopened
    assert BIRTH_COMMENT in reopened
    exported = designer.client.get("/designer/packs/birth_one_thing/export.zip")
    with zipfile.ZipFile(io.BytesIO(exported.data)) as archive:
        assert "# 父亲信息可以不填" in archive.read("birth_one_thing/forms/birth_apply.yaml").decode("utf-8")

"""The designer's pages over HTTP: who may design, CSRF, problems at their place, the
form designer's edits as YAML, a conflict between two editors, publishing refused then
accepted, and the new version serving the public form."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import yaml
from flask import Flask
from flask.testing import FlaskClient

from designer.workspace import may_design
from designing.conftest import Client, csrf_from
from runtime import access
from runtime.packs import check_path
from runtime.store import audit, designs
from runtime.store.queries import definition_versions, latest_definition
from runtime.web.database import store


def page(client: FlaskClient, url: str) -> tuple[str, str]:
    answer = client.get(url)
    assert answer.status_code == 200, answer.status_code
    html = answer.get_data(as_text=True)
    return html, csrf_from(html)


def revision(html: str) -> str:
    found = re.search(r'name="revision" value="(\d+)"', html)
    assert found is not None
    return found.group(1)


def edit(client: FlaskClient, token: str, rev: str, **values: str) -> tuple[int, str]:
    answer = client.post("/designer/forms/demo_apply/edit",
                         data={"csrf_token": token, "revision": rev, **values},
                         headers={"HX-Request": "true"})
    return answer.status_code, answer.get_data(as_text=True)


def copy_data(app: Flask) -> dict:
    with store(app).sessions() as session:
        copy = designs.get_copy(session, "Form", "demo_apply")
        assert copy is not None
        return yaml.safe_load(copy.text)


def test_the_designer_lists_the_packs_a_designer_may_design(signed_in: Client) -> None:
    html, _ = page(signed_in("designer"), "/designer/")
    assert "示例场景" in html and "demo_apply" in html
    assert 'href="/designer/forms/demo_apply"' in html
    assert 'id="menu-designer"' in html


def test_who_may_not_design_gets_a_404(signed_in: Client, designed: Flask) -> None:
    clerk = signed_in("clerk_govsvc")
    assert clerk.get("/designer/").status_code == 404
    assert clerk.get("/designer/forms/demo_apply").status_code == 404
    assert designed.test_client().get("/designer/").status_code == 302  # sign in first
    with store(designed).sessions() as session:
        assert designs.get_copy(session, "Form", "demo_apply") is None
        assert audit.search(session, action="access.denied")


def test_a_post_without_the_csrf_token_is_refused(signed_in: Client, designed: Flask) -> None:
    client = signed_in("designer")
    html, _ = page(client, "/designer/forms/demo_apply")
    answer = client.post("/designer/forms/demo_apply/edit",
                         data={"revision": revision(html), "op": "add", "type": "text"})
    assert answer.status_code == 400
    assert len(copy_data(designed)["fields"]) == 1


def test_the_form_designer_shows_palette_canvas_and_preview(signed_in: Client) -> None:
    html, _ = page(signed_in("designer"), "/designer/forms/demo_apply")
    for name in ("text", "id_card", "table", "section", "select"):
        assert f'data-type="{name}"' in html  # every registered field type is offered
    assert 'data-block="task_opinion"' in html  # and the templates_lib blocks
    assert 'id="canvas-applicant"' in html
    assert 'id="preview"' in html and 'name="applicant"' in html  # the runtime's rendering
    assert "vendor/sortablejs/Sortable.min.js" in html


def test_canvas_edits_change_the_yaml(signed_in: Client, designed: Flask) -> None:
    client = signed_in("designer")
    html, token = page(client, "/designer/forms/demo_apply")
    status, html = edit(client, token, revision(html), op="add", type="id_card")
    assert status == 200
    fields = copy_data(designed)["fields"]
    assert [f["type"] for f in fields] == ["text", "id_card"]
    new_id = fields[1]["id"]
    assert new_id == "ju_min_shen_fen_zheng_hao"  # from the label 居民身份证号, in pinyin
    assert 'class="canvas-item selected"' in html and f'id="canvas-{new_id}"' in html
    # the properties panel, from the schema: set the label, required, a visibility rule
    status, html = edit(client, token, revision(html), op="props", field=new_id,
                        **{"prop-label.zh": "母亲身份证号", "prop-label.en": "Mother's ID",
                           "prop-required": "1", "prop-visible_when": "applicant != ''"})
    assert status == 200, html
    field = copy_data(designed)["fields"][1]
    assert field["label"] == {"zh": "母亲身份证号", "en": "Mother's ID"}
    assert field["required"] is True and field["visible_when"] == "applicant != ''"
    assert field["id"] == "mu_qin_shen_fen_zheng_hao"  # a suggested id follows its label
    assert "母亲身份证号" in html  # on the canvas and in the preview
    # keyboard moves: up, duplicate, delete
    status, html = edit(client, token, revision(html), op="up", field=field["id"])
    assert [f["id"] for f in copy_data(designed)["fields"]] == [field["id"], "applicant"]
    status, html = edit(client, token, revision(html), op="duplicate", field="applicant")
    assert [f["id"] for f in copy_data(designed)["fields"]] == [
        field["id"], "applicant", "applicant_copy"]
    status, html = edit(client, token, revision(html), op="delete", field="applicant_copy")
    assert len(copy_data(designed)["fields"]) == 2


def test_moving_into_a_section_and_out_again(signed_in: Client, designed: Flask) -> None:
    client = signed_in("designer")
    html, token = page(client, "/designer/forms/demo_apply")
    _, html = edit(client, token, revision(html), op="add", type="section", parent="",
                   index="0")
    section = copy_data(designed)["fields"][0]["id"]
    _, html = edit(client, token, revision(html), op="move", field="applicant",
                   parent=section, index="0")
    data = copy_data(designed)
    assert [f["id"] for f in data["fields"]] == [section]
    assert data["fields"][0]["fields"][0]["id"] == "applicant"
    _, html = edit(client, token, revision(html), op="out", field="applicant")
    assert [f["id"] for f in copy_data(designed)["fields"]] == [section, "applicant"]
    _, html = edit(client, token, revision(html), op="into", field="applicant")
    assert copy_data(designed)["fields"][0]["fields"][-1]["id"] == "applicant"


def test_a_taken_id_is_refused(signed_in: Client, designed: Flask) -> None:
    client = signed_in("designer")
    html, token = page(client, "/designer/forms/demo_apply")
    _, html = edit(client, token, revision(html), op="add", type="text")
    new_id = copy_data(designed)["fields"][1]["id"]
    status, html = edit(client, token, revision(html), op="props", field=new_id,
                        **{"prop-id": "applicant"})
    assert status == 422 and "已被其他字段使用" in html
    assert copy_data(designed)["fields"][1]["id"] == new_id


def test_problems_are_shown_at_their_place(signed_in: Client) -> None:
    client = signed_in("designer")
    html, token = page(client, "/designer/Form/demo_apply")
    text = re.search(r'<textarea id="yaml-text"[^>]*>(.*?)</textarea>', html, re.S)
    assert text is not None
    # the canonical text writes a short field as one flow mapping line: {id: ..., required: true}
    assert "required: true}" in text.group(1)
    broken = text.group(1).replace("required: true}", "required: true, compute: amout + 1}")
    answer = client.post("/designer/Form/demo_apply/save",
                         data={"csrf_token": token, "revision": revision(html), "text": broken})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "amout" in html and "fields[0].compute" in html
    assert re.search(r"第 \d+ 行", html)
    # a YAML error is shown at its line, and the text is kept as typed
    answer = client.post("/designer/Form/demo_apply/save",
                         data={"csrf_token": token, "revision": revision(html),
                               "text": "kind: Form\nid: demo_apply\nfields: [\n"})
    html = answer.get_data(as_text=True)
    assert "第 3 行" in html or "第 4 行" in html
    # the form designer still opens: the canvas says to fix the YAML, the YAML view shows it
    html, _ = page(client, "/designer/forms/demo_apply")
    assert "YAML 有错误" in html and "fields: [" in html


def test_a_second_editor_is_told_who_saved(signed_in: Client, designed: Flask) -> None:
    first, second = signed_in("designer"), signed_in("designer")
    html1, token1 = page(first, "/designer/forms/demo_apply")
    html2, token2 = page(second, "/designer/forms/demo_apply")
    assert edit(first, token1, revision(html1), op="add", type="text")[0] == 200
    status, html = edit(second, token2, revision(html2), op="add", type="integer")
    assert status == 409
    assert "designer" in html and "重新载入或合并" in html
    assert [f["type"] for f in copy_data(designed)["fields"]] == ["text", "text"]


def test_undo_and_redo_from_the_page(signed_in: Client, designed: Flask) -> None:
    client = signed_in("designer")
    html, token = page(client, "/designer/forms/demo_apply")
    _, html = edit(client, token, revision(html), op="add", type="text")
    answer = client.post("/designer/Form/demo_apply/undo",
                         data={"csrf_token": token, "revision": revision(html),
                               "editor": "form"}, headers={"HX-Request": "true"})
    assert answer.status_code == 200
    assert len(copy_data(designed)["fields"]) == 1
    html = answer.get_data(as_text=True)
    client.post("/designer/Form/demo_apply/redo",
                data={"csrf_token": token, "revision": revision(html), "editor": "form"})
    assert len(copy_data(designed)["fields"]) == 2


def test_publishing_is_refused_with_every_problem_then_accepted(
        signed_in: Client, designed: Flask) -> None:
    client = signed_in("designer")
    html, token = page(client, "/designer/forms/demo_apply")
    _, html = edit(client, token, revision(html), op="add", type="integer")
    new_id = copy_data(designed)["fields"][1]["id"]
    _, html = edit(client, token, revision(html), op="props", field=new_id,
                   **{"prop-compute": "amout * 2", "prop-visible_when": "nothing_here"})
    answer = client.post("/designer/Form/demo_apply/publish",
                         data={"csrf_token": token, "revision": revision(html),
                               "editor": "form"}, headers={"HX-Request": "true"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "未发布" in html and "amout" in html and "nothing_here" in html
    with store(designed).sessions() as session:
        assert definition_versions(session, "Form", "demo_apply") == [1]
    _, html = edit(client, token, revision(html), op="props", field=new_id,
                   **{"prop-compute": "", "prop-visible_when": "applicant != ''",
                      "prop-label.zh": "子女人数", "prop-label.en": "Children"})
    answer = client.post("/designer/Form/demo_apply/publish",
                         data={"csrf_token": token, "revision": revision(html),
                               "editor": "form"}, headers={"HX-Request": "true"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200, html
    assert "已发布第 2 版" in html
    with store(designed).sessions() as session:
        assert definition_versions(session, "Form", "demo_apply") == [1, 2]
        published = latest_definition(session, "Form", "demo_apply")
        assert published is not None
        assert [f["label"]["zh"] for f in published.data["fields"]] == ["申请人", "子女人数"]
        assert audit.search(session, action="definition.publish")
        assert audit.search(session, action="design.save")
    public = designed.test_client().get("/forms/demo_apply").get_data(as_text=True)
    assert "子女人数" in public


def test_try_it_shows_visibility_and_computed_values(signed_in: Client, designed: Flask) -> None:
    client = signed_in("designer")
    html, token = page(client, "/designer/forms/demo_apply")
    _, html = edit(client, token, revision(html), op="add", type="text")
    new_id = copy_data(designed)["fields"][1]["id"]
    _, html = edit(client, token, revision(html), op="props", field=new_id,
                   **{"prop-compute": "applicant + '!'",
                      "prop-visible_when": "applicant != ''"})
    answer = client.post("/designer/forms/demo_apply/try",
                         data={"csrf_token": token, "applicant": ""},
                         headers={"HX-Request": "true"})
    empty = answer.get_data(as_text=True)
    row = re.search(rf'data-path="{new_id}">.*?class="state-visible">([^<]*)<', empty, re.S)
    assert row is not None and row.group(1) == "否"
    answer = client.post("/designer/forms/demo_apply/try",
                         data={"csrf_token": token, "applicant": "王"},
                         headers={"HX-Request": "true"})
    filled = answer.get_data(as_text=True)
    row = re.search(rf'data-path="{new_id}">.*?class="state-visible">([^<]*)<.*?'
                    r'class="state-value">([^<]*)<', filled, re.S)
    assert row is not None and row.groups() == ("是", "王!")


def test_a_new_form_starts_from_a_skeleton(signed_in: Client, designed: Flask) -> None:
    client = signed_in("designer")
    html, token = page(client, "/designer/")
    answer = client.post("/designer/new", data={"csrf_token": token, "pack": "demo_pack",
                                                "kind": "Form", "id": "demo_new"})
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("/designer/forms/demo_new")
    html, _ = page(client, "/designer/forms/demo_new")
    assert "拖到这里" in html
    assert client.post("/designer/new", data={"csrf_token": token, "pack": "demo_pack",
                                              "id": "Bad Id"}).status_code == 422


def test_a_yaml_edit_shows_on_the_canvas(signed_in: Client, designed: Flask) -> None:
    client = signed_in("designer")
    html, token = page(client, "/designer/forms/demo_apply")
    text = re.search(r'<textarea id="yaml-text"[^>]*>(.*?)</textarea>', html, re.S)
    assert text is not None
    # the canonical text indents the fields list by two spaces under `fields:`
    changed = text.group(1).rstrip("\n") + (
        "\n  - id: remark\n    type: textarea\n    label:\n      zh: 备注\n      en: Remark\n")
    answer = client.post("/designer/Form/demo_apply/save",
                         data={"csrf_token": token, "revision": revision(html), "text": changed,
                               "editor": "form"}, headers={"HX-Request": "true"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert html.startswith('<div id="workspace"')  # the form designer's workspace again
    assert 'id="canvas-remark"' in html and "备注" in html
    assert 'name="remark"' in html  # in the preview too


def test_a_new_form_takes_its_title(signed_in: Client, designed: Flask) -> None:
    client = signed_in("designer")
    _, token = page(client, "/designer/")
    client.post("/designer/new", data={"csrf_token": token, "pack": "demo_pack",
                                       "id": "named_form", "title": "随手拍: 反映问题"})
    html, _ = page(client, "/designer/forms/named_form")
    assert "随手拍: 反映问题" in html
    with store(designed).sessions() as session:
        copy = designs.get_copy(session, "Form", "named_form")
        assert copy is not None and yaml.safe_load(copy.text)["title"] == {
            "zh": "随手拍: 反映问题"}


def test_a_designer_scoped_to_another_department_may_not_design_the_pack(
        make_pack: Callable[..., Path]) -> None:
    pack = check_path(make_pack()).pack
    assert pack is not None
    ours = access.Principal(1, (access.Membership("GOVSVC", ("GOVSVC",), None, "designer",
                                                  access.DEPARTMENT),))
    theirs = access.Principal(2, (access.Membership("HEALTH", ("HEALTH",), None, "designer",
                                                    access.DEPARTMENT),))
    clerk = access.Principal(3, (access.Membership("GOVSVC", ("GOVSVC",), None, "clerk",
                                                   access.ALL),))
    assert may_design(ours, pack) and not may_design(theirs, pack)
    assert not may_design(clerk, pack) and not may_design(None, pack)


def test_the_yaml_editor_keeps_both_texts_on_a_conflict(signed_in: Client,
                                                         designed: Flask) -> None:
    first, second = signed_in("designer"), signed_in("designer")
    html1, token1 = page(first, "/designer/Form/demo_apply")
    html2, token2 = page(second, "/designer/Form/demo_apply")
    text = re.search(r'<textarea id="yaml-text"[^>]*>(.*?)</textarea>', html1, re.S)
    assert text is not None
    first.post("/designer/Form/demo_apply/save", data={
        "csrf_token": token1, "revision": revision(html1),
        "text": text.group(1).replace("申请人", "申请人姓名")})
    answer = second.post("/designer/Form/demo_apply/save", data={
        "csrf_token": token2, "revision": revision(html2),
        "text": text.group(1).replace("申请人", "经办人")})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 409
    assert 'id="conflict"' in html and "designer" in html
    newest = re.search(r'<textarea id="yaml-text"[^>]*>(.*?)</textarea>', html, re.S)
    mine = re.search(r'<textarea id="yaml-mine"[^>]*>(.*?)</textarea>', html, re.S)
    assert newest is not None and "申请人姓名" in newest.group(1)  # theirs, to merge into
    assert mine is not None and "经办人" in mine.group(1)  # and what I typed, not lost
    # discarding starts again from the published version
    answer = second.post("/designer/Form/demo_apply/discard",
                         data={"csrf_token": token2, "revision": revision(html)})
    assert answer.status_code == 200
    assert "申请人姓名" not in answer.get_data(as_text=True)
    assert copy_data(designed)["fields"][0]["label"]["zh"] == "申请人"


def test_a_templates_lib_block_comes_in_as_a_section(signed_in: Client, designed: Flask) -> None:
    client = signed_in("designer")
    html, token = page(client, "/designer/forms/demo_apply")
    _, html = edit(client, token, revision(html), op="block", block="task_opinion")
    _, html = edit(client, token, revision(html), op="block", block="task_opinion")
    fields = copy_data(designed)["fields"]
    assert [f["type"] for f in fields] == ["text", "section", "section"]
    first, second = fields[1]["fields"], fields[2]["fields"]
    assert len(first) == len(second) > 0
    ids = [f["id"] for f in [fields[0], fields[1], fields[2], *first, *second]]
    assert len(ids) == len(set(ids))  # the second block's ids made unique
    assert "检查通过" in html  # and the form still checks clean

"""Field plans are cached per form spec object and language: two forms that share a head
(kind, id, version, title) but not their fields must never share words."""

from __future__ import annotations

from flask import Flask, render_template

from runtime.definitions.checker import check_documents
from runtime.definitions.loader import load_text
from runtime.definitions.spec import FormSpec
from runtime.forms.state import form_state
from runtime.providers import default_extensions, default_field_types
from runtime.web.fieldtypes import field_types
from runtime.web.formviews import Views, plans

TYPES = default_field_types()
FIELDS = """\
fields:
  - {{id: name, type: text, label: {{zh: {zh}, en: {en}}}, help: 帮助}}
  - id: kind
    type: radio
    label: 类别
    options: [{{value: a, label: {{zh: 甲, en: A}}}}, {{value: b, label: 乙}}]
"""


def build_form(fields: str) -> FormSpec:
    text = "kind: Form\nid: apply\nversion: 1\ntitle: 申请\n" + fields
    result = check_documents([load_text("forms/apply.yaml", text)],
                             extensions=default_extensions(), resolve_refs=False)
    assert result.problems == [], [p.render() for p in result.problems]
    spec = result.definitions[0].spec
    assert isinstance(spec, FormSpec)
    return spec


def test_forms_with_the_same_head_get_their_own_plans() -> None:
    first = build_form(FIELDS.format(zh="姓名", en="Name"))
    second = build_form(FIELDS.format(zh="名称", en="Title"))
    assert first != second  # same head, two forms: each gets its own plans
    labels = [[p.label for p in plans(form, "zh", TYPES).values()] for form in (first, second)]
    assert labels == [["姓名", "类别"], ["名称", "类别"]]


def test_a_plan_is_built_once_per_form_and_language() -> None:
    form = build_form(FIELDS.format(zh="姓名", en="Name"))
    assert plans(form, "en", TYPES) is plans(form, "en", TYPES)
    zh, en = plans(form, "zh", TYPES), plans(form, "en", TYPES)
    assert [p.options for p in en.values()][1] == (("a", "A"), ("b", "乙"))
    assert [p.label for p in zh.values()] == ["姓名", "类别"]
    assert [p.label for p in en.values()] == ["Name", "类别"]


def test_the_page_and_a_partial_update_render_the_same_fragment(app: Flask) -> None:
    form = build_form(FIELDS.format(zh="姓名", en="Name"))
    views = Views(form, form_state(form, {"kind": "b"}), {"name": ["太长"]}, {},
                  types=field_types(app)).top()
    with app.test_request_context("/"):
        page = render_template("_field.html", fields=views, oob=False, live_url="/x")
        update = render_template("_oob_fields.html", views=views, live_url="/x")
    assert update.count('hx-swap-oob="true"') == 2
    assert update.replace(' hx-swap-oob="true"', "") == page
    assert 'aria-describedby="help-name err-name"' in page
    assert '<p id="err-name" class="error">太长</p>' in page
    assert 'value="b" hx-post="/x"' in page and "checked" in page.split('value="b"')[1]

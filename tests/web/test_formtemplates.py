"""A form's compiled page template says what the generic field loop says, tag by tag, in
every state the data can put a field in; its words are written in once, and no word of a
definition can open a Jinja tag."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, render_template
from flask.testing import FlaskClient

from runtime.forms.state import form_state
from runtime.providers import default_field_types
from runtime.store import models
from runtime.web.fieldtypes import field_types
from runtime.web.formpage import TEXT
from runtime.web.forms import page_fields
from runtime.web.formtemplates import source
from runtime.web.formviews import Views

from .test_forms import EXAMPLE
from .test_formviews import build_form

FIELDS = """\
fields:
  - {id: note, type: notice, label: 说明, text: "请注意 <i>{% raw %} & \\"引号\\"'"}
  - id: grp
    type: section
    label: "分组 {{ 1 }} <x>"
    fields:
      - {id: a1, type: text, label: {zh: "甲 & <乙>", en: "A & <B>"}, help: "帮助 {{ y }}",
         placeholder: "例 <z>", max_length: 5, required: true}
      - {id: a2, type: integer, label: 整数, visible_when: "a1 == 'x'",
         required_when: "a1 == 'y'"}
      - {id: a3, type: textarea, label: 多行, help: 说明文字}
  - id: pick
    type: select
    label: 选择
    help: 选一个
    options: [{value: "a&b", label: "甲<乙>"}, {value: "{{c}}", label: "{% x %}"},
              {value: "d\\"e", label: "d'e"}]
  - {id: multi, type: multiselect, label: 多个, options: [{value: x, label: X}, {value: y, label: Y}]}
  - {id: rad, type: radio, label: 单选, help: 帮助, required: true,
     options: [{value: "1", label: 一}, {value: "2", label: {zh: 二, en: Two}}]}
  - {id: chk, type: checkbox, label: 多选, options: [{value: "1", label: 一}, {value: "2", label: 二}]}
  - {id: yn, type: yes_no, label: 是否, help: 是或否, required: true}
  - {id: when, type: datetime, label: 时间}
  - {id: phone, type: mobile, label: 手机}
  - {id: rich, type: richtext, label: 富文本}
  - {id: dr, type: date_range, label: 期间}
  - id: rows
    type: table
    label: 明细
    fields:
      - {id: item, type: text, label: 项目, required: true}
      - {id: amount, type: money, label: 金额}
  - {id: up, type: file, label: 附件, help: 上传}
"""
FILLED: dict[str, Any] = {
    "a1": "y", "a2": 5, "a3": "<t>{{ x }}", "pick": "{{c}}", "multi": ["x", "y"], "rad": "2",
    "chk": ["1", "2"], "yn": False, "when": "2026-01-02T03:04", "phone": "138", "rich": "r",
    "dr": ["2026-01-01", "2026-02-01"], "rows": [{"item": "i<1>", "amount": 1}, {}],
}
EVERY_PATH = ["a1", "a2", "a3", "pick", "multi", "rad", "chk", "yn", "when", "phone", "rich",
              "dr", "rows", "rows[0].item", "up"]
STATES = {
    "empty": ({}, {}, frozenset()),
    "filled": (FILLED, {}, frozenset()),
    "errors": (FILLED, {p: ["错 <1>", "错2"] for p in EVERY_PATH}, frozenset()),
    "shown": ({"a1": "x", "yn": True}, {"a2": ["太大"]}, frozenset()),
    "locked": (FILLED, {"a1": ["错"]}, frozenset({"a1", "pick", "rad", "yn", "a3", "rows"})),
}


class Tags(HTMLParser):
    """Start tags with their attributes in any order, end tags and text with its spaces
    collapsed: what a page means, not how its source is laid out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[Any, ...]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append(("<", tag, tuple(sorted(attrs))))

    def handle_endtag(self, tag: str) -> None:
        self.found.append((">", tag))

    def handle_data(self, data: str) -> None:
        if words := " ".join(data.split()):
            self.found.append(("text", words))


def tags(html: str) -> list[tuple[Any, ...]]:
    parser = Tags()
    parser.feed(html)
    parser.close()
    return parser.found


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("state", list(STATES))
def test_the_compiled_page_says_what_the_generic_loop_says(app: Flask, state: str,
                                                            lang: str) -> None:
    form = build_form(FIELDS)
    data, errors, locked = STATES[state]
    views = Views(form, form_state(form, data), errors, {}, locked=locked, lang=lang,
                  types=field_types(app)).top()
    context = {"views": views, "live_url": "/x?a=1&b=2", "form_id": "apply", "step": 0}
    with app.test_request_context("/" + ("?lang=en" if lang == "en" else "")):
        generic = render_template("_field.html", fields=views, oob=False, **context)
        compiled = render_template(page_fields(form, "/x?a=1&b=2"), **context)
    assert tags(compiled) == tags(generic)
    assert ("text", "分组 {{ 1 }} <x>") in tags(compiled)  # a label's braces shown, not run


def test_words_are_written_in_and_braces_never_open_a_tag() -> None:
    form = build_form(FIELDS)
    text = source(form, "en", "/x", lambda key: TEXT.format(key, "en"),
                  default_field_types())
    assert "A &amp; &lt;B&gt;" in text and "Two</label>" in text and ">Choose</option>" in text
    assert "plan" not in text and "&#123;&#123; 1 }}" in text
    assert '<option value="&#123;&#123;c}}"' in text and ">&#123;% x %}</option>" in text


def test_a_form_is_compiled_once_per_object_language_and_address(app: Flask) -> None:
    first, second = build_form(FIELDS), build_form(FIELDS)
    with app.test_request_context("/"):
        once = page_fields(first, "/x")
        assert page_fields(first, "/x") is once
        assert page_fields(second, "/x") is not once  # same head, another form
        assert page_fields(first, "/y") is not once
    with app.test_request_context("/?lang=en"):
        assert page_fields(first, "/x") is not once


def test_pages_are_steps_and_only_the_current_one_shows(app: Flask) -> None:
    form = build_form("""\
fields:
  - {id: one, type: page, label: 一, fields: [{id: a, type: text, label: 甲}]}
  - {id: two, type: page, label: 二, fields: [{id: b, type: text, label: 乙}]}
""")
    views = Views(form, form_state(form, {}), {}, {}, types=field_types(app)).top()
    with app.test_request_context("/"):
        html = render_template(page_fields(form, "/x"), views=views, live_url="/x", step=1)
    assert '<section class="step" id="step-0" hidden>' in html
    assert '<section class="step" id="step-1">' in html


def test_a_form_page_reads_the_definition_content_only_when_its_spec_is_not_cached(
        client: FlaskClient, publish: Callable[[Path], object]) -> None:
    publish(EXAMPLE)
    models._SPECS.clear()  # as in a fresh process: the deferred content is read on demand
    page = client.get("/forms/birth_apply")
    assert page.status_code == 200 and 'id="in-child_name"' in page.get_data(as_text=True)
    assert len(models._SPECS) >= 1  # and built once, for the next request

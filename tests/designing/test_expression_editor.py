"""The expression editor over HTTP: the checker's own messages as the user types (unknown
names with did-you-mean, wrong types, cycles), the result type, completions of fields,
members and functions, who may use it, and CSRF."""

from __future__ import annotations

import html
import re

import pytest
from flask import Flask
from web.test_workbench import Person, world  # noqa: F401

__all__ = ["world"]
CHECK = "/designer/expressions/check"
STEP_WHEN = {"kind": "Process", "def_id": "birth_joint", "path": "steps[4].when",
             "field": "s4.when", "wid": "p-s4-when"}


@pytest.fixture
def designer(world: Flask) -> Person:
    person = Person(world, "designer")
    person.page("/designer/processes/birth_joint")  # opens the working copy
    return person


def check(person: Person, source: str, lang: str = "", **args: str) -> str:
    given = {**STEP_WHEN, **args}
    answer = person.client.post(CHECK + lang, data={**given, given["field"]: source},
                                headers={"X-CSRFToken": person.token(), "HX-Request": "true"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_data(as_text=True)


def texts(fragment: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", li)).strip()
            for li in re.findall(r'<li class="expr-problem">(.*?)</li>', fragment, re.S)]


def test_an_unknown_name_is_named_with_a_did_you_mean_at_its_place(designer: Person):
    (message,) = texts(check(designer, "enrol_insurence", "?lang=en"))
    assert "enrol_insurence" in message and "did you mean 'enrol_insurance'" in message
    assert "steps[4].when" not in message  # the place is the input itself
    assert texts(check(designer, "enrol_insurance")) == []
    # the English asked for above is kept in a cookie: ask for Chinese again explicitly
    assert "表达式正确" in check(designer, "enrol_insurance", "?lang=zh")
    assert "结果类型：boolean" in check(designer, "enrol_insurance and need_ss_card")


def test_a_comparison_of_a_date_with_a_number_is_a_wrong_type(designer: Person):
    (message,) = texts(check(designer, "days_since_birth > 'x'", "?lang=en"))
    assert message == ("expression `days_since_birth > 'x'`: column 18: comparing a number "
                       "with text using > never works as intended")


def test_a_computed_field_that_reads_itself_is_a_cycle(designer: Person):
    fragment = check(designer, "days_since_birth + 1", "?lang=en", kind="Form",
                     def_id="birth_apply", path="fields[0].fields[3].compute",
                     field="compute", wid="w1")
    assert any("days_since_birth → days_since_birth" in m for m in texts(fragment))


def test_completions_offer_fields_members_and_functions_with_signatures(designer: Person):
    fragment = check(designer, "need_ss_card and enrol_")
    assert re.search(r"<code>enrol_insurance</code> <span class=\"meta\">字段 · boolean", fragment)
    assert '"completed": "need_ss_card and enrol_insurance"' in fragment
    fragment = check(designer, "is_em")
    assert "<code>is_empty(</code>" in fragment and "is_empty(x) — 是否为空" in fragment
    fragment = check(designer, "decisions.")
    assert "<code>card_channel</code>" in fragment


def test_choosing_a_completion_puts_it_in_the_input_and_checks_it(designer: Person):
    answer = designer.client.post("/designer/expressions/complete", data={
        **STEP_WHEN, "completed": "enrol_insurance"}, headers={"X-CSRFToken": designer.token()})
    page = answer.get_data(as_text=True)
    assert '<div class="expr" id="p-s4-when">' in page
    assert 'name="s4.when"' in page and 'value="enrol_insurance"' in page
    assert "表达式正确" in page


def test_only_a_designer_may_check_and_a_check_needs_the_token(world: Flask,
                                                                 designer: Person):
    clerk = Person(world, "clerk_police")
    answer = clerk.client.post(CHECK, data={**STEP_WHEN, "s4.when": "x"},
                               headers={"X-CSRFToken": clerk.token()})
    assert answer.status_code == 404
    assert designer.client.post(CHECK, data={**STEP_WHEN, "s4.when": "x"}).status_code == 400

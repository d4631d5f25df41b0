"""A rule that cannot be evaluated fails closed: the submission is refused with a message that
names the rule (zero division, an overflowing product, an empty value where a list was
expected); a compute that fails leaves its field empty and the state names it."""

from __future__ import annotations

import json

from runtime.forms.state import form_state
from runtime.forms.validation import validate

from .build import TYPES, build_form

FORM = build_form("""\
fields:
  - {id: amount, type: decimal, label: 金额}
  - {id: count, type: integer, label: 人数}
  - id: provided
    type: checkbox
    label: {zh: 已提交材料, en: Materials provided}
    options: [{value: license, label: 营业执照}, {value: report, label: 审计报告}]
  - {id: big, type: decimal, label: 投资额}
  - {id: per_head, type: decimal, label: 人均, compute: "amount / count"}
  - {id: due, type: date, label: 办结日期, compute: "add_days(start, 10)"}
  - {id: start, type: date, label: 开始日期}
validations:
  - id: per_head_cap
    expression: "amount / count <= 1000"
    message: {zh: 人均金额不得超过 1000 元, en: At most 1000 yuan a head}
  - id: license_given
    expression: "contains(provided, 'license')"
    message: {zh: 请提交营业执照, en: The business licence is required}
  - id: big_product
    expression: "big * big * big * big > 0"
    message: {zh: 投资额须为正, en: The investment must be positive}
""")

GOOD = {"amount": 900, "count": 1, "provided": ["license"], "big": 3, "start": "2026-12-01"}


def test_good_data_passes_every_rule() -> None:
    result = validate(FORM, GOOD, TYPES)
    assert result.ok, result.as_dict()
    assert result.data["per_head"] == 900


def test_division_by_zero_fails_the_rule_naming_it() -> None:
    result = validate(FORM, {**GOOD, "count": 0}, TYPES)
    assert result.as_dict()["_form"] == [
        "「人均金额不得超过 1000 元」未通过：规则「per_head_cap」无法计算（第 8 列：除数为零）"]
    assert result.as_dict("en")["_form"] == [
        "At most 1000 yuan a head: not passed, rule 'per_head_cap' could not be evaluated "
        "(column 8: division by zero)"]


def test_an_overflowing_product_fails_the_rule() -> None:
    result = validate(FORM, {**GOOD, "big": 10**9}, TYPES)
    [message] = result.as_dict()["_form"]
    assert "规则「big_product」无法计算" in message and "超出" in message


def test_nothing_ticked_fails_contains_instead_of_passing() -> None:
    result = validate(FORM, {**GOOD, "provided": []}, TYPES)
    [message] = result.as_dict()["_form"]
    assert message.startswith("「请提交营业执照」未通过：规则「license_given」无法计算")


def test_a_rule_whose_value_is_already_refused_is_not_reported_twice() -> None:
    result = validate(FORM, {**GOOD, "count": "many"}, TYPES)
    assert result.as_dict() == {"count": ["「人数」应为整数"]}


def test_a_failing_compute_leaves_its_field_empty_and_is_named() -> None:
    state = form_state(FORM, {**GOOD, "count": 0})
    assert state.data["per_head"] is None
    [failure] = [f for f in state.failures if f.path == "per_head"]
    assert (failure.rule, failure.code) == ("compute", "division_by_zero")


def test_a_computed_date_is_its_iso_text_and_stores_as_json() -> None:
    result = validate(FORM, GOOD, TYPES)
    assert result.data["due"] == "2026-12-11"
    json.dumps(result.data)

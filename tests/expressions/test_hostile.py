"""Hostile expressions are refused with a clear error, quickly, and change nothing."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from runtime.expressions import ExpressionError, compile_expression

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "hostile_cases.yaml").read_text(encoding="utf-8"))


def source_of(case: dict[str, Any]) -> str:
    if "source" in case:
        return str(case["source"])
    repeat = case["repeat"]
    return repeat["prefix"] * repeat["count"] + repeat["middle"] + repeat["suffix"] * repeat[
        "count"]


@pytest.mark.parametrize("case", CASES, ids=[case["description"] for case in CASES])
def test_hostile_expression_is_refused(case: dict[str, Any], data: dict[str, Any]) -> None:
    before = copy.deepcopy(data)
    with pytest.raises(ExpressionError) as caught:
        compile_expression(source_of(case)).evaluate(data)
    error = caught.value
    assert (error.kind, error.code) == (case["kind"], case["code"])
    assert error.message("zh") and error.message("en")
    assert data == before
    assert compile_expression("age + 1").evaluate(data) == 21


def test_cases_have_unique_descriptions() -> None:
    descriptions = [case["description"] for case in CASES]
    assert len(descriptions) == len(set(descriptions))


def test_parentheses_nested_within_pythons_limit_still_work() -> None:
    assert compile_expression("(" * 199 + "1" + ")" * 199).evaluate({}) == 1


def test_catastrophic_backtracking_pattern_returns() -> None:
    # (a+)+$ takes hours with re on this text; the NFA answers in milliseconds.
    assert compile_expression("matches('a' * 999 + '!', '(a+)+$')").evaluate({}) is False


def test_evaluation_does_not_change_data(data: dict[str, Any]) -> None:
    before = copy.deepcopy(data)
    sources = ["x + y", "x * 3", "d['a']", "items[0]", "sum_rows(items, 'amount')",
               "name.strip().upper()", "sorted_ok if false else items[:1]", "coalesce(none, x)"]
    for source in sources:
        compile_expression(source).evaluate(data)
    assert data == before


def test_results_of_concatenation_are_new_objects(data: dict[str, Any]) -> None:
    result = compile_expression("x + y").evaluate(data)
    result.append(99)
    assert data["x"] == [1] and data["y"] == [2]

"""Property tests: the engine agrees with Python within its caps and never leaks exceptions."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.expressions import ExpressionError, compile_expression
from runtime.expressions.dates import CALENDAR_FIRST, CALENDAR_LAST, add_workdays, workdays_between
from runtime.expressions.patterns import matches
from runtime.expressions.values import reset_work

OPERATORS = ["+", "-", "*", "//", "%", "<", "<=", "==", "!=", ">", ">="]


def arithmetic(depth: int = 3) -> st.SearchStrategy[str]:
    """Expressions over small integers with at most 2**depth leaves (|result| < 10**17)."""
    leaf = st.integers(-100, 100).map(lambda n: f"({n})")
    return st.recursive(leaf, lambda inner: st.tuples(inner, st.sampled_from(OPERATORS[:5]),
                                                      inner).map(lambda t: f"({' '.join(t)})"),
                        max_leaves=2**depth)


def python_value(source: str) -> Any:
    try:
        return eval(source, {"__builtins__": {}})  # noqa: S307 - the oracle, on generated ints
    except ZeroDivisionError:
        return ZeroDivisionError


@settings(max_examples=300, deadline=None)
@given(arithmetic(), st.sampled_from(OPERATORS), arithmetic())
def test_integer_arithmetic_agrees_with_python(left: str, op: str, right: str) -> None:
    source = f"{left} {op} {right}"
    expected = python_value(source)
    try:
        result = compile_expression(source).evaluate({})
    except ExpressionError as error:
        assert expected is ZeroDivisionError and error.code == "division_by_zero"
    else:
        assert result == expected and type(result) is type(expected)


@settings(max_examples=200, deadline=None)
@given(st.floats(-1e6, 1e6), st.sampled_from(["+", "-", "*", "/"]), st.floats(-1e6, 1e6))
def test_float_arithmetic_agrees_with_python(a: float, op: str, b: float) -> None:
    source = f"a {op} b"
    try:
        expected = eval(source, {"__builtins__": {}}, {"a": a, "b": b})  # noqa: S307
    except ZeroDivisionError:
        expected = ZeroDivisionError
    try:
        assert compile_expression(source).evaluate({"a": a, "b": b}) == expected
    except ExpressionError as error:
        if expected is ZeroDivisionError:
            assert error.code == "division_by_zero"
        else:  # a tiny divisor overflows to infinity, which the engine refuses
            assert error.code == "number_too_large" and not math.isfinite(expected)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=50), st.text(max_size=50), st.integers(-3, 200))
def test_text_operations_agree_with_python_within_caps(a: str, b: str, n: int) -> None:
    data = {"a": a, "b": b, "n": n}
    assert compile_expression("a + b").evaluate(data) == a + b
    assert compile_expression("a * n").evaluate(data) == a * n
    assert compile_expression("a.strip().upper()").evaluate(data) == a.strip().upper()
    assert compile_expression("a[1:n]").evaluate(data) == a[1:n]


TOKENS = ["age", "name", "x", "d", "1", "0", "-1", "2.5", "'a'", "''", "None", "True", "+",
          "-", "*", "/", "//", "%", "**", "<", "==", " in ", " not ", " and ", " or ",
          " if ", " else ", "(", ")", "[", "]", "{", "}", ":", ",", ".", "strip", "upper",
          "__class__", "format", "len", "sum_rows", "matches", "lambda", " for ", "=", "10**9",
          "'x'*", "date", "today()", "@", "f'", "'"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=14))
def test_any_token_soup_returns_or_raises_expression_error(tokens: list[str]) -> None:
    data = {"age": 20, "name": " n ", "x": [1, 2], "d": {"a": 1}}
    try:
        compile_expression("".join(tokens)).evaluate(data)
    except ExpressionError as error:
        assert error.message("zh") and error.message("en")
    assert data == {"age": 20, "name": " n ", "x": [1, 2], "d": {"a": 1}}


PATTERN_PARTS = ["a", "b", ".", "[ab]", "[^a]", "(a|b)", "(ab|a)", "a*", "b+", "a?", "(a|ab)*",
                 "a{1,3}", "(?:ba)+", "^", "$", "\\b", "b*?"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PATTERN_PARTS), min_size=1, max_size=6),
       st.text(alphabet="ab \n", max_size=12))
def test_patterns_agree_with_re(parts: list[str], text: str) -> None:
    pattern = "".join(parts)
    reset_work()
    try:
        expected = bool(re.search(pattern, text))
    except re.error:
        return
    assert matches(text, pattern) == expected


days = st.dates(dt.date(CALENDAR_FIRST, 1, 1), dt.date(CALENDAR_LAST - 1, 12, 31))


@settings(max_examples=200, deadline=None)
@given(days, st.integers(0, 200))
def test_workdays_between_inverts_add_workdays(start: dt.date, count: int) -> None:
    end = add_workdays(start, count)
    assert workdays_between(start, end) == count
    assert workdays_between(end, start) == -count

"""The function catalogue: registry rules, documented examples, and each function's behaviour."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import chinese_calendar
import pytest

from runtime.expressions import (
    FUNCTIONS,
    METHODS,
    DuplicateFunction,
    ExpressionError,
    Function,
    compile_expression,
    register,
)
from runtime.expressions import dates as dates_module
from runtime.expressions.registry import build
from runtime.expressions.values import VALUE_TYPES, show

from .conftest import valid_id

DOCS = (Path(__file__).parents[2] / "docs" / "expressions.md").read_text(encoding="utf-8")


def run(source: str, **data: Any) -> Any:
    return compile_expression(source).evaluate(data)


def code_of(source: str, **data: Any) -> str:
    with pytest.raises(ExpressionError) as caught:
        run(source, **data)
    return caught.value.code


# registry and documentation


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_function_is_fully_described(name: str) -> None:
    function = FUNCTIONS[name]
    assert function.zh.strip() and function.en.strip() and function.example.strip()
    assert function.returns in VALUE_TYPES
    assert function.signature.startswith(name + "(")


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_function_example_gives_documented_result(name: str) -> None:
    function = FUNCTIONS[name]
    assert name in {call.name for call in compile_expression(function.example).calls}
    assert run(function.example) == function.result


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_function_is_in_docs(name: str) -> None:
    function = FUNCTIONS[name]
    assert f"#### `{name}`" in DOCS
    assert function.zh in DOCS and function.en in DOCS
    assert f"`{function.example}` → `{show(function.result)}`" in DOCS


@pytest.mark.parametrize("name", sorted(METHODS))
def test_method_is_described_documented_and_its_example_holds(name: str) -> None:
    method = METHODS[name]
    assert method.zh.strip() and method.en.strip()
    assert f"| `{name}` |" in DOCS
    assert f"`{method.example}` → `{show(method.result)}`" in DOCS
    assert run(method.example) == method.result


def test_every_documented_function_is_registered() -> None:
    documented = set(re.findall(r"^#### `(\w+)`", DOCS, flags=re.MULTILINE))
    assert documented == set(FUNCTIONS)


def test_registering_a_name_twice_fails() -> None:
    registry = build(FUNCTIONS.values())
    with pytest.raises(DuplicateFunction):
        register(registry, FUNCTIONS["len"])


@pytest.mark.parametrize(("source", "pure"), [
    ("len(name) > 2 and coalesce(a, b) == 'x'", True),
    ("today() > to_date(d)", False),  # today moves
    ("id_age(id) >= 18", False),  # on today by default
    ("matches(phone, '^1')", False),  # spends the work budget
    ("amount * 2", True),  # no call at all
])
def test_an_expression_is_pure_when_every_function_it_calls_says_so(source: str,
                                                                    pure: bool) -> None:
    assert compile_expression(source).pure is pure


def test_registering_an_unknown_return_type_fails() -> None:
    odd = Function("odd", len, "odd(x)", 1, 1, "tuple", "奇", "odd", "odd(1)", 1)
    with pytest.raises(ValueError, match="return type"):
        register({}, odd)


# basic functions


@pytest.mark.parametrize(("source", "expected"), [
    ("len('张三')", 2), ("len([1, 2, 3])", 3), ("len({'a': 1})", 1),
    ("sum([])", 0), ("sum([0.5, 0.25])", 0.75),
    ("min([3, 1])", 1), ("max(1, 5, 2)", 5), ("min('b', 'a')", "a"),
    ("round(2.5)", 3), ("round(-2.5)", -3), ("round(1.005, 2)", 1.01), ("round(1234, -2)", 1200),
    ("round(7)", 7), ("round(1e17)", 10**17), ("round(1e20, 2)", 1e20),
    ("abs(-2.5)", 2.5), ("int(' 42 ')", 42), ("int(-3.9)", -3), ("int(True)", 1),
    ("float(' 12.5')", 12.5), ("float(3)", 3.0),
    ("str(None)", ""), ("str(True)", "true"), ("str(False)", "false"), ("str(2.5)", "2.5"),
    ("str(date(2024, 1, 2))", "2024-01-02"), ("str(['甲', 1])", '["甲", 1]'),
    ("str({'a': date(2024, 1, 2)})", '{"a": "2024-01-02"}'), ("str('x')", "x"),
    ("contains('abc', 'b')", True), ("contains({'a': 1}, 'a')", True),
    ("is_empty(None)", True), ("is_empty([])", True), ("is_empty({})", True),
    ("is_empty(0)", False), ("is_empty(False)", False), ("is_empty(' a ')", False),
    ("coalesce(None, 0, 5)", 0), ("coalesce(None, '')", ""), ("coalesce([], [1])", [1]),
])
def test_basic_function(source: str, expected: Any) -> None:
    result = run(source)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize(("source", "code"), [
    ("len(5)", "arg_type"), ("sum(['a'])", "arg_type"), ("sum(5)", "arg_type"),
    ("min([])", "empty_list"), ("max(1, 'a')", "compare"), ("round('1')", "arg_type"),
    ("round(1.5, 0.5)", "arg_type"), ("int('12.5')", "bad_number"), ("int(None)", "arg_type"),
    ("float('abc')", "bad_number"), ("abs('1')", "arg_type"), ("contains(5, 1)", "type"),
    ("sum([10**18, 10**18])", "number_too_large"), ("round(1e20)", "number_too_large"),
])
def test_basic_function_refuses(source: str, code: str) -> None:
    assert code_of(source) == code


# text


@pytest.mark.parametrize(("source", "expected"), [
    ("matches('13812345678', '^1[3-9]\\\\d{9}$')", True),
    ("matches('12812345678', '^1[3-9]\\\\d{9}$')", False),
    ("matches('张三', '^[\\\\u4e00-\\\\u9fa5]{2,4}$')", True),
    ("matches(None, 'a')", False),
    ("'a-b'.split('-')", ["a", "b"]), ("' a  b '.split()", ["a", "b"]),
    ("'xxa'.lstrip('x')", "a"), ("'ß'.upper()", "SS"), ("'a'.replace('a', '')", ""),
])
def test_text_function_and_method(source: str, expected: Any) -> None:
    assert run(source) == expected


@pytest.mark.parametrize(("source", "code"), [
    ("matches(1, 'a')", "arg_type"), ("matches('a', '(')", "bad_regex"),
    ("matches('a', '(?=a)')", "regex_unsupported"), ("matches('a', 'x' * 201)", "regex_too_long"),
    ("matches('a' * 1001, 'a')", "input_too_long"), ("matches('a', '(?i:a)')", "regex_unsupported"),
    ("matches('a', 'a{0,300}')", "regex_too_complex"),
    ("none.strip()", "method_type"), ("name.startswith(1)", "arg_type"),
    ("'a'.split('')", "function_failed"), ("'x'.join([1])", "arg_type"),
    ("' '.join(['a'] * 10001)", "list_too_long"), ("big.upper()", "input_too_long"),
    ("('a,' * 5001).split(',')", "string_too_long"), ("' '.split(',')[5]", "index"),
])
def test_text_refuses(source: str, code: str) -> None:
    assert code_of(source, none=None, name="n", big="x" * 100_001) == code


def test_split_without_separator_is_capped() -> None:
    assert code_of("text.split()", text="a " * 10_001) == "list_too_long"


def test_split_with_separator_is_checked_before_splitting() -> None:
    assert code_of("text.split(',')", text="," * 10_001) == "list_too_long"


# dates and working days


def test_calendar_agrees_with_the_holiday_facts_asserted_below() -> None:
    rest = ["2024-10-01", "2024-10-07", "2025-01-28", "2025-02-04", "2024-10-05"]
    work = ["2024-09-29", "2024-10-12", "2025-01-26", "2025-02-08", "2024-10-08"]
    assert not any(chinese_calendar.is_workday(dt.date.fromisoformat(d)) for d in rest)
    assert all(chinese_calendar.is_workday(dt.date.fromisoformat(d)) for d in work)


@pytest.mark.parametrize(("source", "expected"), [
    ("date(2024, 2, 29)", dt.date(2024, 2, 29)),
    ("to_date('2024-01-02T08:00:00')", dt.date(2024, 1, 2)),
    ("days_between('2024-03-01', '2024-01-01')", -60),
    ("add_days(date(2024, 12, 31), 1)", dt.date(2025, 1, 1)),
    ("year(d) * 100 + month(d)", 202410),
    # National Day 2024: 10-01..07 off, Sunday 09-29 and Saturday 10-12 worked.
    ("is_workday('2024-09-29')", True), ("is_workday('2024-10-03')", False),
    ("add_workdays('2024-09-27', 1)", dt.date(2024, 9, 29)),
    ("add_workdays('2024-09-29', 1)", dt.date(2024, 9, 30)),
    ("add_workdays('2024-09-30', 1)", dt.date(2024, 10, 8)),
    ("add_workdays('2024-10-08', 4)", dt.date(2024, 10, 12)),
    ("add_workdays('2024-10-08', -1)", dt.date(2024, 9, 30)),
    ("add_workdays('2024-10-06', -1)", dt.date(2024, 9, 30)),
    ("add_workdays('2024-10-05', 0)", dt.date(2024, 10, 5)),
    ("workdays_between('2024-09-28', '2024-10-12')", 7),
    ("workdays_between('2024-10-12', '2024-09-28')", -7),
    ("workdays_between('2024-10-01', '2024-10-07')", 0),
    # Spring Festival 2025: 01-28..02-04 off, Sunday 01-26 and Saturday 02-08 worked.
    ("add_workdays('2025-01-24', 1)", dt.date(2025, 1, 26)),
    ("add_workdays('2025-01-27', 1)", dt.date(2025, 2, 5)),
    ("workdays_between('2025-01-24', '2025-02-08')", 6),
    ("workdays_between(apply_date, '2024-10-08') <= 5", True),
])
def test_date_function(source: str, expected: Any) -> None:
    assert run(source, d=dt.datetime(2024, 10, 1, 9, 30), apply_date="2024-09-30") == expected


@pytest.mark.parametrize(("source", "code"), [
    ("to_date('2024-02-30')", "bad_date"), ("to_date('tomorrow')", "bad_date"),
    ("to_date(20240101)", "arg_type"), ("date(2024, 13, 1)", "bad_date"),
    ("date(2024.5, 1, 1)", "arg_type"), ("add_days('2024-01-01', 'x')", "arg_type"),
    ("add_days('9999-12-31', 1)", "bad_date"),
    ("add_workdays('2035-01-01', 1)", "calendar_range"),
    ("add_workdays('2029-12-30', 10)", "calendar_range"),
    ("add_workdays('2004-01-05', -10)", "calendar_range"),
    ("add_workdays('2024-01-01', 5000)", "day_count"),
    ("workdays_between('2003-12-01', '2024-01-01')", "calendar_range"),
    ("is_workday('1999-01-01')", "calendar_range"),
    ("date(2024, 1, 2) - date(2024, 1, 1)", "type"), ("date(2024, 1, 2) + 1", "type"),
    ("date(2024, 1, 2) < '2024-01-01'", "compare"),
])
def test_date_function_refuses(source: str, code: str) -> None:
    assert code_of(source) == code


def test_calendar_range_message_names_the_years() -> None:
    with pytest.raises(ExpressionError) as caught:
        run("is_workday('2035-01-01')")
    assert "2035" in caught.value.message("en") and "2004" in caught.value.message("zh")


def test_years_after_the_official_calendar_count_monday_to_friday() -> None:
    # Deadlines run past the last published arrangement; until a newer chinesecalendar
    # ships it, weekends rest and weekdays work.
    year = dates_module.CALENDAR_LAST + 1
    monday = dt.date(year, 1, 1) + dt.timedelta(days=-dt.date(year, 1, 1).weekday() + 7)
    assert run(f"is_workday('{monday}')") is True
    assert run(f"is_workday('{monday + dt.timedelta(days=5)}')") is False
    assert run(f"add_workdays('{monday}', 5)") == monday + dt.timedelta(days=7)
    assert run(f"workdays_between('{year - 1}-12-01', '{monday}')") > 20


def test_today_is_china_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dates_module, "current_date", lambda: dt.date(2024, 10, 8))
    assert run("today()") == dt.date(2024, 10, 8)
    assert run("workdays_between('2024-09-30', today())") == 1
    assert dates_module.CHINA.utcoffset(None) == dt.timedelta(hours=8)


# sub-table rows


ROWS = [{"amount": 600, "rel": "子女"}, {"amount": None, "rel": "配偶"},
        {"amount": "", "rel": "子女"}, {"amount": 0.5}]


@pytest.mark.parametrize(("source", "expected"), [
    ("sum_rows(rows, 'amount')", 600.5), ("sum_rows([], 'amount')", 0),
    ("sum_rows(rows, 'missing')", 0), ("count_rows(rows)", 4),
    ("count_rows_where(rows, 'rel', '子女')", 2), ("count_rows_where(rows, 'rel', None)", 1),
])
def test_row_function(source: str, expected: Any) -> None:
    assert run(source, rows=ROWS) == expected


@pytest.mark.parametrize(("source", "code"), [
    ("sum_rows(rows, 'rel')", "row_value"), ("sum_rows(5, 'a')", "arg_type"),
    ("count_rows([1])", "arg_type"), ("sum_rows(rows, 1)", "arg_type"),
])
def test_row_function_refuses(source: str, code: str) -> None:
    assert code_of(source, rows=ROWS) == code


def test_row_error_names_the_row_and_field() -> None:
    with pytest.raises(ExpressionError) as caught:
        run("sum_rows(rows, 'rel')", rows=ROWS)
    assert caught.value.message("en") == "column 1: row 1: 'rel' must be a number, not text"


# identity numbers

MAN = valid_id("11010519491231001")
WOMAN = valid_id()


@pytest.mark.parametrize(("source", "expected"), [
    ("id_valid(woman)", True), ("id_valid(woman.lower())", True), ("id_valid(bad)", False),
    ("id_valid(None)", False), ("id_valid(12345)", False), ("id_valid('1' * 100)", False),
    ("id_birth_date(woman)", dt.date(1949, 12, 31)),
    ("id_age(woman, '2024-12-30')", 74), ("id_age(woman, '2024-12-31')", 75),
    ("id_gender(woman)", "F"), ("id_gender(man)", "M"), ("id_region(man)", "110105"),
    ("uscc_valid('91110000600037341L')", True), ("uscc_valid('91110000600037341X')", False),
    ("uscc_valid(None)", False),
])
def test_id_function(source: str, expected: Any) -> None:
    bad = WOMAN[:-1] + ("0" if WOMAN[-1] != "0" else "1")
    assert run(source, man=MAN, woman=WOMAN, bad=bad) == expected


def test_id_age_defaults_to_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dates_module, "current_date", lambda: dt.date(2025, 1, 1))
    import runtime.expressions.ids as ids_module
    monkeypatch.setattr(ids_module, "current_date", lambda: dt.date(2025, 1, 1))
    assert run("id_age(man) >= 60", man=MAN) is True


@pytest.mark.parametrize("source", ["id_age(bad)", "id_gender('x')", "id_region(None)",
                                    "id_birth_date(123)"])
def test_id_helpers_refuse_an_invalid_number(source: str) -> None:
    assert code_of(source, bad=WOMAN[:-1] + "5") == "bad_id"

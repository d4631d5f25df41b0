"""Static checks: every problem kind, all reported in one pass, and type inference."""

from __future__ import annotations

import pytest

from runtime.expressions import (
    VALUE_TYPES,
    ExpressionCompileError,
    ExpressionError,
    check_expression,
    infer_type,
)

FIELDS = {"age": "number", "name": "string", "apply_date": "date", "items": "list",
          "vip": "boolean", "extra": "any", "profile": "object", "odd": "tuple"}


def problems(source: str, names: dict[str, str] | None = FIELDS,
             **options: bool) -> list[ExpressionError]:
    return list(check_expression(source, names, **options))


def codes(source: str, names: dict[str, str] | None = FIELDS) -> list[str]:
    return [problem.code for problem in problems(source, names)]


def test_a_clean_expression_has_no_problems() -> None:
    assert problems("age >= 18 and name.strip() != '' and workdays_between(apply_date, "
                    "today()) <= 5 and sum_rows(items, 'amount') > 0") == []


@pytest.mark.parametrize(("source", "code"), [
    ("age +", "syntax"), ("x" * 2001, "too_long"), ("", "empty"), ("-" * 150 + "1", "too_deep"),
    ("lambda: 1", "not_allowed"), ("name.__class__", "attribute"),
    ("name.format()", "method_not_allowed"), ("lenn(name)", "unknown_function"),
    ("len(name, 1)", "arg_count"), ("name.strip(1, 2)", "arg_count"),
    ("round(age, digits=2)", "keyword_args"), ("age << 1", "operator"),
    ("'%s' % age", "string_format"),
    ("name % 2", "string_format"), ("age is 1", "is_literal"), ("__class__", "private_name"),
    ("agee > 1", "unknown_name"), ("age > '18'", "compare_types"), ("age + name", "type"),
    ("10**19", "none"), ("99999999999999999999", "number_too_large"),
    ("{age: 1}", "not_allowed"),
])
def test_each_problem_kind(source: str, code: str) -> None:
    found = codes(source)
    assert found == ([] if code == "none" else [code])


def test_all_problems_are_reported_at_once_in_order() -> None:
    found = problems("agee > '18' and lenn(name) and name.__class__ and vip + 'x' and "
                     "len(1, 2) and f'{age}'")
    assert [(problem.code, problem.position) for problem in found] == [
        ("unknown_name", 1), ("unknown_function", 17), ("attribute", 37),
        ("type", 55), ("arg_count", 65), ("not_allowed", 79)]
    assert all(isinstance(problem, ExpressionCompileError) for problem in found)


def test_did_you_mean_for_names_and_functions() -> None:
    first, second = problems("amout + lenn(name)", {"amount": "number", "name": "string"})
    assert first.message("en") == "column 1: unknown name 'amout'; did you mean 'amount'?"
    assert second.message() == "第 9 列：未知的函数 'lenn'；是不是 'len'？"


def test_compare_types_names_both_types() -> None:
    (problem,) = problems("age > '18'")
    assert problem.position == 5
    assert problem.message() == "第 5 列：不能用 > 比较数字和文本，结果总是不符合预期"
    assert problem.message("en") == (
        "column 5: comparing a number with text using > never works as intended")


@pytest.mark.parametrize("source", [
    "age == vip", "apply_date > '2024-01-01'", "extra > 1", "len(name) > 1",
    "age in [1, 2]", "odd > 1", "profile == None", "(age + name) > 1",
])
def test_uncertain_or_compatible_comparisons_pass(source: str) -> None:
    assert "compare_types" not in codes(source)


@pytest.mark.parametrize("source", [
    "len(name) == '3'", "name.upper() < 1", "today() > 5", "age > 1 if vip else age > 'a'",
    "id_valid(name) == 'yes'", "items == 'x'", "1 < age < 'b'", "name[0] > 1",
])
def test_certain_types_come_from_literals_functions_and_methods(source: str) -> None:
    assert codes(source) == ["compare_types"]


def test_names_are_not_checked_without_a_list_of_names() -> None:
    assert problems("anything > 1", None) == []


def test_unknown_names_can_be_allowed() -> None:
    assert problems("anything > 1 and age > 'x'", FIELDS, allow_unknown_names=True)[0].code == (
        "compare_types")
    assert len(problems("anything > 1", FIELDS, allow_unknown_names=True)) == 0


def test_each_unknown_name_is_reported_once() -> None:
    assert codes("zz + zz + true") == ["unknown_name"]


@pytest.mark.parametrize(("source", "expected"), [
    ("age + 1", "number"), ("name + 'x'", "string"), ("name * 2", "string"),
    ("items + [1]", "list"), ("2 * items", "list"), ("-age", "number"), ("-extra", "any"),
    ("not name", "boolean"), ("age > 1", "boolean"), ("vip and age", "any"),
    ("vip or False", "boolean"), ("1 if vip else 2", "number"), ("1 if vip else 'a'", "any"),
    ("{'a': 1}", "object"), ("(1, 2)", "list"), ("today()", "date"), ("max(1, 2)", "any"),
    ("name.split()", "list"), ("name[1:]", "string"), ("items[0]", "any"), ("None", "any"),
    ("age + name", "any"), ("odd", "any"), ("profile", "object"),
])
def test_infer_type(source: str, expected: str) -> None:
    assert infer_type(source, FIELDS) == expected
    assert expected in VALUE_TYPES


def test_infer_type_without_names_and_of_a_bad_expression() -> None:
    assert infer_type("x") == "any"
    with pytest.raises(ExpressionCompileError):
        infer_type("x.y")

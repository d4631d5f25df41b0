"""Compiling and evaluating: the language's semantics, errors, positions, cache and trace."""

from __future__ import annotations

import ast
import subprocess
import sys
import threading
from collections import OrderedDict
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from runtime.expressions import (
    CallSite,
    ExpressionCompileError,
    ExpressionError,
    ExpressionRuntimeError,
    Trace,
    compile_expression,
    evaluate,
)
from runtime.expressions import evaluator as evaluator_module
from runtime.expressions import syntax as syntax_module
from runtime.expressions.compiler import _compile
from runtime.expressions.messages import MESSAGES


def error_of(source: str, data: dict[str, Any] | None = None) -> ExpressionError:
    with pytest.raises(ExpressionError) as caught:
        compile_expression(source).evaluate({} if data is None else data)
    return caught.value


@pytest.mark.parametrize(("source", "expected"), [
    ("age >= 18 and region in ['110105', '110106']", True),
    ("income * 0.1 if income < 5000 else 500", 500),
    ("not is_empty(phone)", False),
    ("name.strip().upper()", "ZHANG"),
    ("7 // 2 + 7 % 3 - 2 ** 3 / 4", 2.0), ("-age + +1", -19), ("not 0", True),
    ("1 < age < 30", True), ("age == 20 != 21", True), ("none is None", True),
    ("none is not None", False), ("'a' not in 'bc'", True), ("age in (19, 20)", True),
    ("x + y", [1, 2]), ("'ab' * 2", "abab"), ("3 * [0]", [0, 0, 0]), ("'a' * -1", ""),
    ("[age, 'b'][0]", 20), ("(1, 2)", (1, 2)), ("{'k': age}['k']", 20),
    ("d['a']", 1), ("items[-1]['amount']", 500.5), ("region[:3]", "110"),
    ("x[::-1]", [1]), ("'abc'[1]", "b"), ("0 or '' or 'z'", "z"), ("age and 0", 0),
    ("true and not false", True), ("null", None), ("True + 1", 2), ("2 ** -1", 0.5),
    ("(-8) ** 2", 64), ("2 ** 0.5 > 1.41", True), ("[] == []", True), ("age == '20'", False),
])
def test_evaluates_like_python(source: str, expected: Any, data: dict[str, Any]) -> None:
    result = compile_expression(source).evaluate(data)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize(("source", "code", "position"), [
    ("1 / 0", "division_by_zero", 3), ("1 % 0", "division_by_zero", 3),
    ("0 ** -1", "division_by_zero", 3), ("(-8) ** 0.5", "type", 6),
    ("age + 'x'", "type", 5), ("age - 'x'", "type", 5), ("[1] * 'x'", "type", 5),
    ("'a' / 2", "type", 5), ("'a' ** 2", "type", 5), ("-'a'", "unary_type", 1),
    ("+none", "unary_type", 1), ("age < 'x'", "compare", 5), ("none >= 1", "compare", 6),
    ("1 in 5", "type", 3), ("[1] in {}", "type", 5), ("missing + 1", "unknown_name", 1),
    ("x[5]", "index", 1), ("'abc'[9]", "index", 1), ("d['b']", "key", 1),
    ("x['a']", "subscript", 1), ("d[0]", "subscript", 1), ("age[0]", "subscript", 1),
    ("x[::0]", "slice_step", 1), ("x[1:'a']", "subscript", 1),
    ("1e308 + 1e308", "number_too_large", 7),
    ("10**17 * 100", "number_too_large", 8), ("-(10**18) - 1", "number_too_large", 11),
    ("2 ** 101", "power_too_large", 3), ("1e300 ** 2", "power_too_large", 7),
    ("1.5 ** 100 ** 1.0 > 0 and 1e300 ** 2", "power_too_large", 33),
])
def test_runtime_errors_have_code_and_position(source: str, code: str, position: int,
                                               data: dict[str, Any]) -> None:
    error = error_of(source, data)
    assert (error.kind, error.code, error.position) == ("runtime", code, position)
    assert isinstance(error, ExpressionRuntimeError)
    assert error.source == source


def test_unknown_name_suggests_a_data_key() -> None:
    error = error_of("amout > 1", {"amount": 1})
    assert error.message() == "第 1 列：未知的名称 'amout'；是不是 'amount'？"
    assert error.message("en") == "column 1: unknown name 'amout'; did you mean 'amount'?"


def test_missing_key_suggests_a_key() -> None:
    error = error_of("d['amout']", {"d": {"amount": 1}})
    assert error.message("en").endswith("there is no key 'amout'; did you mean 'amount'?")


def test_attribute_error_names_column_and_attribute_in_both_languages() -> None:
    with pytest.raises(ExpressionCompileError) as caught:
        compile_expression("age.__class__")
    error = caught.value
    assert error.message() == "第 5 列：不允许访问属性 '__class__'"
    assert error.message("en") == "column 5: attribute '__class__' is not allowed"
    assert str(error) == error.message()
    assert error.as_dict("en") == {"code": "attribute", "kind": "compile", "position": 5,
                                   "source": "age.__class__", "message": error.message("en")}
    assert repr(error) == "ExpressionCompileError('attribute', position=5)"


def test_a_runtime_error_works_out_its_position_only_when_read(
        monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[ast.AST] = []
    where = evaluator_module._where
    monkeypatch.setattr(evaluator_module, "_where",
                        lambda parsed, node: asked.append(node) or where(parsed, node))
    with pytest.raises(ExpressionRuntimeError) as caught:
        evaluate("1 + (income + bonus)", {"income": None, "bonus": 1})
    assert asked == []
    assert caught.value.position == 13  # the inner '+', the innermost node that failed
    assert [type(node) for node in asked] == [ast.BinOp]  # the outer '+' was never asked
    assert caught.value.message("en").startswith("column 13: ")


def test_a_place_that_cannot_say_leaves_the_position_to_the_next() -> None:
    error = ExpressionRuntimeError("division_by_zero")
    error.locate_later("a / b", lambda: None).locate_later("x", lambda: 3)
    assert (error.source, error.position) == ("a / b", 3)
    given = ExpressionRuntimeError("division_by_zero", position=2)
    given.locate_later("a / b", lambda: 3)
    assert (given.source, given.position) == (None, 2)
    given.position = 5
    assert repr(given) == "ExpressionRuntimeError('division_by_zero', position=5)"


def test_positions_count_characters_not_bytes() -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression("'张三' and x.__class__")
    assert caught.value.position == 12


def test_positions_span_lines_and_leading_space() -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression("  (age +\n  x.__class__)")
    assert caught.value.position == 14


@pytest.mark.parametrize(("source", "code", "position"), [
    ("1 +", "syntax", 4), ("(1", "syntax", 1), ("a b", "syntax", 3), ("a = 1", "syntax", 3),
    ("", "empty", None), ("   ", "empty", None), ("'x\x00'", "syntax", None),
    ("'\ud800'", "syntax", None),
])
def test_compile_errors(source: str, code: str, position: int | None) -> None:
    with pytest.raises(ExpressionCompileError) as caught:
        compile_expression(source)
    assert (caught.value.code, caught.value.position) == (code, position)
    assert caught.value.message("zh") and caught.value.message("en")


def test_syntax_reason_is_translated() -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression("name ==")
    assert caught.value.message() == "第 8 列：语法错误：写法不正确（invalid syntax）"
    with pytest.raises(ExpressionError) as caught:
        compile_expression("a ＋ b")
    assert "请检查中文标点" in caught.value.message()


def test_untranslated_syntax_reason_is_kept() -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression("x if y")
    assert caught.value.message().startswith("第 1 列：语法错误：")


def test_non_text_source_is_refused() -> None:
    with pytest.raises(ExpressionCompileError) as caught:
        compile_expression(["age"])  # type: ignore[arg-type]
    assert caught.value.code == "not_text"


def test_parser_exhaustion_becomes_too_deep(monkeypatch: pytest.MonkeyPatch) -> None:
    def exhausted(*args: Any, **kwargs: Any) -> None:
        raise RecursionError
    monkeypatch.setattr(syntax_module.ast, "parse", exhausted)
    with pytest.raises(ExpressionCompileError) as caught:
        syntax_module.parse("1 + 1")
    assert caught.value.code == "too_deep"


def test_the_earliest_problem_is_raised() -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression("().__class__.__mro__")
    assert (caught.value.code, caught.value.params["name"]) == ("attribute", "__class__")


def test_names_and_calls() -> None:
    rule = compile_expression("len(name) > 2 and d['a'] and workdays_between(a, today()) < 3")
    assert rule.names == frozenset({"name", "d", "a"})
    assert rule.calls == (CallSite("len", 1, 1), CallSite("workdays_between", 2, 30),
                          CallSite("today", 0, 50))


def test_aliases_are_not_data_names() -> None:
    rule = compile_expression("true or null or false")
    assert rule.names == frozenset()
    assert rule.evaluate({"true": False}) is True


def test_cache_returns_the_same_expression_and_never_reparses(
        monkeypatch: pytest.MonkeyPatch) -> None:
    first = compile_expression("age + 123456")
    assert compile_expression("age + 123456") is first

    def no_parsing(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("parsed again")
    monkeypatch.setattr(ast, "parse", no_parsing)
    assert compile_expression("age + 123456") is first
    assert first.evaluate({"age": 1}) == 123457
    assert first.explain({"age": 1}).value == 123457


def test_errors_are_not_cached() -> None:
    info = _compile.cache_info()
    for _ in range(3):
        with pytest.raises(ExpressionError):
            compile_expression("a.b")
    assert _compile.cache_info().currsize == info.currsize


def test_evaluate_shortcut() -> None:
    assert evaluate("a * 2", {"a": 21}) == 42


@pytest.mark.parametrize("data", [OrderedDict(age=20), MappingProxyType({"age": 20})])
def test_any_mapping_is_accepted(data: Any) -> None:
    assert compile_expression("age + 1").evaluate(data) == 21


def test_data_must_be_a_mapping() -> None:
    error = error_of("1", [])  # type: ignore[arg-type]
    assert (error.code, error.params["type"]) == ("not_mapping", "list")


def test_a_failing_mapping_does_not_leak_its_exception() -> None:
    class Broken(dict):  # type: ignore[type-arg]
        def __getitem__(self, key: str) -> Any:
            raise RuntimeError("disk on fire")
    error = error_of("age", Broken())
    assert (error.code, error.params["reason"]) == ("internal", "RuntimeError")


def test_a_failing_function_is_reported_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    evaluator = evaluator_module._evaluator()

    def broken(value: Any) -> Any:
        raise LookupError("bug")
    monkeypatch.setitem(evaluator.functions, "len", broken)
    error = error_of("len('a')")
    assert (error.code, error.params["name"], error.params["reason"]) == (
        "function_failed", "len", "LookupError")


@pytest.mark.parametrize(("exception", "code"), [
    (ZeroDivisionError(), "division_by_zero"), (OverflowError(), "number_too_large"),
    (RecursionError(), "too_deep"), (KeyError("k"), "internal"),
])
def test_translating_stray_exceptions(exception: Exception, code: str) -> None:
    node = ast.parse("a", mode="eval").body
    assert evaluator_module._translate(exception, node).code == code


def test_method_failure_is_named() -> None:
    node = ast.parse("a.strip()", mode="eval").body
    error = evaluator_module._translate(ValueError(), node)
    assert (error.code, error.params["name"]) == ("function_failed", "strip")


def test_a_bad_evaluation_does_not_affect_the_next() -> None:
    rule = compile_expression("10 / n")
    with pytest.raises(ExpressionError):
        rule.evaluate({"n": 0})
    assert rule.evaluate({"n": 5}) == 2.0
    with pytest.raises(ExpressionError):
        compile_expression("n.strip()").evaluate({"n": 1})
    assert compile_expression("n + 1").evaluate({"n": 1}) == 2


def test_threads_evaluate_independently() -> None:
    rule = compile_expression("a * 2 + b")
    results: dict[int, list[Any]] = {}

    def work(i: int) -> None:
        results[i] = [rule.evaluate({"a": i, "b": j}) for j in range(500)]
    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(results[i] == [i * 2 + j for j in range(500)] for i in range(8))


def test_every_message_exists_in_both_languages_and_formats() -> None:
    for code in MESSAGES.codes():
        zh, en = MESSAGES._messages[code]
        assert zh.strip() and en.strip() and zh != en


def test_unknown_error_code_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        ExpressionError("no_such_code")


# explain


def test_explain_lists_each_step_with_its_value() -> None:
    trace = compile_expression("age >= 18 and income < 5000").explain(
        {"age": 20, "income": 6000})
    assert trace.value is False
    assert trace.lines() == [
        "age >= 18 and income < 5000 = False",
        "  age >= 18 = True",
        "    age = 20",
        "  income < 5000 = False",
        "    income = 6000",
    ]


def test_explain_leaves_out_short_circuited_parts() -> None:
    trace = compile_expression("age < 18 and income < 5000").explain({"age": 20, "income": 1})
    assert [step.text for step in trace.walk()] == ["age < 18 and income < 5000", "age < 18",
                                                    "age"]


def test_explain_of_a_constant_and_of_calls() -> None:
    assert compile_expression("42").explain({}) == Trace("42", 42)
    trace = compile_expression("len(name.strip()) > 1").explain({"name": " ab "})
    assert trace.as_dict() == {
        "text": "len(name.strip()) > 1", "value": "True", "children": [
            {"text": "len(name.strip())", "value": "2", "children": [
                {"text": "name.strip()", "value": "'ab'", "children": [
                    {"text": "name", "value": "' ab '", "children": []}]}]}]}


def test_explain_raises_like_evaluate_and_recovers() -> None:
    rule = compile_expression("a / b > 1")
    with pytest.raises(ExpressionRuntimeError):
        rule.explain({"a": 1, "b": 0})
    assert [step.text for step in rule.explain({"a": 4, "b": 2}).walk()] == [
        "a / b > 1", "a / b", "a", "b"]


def test_explain_shows_dates_and_long_lists_briefly() -> None:
    trace = compile_expression("[add_days(d, 1)] + x").explain(
        {"d": "2024-01-01", "x": list(range(30))})
    assert trace.lines()[0].startswith("[add_days(d, 1)] + x = [date(2024, 1, 2), 0, 1,")
    assert trace.lines()[0].endswith("…")


def test_the_package_stays_out_of_web_and_database_code() -> None:
    code = ("import sys, runtime.expressions; "
            "assert not {'flask', 'sqlalchemy'} & set(sys.modules), sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])

"""matches(): the linear-time pattern engine agrees with `re` on its subset and stays fast."""

from __future__ import annotations

import re

import pytest

from runtime.expressions import ExpressionError, patterns
from runtime.expressions.patterns import compile_pattern, matches
from runtime.expressions.values import reset_work

PATTERNS = [r"^1[3-9]\d{9}$", r"a(b|c)*d", r"^[\w.]+@[\w.]+\.\w+$", r"\bcat\b", r"^$", r"x?",
            r"(a|ab)(c|bcd)(d*)", r"[^\u4e00-\u9fa5]", r"^[\u4e00-\u9fa5]{2,4}$", r"a{2,3}?b",
            r"(a*)*b", r"\d+\.\d{2}$", r"^(?:0|[1-9]\d*)$", r"a.c", r"abc$", r"\Aab\Z", r"\Bb",
            r"[^a]", r"\D\S\W", r"[\d\s]+", r"a{3}", r"(?:ab){2,}", r"colou?r", r"^\s*$"]
TEXTS = ["13812345678", "12812345678", "abcbd", "ad", "a@b.com", "x cat y", "concat", "",
         "abcd", "张三", "张三丰啊啊", "aab", "aaab", "b", "12.34", "0", "012", "abc\n", "ab",
         "a\nc", "abb", "x !", "1 2", "ababab", "color", "colour", "  "]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_agrees_with_re(pattern: str) -> None:
    reset_work()
    for text in TEXTS:
        assert matches(text, pattern) == bool(re.search(pattern, text)), (pattern, text)


@pytest.mark.parametrize(("pattern", "feature"), [
    (r"(a)\1", "back-references"), ("(?=a)", "look-around (?=, ?<=)"),
    ("(?!a)", "negative look-around (?!, ?<!)"), ("(?>a)", "atomic groups (?>)"),
    ("a++", "possessive repeats (*+, ++)"), ("(a)(?(1)b)", "conditional groups"),
    ("(?i)a", "flags (?aiLmsux)"), ("(?i:a)", "flags (?i: and the like)"),
])
def test_unsupported_features_are_named(pattern: str, feature: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_pattern(pattern)
    assert caught.value.code == "regex_unsupported"
    assert caught.value.params["feature"] == feature
    assert caught.value.message("zh").startswith("正则表达式中不支持")


def test_multiline_flag_is_refused() -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_pattern(r"(?m)^a")
    assert caught.value.code == "regex_unsupported"


def test_parser_exhaustion_is_refused_cleanly(monkeypatch: pytest.MonkeyPatch) -> None:
    def exhausted(pattern: str) -> None:
        raise RecursionError
    monkeypatch.setattr(patterns.sre_parse, "parse", exhausted)
    with pytest.raises(ExpressionError) as caught:
        compile_pattern.__wrapped__("(((a)))")
    assert caught.value.code == "regex_too_complex"


def test_nested_groups_within_the_length_cap_work() -> None:
    reset_work()
    assert matches("a", "(" * 99 + "a" + ")" * 99)


@pytest.mark.parametrize("text", ["a" * 999 + "!", "a" * 1000])
def test_backtracking_bombs_finish(text: str) -> None:
    reset_work()
    assert matches(text, "(a+)+$") == bool(re.search("(a+)+$", text[:30]) and text[-1] == "a")


def test_work_budget_is_per_evaluation() -> None:
    reset_work()
    for _ in range(10):
        matches("a" * 100, "a{0,20}b")
    with pytest.raises(ExpressionError) as caught:
        for _ in range(200):
            matches("a" * 1000, "a{0,20}b")
    assert caught.value.code == "work_limit"
    reset_work()
    assert matches("ab", "a{0,20}b")

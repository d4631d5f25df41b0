"""A field's pattern: `re` where it cannot backtrack badly, the linear-time matcher elsewhere,
with the same answers, the same limits and the same work charged."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.expressions import ExpressionError
from runtime.expressions import values as work
from runtime.expressions.limits import MAX_MATCH_TEXT, MAX_PATTERN, MAX_WORK
from runtime.expressions.patterns import matches
from runtime.forms import fieldpattern
from runtime.forms.fieldpattern import anchored, whole_match

ATOMS = st.sampled_from(["a", "b", "0", ".", "[a0]", "[^a]", r"\d", r"\w", r"\s", "^", "$",
                         r"\b"])
QUANTIFIERS = st.sampled_from(["", "", "*", "+", "?", "{2}", "{1,3}", "{0,2}?", "+?"])


def _patterns() -> st.SearchStrategy[str]:
    atom = st.tuples(ATOMS, QUANTIFIERS).map("".join)
    return st.recursive(
        st.lists(atom, min_size=1, max_size=4).map("".join),
        lambda inner: st.one_of(
            st.tuples(inner, QUANTIFIERS).map(lambda p: f"(?:{p[0]}){p[1]}"),
            st.tuples(inner, inner).map("|".join),
            st.lists(inner, min_size=2, max_size=3).map("".join)),
        max_leaves=6)


def by_matcher(whole: str, text: str) -> bool:
    try:
        return matches(text, whole)
    except ExpressionError:
        return False


@settings(max_examples=400, deadline=None)
@given(_patterns(), st.text(alphabet="ab0 \n", max_size=8))
def test_the_same_answer_and_the_same_work_as_the_matcher(pattern: str, text: str) -> None:
    whole = anchored(pattern)
    work.reset_work()
    expected = by_matcher(whole, text)
    left = work._work.left
    work.reset_work()
    assert whole_match(whole, text) == expected
    assert work._work.left == left


@pytest.mark.parametrize(("pattern", "fast"), [
    ("[0-9]{6}", True), ("^[A-Z0-9]{6,20}$", True), ("1[3-9][0-9]{9}", True),
    ("(?:[A-Z][0-9]){3}", True), ("a*", True),
    ("(a+)+", False), ("a*b*", False), ("ab|cd", False), ("(?:ab)*", False), ("(?:a?){2}", False),
    ("(?i)a", False),
])
def test_only_patterns_with_at_most_one_choice_go_to_re(pattern: str, fast: bool) -> None:
    assert (fieldpattern._fast(anchored(pattern)) is not None) == fast


def test_anchored_holds_from_start_to_end() -> None:
    assert anchored("^[0-9]{6}$") == anchored("[0-9]{6}") == "^(?:[0-9]{6})$"
    work.reset_work()
    assert whole_match(anchored("[0-9]{6}"), "100020")
    assert not whole_match(anchored("[0-9]{6}"), "1000201")


def test_the_matcher_limits_hold_on_both_paths() -> None:
    work.reset_work()
    long_text = "1" * (MAX_MATCH_TEXT + 1)
    assert not whole_match(anchored("[0-9]+"), long_text)  # re would say yes; too long
    assert not whole_match(anchored("[0-9]+|a"), long_text)
    assert not whole_match("^(?:" + "a" * MAX_PATTERN + ")$", "a" * MAX_PATTERN)


def test_what_other_rules_spent_does_not_refuse_a_value() -> None:
    work.reset_work()
    work.spend(MAX_WORK - 1)  # an unrelated rule before this check used the budget up
    assert whole_match(anchored("[0-9]{6}"), "100020")
    work.reset_work()
    work.spend(MAX_WORK - 1)
    assert whole_match(anchored("[0-9]{6}|a"), "100020")


def test_a_check_that_would_cost_more_than_its_budget_fails_on_both_paths() -> None:
    costly = "[0-9a-z]{200}"  # about 200 matcher states over 1,000 characters: over budget
    text = "a" * MAX_MATCH_TEXT
    assert not whole_match(anchored(costly), text)
    assert not whole_match(anchored(costly + "|b"), text)


def test_a_pattern_the_matcher_refuses_never_matches() -> None:
    work.reset_work()
    assert not whole_match(anchored("[a"), "[a")  # not a pattern at all
    assert not whole_match(anchored("(a)\\1"), "aa")  # back-references are refused
    assert not whole_match(anchored("(?i)a"), "a")  # so are flags


def test_a_pattern_too_deep_to_parse_goes_to_the_matcher(monkeypatch: pytest.MonkeyPatch) -> None:
    def exhausted(pattern: str) -> None:
        raise RecursionError
    monkeypatch.setattr(fieldpattern.sre_parse, "parse", exhausted)
    assert fieldpattern._fast.__wrapped__("^(?:(((a))))$") is None

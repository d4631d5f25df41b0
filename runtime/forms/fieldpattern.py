"""A field's `pattern`, which the whole value must match.

The expression engine's linear-time matcher (runtime.expressions.patterns) decides, with its
limits and its work budget, so that no pattern can make a submission hang. It runs in Python,
though, about 2 µs a character. A pattern with no choice to backtrack over, or a single one
(one repeat of a single character with a variable count, such as `[0-9]+`), cannot make
Python's `re` blow up either: matching is at most (text length x pattern size) steps. Such
patterns are matched with `re`, after the same limits and the same work charge as the
matcher's, so the answer and the budget left are the same as the matcher's.
"""

from __future__ import annotations

import re
import re._constants as sre
import re._parser as sre_parse
from functools import lru_cache
from typing import Any

from runtime.expressions import ExpressionError
from runtime.expressions.limits import MAX_MATCH_TEXT, MAX_PATTERN
from runtime.expressions.patterns import compile_pattern, matches
from runtime.expressions.values import reset_work, spend

_ONE_CHARACTER = (sre.LITERAL, sre.NOT_LITERAL, sre.ANY, sre.IN)
_MANY = 2  # more choices than `re` can be trusted with


def anchored(pattern: str) -> str:
    """The pattern as it must hold: from the start of the value to its end."""
    return f"^(?:{pattern.removeprefix('^').removesuffix('$')})$"


def whole_match(whole: str, value: str) -> bool:
    """Whether `value` matches `whole` (see `anchored`); a pattern the matcher refuses, a
    value too long for it or an exhausted work budget do not match. Each check has a full
    budget of its own: what an unrelated rule spent before it must not refuse a value."""
    reset_work()
    if len(whole) > MAX_PATTERN:
        return False  # before `re` ever sees it, as the matcher does
    fast = _fast(whole)
    if fast is None:
        try:
            return matches(value, whole)
        except ExpressionError:
            return False
    return _affordable(whole, value) and fast.match(value) is not None


def _affordable(whole: str, value: str) -> bool:
    """The matcher's own limits, in its order, and its charge to the work budget."""
    if len(value) > MAX_MATCH_TEXT:
        return False
    try:
        spend((len(value) + 1) * len(compile_pattern(whole)))
    except ExpressionError:
        return False
    return True


@lru_cache(maxsize=256)
def _fast(whole: str) -> re.Pattern[str] | None:
    """`re`'s compiled `whole` when it has at most one choice, else None. `whole` starts
    with `^` and sets no flags (the matcher refuses flags), so `re.match` at the start gives
    the matcher's search semantics."""
    try:
        parsed = sre_parse.parse(whole)
    except (re.error, RecursionError):
        return None  # the matcher refuses it too
    if parsed.state.flags & ~re.UNICODE.value or _choices(list(parsed)) >= _MANY:
        return None
    return re.compile(whole)


def _choices(items: list[tuple[Any, Any]]) -> int:
    """How many places `re` may backtrack to in this sequence, capped at _MANY."""
    found = 0
    for op, av in items:
        if op in _ONE_CHARACTER or op is sre.AT:
            continue
        if op is sre.SUBPATTERN and not av[1] and not av[2]:
            found += _choices(list(av[3]))
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            found += _repeat_choices(av[0], av[1], list(av[2]))
        else:
            return _MANY  # alternatives, groups with flags, anything else
        if found >= _MANY:
            return _MANY
    return found


def _repeat_choices(low: int, high: Any, body: list[tuple[Any, Any]]) -> int:
    inner = _choices(body)
    if low == high:
        return 0 if inner == 0 else _MANY if low > 1 else inner
    single = len(body) == 1 and body[0][0] in _ONE_CHARACTER
    return 1 if single else _MANY

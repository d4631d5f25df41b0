"""Regular-expression matching in linear time, for matches(text, pattern).

Python's `re` backtracks, so a short pattern such as `(a+)+$` can take hours on 40 characters
(ReDoS); length caps alone do not prevent that. Patterns are therefore parsed with the
standard library's own parser (so the syntax is exactly Python's) and run on a small Thompson
NFA (a Pike VM without captures): the cost is at most len(text) x program size, both capped.

Supported: literals, `.`, classes `[...]` with ranges and `\\d \\w \\s` (and negations),
`* + ? {m} {m,} {m,n}` (greedy or lazy: same answer for a yes/no match), groups `(...)` and
`(?:...)`, alternation `|`, anchors `^ $ \\A \\Z \\b \\B`. Refused: back-references,
look-around, atomic groups, possessive repeats, conditionals and flags.
"""

from __future__ import annotations

import re
import re._constants as sre
import re._parser as sre_parse
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from runtime.expressions.errors import ExpressionRuntimeError
from runtime.expressions.limits import MAX_MATCH_TEXT, MAX_PATTERN, MAX_PATTERN_STATES
from runtime.expressions.values import spend

CharTest = Callable[[str], bool]
Instruction = tuple[Any, ...]

_CATEGORIES: dict[Any, CharTest] = {
    sre.CATEGORY_DIGIT: str.isdecimal,
    sre.CATEGORY_NOT_DIGIT: lambda ch: not ch.isdecimal(),
    sre.CATEGORY_SPACE: str.isspace,
    sre.CATEGORY_NOT_SPACE: lambda ch: not ch.isspace(),
    sre.CATEGORY_WORD: lambda ch: ch.isalnum() or ch == "_",
    sre.CATEGORY_NOT_WORD: lambda ch: not (ch.isalnum() or ch == "_"),
}

_UNSUPPORTED: dict[Any, tuple[str, str]] = {
    sre.GROUPREF: ("反向引用", "back-references"),
    sre.GROUPREF_EXISTS: ("条件分组", "conditional groups"),
    sre.ASSERT: ("前后查找（?=、?<=）", "look-around (?=, ?<=)"),
    sre.ASSERT_NOT: ("否定查找（?!、?<!）", "negative look-around (?!, ?<!)"),
    sre.ATOMIC_GROUP: ("原子分组（?>）", "atomic groups (?>)"),
    sre.POSSESSIVE_REPEAT: ("占有量词（*+、++）", "possessive repeats (*+, ++)"),
}


class _Unsupported(Exception):
    def __init__(self, feature: tuple[str, str]):
        self.feature = feature


def matches(text: str, pattern: str) -> bool:
    """Whether `pattern` occurs in `text` (like re.search; anchor with ^ and $)."""
    if len(pattern) > MAX_PATTERN:
        raise ExpressionRuntimeError("regex_too_long", limit=MAX_PATTERN)
    if len(text) > MAX_MATCH_TEXT:
        raise ExpressionRuntimeError("input_too_long", name="matches", limit=MAX_MATCH_TEXT)
    program = compile_pattern(pattern)
    spend((len(text) + 1) * len(program))
    return _run(program, text)


@lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> tuple[Instruction, ...]:
    """The NFA program of `pattern`; refused with a clear error when outside the subset."""
    try:
        parsed = sre_parse.parse(pattern)
    except re.error as exc:
        raise ExpressionRuntimeError("bad_regex", reason=exc.msg) from None
    except RecursionError:
        raise ExpressionRuntimeError("regex_too_complex", limit=MAX_PATTERN_STATES) from None
    if parsed.state.flags & ~re.UNICODE.value:
        raise ExpressionRuntimeError("regex_unsupported", feature="flags (?aiLmsux)",
                                     feature_zh="标志（?aiLmsux）")
    program: list[Instruction] = []
    try:
        _emit(list(parsed), program)
    except _Unsupported as exc:
        raise ExpressionRuntimeError("regex_unsupported", feature=exc.feature[1],
                                     feature_zh=exc.feature[0]) from None
    program.append(("match",))
    return tuple(program)


def _grow(program: list[Instruction], instruction: Instruction) -> int:
    if len(program) >= MAX_PATTERN_STATES:
        raise ExpressionRuntimeError("regex_too_complex", limit=MAX_PATTERN_STATES)
    program.append(instruction)
    return len(program) - 1


def _emit(items: list[tuple[Any, Any]], program: list[Instruction]) -> None:
    for op, av in items:
        _emit_one(op, av, program)


def _emit_one(op: Any, av: Any, program: list[Instruction]) -> None:
    if op in _UNSUPPORTED:
        raise _Unsupported(_UNSUPPORTED[op])
    if op is sre.LITERAL:
        _grow(program, ("char", chr(av).__eq__))
    elif op is sre.NOT_LITERAL:
        _grow(program, ("char", chr(av).__ne__))
    elif op is sre.ANY:
        _grow(program, ("char", "\n".__ne__))
    elif op is sre.IN:
        _grow(program, ("char", _char_class(av)))
    elif op is sre.AT:
        _grow(program, ("assert", av))
    elif op is sre.SUBPATTERN:
        if av[1] or av[2]:
            raise _Unsupported(("标志（?i: 等）", "flags (?i: and the like)"))
        _emit(list(av[3]), program)
    elif op is sre.BRANCH:
        _emit_branch(av[1], program)
    elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
        _emit_repeat(av[0], av[1], list(av[2]), program)
    else:
        raise _Unsupported((str(op), str(op)))


def _emit_branch(alternatives: list[Any], program: list[Instruction]) -> None:
    jumps: list[int] = []
    for alternative in alternatives[:-1]:
        split = _grow(program, ("split", 0, 0))
        _emit(list(alternative), program)
        jumps.append(_grow(program, ("jmp", 0)))
        program[split] = ("split", split + 1, len(program))
    _emit(list(alternatives[-1]), program)
    for jump in jumps:
        program[jump] = ("jmp", len(program))


def _emit_repeat(low: int, high: Any, body: list[Any], program: list[Instruction]) -> None:
    for _ in range(low):
        _emit(body, program)
    if high is sre.MAXREPEAT:
        split = _grow(program, ("split", 0, 0))
        _emit(body, program)
        _grow(program, ("jmp", split))
        program[split] = ("split", split + 1, len(program))
        return
    splits = []
    for _ in range(high - low):
        splits.append(_grow(program, ("split", 0, 0)))
        _emit(body, program)
    for split in splits:
        program[split] = ("split", split + 1, len(program))


def _char_class(items: list[tuple[Any, Any]]) -> CharTest:
    negate = False
    chars: set[str] = set()
    tests: list[CharTest] = []
    for op, av in items:
        if op is sre.NEGATE:
            negate = True
        elif op is sre.LITERAL:
            chars.add(chr(av))
        elif op is sre.RANGE:
            low, high = chr(av[0]), chr(av[1])
            tests.append(_in_range(low, high))
        elif op is sre.CATEGORY and av in _CATEGORIES:
            tests.append(_CATEGORIES[av])
        else:
            raise _Unsupported((str(op), str(op)))

    def test(ch: str) -> bool:
        return (ch in chars or any(t(ch) for t in tests)) != negate
    return test


def _word(text: str, i: int) -> bool:
    return 0 <= i < len(text) and (text[i].isalnum() or text[i] == "_")


def _holds(kind: Any, text: str, i: int) -> bool:
    if kind in (sre.AT_BEGINNING, sre.AT_BEGINNING_STRING):
        return i == 0
    if kind is sre.AT_END:
        return i == len(text) or (i == len(text) - 1 and text[i] == "\n")
    if kind is sre.AT_END_STRING:
        return i == len(text)
    if kind is sre.AT_BOUNDARY:
        return _word(text, i - 1) != _word(text, i)
    if kind is sre.AT_NON_BOUNDARY:
        return _word(text, i - 1) == _word(text, i)
    raise ExpressionRuntimeError("regex_unsupported", feature=str(kind), feature_zh=str(kind))


def _add(program: tuple[Instruction, ...], threads: list[int], seen: set[int], pc: int,
         text: str, i: int) -> bool:
    """Follow empty steps from `pc` at position `i`; True when the pattern has matched."""
    stack = [pc]
    while stack:
        pc = stack.pop()
        if pc in seen:
            continue
        seen.add(pc)
        instruction = program[pc]
        kind = instruction[0]
        if kind == "char":
            threads.append(pc)
        elif kind == "match":
            return True
        elif kind == "jmp":
            stack.append(instruction[1])
        elif kind == "split":
            stack.extend((instruction[2], instruction[1]))
        elif _holds(instruction[1], text, i):
            stack.append(pc + 1)
    return False


def _run(program: tuple[Instruction, ...], text: str) -> bool:
    threads: list[int] = []
    seen: set[int] = set()
    for i in range(len(text) + 1):
        # A fresh thread at every position gives search (not match) semantics.
        if _add(program, threads, seen, 0, text, i):
            return True
        if i == len(text):
            return False
        ch = text[i]
        following: list[int] = []
        seen = set()
        for pc in threads:
            if program[pc][1](ch) and _add(program, following, seen, pc + 1, text, i + 1):
                return True
        threads = following
    return False


def _in_range(low: str, high: str) -> Callable[[str], bool]:
    return lambda ch: low <= ch <= high

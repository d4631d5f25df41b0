"""Static checks for the definition checker: every problem of an expression at once.

Besides what compiling refuses, this reports names that are not in the form's fields (with a
did-you-mean), and operations whose operand types are certain and wrong, such as comparing
a number with text. Types come from the declared field types, literals, and the return types
of catalogue functions and text methods; 'any' marks a type that is not known in advance.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from typing import Any

from runtime.expressions.compiler import compile_expression
from runtime.expressions.errors import ExpressionCompileError, ExpressionError
from runtime.expressions.functions import FUNCTIONS
from runtime.expressions.limits import MAX_STRING, MAX_VALUE_TEXT
from runtime.expressions.members import member_problems
from runtime.expressions.methods import METHODS
from runtime.expressions.operators import SYMBOLS
from runtime.expressions.rules import iter_problems, suggest
from runtime.expressions.syntax import ALIASES, Parsed, parse
from runtime.expressions.values import VALUE_TYPES

_CONSTANT_TYPES = {bool: "boolean", int: "number", float: "number", str: "string"}
_ORDERING = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE)
# Pairs that compare sensibly although the names differ: booleans are numbers in arithmetic,
# and dates usually arrive as 'YYYY-MM-DD' text.
_COMPATIBLE = ({"number", "boolean"}, {"date", "string"})
_NUMERIC = frozenset({"number", "boolean"})


def check_expression(source: str, names: Mapping[str, str] | None = None, *,
                     allow_unknown_names: bool = False,
                     members: Mapping[str, Any] | None = None) -> Iterator[ExpressionError]:
    """Every problem of `source`, ordered by position.

    `names` maps each known data name to one of VALUE_TYPES; without it names are not
    checked and all are of type 'any'. With `allow_unknown_names`, names outside `names`
    are accepted (their type is 'any'). `members` says what namespace names such as `rules`
    hold (runtime.expressions.members).
    """
    try:
        parsed = parse(source)
    except ExpressionCompileError as exc:
        yield exc
        return
    problems: list[ExpressionError] = list(iter_problems(parsed, FUNCTIONS))
    if names is not None and not allow_unknown_names:
        problems.extend(_unknown_names(parsed, names))
    types = _Types(names or {})
    problems.extend(_type_problems(parsed, types))
    problems.extend(_size_problems(parsed, _Sizes(types), parsed.tree))
    if members:
        problems.extend(member_problems(parsed, members))
    yield from sorted(problems, key=lambda problem: problem.position or 0)


def infer_type(source: str, names: Mapping[str, str] | None = None) -> str:
    """The value type `source` produces, one of VALUE_TYPES ('any' when not certain).

    Raises ExpressionCompileError if the expression does not compile.
    """
    kind = _Types(names or {}).of(compile_expression(source).parsed.tree)
    return "any" if kind == "wrong" else kind


def _unknown_names(parsed: Parsed, names: Mapping[str, str]) -> Iterator[ExpressionError]:
    nodes = list(ast.walk(parsed.tree))
    callees = {id(node.func) for node in nodes if type(node) is ast.Call}
    seen: set[str] = set()
    for node in nodes:
        if type(node) is ast.Name and id(node) not in callees and node.id not in names:
            # Aliases are constants, and double-underscore names are already refused.
            if node.id not in seen and node.id not in ALIASES and not node.id.startswith("__"):
                seen.add(node.id)
                yield ExpressionCompileError("unknown_name", source=parsed.source,
                                             position=parsed.position(node), name=node.id,
                                             suggestion=suggest(node.id, names))


def _type_problems(parsed: Parsed, types: _Types) -> Iterator[ExpressionError]:
    for node in ast.walk(parsed.tree):
        if type(node) is ast.Compare:
            yield from _compare_problems(parsed, types, node)
        elif type(node) is ast.BinOp and types.of(node) == "wrong":
            yield from _arithmetic_problem(parsed, types, node)


def _size_problems(parsed: Parsed, sizes: _Sizes,
                   node: ast.AST) -> Iterator[ExpressionError]:
    """The outermost repetitions whose result is certain to pass a limit: more than
    MAX_STRING characters of text, or a list holding more than MAX_VALUE_TEXT in all."""
    if type(node) is ast.BinOp and type(node.op) is ast.Mult:
        kind, size = sizes.types.of(node), sizes.of(node)
        limit = MAX_STRING if kind == "string" else MAX_VALUE_TEXT
        if kind in ("string", "list") and size - 2 > limit:
            yield ExpressionCompileError(
                "size_estimate", source=parsed.source, size=size, limit=limit,
                position=parsed.operator_position(node.left, node.right, "*"))
            return
    for child in ast.iter_child_nodes(node):
        yield from _size_problems(parsed, sizes, child)


def _arithmetic_problem(parsed: Parsed, types: _Types,
                        node: ast.BinOp) -> Iterator[ExpressionError]:
    left, right = types.of(node.left), types.of(node.right)
    symbol = SYMBOLS[type(node.op)]
    position = parsed.operator_position(node.left, node.right, symbol)
    if type(node.op) is ast.Mod and left == "string":
        # A text literal on the left was already refused by the allow-list.
        if not (type(node.left) is ast.Constant and type(node.left.value) is str):
            yield ExpressionCompileError("string_format", source=parsed.source,
                                         position=position)
        return
    yield ExpressionCompileError("type", source=parsed.source, op=symbol, left=left,
                                 right=right, position=position)


def _compare_problems(parsed: Parsed, types: _Types,
                      node: ast.Compare) -> Iterator[ExpressionError]:
    operands = [node.left, *node.comparators]
    for index, op in enumerate(node.ops):
        if type(op) not in _ORDERING:
            continue
        left, right = operands[index], operands[index + 1]
        left_type, right_type = types.of(left), types.of(right)
        if not _comparable(left_type, right_type):
            symbol = SYMBOLS[type(op)]
            yield ExpressionCompileError(
                "compare_types", source=parsed.source, op=symbol, left=left_type,
                right=right_type, position=parsed.operator_position(left, right, symbol))


def _comparable(left: str, right: str) -> bool:
    if left == right or "any" in (left, right) or "wrong" in (left, right):
        return True
    return {left, right} in _COMPATIBLE


class _Types:
    """Infers the type of each node once; 'wrong' marks an operation already known to fail."""

    def __init__(self, names: Mapping[str, str]):
        self.names = {name: kind if kind in VALUE_TYPES else "any"
                      for name, kind in names.items()}
        self.memo: dict[int, str] = {}

    def of(self, node: ast.AST) -> str:
        key = id(node)
        if key not in self.memo:
            self.memo[key] = self._infer(node)
        return self.memo[key]

    def _infer(self, node: ast.AST) -> str:
        if type(node) is ast.Constant:
            return _CONSTANT_TYPES.get(type(node.value), "any")
        if type(node) is ast.Name:
            return self.names.get(node.id, "any")
        if type(node) in (ast.List, ast.Tuple):
            return "list"
        if type(node) is ast.Dict:
            return "object"
        if type(node) in (ast.Compare, ast.BoolOp) or (type(node) is ast.UnaryOp
                                                        and type(node.op) is ast.Not):
            return self._logic(node)
        if type(node) is ast.UnaryOp:
            return "number" if self.of(node.operand) in _NUMERIC else "any"
        if type(node) is ast.BinOp:
            return _arithmetic(type(node.op), self.of(node.left), self.of(node.right))
        if type(node) is ast.IfExp:
            return _same(self.of(node.body), self.of(node.orelse))
        if type(node) is ast.Call:
            return self._call(node)
        if type(node) is ast.Subscript and self.of(node.value) == "string":
            return "string"
        return "any"

    def _logic(self, node: ast.AST) -> str:
        if type(node) is ast.BoolOp:
            # `a or b` yields one of its operands, not necessarily a boolean.
            kinds = {self.of(value) for value in node.values}
            return kinds.pop() if len(kinds) == 1 else "any"
        return "boolean"

    def _call(self, node: ast.Call) -> str:
        func = node.func
        if type(func) is ast.Name and func.id in FUNCTIONS:
            return FUNCTIONS[func.id].returns
        if type(func) is ast.Attribute and func.attr in METHODS:
            return METHODS[func.attr].returns
        return "any"


class _Sizes:
    """The least text each node's value holds, counted as `values.text_size` counts (a text's
    characters and two, one for any other item, a list's items and two), taking every name
    as one character: a person filled it, and `[name * 10000] * 9999` is a bomb whatever
    they typed."""

    def __init__(self, types: _Types):
        self.types = types
        self.memo: dict[int, int] = {}

    def of(self, node: ast.AST) -> int:
        key = id(node)
        if key not in self.memo:
            self.memo[key] = self._least(node)
        return self.memo[key]

    def _least(self, node: ast.AST) -> int:
        if type(node) is ast.Constant:
            return len(node.value) + 2 if type(node.value) is str else 1
        if type(node) is ast.Name:
            return 3 if self.types.of(node) == "string" else 1
        if isinstance(node, (ast.List, ast.Tuple)):
            return len(node.elts) + 2 + sum(self.of(e) for e in node.elts)
        if isinstance(node, ast.BinOp) and self.types.of(node) in ("string", "list"):
            return self._operation(node)
        if isinstance(node, ast.IfExp):
            return min(self.of(node.body), self.of(node.orelse))
        return 1

    def _operation(self, node: ast.BinOp) -> int:
        if type(node.op) is ast.Add:
            return self.of(node.left) + self.of(node.right) - 2
        times, repeated = ((node.right, node.left) if type(node.right) is ast.Constant
                           else (node.left, node.right))
        if type(node.op) is not ast.Mult or type(times) is not ast.Constant or type(
                times.value) is not int:
            return 1
        return (self.of(repeated) - 2) * max(times.value, 0) + 2


def _same(left: str, right: str) -> str:
    return left if left == right and left != "wrong" else "any"


def _arithmetic(op: type, left: str, right: str) -> str:
    """The result type of `left op right`, 'any' if unsure, 'wrong' if it cannot work."""
    if "any" in (left, right) or "wrong" in (left, right):
        return "any"
    if left in _NUMERIC and right in _NUMERIC:
        return "number"
    if op is ast.Add and left == right and left in ("string", "list"):
        return left
    if op is ast.Mult and {left, right} in ({"string", "number"}, {"list", "number"}):
        return left if left != "number" else right
    return "wrong"

"""compile_expression: parse, check against the allow-list once, and cache the result.

An Expression holds the checked tree; evaluating it again never re-parses or re-checks, and
the same source text compiles to the same cached Expression.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, NamedTuple

from runtime.expressions import evaluator
from runtime.expressions.errors import ExpressionCompileError
from runtime.expressions.functions import FUNCTIONS
from runtime.expressions.limits import CACHE_SIZE, MAX_SOURCE_LENGTH
from runtime.expressions.rules import iter_problems
from runtime.expressions.syntax import Parsed, parse


class CallSite(NamedTuple):
    """One call of a catalogue function: its name, how many arguments, and where."""

    name: str
    arg_count: int
    position: int | None


@dataclass(frozen=True, eq=False)
class Expression:
    """A compiled expression: what it reads (`names`), what it calls, and how to run it."""

    source: str
    names: frozenset[str]
    calls: tuple[CallSite, ...]
    parsed: Parsed = field(repr=False)

    @property
    def pure(self) -> bool:
        """Whether every function it calls is pure: the same data gives the same value."""
        return all(FUNCTIONS[call.name].pure for call in self.calls)

    def evaluate(self, data: Mapping[str, Any]) -> Any:
        """The value on `data` (names to JSON values or dates); errors are
        ExpressionRuntimeError. `data` is never changed."""
        return evaluator.evaluate(self.parsed, data)

    def explain(self, data: Mapping[str, Any]) -> evaluator.Trace:
        """Like evaluate, but returns a Trace with the value of every step."""
        return evaluator.explain(self.parsed, data)


def compile_expression(source: str) -> Expression:
    """The checked, cached Expression for `source`; refused ones raise ExpressionCompileError
    carrying the earliest problem."""
    if not isinstance(source, str) or len(source) > MAX_SOURCE_LENGTH:
        parse(source)  # raises not_text or too_long before the text is hashed or cached
    return _compile(source)


@lru_cache(maxsize=CACHE_SIZE)
def _compile(source: str) -> Expression:
    parsed = parse(source)
    problems = sorted(iter_problems(parsed, FUNCTIONS), key=_order)
    if problems:
        raise problems[0]
    folded = replace(parsed, tree=_FoldMembership().visit(parsed.tree))
    return Expression(source, _names(parsed.tree), _calls(parsed), folded)


class _FoldMembership(ast.NodeTransformer):
    """`x in ['a', 'b']` with only literals on the right reads a prebuilt tuple instead of
    building the list on every evaluation (CPython does the same); it runs after the checks."""

    def visit_Compare(self, node: ast.Compare) -> ast.Compare:
        self.generic_visit(node)
        for index, (op, right) in enumerate(zip(node.ops, node.comparators, strict=True)):
            if (type(op) in (ast.In, ast.NotIn) and isinstance(right, ast.List | ast.Tuple)
                    and all(isinstance(item, ast.Constant) for item in right.elts)):
                values = tuple(item.value for item in right.elts)  # type: ignore[attr-defined]
                folded = ast.Constant(values)  # type: ignore[arg-type]  # a tuple constant
                node.comparators[index] = ast.copy_location(folded, right)
        return node


def _order(problem: ExpressionCompileError) -> int:
    return problem.position if problem.position is not None else 0


def _names(tree: ast.AST) -> frozenset[str]:
    """Root data names: every Name except the function names in calls."""
    nodes = list(ast.walk(tree))
    callees = {id(node.func) for node in nodes if type(node) is ast.Call}
    return frozenset(node.id for node in nodes
                     if type(node) is ast.Name and id(node) not in callees)


def _calls(parsed: Parsed) -> tuple[CallSite, ...]:
    sites = [CallSite(node.func.id, len(node.args), parsed.position(node))
             for node in ast.walk(parsed.tree)
             if type(node) is ast.Call and type(node.func) is ast.Name]
    return tuple(sorted(sites, key=lambda site: site.position or 0))


def evaluate(source: str, data: Mapping[str, Any]) -> Any:
    """Compile (cached) and evaluate in one step."""
    return compile_expression(source).evaluate(data)

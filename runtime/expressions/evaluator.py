"""Evaluation of a checked tree with simpleeval, plus the traced variant behind explain().

The tree has passed the allow-list, so the evaluator only walks it: simpleeval's
EvalWithCompoundTypes supplies the node dispatch, with our operators and catalogue, and a few
handlers replaced (names come only from the data, calls only reach the catalogue or allowed
text methods, subscripts report clear errors). Handlers for refused constructs are removed
as a second line of defence. One evaluator per thread is reused, so each evaluation costs
only the walk; every failure leaves as ExpressionRuntimeError with a position.
"""

from __future__ import annotations

import ast
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from simpleeval import EvalWithCompoundTypes

from runtime.expressions.errors import ExpressionError, ExpressionRuntimeError
from runtime.expressions.functions import FUNCTIONS
from runtime.expressions.limits import MAX_DEPTH, MAX_INT_TEXT
from runtime.expressions.methods import METHODS
from runtime.expressions.operators import OPERATORS, SYMBOLS
from runtime.expressions.rules import suggest
from runtime.expressions.syntax import Parsed
from runtime.expressions.values import (
    CONTAINERS,
    Lazy,
    check_weight,
    reset_work,
    show,
    type_of,
)

_REMOVED = (ast.Attribute, ast.ListComp, ast.GeneratorExp, ast.DictComp, ast.Set,
            ast.JoinedStr, ast.FormattedValue, ast.Assign, ast.AugAssign, ast.Import,
            ast.keyword, ast.Expr)
_INDEXABLE = (list, tuple, str)
_OBJECTS = (dict, Lazy)
_INDEX_TYPES = (int, bool, slice)


class _Evaluator(EvalWithCompoundTypes):
    """simpleeval with the language's operators, catalogue, names and error reporting."""

    def __init__(self) -> None:
        functions = {name: function.call for name, function in FUNCTIONS.items()}
        super().__init__(operators=dict(OPERATORS), functions=functions, names={})
        for kind in _REMOVED:
            self.nodes.pop(kind, None)
        self.nodes[ast.Name] = self._eval_name
        self.nodes[ast.Call] = self._eval_call
        self.nodes[ast.Subscript] = self._eval_subscript
        self.nodes[ast.Attribute] = self._eval_member  # only `rules.x` passes the allow-list
        self.nodes[ast.List] = self._eval_list
        self.nodes[ast.Tuple] = self._eval_tuple
        self.nodes[ast.Dict] = self._eval_dict
        self.nodes[ast.Compare] = self._eval_compare
        # simpleeval measures every literal against its cap; ours are capped by the source.
        self.nodes[ast.Constant] = _constant
        self.parsed: Parsed | None = None

    def _eval(self, node: ast.AST) -> Any:
        try:
            return self.nodes[type(node)](node)
        except ExpressionError as exc:
            # The innermost node that knows its place says where; asked only when read.
            exc.locate_later(self._source(), partial(_where, self.parsed, node))
            raise
        except Exception as exc:  # no raw exception may leave evaluate()
            raise _translate(exc, node).locate_later(
                self._source(), partial(_where, self.parsed, node)) from None

    def _source(self) -> str:
        return self.parsed.source if self.parsed else ""

    def _eval_name(self, node: ast.Name) -> Any:
        try:
            return self.names[node.id]
        except KeyError:
            raise ExpressionRuntimeError("unknown_name", name=node.id,
                                         suggestion=suggest(node.id, self.names)) from None

    def _eval_call(self, node: ast.Call) -> Any:
        func = node.func
        if type(func) is ast.Name:
            return self.functions[func.id](*map(self._eval, node.args))  # no list made
        assert type(func) is ast.Attribute
        receiver = self._eval(func.value)
        return METHODS[func.attr].call(receiver, *map(self._eval, node.args))

    def _eval_compare(self, node: ast.Compare) -> Any:
        if len(node.ops) == 1:  # the usual `a == b`, without simpleeval's zip and loop
            return self.operators[type(node.ops[0])](self._eval(node.left),
                                                     self._eval(node.comparators[0]))
        return super()._eval_compare(node)

    def _eval_list(self, node: ast.List) -> list[Any]:
        return _nested_checked([self._eval(item) for item in node.elts])

    def _eval_tuple(self, node: ast.Tuple) -> tuple[Any, ...]:
        return tuple(_nested_checked([self._eval(item) for item in node.elts]))

    def _eval_dict(self, node: ast.Dict) -> dict[str, Any]:
        # Keys are text literals (the allow-list refuses others and ** unpacking).
        keys = [key.value for key in node.keys]  # type: ignore[union-attr]
        values = _nested_checked([self._eval(value) for value in node.values])
        return dict(zip(keys, values, strict=True))

    def _eval_member(self, node: ast.Attribute) -> Any:
        container = self._eval(node.value)
        if type(container) in _OBJECTS:
            return _member(container, node.attr)
        raise ExpressionRuntimeError("attribute", name=node.attr)

    def _eval_subscript(self, node: ast.Subscript) -> Any:
        container = self._eval(node.value)
        key = self._eval(node.slice)
        kind = type(container)
        if kind in _OBJECTS and type(key) is str:
            return _member(container, key)
        if kind in _INDEXABLE and type(key) in _INDEX_TYPES:
            return _index(container, key)
        raise ExpressionRuntimeError("subscript", type=type_of(container),
                                     key_type=type_of(key))


def _member(container: dict[str, Any], key: str) -> Any:
    try:
        return container[key]
    except KeyError:
        known = container.names if type(container) is Lazy else container
        raise ExpressionRuntimeError("key", key=key, suggestion=suggest(key, known)) from None


def _constant(node: ast.Constant) -> Any:
    return node.value


def _where(parsed: Parsed | None, node: ast.AST) -> int | None:
    """The column an error at `node` is reported at: an operator's own symbol, a method's
    name, else where the node starts."""
    if parsed is None:
        return None
    if type(node) is ast.BinOp:
        return parsed.operator_position(node.left, node.right, SYMBOLS[type(node.op)])
    if type(node) is ast.Compare:
        return parsed.operator_position(node.left, node.comparators[0],
                                        SYMBOLS[type(node.ops[0])])
    if type(node) is ast.Call and type(node.func) is ast.Attribute:
        return parsed.attribute_position(node.func)
    return parsed.position(node)


def _nested_checked(items: list[Any]) -> list[Any]:
    """Literal items, refused if lists inside them add up to more than the cap."""
    for item in items:
        if type(item) in CONTAINERS:
            check_weight(items)
            break
    return items


def _index(container: Any, key: Any) -> Any:
    try:
        return container[key]
    except IndexError:
        raise ExpressionRuntimeError("index", index=key, length=len(container)) from None
    except ValueError:
        raise ExpressionRuntimeError("slice_step") from None
    except TypeError:
        raise ExpressionRuntimeError("subscript", type=type_of(container),
                                     key_type="other") from None


def _translate(exc: Exception, node: ast.AST) -> ExpressionRuntimeError:
    """A clear error for a Python exception an operator or function let through."""
    if isinstance(exc, ZeroDivisionError):
        return ExpressionRuntimeError("division_by_zero")
    if isinstance(exc, OverflowError):
        return ExpressionRuntimeError("number_too_large", limit=MAX_INT_TEXT)
    if isinstance(exc, RecursionError):
        return ExpressionRuntimeError("too_deep", limit=MAX_DEPTH)
    if type(node) is ast.Call:
        func = node.func
        name = func.id if type(func) is ast.Name else getattr(func, "attr", "?")
        return ExpressionRuntimeError("function_failed", name=name, reason=type(exc).__name__)
    return ExpressionRuntimeError("internal", reason=type(exc).__name__)


@dataclass(frozen=True)
class Trace:
    """One evaluated sub-expression: its source text, its value, and the parts inside it.

    Constants are left out; parts skipped by `and`/`or`/`if` short-circuits do not appear,
    which is itself part of the explanation.
    """

    text: str
    value: Any
    children: tuple[Trace, ...] = ()

    def walk(self) -> Iterator[Trace]:
        """This step and every step inside it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()

    def lines(self, indent: str = "  ", level: int = 0) -> list[str]:
        """`text = value` per step, indented by depth, for logs and explanations."""
        out = [f"{indent * level}{self.text} = {show(self.value)}"]
        for child in self.children:
            out.extend(child.lines(indent, level + 1))
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "value": show(self.value),
                "children": [child.as_dict() for child in self.children]}


_QUIET = (ast.Constant, ast.Slice)


class _Tracer(_Evaluator):
    """The evaluator that also records each sub-expression's value."""

    def __init__(self) -> None:
        super().__init__()
        self.steps: list[Trace] = []

    def _eval(self, node: ast.AST) -> Any:
        if type(node) in _QUIET:
            return super()._eval(node)
        outer, self.steps = self.steps, []
        try:
            value = super()._eval(node)
        finally:
            inner, self.steps = self.steps, outer
        text = self.parsed.segment(node) if self.parsed else ""
        self.steps.append(Trace(text, value, tuple(inner)))
        return value


_local = threading.local()


def _evaluator() -> _Evaluator:
    try:
        return _local.evaluator
    except AttributeError:
        _local.evaluator = _Evaluator()
        return _local.evaluator


def _tracer() -> _Tracer:
    try:
        return _local.tracer
    except AttributeError:
        _local.tracer = _Tracer()
        return _local.tracer


def evaluate(parsed: Parsed, data: Mapping[str, Any]) -> Any:
    """The value of a checked tree on `data`; failures raise ExpressionRuntimeError."""
    return _run(_evaluator(), parsed, data)


def explain(parsed: Parsed, data: Mapping[str, Any]) -> Trace:
    """The value of a checked tree on `data` with the value of every step that led to it."""
    tracer = _tracer()
    outer, tracer.steps = tracer.steps, []
    try:
        value = _run(tracer, parsed, data)
        steps = tracer.steps
    finally:
        tracer.steps = outer
    if len(steps) == 1:
        return steps[0]
    return Trace(parsed.text, value, tuple(steps))


def _run(evaluator: _Evaluator, parsed: Parsed, data: Mapping[str, Any]) -> Any:
    if type(data) is not dict and not isinstance(data, Mapping):
        raise ExpressionRuntimeError("not_mapping", source=parsed.source,
                                     type=type(data).__name__)
    # Saved and restored so a nested evaluation on the same thread cannot disturb this one.
    saved_names, saved_parsed = evaluator.names, evaluator.parsed
    evaluator.names = data
    evaluator.parsed = parsed
    reset_work()
    try:
        # What simpleeval's eval(text, previously_parsed=tree) does, less two wrapper calls:
        # keep the text for its messages and walk the tree. (Its comprehension counter,
        # which EvalWithCompoundTypes.eval resets, is never read: comprehensions are removed.)
        evaluator.expr = parsed.text
        return evaluator._eval(parsed.tree)
    finally:
        evaluator.names = saved_names
        evaluator.parsed = saved_parsed

"""The allow-list: which AST nodes an expression may contain, checked once when compiling.

`iter_problems` yields every refused construct, not just the first, so the same walk serves
compile_expression (which raises the earliest) and the static checker (which shows all).
Anything not explicitly allowed here is refused; the evaluator never sees such a tree.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from runtime.expressions.errors import ExpressionCompileError
from runtime.expressions.limits import MAX_INT, MAX_INT_TEXT
from runtime.expressions.methods import METHODS
from runtime.expressions.operators import OPERATORS, SYMBOLS
from runtime.expressions.registry import Function
from runtime.expressions.syntax import Parsed
from runtime.expressions.values import NAMESPACES

# Nodes allowed as they are; their parents' rules check what needs checking (an operator
# node such as ast.BitAnd is judged by the BinOp rule that holds it).
_PLAIN: frozenset[type] = frozenset({
    ast.Load, ast.BoolOp, ast.And, ast.Or, ast.IfExp, ast.List, ast.Tuple, ast.Subscript,
    ast.Slice, *SYMBOLS,
})

# Parts of refused constructs, reported through the construct itself.
_SILENT: frozenset[type] = frozenset({
    ast.Store, ast.Del, ast.comprehension, ast.FormattedValue, ast.keyword, ast.arguments,
    ast.arg,
})

_CONSTRUCTS: dict[type, str] = {
    ast.Lambda: "lambda", ast.ListComp: "comprehension", ast.SetComp: "comprehension",
    ast.DictComp: "comprehension", ast.GeneratorExp: "generator", ast.JoinedStr: "fstring",
    ast.NamedExpr: "walrus", ast.Starred: "starred", ast.Await: "await", ast.Yield: "yield",
    ast.YieldFrom: "yield", ast.Set: "set",
}

_LITERALS: dict[type, str | None] = {
    str: None, int: None, float: None, bool: None, type(None): None,
    bytes: "bytes", complex: "complex", type(...): "ellipsis",
}


@dataclass(frozen=True)
class _Context:
    parsed: Parsed
    functions: Mapping[str, Function]
    callees: frozenset[int]

    def error(self, code: str, position: int | None, **params: object) -> ExpressionCompileError:
        return ExpressionCompileError(code, source=self.parsed.source, position=position,
                                      **params)

    def at(self, code: str, node: ast.AST, **params: object) -> ExpressionCompileError:
        return self.error(code, self.parsed.position(node), **params)


Rule = Callable[[ast.AST, _Context], Iterator[ExpressionCompileError]]


def iter_problems(parsed: Parsed,
                  functions: Mapping[str, Function]) -> Iterator[ExpressionCompileError]:
    """Every construct in `parsed` that the language refuses, in tree order."""
    callees = frozenset(id(node.func) for node in ast.walk(parsed.tree)
                        if type(node) is ast.Call)
    context = _Context(parsed, functions, callees)
    for node in ast.walk(parsed.tree):
        kind = type(node)
        rule = _RULES.get(kind)
        if rule is not None:
            yield from rule(node, context)
        elif kind not in _PLAIN and kind not in _SILENT:
            yield context.at("not_allowed", node, construct=_CONSTRUCTS.get(kind, "other"))


def suggest(name: str, candidates: Iterable[object]) -> str | None:
    """The closest candidate to a misspelt name, for did-you-mean hints."""
    names = [c for c in candidates if isinstance(c, str)]
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    return close[0] if close else None


def _constant(node: ast.AST, context: _Context) -> Iterator[ExpressionCompileError]:
    assert isinstance(node, ast.Constant)
    kind = type(node.value)
    construct = _LITERALS.get(kind, "other")
    if construct is not None:
        yield context.at("not_allowed", node, construct=construct)
    elif isinstance(node.value, int) and abs(node.value) > MAX_INT:
        yield context.at("number_too_large", node, limit=MAX_INT_TEXT)


def _name(node: ast.AST, context: _Context) -> Iterator[ExpressionCompileError]:
    assert isinstance(node, ast.Name)
    if node.id.startswith("__") and id(node) not in context.callees:
        yield context.at("private_name", node, name=node.id)


def _attribute(node: ast.AST, context: _Context) -> Iterator[ExpressionCompileError]:
    assert isinstance(node, ast.Attribute)
    position = context.parsed.attribute_position(node)
    member = id(node) not in context.callees
    if node.attr.startswith("_") or (member and not _in_namespace(node)):
        yield context.error("attribute", position, name=node.attr)
    elif member:
        return
    elif node.attr not in METHODS:
        yield context.error("method_not_allowed", position, name=node.attr,
                            allowed=", ".join(METHODS))


def _in_namespace(node: ast.Attribute) -> bool:
    """A member read `rules.x.y`: a chain of dots (and [...]) from a namespace name."""
    value: ast.AST = node.value
    while type(value) in (ast.Attribute, ast.Subscript):
        value = value.value  # type: ignore[attr-defined]
    return type(value) is ast.Name and value.id in NAMESPACES


def _call(node: ast.AST, context: _Context) -> Iterator[ExpressionCompileError]:
    assert isinstance(node, ast.Call)
    func = node.func
    count = len(node.args)
    if type(func) is ast.Name:
        function = context.functions.get(func.id)
        if function is None:
            yield context.at("unknown_function", func, name=func.id,
                             suggestion=suggest(func.id, context.functions))
        elif not function.accepts(count):
            yield context.at("arg_count", func, name=func.id, min=function.min_args,
                             max=function.max_args, given=count)
        name = func.id
    elif type(func) is ast.Attribute:
        method = METHODS.get(func.attr)
        if method is not None and not method.min_args <= count <= method.max_args:
            yield context.error("arg_count", context.parsed.attribute_position(func),
                                name=func.attr, min=method.min_args, max=method.max_args,
                                given=count)
        name = func.attr
    else:
        yield context.at("not_callable", node)
        name = ""
    for keyword in node.keywords:
        yield context.at("keyword_args", keyword, name=name, keyword=keyword.arg or "**")


def _binop(node: ast.AST, context: _Context) -> Iterator[ExpressionCompileError]:
    assert isinstance(node, ast.BinOp)
    symbol = SYMBOLS.get(type(node.op), "?")
    position = context.parsed.operator_position(node.left, node.right, symbol)
    if type(node.op) not in OPERATORS:
        yield context.error("operator", position, op=symbol)
    elif type(node.op) is ast.Mod and _is_text(node.left):
        yield context.error("string_format", position)


def _is_text(node: ast.AST) -> bool:
    return type(node) is ast.JoinedStr or (type(node) is ast.Constant
                                           and type(node.value) is str)


def _unaryop(node: ast.AST, context: _Context) -> Iterator[ExpressionCompileError]:
    assert isinstance(node, ast.UnaryOp)
    if type(node.op) not in OPERATORS:
        yield context.at("operator", node, op=SYMBOLS.get(type(node.op), "?"))


def _compare(node: ast.AST, context: _Context) -> Iterator[ExpressionCompileError]:
    assert isinstance(node, ast.Compare)
    operands = [node.left, *node.comparators]
    for index, op in enumerate(node.ops):
        if type(op) in (ast.Is, ast.IsNot) and not any(
                type(side) is ast.Constant and side.value is None
                for side in operands[index:index + 2]):
            yield context.error("is_literal", context.parsed.operator_position(
                operands[index], operands[index + 1], "is"))


def _dict(node: ast.AST, context: _Context) -> Iterator[ExpressionCompileError]:
    assert isinstance(node, ast.Dict)
    for key, value in zip(node.keys, node.values, strict=True):
        if key is None:
            yield context.at("not_allowed", value, construct="dict_unpack")
        elif not (type(key) is ast.Constant and type(key.value) is str):
            yield context.at("not_allowed", key, construct="dict_key")


_RULES: dict[type, Rule] = {
    ast.Expression: lambda node, context: iter(()),
    ast.Constant: _constant, ast.Name: _name, ast.Attribute: _attribute, ast.Call: _call,
    ast.BinOp: _binop, ast.UnaryOp: _unaryop, ast.Compare: _compare, ast.Dict: _dict,
}

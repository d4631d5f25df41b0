"""Parsing: expression text to a Python AST, refusing oversize or over-deep input first.

The AST is produced by `ast.parse(mode='eval')` and only ever inspected and walked, never
compiled to code. Positions are reported as 1-based character columns in the original text.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from runtime.expressions.errors import ExpressionCompileError, char_position
from runtime.expressions.limits import MAX_DEPTH, MAX_SOURCE_LENGTH

ALIASES: dict[str, object] = {"true": True, "false": False, "null": None}
"""JSON spellings accepted next to Python's True, False and None; they cannot name data."""


@dataclass(frozen=True, eq=False)
class Parsed:
    """A parsed expression: the original source, the stripped text parsed, and its tree."""

    source: str
    text: str
    lead: int
    tree: ast.expr

    def position(self, node: ast.AST) -> int | None:
        """The 1-based column of `node` in the source."""
        lineno = getattr(node, "lineno", None)
        if lineno is None:
            return None
        return char_position(self.text, self.lead, lineno, getattr(node, "col_offset", 0))

    def end_position(self, node: ast.AST) -> int | None:
        """The 1-based column just after `node`."""
        lineno = getattr(node, "end_lineno", None)
        if lineno is None:
            return None
        return char_position(self.text, self.lead, lineno, getattr(node, "end_col_offset", 0))

    def attribute_position(self, node: ast.Attribute) -> int | None:
        """The column of the attribute name itself (`__class__` in `x.__class__`)."""
        end = self.end_position(node)
        return None if end is None else end - len(node.attr)

    def operator_position(self, left: ast.AST, right: ast.AST, symbol: str) -> int | None:
        """The column of `symbol` between two operands, else of the left operand."""
        start, end = self.end_position(left), self.position(right)
        if start is None or end is None:
            return self.position(left)
        found = self.source.find(symbol, start - 1, end - 1)
        return found + 1 if found >= 0 else self.position(left)

    def segment(self, node: ast.AST) -> str:
        """The source text of `node`."""
        return ast.get_source_segment(self.text, node) or ""


def parse(source: str) -> Parsed:
    """Parse `source`; too long, empty, bad syntax or too deep raise ExpressionCompileError."""
    if not isinstance(source, str):
        raise ExpressionCompileError("not_text", type=type(source).__name__)
    if len(source) > MAX_SOURCE_LENGTH:
        raise ExpressionCompileError("too_long", source=source[:100] + "…", length=len(source),
                                     limit=MAX_SOURCE_LENGTH)
    text = source.strip()
    if not text:
        raise ExpressionCompileError("empty", source=source)
    lead = len(source) - len(source.lstrip())
    tree = _parse_text(source, text, lead)
    if _depth(tree) > MAX_DEPTH:
        raise ExpressionCompileError("too_deep", source=source, limit=MAX_DEPTH)
    return Parsed(source, text, lead, _Aliases().visit(tree).body)


def _parse_text(source: str, text: str, lead: int) -> ast.Expression:
    try:
        return ast.parse(text, mode="eval")
    except SyntaxError as exc:
        position = None
        if exc.lineno:
            lines = text.split("\n")
            line = lines[min(exc.lineno, len(lines)) - 1]
            # Python reports offset 0 when the text ends too early: point just past the end.
            offset = exc.offset or len(line) + 1
            position = char_position(text, lead, exc.lineno, 0) + offset - 1
        raise ExpressionCompileError("syntax", source=source, position=position,
                                     reason=exc.msg) from None
    except (MemoryError, RecursionError):
        raise ExpressionCompileError("too_deep", source=source, limit=MAX_DEPTH) from None
    except ValueError as exc:
        raise ExpressionCompileError("syntax", source=source, reason=str(exc)) from None


def _depth(tree: ast.AST) -> int:
    """How deep `tree` nests, without recursion, stopping once past MAX_DEPTH."""
    deepest = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack and deepest <= MAX_DEPTH:
        node, depth = stack.pop()
        if isinstance(node, ast.expr):
            depth += 1
            deepest = max(deepest, depth)
        stack.extend((child, depth) for child in ast.iter_child_nodes(node))
    return deepest


class _Aliases(ast.NodeTransformer):
    """Turn the names true, false and null into constants."""

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if node.id in ALIASES:
            value: bool | None = ALIASES[node.id]  # type: ignore[assignment]
            return ast.copy_location(ast.Constant(value), node)
        return node

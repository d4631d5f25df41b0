"""Static checks of member reads such as `rules.rd_subsidy.amount` or
`decisions['route']['department']`: each key along the chain is one the definitions declare,
with a did-you-mean; a table bound to another form is named as such.

`members` maps a namespace name to a tree: a mapping of the keys it holds (each a subtree or a
value type), or text starting with `form:` for a table whose data is another form's.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from typing import Any

from runtime.expressions.errors import ExpressionCompileError
from runtime.expressions.rules import suggest
from runtime.expressions.syntax import Parsed

ELSEWHERE = "form:"


def member_problems(parsed: Parsed, members: Mapping[str, Any]) -> Iterator[ExpressionCompileError]:
    parents = {id(child): parent for parent in ast.walk(parsed.tree)
               for child in ast.iter_child_nodes(parent)}
    for node in ast.walk(parsed.tree):
        if type(node) is ast.Name and node.id in members and id(node) in parents:
            yield from _chain(parsed, node, parents, members[node.id])


def _chain(parsed: Parsed, root: ast.Name, parents: Mapping[int, ast.AST],
           tree: Any) -> Iterator[ExpressionCompileError]:
    path: list[str] = [root.id]
    node: ast.AST = root
    while isinstance(tree, Mapping):
        parent = parents.get(id(node))
        key = _key(parent, node)
        if key is None or parent is None:
            return
        path.append(key)
        if key not in tree:
            yield ExpressionCompileError("unknown_name", source=parsed.source,
                                         position=parsed.position(root), name=".".join(path),
                                         suggestion=_near(path, suggest(key, tree)))
            return
        tree, node = tree[key], parent
    if isinstance(tree, str) and tree.startswith(ELSEWHERE):
        yield ExpressionCompileError("member_elsewhere", source=parsed.source,
                                     position=parsed.position(root), name=".".join(path),
                                     form=tree[len(ELSEWHERE):])


def _near(path: list[str], found: str | None) -> str | None:
    return None if found is None else ".".join([*path[:-1], found])


def _key(parent: ast.AST | None, node: ast.AST) -> str | None:
    """The key `parent` reads of `node`: `node.key` or `node['key']`, else None."""
    if type(parent) is ast.Attribute and parent.value is node:
        return parent.attr
    if (type(parent) is ast.Subscript and parent.value is node
            and type(parent.slice) is ast.Constant and type(parent.slice.value) is str):
        return parent.slice.value
    return None

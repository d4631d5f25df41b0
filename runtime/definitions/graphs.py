"""Cycles in dependency graphs (computed fields, process steps, rules, task templates)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping


def cycles(graph: Mapping[str, set[str]]) -> Iterator[list[str]]:
    """Each cycle once, as the list of its nodes in order (a strongly connected component
    of more than one node, or a node that depends on itself). Tarjan's algorithm, iterative
    so that a long chain cannot exhaust the stack."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in graph.get(node, ()):
                    yield component[::-1]


def ancestors(graph: Mapping[str, set[str]], node: str) -> set[str]:
    """Every node that `node` depends on, directly or through others (`graph` maps a node to
    the nodes it depends on)."""
    seen: set[str] = set()
    todo = list(graph.get(node, ()))
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(graph.get(current, ()))
    return seen

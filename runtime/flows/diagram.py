"""A process drawn for the designer: boxes placed in columns by dependency depth (`layout`),
the arrows between them, and marks on the steps the checker or the graph itself finds wrong:
cycles, steps that can never start, loops without a bound, and any checker problem whose
path lies inside a step.

Pure: it reads the process as the file holds it (a list of step mappings), so a working copy
that does not yet pass its schema still draws.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from runtime.definitions.graphs import cycles
from runtime.flows.layout import columns
from runtime.i18n import Catalogue

MESSAGES = Catalogue({
    "cycle": ("循环依赖：{chain}", "cycle of dependencies: {chain}"),
    "unreachable": ("该步骤永远不会开始：{reason}", "this step can never start: {reason_en}"),
    "missing_before": ("前置步骤 '{name}' 不存在",
                       "the step it comes after, '{name}', does not exist"),
    "blocked_before": ("前置步骤 '{name}' 永远不会完成",
                       "the step it comes after, '{name}', never ends"),
    "too_few": ("汇聚要求至少 {need} 个前置步骤完成，只有 {have} 个可能完成",
                "its join needs {need} steps done, only {have} can be"),
    "unbounded_loop": ("退回到 '{to}' 的路由没有次数上限（max）",
                       "the route back to '{to}' has no bound (max)"),
})

# A box holds three lines: the step's title, its id and its deadline.
BOX_WIDTH, BOX_HEIGHT, GAP_X, GAP_Y, MARGIN = 168, 72, 56, 24, 16
_STEP_PATH = re.compile(r"^steps\[(\d+)\]")


@dataclass(frozen=True)
class Mark:
    code: str
    zh: str
    en: str

    def message(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True)
class Box:
    id: str
    index: int
    title: Any
    task: str
    x: int
    y: int
    marks: tuple[Mark, ...] = ()


@dataclass(frozen=True)
class Arrow:
    """From one box to another: `after` (a dependency), `route` or `return` (back edges)."""

    source: str
    target: str
    kind: str
    x1: int
    y1: int
    x2: int
    y2: int


@dataclass(frozen=True)
class Diagram:
    boxes: tuple[Box, ...]
    arrows: tuple[Arrow, ...]
    width: int
    height: int

    def marked(self) -> list[Box]:
        return [b for b in self.boxes if b.marks]


def draw(steps: Sequence[Mapping[str, Any]],
         problems: Iterable[tuple[str, str, str]] = ()) -> Diagram:
    """The diagram of `steps` (the process file's `steps`), with the marks the graph finds
    and `problems` (path, zh, en) whose path is `steps[i]...` put on step i."""
    steps = [s for s in steps if isinstance(s, Mapping) and isinstance(s.get("id"), str)]
    after = {s["id"]: [a for a in _list(s.get("after"))] for s in steps}
    marks = graph_marks(steps)
    for path, zh, en in problems:
        found = _STEP_PATH.match(path)
        if found and int(found.group(1)) < len(steps):
            marks.setdefault(steps[int(found.group(1))]["id"], []).append(
                Mark("problem", zh, en))
    place: dict[str, tuple[int, int]] = {}
    laid = columns(after)
    for c, column in enumerate(laid):
        for r, step_id in enumerate(column):
            place[step_id] = (MARGIN + c * (BOX_WIDTH + GAP_X),
                              MARGIN + r * (BOX_HEIGHT + GAP_Y))
    boxes = tuple(Box(s["id"], i, s.get("title"), str(s.get("task", "")), *place[s["id"]],
                      tuple(marks.get(s["id"], ()))) for i, s in enumerate(steps)
                  if s["id"] in place)
    rows = max((len(c) for c in laid), default=0)
    return Diagram(boxes, tuple(_arrows(steps, place)),
                   2 * MARGIN + max(len(laid), 1) * (BOX_WIDTH + GAP_X) - GAP_X,
                   2 * MARGIN + max(rows, 1) * (BOX_HEIGHT + GAP_Y) - GAP_Y)


def graph_marks(steps: Sequence[Mapping[str, Any]]) -> dict[str, list[Mark]]:
    """What the graph alone says is wrong with each step, by step id."""
    ids = [s["id"] for s in steps]
    graph = {s["id"]: {a for a in _list(s.get("after")) if a in ids} for s in steps}
    marks: dict[str, list[Mark]] = {}
    in_cycle: set[str] = set()
    for cycle in cycles(graph):
        chain = " → ".join([*cycle, cycle[0]])
        for step_id in cycle:
            in_cycle.add(step_id)
            marks.setdefault(step_id, []).append(_mark("cycle", chain=chain))
    for step_id, reason in _never_start(steps, in_cycle).items():
        marks.setdefault(step_id, []).append(reason)
    for s in steps:
        for route in _list(s.get("routes")):
            if isinstance(route, Mapping) and not isinstance(route.get("max"), int):
                marks.setdefault(s["id"], []).append(
                    _mark("unbounded_loop", to=route.get("to", "?")))
    return marks


def _never_start(steps: Sequence[Mapping[str, Any]], in_cycle: set[str]) -> dict[str, Mark]:
    """Steps that can never start: waiting on a step that does not exist, on one in a cycle,
    or on one that itself never starts, more than their join allows (to a fixed point)."""
    ids = {s["id"] for s in steps}
    dead: dict[str, Mark] = {}
    changed = True
    while changed:
        changed = False
        for s in steps:
            if s["id"] in dead or s["id"] in in_cycle:
                continue
            reason = _why_dead(s, ids, in_cycle | set(dead))
            if reason is not None:
                dead[s["id"]] = reason
                changed = True
    return dead


def _why_dead(step: Mapping[str, Any], ids: set[str], blocked: set[str]) -> Mark | None:
    before = [a for a in _list(step.get("after")) if isinstance(a, str)]
    if not before:
        return None
    bad = [(a, "missing_before" if a not in ids else "blocked_before")
           for a in before if a not in ids or a in blocked]
    join = step.get("join", "all")
    need = (len(before) if join == "all" else 1 if join == "any"
            else join.get("at_least", 1) if isinstance(join, Mapping) else len(before))
    have = len(before) - len(bad)
    if have >= need:
        return None
    if join == "all" or join == "any" or not isinstance(join, Mapping) or not bad:
        name, code = bad[0] if bad else ("?", "missing_before")
        reason = MESSAGES.format(code, "zh", name=name)
        return _mark("unreachable", reason=reason,
                     reason_en=MESSAGES.format(code, "en", name=name))
    return _mark("unreachable", reason=MESSAGES.format("too_few", "zh", need=need, have=have),
                 reason_en=MESSAGES.format("too_few", "en", need=need, have=have))


def _arrows(steps: Sequence[Mapping[str, Any]],
            place: Mapping[str, tuple[int, int]]) -> Iterable[Arrow]:
    for s in steps:
        for source in _list(s.get("after")):
            if source in place:
                yield _arrow(source, s["id"], "after", place)
        for route in _list(s.get("routes")):
            if isinstance(route, Mapping) and route.get("to") in place:
                yield _arrow(s["id"], route["to"], "route", place)
        for target in _list(s.get("can_return_to")):
            if target in place:
                yield _arrow(s["id"], target, "return", place)


def _arrow(source: str, target: str, kind: str,
           place: Mapping[str, tuple[int, int]]) -> Arrow:
    (sx, sy), (tx, ty) = place[source], place[target]
    middle = BOX_HEIGHT // 2
    if kind == "after":
        return Arrow(source, target, kind, sx + BOX_WIDTH, sy + middle, tx, ty + middle)
    # Back edges leave from the bottom and come in at the bottom, so they do not hide the
    # dependencies drawn between the sides.
    return Arrow(source, target, kind, sx + BOX_WIDTH // 2 + 8, sy + BOX_HEIGHT,
                 tx + BOX_WIDTH // 2 - 8, ty + BOX_HEIGHT)


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def _mark(code: str, **params: Any) -> Mark:
    return Mark(code, MESSAGES.format(code, "zh", **params), MESSAGES.format(code, "en", **params))

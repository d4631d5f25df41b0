"""A decision table seen as a grid: one column per input field, each cell a test on that field
(a '-' wildcard, a set of values, or a numeric range), read from and written back to the
rows' `when` expressions; and what the grid says about the table as a whole: rows that
overlap, rows that can never fire, and inputs that no row covers.

Pure: no I/O, no flask, no sqlalchemy. A `when` that is not a conjunction of such tests keeps
its rest as an expression of its own, and a row with such a rest is left out of the analysis
(its coverage is not known without evaluating it), which the result says.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from runtime.expressions import ExpressionError, compile_expression
from runtime.i18n import Catalogue

MESSAGES = Catalogue({
    "overlap": ("第 {a} 行与第 {b} 行有重叠，例如 {example}",
                "rows {a} and {b} overlap, e.g. {example}"),
    "shadowed": ("第 {b} 行永远不会命中：第 {a} 行已覆盖它的所有情况",
                 "row {b} never fires: row {a} covers every case of it"),
    "gap": ("没有行覆盖 {example}，且没有默认值",
            "no row covers {example} and there is no default"),
    "not_analysed": ("第 {listed} 行的条件不是逐列的判断，未参与重叠与遗漏分析",
                     "left out of the overlap and gap analysis, their conditions not being "
                     "column tests: row {listed}"),
    "bad_cell": ("无法理解单元格 `{text}`：可写 -、'值', '值2'、>= 18、[18..60)、not 'a'",
                 "cannot read cell `{text}`: write -, 'a', 'b', >= 18, [18..60) or not 'a'"),
    "other": ("其他值", "any other value"),
})


class OtherValue:
    """A value of an input that no cell names: what a text or choice field may hold besides."""

    def __repr__(self) -> str:
        return "OTHER"


OTHER = OtherValue()


@dataclass(frozen=True)
class Cell:
    """A test on one input: `values` (or, `negated`, anything but them), or a numeric range
    (None bounds are open-ended); neither means the '-' wildcard."""

    values: frozenset[Any] | None = None
    negated: bool = False
    low: float | None = None
    high: float | None = None
    low_closed: bool = True
    high_closed: bool = False

    @property
    def wildcard(self) -> bool:
        return self.values is None and self.low is None and self.high is None

    @property
    def is_range(self) -> bool:
        return self.values is None and not self.wildcard

    def holds(self, value: Any) -> bool:
        if self.wildcard:
            return True
        if self.values is not None:
            return (value is not OTHER and value in self.values) != self.negated
        if not _is_number(value):
            return False
        if self.low is not None and (value < self.low or (value == self.low
                                                          and not self.low_closed)):
            return False
        return not (self.high is not None and (value > self.high or (
            value == self.high and not self.high_closed)))

    def text(self) -> str:
        """The cell as a person writes it in the grid (`parse_cell` reads it back)."""
        if self.wildcard:
            return "-"
        if self.values is not None:
            listed = ", ".join(_literal(v) for v in _sorted(self.values))
            return f"not {listed}" if self.negated else listed
        if self.low is not None and self.high is not None:
            return (("[" if self.low_closed else "(") + f"{_literal(self.low)}.."
                    f"{_literal(self.high)}" + ("]" if self.high_closed else ")"))
        if self.low is not None:
            return (">= " if self.low_closed else "> ") + _literal(self.low)
        return ("<= " if self.high_closed else "< ") + _literal(self.high)

    def expression(self, name: str) -> str | None:
        """The cell as a condition on `name`, None for the wildcard."""
        if self.wildcard:
            return None
        if self.values is not None:
            values = _sorted(self.values)
            if len(values) == 1:
                op = "!=" if self.negated else "=="
                if values[0] is True or values[0] is False:
                    return name if values[0] != self.negated else f"not {name}"
                return f"{name} {op} {_literal(values[0])}"
            listed = ", ".join(_literal(v) for v in values)
            return f"{name} {'not in' if self.negated else 'in'} [{listed}]"
        parts = []
        if self.low is not None:
            parts.append(f"{name} {'>=' if self.low_closed else '>'} {_literal(self.low)}")
        if self.high is not None:
            parts.append(f"{name} {'<=' if self.high_closed else '<'} {_literal(self.high)}")
        return " and ".join(parts)

    def meet(self, other: Cell) -> Cell | None:
        """The tests of both at once on one input (None if they cannot combine)."""
        if self.wildcard:
            return other
        if other.wildcard:
            return self
        if self.is_range and other.is_range:
            low, low_closed = _tighter(self.low, self.low_closed, other.low, other.low_closed,
                                       max)
            high, high_closed = _tighter(self.high, self.high_closed, other.high,
                                         other.high_closed, min)
            return Cell(low=low, high=high, low_closed=low_closed, high_closed=high_closed)
        if self.values is not None and other.values is not None:
            if not self.negated and not other.negated:
                return Cell(self.values & other.values)
            if self.negated and other.negated:
                return Cell(self.values | other.values, negated=True)
            kept, dropped = (other, self) if self.negated else (self, other)
            assert kept.values is not None and dropped.values is not None
            return Cell(kept.values - dropped.values)
        return None


WILDCARD = Cell()


@dataclass(frozen=True)
class GridRow:
    """One row: its cells by input name, what the `when` holds besides (None: nothing), its
    outputs and note."""

    cells: Mapping[str, Cell]
    rest: str | None
    then: Mapping[str, Any]
    note: Any = None

    def when(self, inputs: Sequence[str]) -> str:
        parts = [c for name in inputs
                 if (c := self.cells.get(name, WILDCARD).expression(name)) is not None]
        if self.rest:
            parts.append(f"({self.rest})" if " or " in self.rest else self.rest)
        return " and ".join(parts) or "true"


@dataclass(frozen=True)
class Grid:
    inputs: tuple[str, ...]
    rows: tuple[GridRow, ...]


@dataclass(frozen=True)
class Finding:
    """What the analysis found: a code (overlap, shadowed, gap, not_analysed), the rows it
    concerns (1-based), and its message in both languages."""

    code: str
    rows: tuple[int, ...]
    zh: str
    en: str
    severity: str = "warning"

    def message(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh


# --- reading a row's `when` ---------------------------------------------------------------

def read_grid(rows: Iterable[Mapping[str, Any]]) -> Grid:
    """The grid of the table's rows (their `when`, `then` and `note` as in the file); inputs
    in the order they first appear."""
    read: list[GridRow] = []
    inputs: list[str] = []
    for row in rows:
        cells, rest = read_when(str(row.get("when", "true")))
        inputs.extend(name for name in cells if name not in inputs)
        read.append(GridRow(cells, rest, dict(row.get("then") or {}), row.get("note")))
    return Grid(tuple(inputs), tuple(read))


def read_when(source: str) -> tuple[dict[str, Cell], str | None]:
    """The column tests of a `when` and the rest of it that is not one (None if nothing)."""
    try:
        tree = ast.parse(source.strip() or "true", mode="eval").body
    except SyntaxError:
        return {}, source
    parts = tree.values if isinstance(tree, ast.BoolOp) and isinstance(tree.op, ast.And) \
        else [tree]
    cells: dict[str, Cell] = {}
    rest: list[str] = []
    for part in parts:
        found = _test(part)
        if found is None:
            rest.append(ast.get_source_segment(source.strip() or "true", part) or "")
            continue
        name, cell = found
        met = cells.get(name, WILDCARD).meet(cell)
        if met is None:
            rest.append(ast.get_source_segment(source.strip(), part) or "")
        else:
            cells[name] = met
    rest = [r for r in rest if r not in ("true", "True")]
    return cells, " and ".join(rest) or None


def _test(node: ast.expr) -> tuple[str, Cell] | None:
    if isinstance(node, ast.Name):
        return (None if node.id in ("true", "True") else (node.id, Cell(frozenset({True}))))
    if isinstance(node, ast.Constant) and node.value is True:
        return None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not) and isinstance(
            node.operand, ast.Name):
        return node.operand.id, Cell(frozenset({False}))
    if not isinstance(node, ast.Compare):
        return None
    if len(node.ops) == 2 and isinstance(node.comparators[0], ast.Name):
        return _between(node)
    if len(node.ops) != 1:
        return None
    op, left, right = node.ops[0], node.left, node.comparators[0]
    if isinstance(right, ast.Name) and not isinstance(left, ast.Name):
        op, left, right = _MIRROR.get(type(op), type(op))(), right, left
    if not isinstance(left, ast.Name):
        return None
    value = _constant(right)
    if value is _NOT_CONSTANT:
        return None
    return _cell(left.id, op, value)


def _between(node: ast.Compare) -> tuple[str, Cell] | None:
    name = node.comparators[0]
    assert isinstance(name, ast.Name)
    low, high = _constant(node.left), _constant(node.comparators[1])
    ops = [type(op) for op in node.ops]
    if not (_is_number(low) and _is_number(high)) or not all(
            op in (ast.Lt, ast.LtE) for op in ops):
        return None
    return name.id, Cell(low=low, high=high, low_closed=ops[0] is ast.LtE,
                         high_closed=ops[1] is ast.LtE)


_MIRROR: dict[type, type] = {ast.Lt: ast.Gt, ast.Gt: ast.Lt, ast.LtE: ast.GtE,
                             ast.GtE: ast.LtE}
_NOT_CONSTANT = object()


def _cell(name: str, op: ast.cmpop, value: Any) -> tuple[str, Cell] | None:
    if isinstance(op, (ast.Eq, ast.NotEq)) and _scalar(value):
        return name, Cell(frozenset({value}), negated=isinstance(op, ast.NotEq))
    if isinstance(op, (ast.In, ast.NotIn)) and isinstance(value, list) and all(
            _scalar(v) for v in value):
        return name, Cell(frozenset(value), negated=isinstance(op, ast.NotIn))
    if not _is_number(value):
        return None
    if isinstance(op, (ast.Gt, ast.GtE)):
        return name, Cell(low=value, low_closed=isinstance(op, ast.GtE))
    if isinstance(op, (ast.Lt, ast.LtE)):
        return name, Cell(high=value, high_closed=isinstance(op, ast.LtE))
    return None


def _constant(node: ast.expr) -> Any:
    if isinstance(node, ast.Name) and node.id in ("true", "false"):
        return node.id == "true"
    try:
        value = ast.literal_eval(node)
    except ValueError:
        return _NOT_CONSTANT
    if isinstance(value, tuple):
        value = list(value)
    return value


# --- reading a cell as typed in the grid --------------------------------------------------

class CellError(ValueError):
    def __init__(self, text: str):
        super().__init__(text)
        self.text = text

    def message(self, lang: str = "zh") -> str:
        return MESSAGES.format("bad_cell", lang, text=self.text)


def parse_cell(text: str) -> Cell:
    """A cell as typed: `-`, `'a', 'b'`, `not 'a'`, `>= 18`, `< 60`, `[18..60)`, `true`."""
    try:
        return _parse_cell(text.strip())
    except CellError:
        raise CellError(text.strip()) from None


def _parse_cell(text: str) -> Cell:
    if text in ("", "-"):
        return WILDCARD
    if text[0] in "[(" and text[-1] in "])" and ".." in text:
        low, high = (_number(part) for part in text[1:-1].split("..", 1))
        return Cell(low=low, high=high, low_closed=text[0] == "[", high_closed=text[-1] == "]")
    for op, build in ((">=", lambda v: Cell(low=v)), (">", lambda v: Cell(low=v, low_closed=False)),
                      ("<=", lambda v: Cell(high=v, high_closed=True)),
                      ("<", lambda v: Cell(high=v))):
        if text.startswith(op):
            return build(_number(text[len(op):]))
    negated = text.startswith("not ")
    listed = text[4:] if negated else text
    try:
        listing = ast.parse(f"[{listed}]", mode="eval").body
    except SyntaxError:
        raise CellError(text) from None
    assert isinstance(listing, ast.List)
    values = [_constant(v) for v in listing.elts]
    if not values or not all(_scalar(v) for v in values):
        raise CellError(text)
    return Cell(frozenset(values), negated=negated)


def _number(text: str) -> float:
    try:
        value = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError):
        raise CellError(text) from None
    if not _is_number(value):
        raise CellError(text)
    return value


# --- analysis -----------------------------------------------------------------------------

MAX_POINTS = 20000  # inputs tried when looking for gaps; past it the gap search stops


def analyse(grid: Grid, hit_policy: str, has_default: bool,
            domains: Mapping[str, Sequence[Any]] | None = None) -> list[Finding]:
    """Overlapping rows (a problem under `unique`; under `first` a later row wholly covered
    by an earlier one never fires), and inputs no row covers when there is no default.
    `domains` gives the closed set of values of an input (a choice field's options, a yes/no
    field's two values); other inputs may also hold values no cell names."""
    domains = domains or {}
    analysable = [i for i, row in enumerate(grid.rows) if row.rest is None]
    findings = []
    skipped = [i + 1 for i, row in enumerate(grid.rows) if row.rest is not None]
    if skipped:
        findings.append(_finding("not_analysed", tuple(skipped), "info",
                                 listed=", ".join(map(str, skipped))))
    points = _points(grid, domains)
    # The tried inputs inside each row, worked out once: every pair reads them.
    inside = {i: list(_inside(grid.inputs, grid.rows[i].cells, points)) for i in analysable}
    for a, b in itertools.combinations(analysable, 2):
        findings.extend(_pair(grid, a, b, hit_policy, inside))
    if not has_default and not skipped and hit_policy != "collect":
        findings.extend(_gaps(grid, points))
    return findings


def _pair(grid: Grid, a: int, b: int, hit_policy: str,
          inside: Mapping[int, list[dict[str, Any]]]) -> list[Finding]:
    first = grid.rows[a]
    shared = [p for p in inside[b] if _covers(grid, first, p)]
    if not shared or hit_policy == "collect":
        return []
    if hit_policy == "first":
        # Every tried input inside the later row is inside the earlier one (the tried values
        # include every boundary and a value between each two, so this is exact).
        if len(shared) == len(inside[b]):
            return [_finding("shadowed", (a + 1, b + 1), "warning", a=a + 1, b=b + 1)]
        return []
    return [_finding("overlap", (a + 1, b + 1), "error", a=a + 1, b=b + 1,
                     point=(grid.inputs, shared[0]))]


def _gaps(grid: Grid, points: Mapping[str, list[Any]]) -> list[Finding]:
    found = []
    for point in _inside(grid.inputs, {}, points):
        if not any(_covers(grid, row, point) for row in grid.rows):
            found.append(_finding("gap", (), "error", point=(grid.inputs, point)))
            if len(found) == 3:
                break
    return found


def _covers(grid: Grid, row: GridRow, point: Mapping[str, Any]) -> bool:
    return all(row.cells.get(name, WILDCARD).holds(point[name]) for name in grid.inputs)


def _inside(inputs: Sequence[str], cells: Mapping[str, Cell],
            points: Mapping[str, list[Any]]) -> Iterable[dict[str, Any]]:
    """The tried inputs that satisfy `cells`, at most MAX_POINTS of them."""
    kept = [[v for v in points[n] if cells.get(n, WILDCARD).holds(v)] for n in inputs]
    for combination in itertools.islice(itertools.product(*kept), MAX_POINTS):
        yield dict(zip(inputs, combination, strict=True))


def _points(grid: Grid, domains: Mapping[str, Sequence[Any]]) -> dict[str, list[Any]]:
    """For each input, values enough to tell every cell apart: the values cells name (and
    the field's own options), each range boundary with a value on either side, and OTHER
    where the input's values are not a closed set."""
    points: dict[str, list[Any]] = {}
    for name in grid.inputs:
        cells = [row.cells.get(name, WILDCARD) for row in grid.rows]
        named: list[Any] = list(domains.get(name, ()))
        bounds: set[float] = set()
        for cell in cells:
            named.extend(v for v in _sorted(cell.values or ()) if v not in named)
            bounds.update(b for b in (cell.low, cell.high) if b is not None)
        numbers = _around(sorted(bounds | {v for v in named if _is_number(v)}))
        values = [v for v in named if not _is_number(v)] + numbers
        if name not in domains and any(cell.values is not None for cell in cells):
            values.append(OTHER)
        points[name] = values
    return points


def _around(bounds: list[float]) -> list[float]:
    if not bounds:
        return []
    found = [bounds[0] - 1]
    for low, high in itertools.pairwise(bounds):
        found += [low, (low + high) / 2]
    return [*found, bounds[-1], bounds[-1] + 1]


def _example(inputs: Sequence[str], point: Mapping[str, Any], lang: str) -> str:
    return ", ".join(f"{n} = {describe(point[n], lang)}" for n in inputs) or "-"


def _finding(code: str, rows: tuple[int, ...], severity: str, *,
             point: tuple[Sequence[str], Mapping[str, Any]] | None = None,
             **params: Any) -> Finding:
    texts = []
    for lang in ("zh", "en"):
        example = {"example": _example(*point, lang)} if point else {}
        texts.append(MESSAGES.format(code, lang, **params, **example))
    return Finding(code, rows, texts[0], texts[1], severity)


# --- testing one input --------------------------------------------------------------------

@dataclass(frozen=True)
class RowTrace:
    """Why a row did or did not hold on an input: each cell's outcome, and the error if
    the row's condition could not be evaluated."""

    row: int
    held: bool | None
    cells: Mapping[str, bool] = field(default_factory=dict)
    error: str | None = None


def trace(grid: Grid, data: Mapping[str, Any]) -> list[RowTrace]:
    """Each row's outcome on `data`, evaluated by the expression language itself, cell by
    cell (the cells of a row that held are all true; of one that failed, the false ones say
    why)."""
    traces = []
    for index, row in enumerate(grid.rows):
        try:
            held = bool(compile_expression(row.when(grid.inputs)).evaluate(data))
            cells = {name: bool(compile_expression(text).evaluate(data))
                     for name in grid.inputs
                     if (text := row.cells.get(name, WILDCARD).expression(name)) is not None}
        except ExpressionError as error:
            traces.append(RowTrace(index + 1, None, error=error.message()))
            continue
        traces.append(RowTrace(index + 1, held, cells))
    return traces


# --- small helpers ------------------------------------------------------------------------

def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool))


def _literal(value: Any) -> str:
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, str) else str(value)


def _sorted(values: Iterable[Any]) -> list[Any]:
    return sorted(values, key=lambda v: (type(v).__name__, v))


def _tighter(a: float | None, a_closed: bool, b: float | None, b_closed: bool,
             pick: Any) -> tuple[float | None, bool]:
    if a is None:
        return b, b_closed
    if b is None or a == b:
        return a, a_closed and (b_closed if b is not None else True)
    return (a, a_closed) if pick(a, b) == a else (b, b_closed)


def describe(value: Any, lang: str = "zh") -> str:
    return MESSAGES.format("other", lang) if value is OTHER else _literal(value)

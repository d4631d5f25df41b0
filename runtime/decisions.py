"""Decision tables (决策表): rows of a condition and the outputs it gives, decided on a case's
data under a hit policy, each decision able to say which rows matched and why.

Pure: no I/O, no flask, no sqlalchemy. A table's rows are expressions of the safe expression
language over the data of the form the table names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from runtime.definitions.spec import DecisionTableSpec
from runtime.expressions import ExpressionError, ExpressionRuntimeError, compile_expression
from runtime.expressions.values import Lazy
from runtime.i18n import Catalogue

MESSAGES = Catalogue({
    "no_match": ("决策表 '{table}' 没有命中的行，也没有默认值",
                 "decision table '{table}' matched no row and has no default"),
    "not_unique": ("决策表 '{table}' 要求唯一命中，但第 {rows} 行同时命中",
                   "decision table '{table}' must match one row, but rows {rows} all match"),
    "row_failed": ("决策表 '{table}' 第 {row} 行的条件 `{source}` 无法计算：{reason}",
                   "row {row} of decision table '{table}', `{source}`, failed: {reason_en}"),
    "matched": ("命中第 {rows} 行", "matched row {rows}"),
    "default": ("没有命中的行，使用默认值", "no row matched: the default applies"),
})


class DecisionError(Exception):
    """A table that cannot decide on this data; `message(lang)` names the table and rows."""

    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.code, self.params = code, params

    def message(self, lang: str = "zh") -> str:
        return MESSAGES.format(self.code, lang, **self.params)

    def __str__(self) -> str:
        return self.message()


@dataclass(frozen=True)
class Decision:
    """What a table decided: its outputs (for `collect`, each output's list of values, in
    row order), the rows that matched (1-based, as people count them) and whether the
    default applied."""

    table: str
    outputs: Mapping[str, Any]
    rows: tuple[int, ...]
    by_default: bool = False

    def explain(self, lang: str = "zh") -> str:
        if self.by_default:
            return MESSAGES.format("default", lang)
        return MESSAGES.format("matched", lang, rows=", ".join(map(str, self.rows)))


def decided(tables: Mapping[str, DecisionTableSpec], data: Mapping[str, Any]) -> Lazy:
    """The tables' outputs by table id, as expressions read them (`decisions.t.out`), each
    table decided on `data` only when read: one that cannot decide fails only the
    expressions that read it, with an error naming it."""
    def outputs(table_id: str) -> dict[str, Any]:
        try:
            return dict(decide(tables[table_id], data).outputs)
        except DecisionError as error:
            raise ExpressionRuntimeError("decision_failed", table=table_id,
                                         reason=error.message(),
                                         reason_en=error.message("en")) from None
    return Lazy(tables, outputs)


def with_decisions(scope: Mapping[str, Any], reads: frozenset[str],
                   tables: Mapping[str, DecisionTableSpec]) -> Mapping[str, Any]:
    """`scope`, with `decisions` added when an expression that `reads` those names needs it."""
    if not tables or "decisions" not in reads:
        return scope
    return {**scope, "decisions": decided(tables, scope)}


def decide(table: DecisionTableSpec, data: Mapping[str, Any]) -> Decision:
    """Decide `table` on `data` under its hit policy: first, unique or collect."""
    matched = _matching(table, data)
    if table.hit_policy == "collect":
        outputs = {o.id: [table.rows[i].then[o.id] for i in matched if o.id in table.rows[i].then]
                   for o in table.outputs}
        return Decision(table.id, outputs, tuple(i + 1 for i in matched))
    if table.hit_policy == "unique" and len(matched) > 1:
        raise DecisionError("not_unique", table=table.id,
                            rows=", ".join(str(i + 1) for i in matched))
    if matched:
        first = matched[0]
        return Decision(table.id, {**table.default, **table.rows[first].then}, (first + 1,))
    if not table.default:
        raise DecisionError("no_match", table=table.id)
    return Decision(table.id, dict(table.default), (), by_default=True)


def _matching(table: DecisionTableSpec, data: Mapping[str, Any]) -> list[int]:
    """Indexes of the rows whose condition holds; `first` stops at the first one."""
    found: list[int] = []
    for index, row in enumerate(table.rows):
        try:
            holds = bool(compile_expression(row.when).evaluate(data))
        except ExpressionError as error:
            raise DecisionError("row_failed", table=table.id, row=index + 1, source=row.when,
                                reason=error.message(), reason_en=error.message("en")) from None
        if holds:
            found.append(index)
            if table.hit_policy == "first":
                break
    return found

"""Form state: which fields are visible, required and read-only, and the computed values, as
one pure function of (form spec, data). The page, every partial update and the submit all call
`form_state`, so the browser can never get around a rule.

Data is a flat mapping of field id to value: sections and pages only group fields, and a
sub-table holds a list of rows, each a mapping of its own fields. An expression inside a row
sees that row's fields and the whole form's; a condition that fails on the data at hand (a
comparison with an empty field) counts as not met, and a computation that fails gives no value.
The spec is walked once per form, into a plan with the rules compiled (runtime.forms.plans).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from graphlib import TopologicalSorter
from typing import Any

from runtime.decisions import with_decisions
from runtime.definitions.spec import DecisionTableSpec, FieldSpec, FormSpec
from runtime.expressions import ExpressionError, compile_expression
from runtime.expressions.values import reset_work
from runtime.forms.fieldtypes import GROUPS, NO_VALUE, TABLE
from runtime.forms.plans import PerForm, Rule, compiled, compiled_or_none
from runtime.rulesets import RuleBook, read_rules

ROUNDS = 5  # clearing a hidden value can change what is computed and shown: settle, bounded


@dataclass(frozen=True)
class FieldState:
    visible: bool = True
    required: bool = False
    readonly: bool = False


# Field states are values: one shared object for each of the eight combinations.
_STATES = tuple(tuple(tuple(FieldState(v, r, o) for o in (False, True)) for r in (False, True))
                for v in (False, True))


@dataclass(frozen=True)
class RuleFailure:
    """An expression that could not be evaluated on this data, for staff to look at."""

    path: str
    rule: str
    source: str
    error: ExpressionError = field(compare=False)  # exceptions never compare equal

    @property
    def code(self) -> str:
        return self.error.code


@dataclass(frozen=True)
class FormState:
    data: dict[str, Any]
    fields: dict[str, FieldState]
    failures: tuple[RuleFailure, ...] = ()

    def visible(self, path: str) -> bool:
        return self.fields[path].visible


@lru_cache(maxsize=4096)
def value_fields(fields: tuple[FieldSpec, ...]) -> tuple[FieldSpec, ...]:
    """The fields at one level of data: children of sections and pages are lifted up; a
    table is one field (its rows are the next level). Cached per published form."""
    return tuple(_value_fields(fields))


def _value_fields(fields: tuple[FieldSpec, ...]) -> Iterator[FieldSpec]:
    # Which types group fields or hold no value is the form language's own (no registry can
    # change it: see runtime.forms.fieldtypes.LAYOUT).
    for spec in fields:
        if spec.type in GROUPS:
            yield from _value_fields(spec.fields)
        elif spec.type not in NO_VALUE:
            yield spec


def is_table(spec: FieldSpec) -> bool:
    """A container that holds a value: a list of rows of its child fields."""
    return spec.type == TABLE


def form_state(form: FormSpec, data: Mapping[str, Any],
               tables: Mapping[str, DecisionTableSpec] | None = None,
               rules: RuleBook | None = None) -> FormState:
    """The state of `form` on `data`; `tables` are the decision tables on the form's data,
    which its expressions read as `decisions.<table>.<output>`; `rules` the rule sets on it,
    read as `rules.<set>.<rule>` (decided on the values at hand, a failing rule failing the
    expressions that read it)."""
    plan = _plan(form)
    values = _known_values(plan.top, data)
    for _ in range(ROUNDS):
        run = _Run(plan, values, tables or {}, rules)
        run.compute()
        run.decide()
        if not run.clear_hidden():
            break
        values = run.values
    return FormState(run.values, run.states, tuple(run.failures))


# --- the plan: the spec walked once per form ------------------------------------------

@dataclass(frozen=True, eq=False)
class _Value:
    """A field that holds a value at its level of data."""

    id: str
    default: Any
    keep_hidden: bool
    rows: _Level | None  # a table's rows


@dataclass(frozen=True, eq=False)
class _Level:
    """The fields of one level of data, and its computations in dependency order."""

    values: tuple[_Value, ...]
    computed: tuple[tuple[str, Rule], ...]
    # Each field's id and default, in field order: a plain dict (never changed), as merging
    # a dict is fastest from a dict.
    defaults: dict[str, Any]
    tables: tuple[tuple[str, _Level], ...]  # each table's id and the level of its rows


@dataclass(frozen=True, eq=False)
class _Node:
    """A field of the spec tree (containers too) with the rules that decide its state."""

    id: str
    visible_when: Rule | None
    required: bool
    required_when: Rule | None
    computed: bool
    readonly_when: Rule | None
    table: bool
    children: tuple[_Node, ...]
    fixed: tuple[FieldState, FieldState] | None  # with no rules: the state by parent_visible


@dataclass(frozen=True, eq=False)
class _Plan:
    top: _Level
    tables: tuple[tuple[str, _Level], ...]  # top-level tables: their rows compute first
    # The fields in order: one with rules, or a table, is a node to decide; a run of those
    # whose state can never change (no rules, in no container with rules) is the dict of
    # their states. A node stands at the top or in containers that never change.
    steps: tuple[_Node | dict[str, FieldState], ...]
    keep_all: bool


def _build(form: FormSpec) -> _Plan:
    top = _level(form.fields)
    return _Plan(top, top.tables, tuple(_runs(_steps(_nodes(form.fields)))),
                 form.hidden_values == "keep")


def _steps(nodes: tuple[_Node, ...]) -> Iterator[_Node | tuple[str, FieldState]]:
    """Nodes to decide, and (id, state) of those that never change, in field order: the
    children of a container that never changes are lifted beside it (it is visible, so
    deciding them with parent_visible True is what deciding the container would do)."""
    for node in nodes:
        if node.fixed is None or node.table:
            yield node
        else:
            yield node.id, node.fixed[True]
            yield from _steps(node.children)


def _runs(steps: Iterator[_Node | tuple[str, FieldState]]) -> Iterator[
        _Node | dict[str, FieldState]]:
    run: dict[str, FieldState] = {}
    for step in steps:
        if isinstance(step, _Node):
            if run:
                yield run
                run = {}
            yield step
        else:
            run[step[0]] = step[1]
    if run:
        yield run


_plan = PerForm(_build)


def _level(fields: tuple[FieldSpec, ...]) -> _Level:
    specs = value_fields(fields)
    values = tuple(_Value(f.id, f.default, f.keep_hidden,
                          _level(f.fields) if is_table(f) else None) for f in specs)
    computed = {f.id: f for f in specs if f.compute}
    order = _in_dependency_order(computed)
    return _Level(values, tuple((i, compiled(computed[i].compute or "")) for i in order),
                  {v.id: v.default for v in values},
                  tuple((v.id, v.rows) for v in values if v.rows is not None))


def _nodes(fields: tuple[FieldSpec, ...]) -> tuple[_Node, ...]:
    return tuple(_node(f) for f in fields)


def _node(spec: FieldSpec) -> _Node:
    rules = (spec.visible_when, spec.required_when, spec.readonly_when)
    fixed = None if any(rule is not None for rule in rules) else (
        _STATES[False][False][bool(spec.compute)],
        _STATES[True][spec.required][bool(spec.compute)])
    return _Node(spec.id, compiled_or_none(spec.visible_when), spec.required,
                 compiled_or_none(spec.required_when), bool(spec.compute),
                 compiled_or_none(spec.readonly_when), is_table(spec), _nodes(spec.fields), fixed)


def _known_values(level: _Level, data: Mapping[str, Any]) -> dict[str, Any]:
    """Only the form's own fields, each from the data or else its default."""
    found = data if isinstance(data, Mapping) else {}
    values = {**level.defaults, **found}  # merged at C speed, in field order
    if len(values) != len(level.defaults):  # the data has keys of no field: drop them
        values = {key: found.get(key, default) for key, default in level.defaults.items()}
    for table_id, rows in level.tables:
        value = values[table_id]
        values[table_id] = ([_known_values(rows, row) for row in value]
                            if isinstance(value, list) else [])
    return values


# --- one round ------------------------------------------------------------------------


class _Run:
    """One round of computing and deciding, changing `values` in place: they are
    form_state's own (`_known_values` builds the dict and every row afresh, and a round's
    values go on only to the next round), so nobody else sees them change."""

    def __init__(self, plan: _Plan, values: dict[str, Any],
                 tables: Mapping[str, DecisionTableSpec], rules: RuleBook | None = None):
        self.plan = plan
        self.tables = tables
        self.rules = rules
        self.values = values
        self.states: dict[str, FieldState] = {}
        self.failures: list[RuleFailure] = []
        self.hidden = False  # whether decide() hid any field
        self.conditions: dict[str, bool] = {}  # pure top-level conditions decided this round

    # computed values ---------------------------------------------------------------------

    def compute(self) -> None:
        """Row computations first (a form total may sum them), then the form's own."""
        for table_id, rows in self.plan.tables:
            for index, row in enumerate(self.values.get(table_id) or []):
                self._compute_level(rows.computed, row, f"{table_id}[{index}].")
        self._compute_level(self.plan.top.computed, None, "")

    def _compute_level(self, computed: tuple[tuple[str, Rule], ...],
                       row: dict[str, Any] | None, prefix: str) -> None:
        target = row if row is not None else self.values
        for field_id, rule in computed:
            value = self._evaluate(rule, row, prefix + field_id, "compute")
            # A date is kept as its ISO text, as a date field holds it (and JSON stores it).
            target[field_id] = value.isoformat() if isinstance(value, dt.date) else value

    # visible, required, read-only --------------------------------------------------------

    def decide(self) -> None:
        for step in self.plan.steps:
            if isinstance(step, dict):
                self.states.update(step)
            else:
                self._decide(step, None, "", True)

    def _decide(self, node: _Node, row: dict[str, Any] | None, prefix: str,
                parent_visible: bool) -> None:
        path = prefix + node.id
        if node.fixed is not None:
            state = node.fixed[parent_visible]
        else:
            state = self._field_state(node, row, path, parent_visible)
        self.states[path] = state
        if not state.visible:
            self.hidden = True
        if node.table:
            for index, child_row in enumerate(self.values.get(node.id) or []):
                row_prefix = f"{path}[{index}]."
                for child in node.children:
                    self._decide(child, child_row, row_prefix, state.visible)
        else:
            for child in node.children:
                self._decide(child, row, prefix, state.visible)

    def _field_state(self, node: _Node, row: dict[str, Any] | None, path: str,
                     parent_visible: bool) -> FieldState:
        visible = parent_visible and (node.visible_when is None or self._condition(
            node.visible_when, row, path, "visible_when"))
        required = visible and (node.required or node.required_when is not None and (
            self._condition(node.required_when, row, path, "required_when")))
        readonly = node.computed or node.readonly_when is not None and self._condition(
            node.readonly_when, row, path, "readonly_when")
        return _STATES[visible][required][readonly]

    def _condition(self, rule: Rule, row: dict[str, Any] | None, path: str, name: str) -> bool:
        """Whether a condition holds. The values do not change while deciding, so a pure
        condition of the top level (visible_when and required_when often share one) is
        evaluated once a round; one that failed is evaluated again, to record its failure."""
        if row is not None or not rule.pure:
            return bool(self._evaluate(rule, row, path, name))
        if (known := self.conditions.get(rule.source)) is not None:
            reset_work()  # as evaluating it again would: the budget of a new evaluation
            return known
        failures = len(self.failures)
        holds = bool(self._evaluate(rule, row, path, name))
        if len(self.failures) == failures:
            self.conditions[rule.source] = holds
        return holds

    def clear_hidden(self) -> bool:
        """Clear values of hidden fields (unless kept); True when anything changed."""
        if self.plan.keep_all or not self.hidden:
            return False
        changed = False
        for field_value in self.plan.top.values:
            changed = self._clear(field_value, self.values, field_value.id) or changed
            if field_value.rows is not None:
                changed = self._clear_rows(field_value, field_value.rows) or changed
        return changed

    def _clear_rows(self, table: _Value, level: _Level) -> bool:
        changed = False
        for index, row in enumerate(self.values.get(table.id) or []):
            for child in level.values:
                changed = self._clear(child, row, f"{table.id}[{index}].{child.id}") or changed
        return changed

    def _clear(self, field_value: _Value, holder: dict[str, Any], path: str) -> bool:
        if (field_value.keep_hidden or self.states[path].visible
                or holder.get(field_value.id) is None):
            return False
        holder[field_value.id] = None
        return True

    # evaluation --------------------------------------------------------------------------

    def _evaluate(self, rule: Rule, row: dict[str, Any] | None, path: str, name: str) -> Any:
        scope: Mapping[str, Any] = self.values if row is None else {**self.values, **row}
        try:
            if self.tables and rule.expression is not None:
                scope = with_decisions(scope, rule.expression.names, self.tables)
            if self.rules is not None and rule.expression is not None:
                scope = read_rules(scope, rule.expression.names, self.rules)
            return rule.evaluate(scope)
        except ExpressionError as error:
            self.failures.append(RuleFailure(path, name, rule.source, _detached(error)))
            return None


def _detached(error: ExpressionError) -> ExpressionError:
    """The error kept for staff to read (code, message, position) without the frames that
    raised it: its traceback, and the context that `raise ... from None` hides, would hold
    this run in a cycle through the frames' f_back, left for the garbage collector."""
    error.__traceback__ = None
    if error.__suppress_context__:
        error.__context__ = None
    return error


def _in_dependency_order(computed: Mapping[str, FieldSpec]) -> list[str]:
    """Computed fields after the computed fields they read (the checker refuses cycles); one
    that reads `rules` after every one that does not (the rules may read those)."""
    plain = {i for i, spec in computed.items() if "rules" not in _reads(spec)}
    graph = {field_id: (_reads(spec) & computed.keys()) | (set() if field_id in plain else plain)
             for field_id, spec in computed.items()}
    return list(TopologicalSorter(graph).static_order())


def _reads(spec: FieldSpec) -> set[str]:
    try:
        return set(compile_expression(spec.compute or "").names)
    except ExpressionError:
        return set()

"""Form state: which fields are visible, required and read-only, and the computed values, as
one pure function of (form spec, data). The page, every partial update and the submit all call
`form_state`, so the browser can never get around a rule.

Data is a flat mapping of field id to value: sections and pages only group fields, and a
sub-table holds a list of rows, each a mapping of its own fields. An expression inside a row
sees that row's fields and the whole form's; a condition that fails on the data at hand (a
comparison with an empty field) counts as not met, and a computation that fails gives no value.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from graphlib import TopologicalSorter
from typing import Any

from runtime.definitions.spec import FieldSpec, FormSpec
from runtime.expressions import ExpressionError, compile_expression
from runtime.forms.fieldtypes import NONE, field_types

ROUNDS = 5  # clearing a hidden value can change what is computed and shown: settle, bounded


@dataclass(frozen=True)
class FieldState:
    visible: bool = True
    required: bool = False
    readonly: bool = False


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
    types = field_types()
    for spec in fields:
        if types[spec.type].container and types[spec.type].value_type == NONE:
            yield from _value_fields(spec.fields)
        elif types[spec.type].value_type != NONE:
            yield spec


@lru_cache(maxsize=16384)
def is_table(spec: FieldSpec) -> bool:
    """A container that holds a value: a list of rows of its child fields."""
    field_type = field_types()[spec.type]
    return field_type.container and field_type.value_type != NONE


def form_state(form: FormSpec, data: Mapping[str, Any]) -> FormState:
    values = _known_values(form.fields, data)
    keep_all = form.hidden_values == "keep"
    for _ in range(ROUNDS):
        run = _Run(form, values)
        run.compute()
        run.decide()
        if not run.clear_hidden(keep_all):
            break
        values = run.values
    return FormState(run.values, run.states, tuple(run.failures))


def _known_values(fields: tuple[FieldSpec, ...], data: Mapping[str, Any]) -> dict[str, Any]:
    """Only the form's own fields, each from the data or else its default."""
    values: dict[str, Any] = {}
    for spec in value_fields(fields):
        value = data.get(spec.id, spec.default) if isinstance(data, Mapping) else spec.default
        if is_table(spec):
            rows = value if isinstance(value, list) else []
            value = [_known_values(spec.fields, row if isinstance(row, Mapping) else {})
                     for row in rows]
        values[spec.id] = value
    return values


class _Run:
    """One round of computing and deciding over a copy of the values."""

    def __init__(self, form: FormSpec, values: dict[str, Any]):
        self.form = form
        # Only dicts are written to (computed values, cleared hidden ones): copy those.
        self.values = {key: [dict(row) for row in value] if _rows(value) else value
                       for key, value in values.items()}
        self.states: dict[str, FieldState] = {}
        self.failures: list[RuleFailure] = []

    # computed values ---------------------------------------------------------------------

    def compute(self) -> None:
        """Row computations first (a form total may sum them), then the form's own."""
        for table in (f for f in value_fields(self.form.fields) if is_table(f)):
            for index, row in enumerate(self.values.get(table.id) or []):
                self._compute_level(table.fields, row, f"{table.id}[{index}].")
        self._compute_level(self.form.fields, None, "")

    def _compute_level(self, fields: tuple[FieldSpec, ...], row: dict[str, Any] | None,
                       prefix: str) -> None:
        computed = {f.id: f for f in value_fields(fields) if f.compute}
        target = row if row is not None else self.values
        for field_id in _in_dependency_order(computed):
            spec = computed[field_id]
            target[field_id] = self._evaluate(spec.compute, row, prefix + field_id, "compute")

    # visible, required, read-only --------------------------------------------------------

    def decide(self) -> None:
        self._decide_level(self.form.fields, None, "", True)

    def _decide_level(self, fields: tuple[FieldSpec, ...], row: dict[str, Any] | None,
                      prefix: str, parent_visible: bool) -> None:
        for spec in fields:
            path = prefix + spec.id
            state = self._field_state(spec, row, path, parent_visible)
            self.states[path] = state
            if is_table(spec):
                for index, child_row in enumerate(self.values.get(spec.id) or []):
                    self._decide_level(spec.fields, child_row, f"{path}[{index}].",
                                       state.visible)
            elif spec.fields:
                self._decide_level(spec.fields, row, prefix, state.visible)

    def _field_state(self, spec: FieldSpec, row: dict[str, Any] | None, path: str,
                     parent_visible: bool) -> FieldState:
        visible = parent_visible and self._holds(spec.visible_when, row, path, "visible_when",
                                                 default=True)
        required = visible and (spec.required or self._holds(
            spec.required_when, row, path, "required_when", default=False))
        readonly = bool(spec.compute) or self._holds(spec.readonly_when, row, path,
                                                     "readonly_when", default=False)
        return FieldState(visible, required, readonly)

    def clear_hidden(self, keep_all: bool) -> bool:
        """Clear values of hidden fields (unless kept); True when anything changed."""
        changed = False
        for spec, holder, path in self._value_places():
            hidden = not self.states[path].visible
            if hidden and not (keep_all or spec.keep_hidden) and holder.get(spec.id) is not None:
                holder[spec.id] = None
                changed = True
        return changed

    def _value_places(self) -> Iterator[tuple[FieldSpec, dict[str, Any], str]]:
        for spec in value_fields(self.form.fields):
            yield spec, self.values, spec.id
            if is_table(spec):
                for index, row in enumerate(self.values.get(spec.id) or []):
                    for child in value_fields(spec.fields):
                        yield child, row, f"{spec.id}[{index}].{child.id}"

    # evaluation --------------------------------------------------------------------------

    def _holds(self, source: str | None, row: dict[str, Any] | None, path: str, rule: str,
               *, default: bool) -> bool:
        if source is None:
            return default
        return bool(self._evaluate(source, row, path, rule))

    def _evaluate(self, source: str | None, row: dict[str, Any] | None, path: str,
                  rule: str) -> Any:
        if source is None:
            return None
        scope = self.values if row is None else {**self.values, **row}
        try:
            return compile_expression(source).evaluate(scope)
        except ExpressionError as error:
            self.failures.append(RuleFailure(path, rule, source, error))
            return None


def _rows(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and isinstance(value[0], dict)


def _in_dependency_order(computed: Mapping[str, FieldSpec]) -> list[str]:
    """Computed fields after the computed fields they read (the checker refuses cycles)."""
    graph = {field_id: _reads(spec) & computed.keys() for field_id, spec in computed.items()}
    return list(TopologicalSorter(graph).static_order())


def _reads(spec: FieldSpec) -> set[str]:
    try:
        return set(compile_expression(spec.compute or "").names)
    except ExpressionError:
        return set()

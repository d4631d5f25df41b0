"""Validating a submission: every error at once, by path, each naming its field in Chinese.

The order of work: parse each value by its field type, decide the form state on the parsed
data (read-only fields keep their previous value), then check what the state makes visible:
required, lengths, ranges, patterns, options, row counts and custom rules; last, the values of
visible picker fields are asked of the caller's `resolver` (runtime.forms.references), so
every path that validates (the page, the API, the workbench) checks references alike. The
form is walked once, into a plan of each field's parser, checks and compiled rules
(runtime.forms.plans).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from runtime.decisions import with_decisions
from runtime.definitions.spec import (
    CatalogSpec,
    DecisionTableSpec,
    FieldSpec,
    FormSpec,
    ValidationSpec,
)
from runtime.expressions import ExpressionError
from runtime.forms.checks import FieldChecks, FieldError, field_checks
from runtime.forms.fieldtypes import FieldTypes
from runtime.forms.plans import PerForm, Rule, compiled, compiled_or_none
from runtime.forms.references import Resolver, reference_errors
from runtime.forms.state import FormState, form_state, is_table, value_fields
from runtime.forms.values import ValueProblem
from runtime.rulesets import RuleBook, read_rules

__all__ = ["FieldError", "Validation", "state_of", "validate"]

_ABSENT = object()  # a key the submission does not have (None is a value: empty)


@dataclass
class Validation:
    data: dict[str, Any]
    state: FormState
    errors: dict[str, list[FieldError]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self, lang: str = "zh") -> dict[str, list[str]]:
        """Errors by path, the shape the JSON API returns."""
        return {path: [e.message(lang) for e in found] for path, found in self.errors.items()}


def validate(form: FormSpec, raw: Mapping[str, Any], types: FieldTypes, *,
             previous: Mapping[str, Any] | None = None,
             catalogs: Mapping[str, CatalogSpec] | None = None,
             resolver: Resolver | None = None,
             tables: Mapping[str, DecisionTableSpec] | None = None,
             rules: RuleBook | None = None) -> Validation:
    """Check a submission against its form, its fields' types from `types` (the app's
    registry). `previous` holds the values read-only fields keep (a new submission has none:
    they keep their defaults); `catalogs` gives `options_from`; `resolver` answers whether a
    chosen department, person or record may be chosen (without one, picker values are checked
    for their shape only: a live update as a person types)."""
    plan = _plan(form, types)
    parse_errors: dict[str, list[FieldError]] = {}
    parsed = _parse_level(plan.top, raw, "", parse_errors)
    state = form_state(form, parsed, tables, rules)
    kept = _keep_readonly(plan, parsed, state, previous or {})
    if kept is not parsed:
        state = form_state(form, kept, tables, rules)
    result = Validation(state.data, state, {})
    for path, found in parse_errors.items():
        field_state = state.fields.get(path)
        if field_state is not None and field_state.visible:
            result.errors[path] = found
    _Checker(plan, state, catalogs or {}, result, tables or {}, rules).run()
    if resolver is not None:
        for path, found in reference_errors(form, state, resolver, types).items():
            result.errors.setdefault(path, found)  # a value already refused is not asked of
    return result


# --- the plan: the spec walked once per form ------------------------------------------

@dataclass(frozen=True, eq=False)
class _CustomRule:
    name: str  # its id, else its expression: what a failure to evaluate it names
    when: Rule | None
    expression: Rule
    error: FieldError


@dataclass(frozen=True, eq=False)
class _Field:
    """A field that holds a value: how to parse it and what to check of it."""

    id: str
    default: Any
    parse: Callable[[Any], Any]
    checks: FieldChecks
    rules: tuple[_CustomRule, ...]
    rows: _Level | None  # a table's rows
    problems: Callable[[Any, bool, Mapping[str, CatalogSpec]], Sequence[FieldError]]  # bound
    silent: bool  # no checks, no rules, never required: it can have no problem


# A field as the loops that run on every call read it: a tuple unpacks faster than a
# dataclass's attributes load. (id, parse, rows, checks) and (id, problems, rules, rows).
_Parsing = tuple[str, Callable[[Any], Any], "_Level | None", FieldChecks]
_Checking = tuple[str, Callable[[Any, bool, Mapping[str, CatalogSpec]], Sequence[FieldError]],
                  tuple[_CustomRule, ...], "_Level | None"]


@dataclass(frozen=True, eq=False)
class _Level:
    fields: tuple[_Field, ...]
    parsing: tuple[_Parsing, ...]
    checking: tuple[_Checking, ...]


@dataclass(frozen=True, eq=False)
class _Plan:
    top: _Level
    # The top-level fields the checker visits: not the silent ones. Row fields are all
    # visited, as before (a nested table's rows have no state, and still fail the same way).
    checked: tuple[_Checking, ...]
    readonly: tuple[_Field, ...]  # top-level fields a rule can make read-only
    rules: tuple[_CustomRule, ...]


def _build(form: FormSpec, types: FieldTypes) -> _Plan:
    top = _level(form.fields, types)
    readonly = tuple(f for spec, f in zip(value_fields(form.fields), top.fields, strict=True)
                     if not spec.compute and spec.readonly_when is not None)
    return _Plan(top, tuple(_checking(f) for f in top.fields if not f.silent), readonly,
                 _custom_rules(form.validations))


# _plan(form, types): per form object and registry (a registry hashes by identity).
_plan = PerForm(_build)


def _level(fields: tuple[FieldSpec, ...], types: FieldTypes) -> _Level:
    planned = tuple(_field(spec, types) for spec in value_fields(fields))
    return _Level(planned, tuple((f.id, f.parse, f.rows, f.checks) for f in planned),
                  tuple(_checking(f) for f in planned))


def _checking(planned: _Field) -> _Checking:
    return planned.id, planned.problems, planned.rules, planned.rows


def _field(spec: FieldSpec, types: FieldTypes) -> _Field:
    field_type, table = types[spec.type], is_table(spec)
    checks = field_checks(spec, table=table, choice=field_type.choice,
                          messages=field_type.messages,
                          max_length=field_type.length_limit(spec.max_length))
    silent = not (spec.required or spec.required_when or spec.validations or checks.checks
                  or table)
    return _Field(spec.id, spec.default, field_type.parse, checks,
                  _custom_rules(spec.validations), _level(spec.fields, types) if table else None,
                  checks.problems, silent)


def _custom_rules(rules: tuple[ValidationSpec, ...]) -> tuple[_CustomRule, ...]:
    return tuple(_CustomRule(rule.id or rule.expression, compiled_or_none(rule.when),
                             compiled(rule.expression), FieldError("custom", rule.message))
                 for rule in rules)


# --- parsing ----------------------------------------------------------------------------

def state_of(form: FormSpec, raw: Mapping[str, Any], types: FieldTypes,
             tables: Mapping[str, DecisionTableSpec] | None = None,
             rules: RuleBook | None = None) -> FormState:
    """The state of what a person has entered so far (values that do not parse count as
    empty): what the page and every partial update show, and what the submit decides on."""
    return form_state(form, _parse_level(_plan(form, types).top, raw, "", {}), tables, rules)


def _parse_level(level: _Level, raw: Mapping[str, Any], prefix: str,
                 errors: dict[str, list[FieldError]]) -> dict[str, Any]:
    """Parsed values of the known fields at one level; unknown keys are dropped here."""
    parsed: dict[str, Any] = {}
    get = raw.get
    for key, parse, rows, checks in level.parsing:
        value = get(key, _ABSENT)  # one lookup, not `in` and then []
        if value is _ABSENT:
            continue
        if rows is not None:
            parsed[key] = _parse_rows(rows, value, prefix + key, errors)
        elif not value and (value is None or value == "" or value == []):  # truthy: not empty
            parsed[key] = None
        else:
            try:
                parsed[key] = parse(value)
            except ValueProblem as problem:
                errors[prefix + key] = [checks.parse_error(problem.code, problem.params)]
                parsed[key] = None
    return parsed


def _parse_rows(level: _Level, value: Any, path: str,
                errors: dict[str, list[FieldError]]) -> list[dict[str, Any]]:
    rows = value if isinstance(value, list) else []
    return [_parse_level(level, row if isinstance(row, Mapping) else {}, f"{path}[{i}].", errors)
            for i, row in enumerate(rows)]


def _keep_readonly(plan: _Plan, parsed: dict[str, Any], state: FormState,
                   previous: Mapping[str, Any]) -> dict[str, Any]:
    """Read-only top-level fields take their previous value, whatever the request said."""
    readonly = [f for f in plan.readonly if state.fields[f.id].readonly]
    if not readonly:
        return parsed
    kept = dict(parsed)
    for spec in readonly:
        kept[spec.id] = previous.get(spec.id, spec.default)
    return kept


# --- checks -----------------------------------------------------------------------------

class _Checker:
    def __init__(self, plan: _Plan, state: FormState, catalogs: Mapping[str, CatalogSpec],
                 result: Validation, tables: Mapping[str, DecisionTableSpec],
                 rules: RuleBook | None = None):
        self.plan, self.state, self.catalogs, self.result = plan, state, catalogs, result
        self.tables = tables
        self.rules = rules

    def run(self) -> None:
        self._level(self.plan.checked, self.state.data, "", None)
        for rule in self.plan.rules:
            self._rule(rule, "", None)

    def _level(self, fields: tuple[_Checking, ...], values: Mapping[str, Any], prefix: str,
               row: Mapping[str, Any] | None) -> None:
        states, errors, catalogs = self.state.fields, self.result.errors, self.catalogs
        for key, problems, rules, rows in fields:
            path = prefix + key
            state = states[path]
            if not state.visible or path in errors:
                continue
            value = values.get(key)
            if found := problems(value, state.required, catalogs):
                errors[path] = list(found)
            if rules:  # most fields have none: no iterator made for them
                for rule in rules:
                    self._rule(rule, path, row)
            if rows is not None:
                for index, child in enumerate(value or []):
                    self._level(rows.checking, child, f"{path}[{index}].", child)

    def _rule(self, rule: _CustomRule, path: str, row: Mapping[str, Any] | None) -> None:
        """A custom rule, in the scope of the row it sits in (if any) and the whole form.
        It fails closed: one that cannot be evaluated (its `when` or itself) fails, naming
        itself, unless a value it reads is refused already (the submission fails anyway)."""
        scope: Mapping[str, Any] = {**self.state.data, **row} if row is not None \
            else self.state.data
        reads = _names(rule.when) | _names(rule.expression)
        scope = read_rules(with_decisions(scope, reads, self.tables), reads, self.rules)
        try:
            if rule.when is not None and not rule.when.evaluate(scope):
                return
            if rule.expression.evaluate(scope):
                return
            error = rule.error
        except ExpressionError as failed:
            if self._refused_already(rule, path):
                return
            error = FieldError("rule_failed", rule.error.label, (
                ("rule", rule.name), ("reason", failed.message()),
                ("reason_en", failed.message("en"))))
        self._add(path or "_form", error)

    def _refused_already(self, rule: _CustomRule, path: str) -> bool:
        prefix = path[:path.rfind(".") + 1]  # a row rule's row, else the top level
        names = _names(rule.when) | _names(rule.expression)
        errors = self.result.errors
        return any(prefix + name in errors or name in errors for name in names)

    def _add(self, path: str, error: FieldError) -> None:
        self.result.errors.setdefault(path, []).append(error)


def _names(rule: Rule | None) -> frozenset[str]:
    return rule.expression.names if rule is not None and rule.expression else frozenset()

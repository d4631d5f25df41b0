"""Validating a submission: every error at once, by path, each naming its field in Chinese.

The order of work: parse each value by its field type, decide the form state on the parsed
data (read-only fields keep their previous value), then check what the state makes visible:
required, lengths, ranges, patterns, options, row counts and custom rules.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from runtime.definitions.spec import CatalogSpec, FieldSpec, FormSpec, ValidationSpec
from runtime.expressions import ExpressionError, compile_expression
from runtime.expressions.patterns import matches
from runtime.forms.fieldtypes import field_types
from runtime.forms.messages import MESSAGES
from runtime.forms.state import FormState, form_state, is_table, value_fields
from runtime.forms.values import ValueProblem
from runtime.i18n import Label


@dataclass(frozen=True)
class FieldError:
    code: str
    zh: str
    en: str

    def message(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh


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


def validate(form: FormSpec, raw: Mapping[str, Any], *,
             previous: Mapping[str, Any] | None = None,
             catalogs: Mapping[str, CatalogSpec] | None = None) -> Validation:
    """Check a submission against its form. `previous` holds the values read-only fields keep
    (a new submission has none: they keep their defaults); `catalogs` gives `options_from`."""
    parse_errors: dict[str, list[FieldError]] = {}
    parsed = _parse_level(form.fields, raw, "", parse_errors)
    state = form_state(form, parsed)
    kept = _keep_readonly(form, parsed, state, previous or {})
    if kept is not parsed:
        state = form_state(form, kept)
    result = Validation(state.data, state, {})
    for path, found in parse_errors.items():
        if state.fields.get(path) and state.fields[path].visible:
            result.errors[path] = found
    _Checker(form, state, catalogs or {}, result).run()
    return result


# --- parsing ----------------------------------------------------------------------------

def state_of(form: FormSpec, raw: Mapping[str, Any]) -> FormState:
    """The state of what a person has entered so far (values that do not parse count as
    empty): what the page and every partial update show, and what the submit decides on."""
    return form_state(form, _parse_level(form.fields, raw, "", {}))


def _parse_level(fields: tuple[FieldSpec, ...], raw: Mapping[str, Any], prefix: str,
                 errors: dict[str, list[FieldError]]) -> dict[str, Any]:
    """Parsed values of the known fields at one level; unknown keys are dropped here."""
    parsed: dict[str, Any] = {}
    for spec in value_fields(fields):
        if spec.id not in raw:
            continue
        value, path = raw[spec.id], prefix + spec.id
        if is_table(spec):
            rows = value if isinstance(value, list) else []
            parsed[spec.id] = [_parse_level(spec.fields, row if isinstance(row, Mapping) else {},
                                            f"{path}[{i}].", errors) for i, row in enumerate(rows)]
        else:
            parsed[spec.id] = _parse_value(spec, value, path, errors)
    return parsed


def _parse_value(spec: FieldSpec, value: Any, path: str,
                 errors: dict[str, list[FieldError]]) -> Any:
    if _empty(value):
        return None
    try:
        return field_types()[spec.type].parse(value)
    except ValueProblem as problem:
        errors[path] = [_error(problem.code, spec, **problem.params)]
        return None


def _keep_readonly(form: FormSpec, parsed: dict[str, Any], state: FormState,
                   previous: Mapping[str, Any]) -> dict[str, Any]:
    """Read-only top-level fields take their previous value, whatever the request said."""
    readonly = [f for f in value_fields(form.fields)
                if not f.compute and state.fields[f.id].readonly]
    if not readonly:
        return parsed
    kept = dict(parsed)
    for spec in readonly:
        kept[spec.id] = previous.get(spec.id, spec.default)
    return kept


# --- checks -----------------------------------------------------------------------------

class _Checker:
    def __init__(self, form: FormSpec, state: FormState, catalogs: Mapping[str, CatalogSpec],
                 result: Validation):
        self.form, self.state, self.catalogs, self.result = form, state, catalogs, result

    def run(self) -> None:
        self._level(self.form.fields, self.state.data, "", None)
        for rule in self.form.validations:
            self._rule(rule, "", None)

    def _level(self, fields: tuple[FieldSpec, ...], values: Mapping[str, Any], prefix: str,
               row: Mapping[str, Any] | None) -> None:
        for spec in value_fields(fields):
            path = prefix + spec.id
            if not self.state.fields[path].visible or path in self.result.errors:
                continue
            value = values.get(spec.id)
            self._add(path, self._field_errors(spec, value, path))
            for rule in spec.validations:
                self._rule(rule, path, row)
            if is_table(spec):
                for index, child in enumerate(value or []):
                    self._level(spec.fields, child, f"{path}[{index}].", child)

    def _field_errors(self, spec: FieldSpec, value: Any, path: str) -> Iterator[FieldError]:
        if _empty(value) and self.state.fields[path].required:
            yield _error("required", spec)
        elif is_table(spec):
            yield from _row_counts(spec, value or [])
        elif not _empty(value):
            yield from _bounds(spec, value)
        if field_types()[spec.type].choice and not _empty(value):
            yield from self._options(spec, value)

    def _options(self, spec: FieldSpec, value: Any) -> Iterator[FieldError]:
        allowed = {str(o.value): o.value for o in spec.options}
        catalog = self.catalogs.get(spec.options_from or "")
        allowed.update({code: code for code in catalog.codes()} if catalog else {})
        chosen = value if isinstance(value, list) else [value]
        if any(str(item) not in allowed for item in chosen):
            yield _error("not_option", spec)

    def _rule(self, rule: ValidationSpec, path: str, row: Mapping[str, Any] | None) -> None:
        """A custom rule, in the scope of the row it sits in (if any) and the whole form."""
        scope = {**self.state.data, **row} if row is not None else self.state.data
        if rule.when is not None and not _holds(rule.when, scope):
            return
        if not _holds(rule.expression, scope):
            message = rule.message
            self._add(path or "_form", [FieldError("custom", message.text("zh"),
                                                    message.text("en"))])

    def _add(self, path: str, errors: Iterator[FieldError] | list[FieldError]) -> None:
        found = list(errors)
        if found:
            self.result.errors.setdefault(path, []).extend(found)


def _bounds(spec: FieldSpec, value: Any) -> Iterator[FieldError]:
    if isinstance(value, str):
        if spec.min_length is not None and len(value) < spec.min_length:
            yield _error("too_short", spec, limit=spec.min_length)
        if spec.max_length is not None and len(value) > spec.max_length:
            yield _error("too_long", spec, limit=spec.max_length)
        if spec.pattern is not None and not _pattern_holds(spec.pattern, value):
            yield _error("pattern", spec)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if spec.min is not None and value < spec.min:
            yield _error("too_small", spec, limit=_number(spec.min))
        if spec.max is not None and value > spec.max:
            yield _error("too_large", spec, limit=_number(spec.max))


def _row_counts(spec: FieldSpec, rows: list[Any]) -> Iterator[FieldError]:
    if spec.min_rows is not None and len(rows) < spec.min_rows:
        yield _error("too_few_rows", spec, limit=spec.min_rows)
    if spec.max_rows is not None and len(rows) > spec.max_rows:
        yield _error("too_many_rows", spec, limit=spec.max_rows)


def _pattern_holds(pattern: str, value: str) -> bool:
    """The whole value must match; the expression engine's linear-time matcher is used, so
    a pattern cannot make a submission hang."""
    try:
        return matches(value, f"^(?:{pattern.removeprefix('^').removesuffix('$')})$")
    except ExpressionError:
        return False


def _holds(source: str, scope: Mapping[str, Any]) -> bool:
    """A custom rule that cannot be evaluated on this data (an empty field) does not fail it:
    emptiness is the `required` check's business."""
    try:
        return bool(compile_expression(source).evaluate(scope))
    except ExpressionError:
        return True


def _error(code: str, spec: FieldSpec, **params: Any) -> FieldError:
    label = spec.label or Label(spec.id)
    return FieldError(code, MESSAGES.format(code, "zh", label=label.text("zh"), **params),
                      MESSAGES.format(code, "en", label=label.text("en"), **params))


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value

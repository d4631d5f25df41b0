"""Picker fields refer to things outside the form: a department, a staff user, a submission of
another form. Whether a chosen one exists is asked of a `Resolver` the caller passes to
`validate()` (the store answers, within the signed-in user's scope: `runtime.store.references`),
so every path that validates checks them; this module only decides which values to ask about
and what to say. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from runtime.definitions.spec import FieldSpec, FormSpec
from runtime.forms.checks import FieldError
from runtime.forms.fieldtypes import DEPARTMENT, RECORD, USER, FieldTypes
from runtime.forms.plans import PerForm
from runtime.forms.state import FormState, is_table, value_fields
from runtime.i18n import Label

# What a lookup finds: the thing, nothing (or nothing the user may choose), or a thing
# outside the department the field is limited to.
FOUND, MISSING, OUTSIDE = "found", "missing", "outside"

MESSAGE_CODES = {
    (DEPARTMENT, MISSING): "unknown_department", (DEPARTMENT, OUTSIDE): "department_outside",
    (USER, MISSING): "unknown_user", (USER, OUTSIDE): "user_outside",
    (RECORD, MISSING): "unknown_record", (RECORD, OUTSIDE): "unknown_record",
}


class Resolver(Protocol):
    """Answers FOUND, MISSING or OUTSIDE for one chosen value."""

    def department(self, code: str, within: str | None) -> str:
        """A department by code; OUTSIDE when `within` is given and it is not that
        department or one below it."""

    def user(self, username: str, department: str | None) -> str:
        """An active staff user; OUTSIDE when not a member of `department` or one below it."""

    def record(self, form_id: str, tracking_no: str) -> str:
        """A submission of `form_id` in the asking user's data scope (MISSING otherwise:
        a record out of scope is not told apart from one that does not exist)."""


def _has_pickers(form: FormSpec, types: FieldTypes) -> bool:
    return any(types[f.type].refers_to for f in form.all_fields() if f.type in types)


has_pickers = PerForm(_has_pickers)  # asked on every validation with a resolver


def reference_errors(form: FormSpec, state: FormState, resolver: Resolver,
                     types: FieldTypes) -> dict[str, list[FieldError]]:
    """An error by path for each visible picker whose value `resolver` does not find."""
    if not has_pickers(form, types):
        return {}
    return {path: [error] for path, error in _level(form.fields, state, state.data, "",
                                                    resolver, types)}


def _level(fields: tuple[FieldSpec, ...], state: FormState, values: Mapping[str, Any],
           prefix: str, resolver: Resolver,
           types: FieldTypes) -> Iterator[tuple[str, FieldError]]:
    for spec in value_fields(fields):
        path, value = prefix + spec.id, values.get(spec.id)
        if path not in state.fields or not state.fields[path].visible:
            continue
        if is_table(spec):
            for index, row in enumerate(value or []):
                yield from _level(spec.fields, state, row, f"{path}[{index}].", resolver,
                                  types)
        elif types[spec.type].refers_to and value not in (None, ""):
            error = resolve(spec, str(value), resolver, types)
            if error is not None:
                yield path, error


def resolve(spec: FieldSpec, value: str, resolver: Resolver,
            types: FieldTypes) -> FieldError | None:
    """The error for one chosen value of a picker field, or None when it is found."""
    refers_to = types[spec.type].refers_to
    if refers_to == DEPARTMENT:
        found = resolver.department(value, spec.department)
    elif refers_to == USER:
        found = resolver.user(value, spec.department)
    elif refers_to == RECORD and spec.related_form:
        found = resolver.record(spec.related_form, value)
    else:
        found = MISSING
    if found == FOUND:
        return None
    return FieldError(MESSAGE_CODES[(refers_to or RECORD, found)], spec.label or Label(spec.id))

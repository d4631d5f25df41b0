"""Checks of a Form and its fields, and of the references other definitions make to a
form's fields.

What a field's type means here (does it hold a value, of what type, does it hold child
fields, does it need options, what does its picker refer to) is read off the field-type
registry the checker is given (`ctx.field_types`), never imported.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from runtime.definitions.checks.catalogs import catalog_item
from runtime.definitions.checks.common import (
    Check,
    Checked,
    Context,
    FieldTypeFacts,
    cycle_problems,
    duplicates,
    expression,
    names_used,
    within,
)
from runtime.definitions.checks.namespaces import members
from runtime.definitions.checks.packs import declared
from runtime.definitions.problems import Path, Problem, problem
from runtime.definitions.schema import did_you_mean
from runtime.definitions.spec import FieldSpec, FormSpec, ValidationSpec
from runtime.expressions import ExpressionCompileError, ExpressionError, infer_type
from runtime.forms.fieldtypes import DEPARTMENT, NONE, RECORD, USER

REGION_TYPES = ("region", "select", "radio")  # what a form's `region:` may name

# Properties that only a picker of these kinds reads.
PICKER_PROPERTIES = {"related_form": (RECORD,), "related_title": (RECORD,),
                     "department": (DEPARTMENT, USER)}
EXPRESSIONS = ("visible_when", "required_when", "readonly_when", "compute")


def walk_fields(fields: tuple[FieldSpec, ...], path: Path = ("fields",)
                ) -> Iterator[tuple[Path, FieldSpec]]:
    """Every field at any depth with its path in the document."""
    for i, spec in enumerate(fields):
        yield (*path, i), spec
        yield from walk_fields(spec.fields, (*path, i, "fields"))


def field_names(form: FormSpec, types: Mapping[str, FieldTypeFacts]) -> dict[str, str]:
    """The names a form's expressions may use: each field with a value, and its value type.

    A field whose type is refused stays a name (of any type): its one problem is its type, not
    an unknown name with a wrong did-you-mean at every reference.
    """
    return {f.id: _value_type(f, types) for f in form.all_fields()
            if f.type not in types or types[f.type].value_type != NONE}


def _value_type(spec: FieldSpec, types: Mapping[str, FieldTypeFacts]) -> str:
    if spec.type not in types:
        return "any"
    declared_type = types[spec.type].value_type
    if declared_type != "any" or not spec.options:
        return declared_type
    kinds = {type(o.value) for o in spec.options}
    return {str: "string", int: "number", bool: "boolean"}.get(kinds.pop(), "any") \
        if len(kinds) == 1 else "any"


def _form(item: Checked) -> FormSpec:
    assert isinstance(item.spec, FormSpec)
    return item.spec


# The fields and names of a form are asked by every check of the form and by every definition
# that reads it: worked out once per run.
def _fields(ctx: Context, form: FormSpec) -> list[tuple[Path, FieldSpec]]:
    key = ("fields", form)
    if key not in ctx.memo:
        ctx.memo[key] = list(walk_fields(form.fields))
    return ctx.memo[key]


def names_of(ctx: Context, form: FormSpec) -> dict[str, str]:
    key = ("names", form)
    if key not in ctx.memo:
        ctx.memo[key] = field_names(form, ctx.field_types)
    return ctx.memo[key]


# --- the checks of a Form -----------------------------------------------------------------

def field_ids_unique(ctx: Context, item: Checked) -> Iterator[Problem]:
    yield from duplicates(item, (((*p, "id"), f.id) for p, f in _fields(ctx, _form(item))))


def renames_declared_once(ctx: Context, item: Checked) -> Iterator[Problem]:
    """A field renamed from an id must not find that id still in use, and two fields cannot
    both take over one old id: the old values would have two homes."""
    fields = _fields(ctx, _form(item))
    ids = {f.id for _, f in fields}
    renames = [((*p, "renamed_from"), f.renamed_from) for p, f in fields if f.renamed_from]
    for path, old in renames:
        if old in ids:
            yield problem("renamed_from_in_use", item.doc.file, item.doc.line(path), path,
                          name=old)
    yield from duplicates(item, renames)


def department_declared(ctx: Context, item: Checked) -> Iterator[Problem]:
    yield from declared(ctx, item, ("department",), "department", _form(item).department)


def audience_departments_declared(ctx: Context, item: Checked) -> Iterator[Problem]:
    audience = _form(item).audience
    for i, code in enumerate(audience.departments if audience else ()):
        yield from declared(ctx, item, ("audience", "staff", i), "department", code)


def service_in_catalog(ctx: Context, item: Checked) -> Iterator[Problem]:
    service = _form(item).service
    if service:
        yield from catalog_item(ctx, item, ("service",), service.catalog, service.item)


def region_field_known(ctx: Context, item: Checked) -> Iterator[Problem]:
    """`region:` names a top-level field of the form (a region, a select or a radio)."""
    form = _form(item)
    if not form.region:
        return
    top = {f.id: f.type for f in form.fields}
    if form.region not in top:
        yield from within(item, ("region",), "field", form.region, top)
    elif top[form.region] not in REGION_TYPES:
        yield problem("region_field", item.doc.file, item.doc.line(("region",)), ("region",),
                      name=form.region)


def each_field(ctx: Context, item: Checked) -> Iterator[Problem]:
    form = _form(item)
    names, known = _expression_names(ctx, form)
    for path, spec in _fields(ctx, form):
        yield from _field(ctx, item, path, spec, names, known)


def _expression_names(ctx: Context, form: FormSpec) -> tuple[dict[str, str],
                                                              dict[str, Any] | None]:
    """What a form's expressions read: its fields, the decision tables on its data and its
    rule sets' results (`rules.<set>.<rule>`)."""
    return {**names_of(ctx, form), "decisions": "object", "rules": "object"}, members(ctx, form.id)


def no_nested_tables(ctx: Context, item: Checked) -> Iterator[Problem]:
    """A row of a sub-table holds plain fields: a table in a table has no row paths the
    runtime can address, so it is refused here rather than failing on submit."""
    for path, spec in _fields(ctx, _form(item)):
        if spec.type != "table":
            continue
        for inner_path, inner in walk_fields(spec.fields, (*path, "fields")):
            if inner.type == "table":
                yield problem("nested_table", item.doc.file, item.doc.line(inner_path),
                              inner_path, name=inner.id, outer=spec.id)


def form_rules(ctx: Context, item: Checked) -> Iterator[Problem]:
    form = _form(item)
    yield from _rules(item, ("validations",), form.validations, *_expression_names(ctx, form))


def no_compute_cycles(ctx: Context, item: Checked) -> Iterator[Problem]:
    form = _form(item)
    names = names_of(ctx, form)
    graph = {f.id: set(names_used(f.compute)) & names.keys()
             for _, f in _fields(ctx, form) if f.compute}
    yield from cycle_problems(item, ("fields",), graph)


CHECKS: tuple[Check, ...] = (field_ids_unique, renames_declared_once, department_declared,
                             audience_departments_declared, service_in_catalog,
                             region_field_known, each_field,
                             no_nested_tables, form_rules, no_compute_cycles)


# --- one field ----------------------------------------------------------------------------

def _field(ctx: Context, item: Checked, path: Path, spec: FieldSpec,
           names: Mapping[str, str], known: Mapping[str, Any] | None) -> Iterator[Problem]:
    field_type = ctx.field_types.get(spec.type)
    if field_type is None:
        yield problem("unknown_field_type", item.doc.file, item.doc.line((*path, "type")),
                      (*path, "type"), name=spec.type,
                      **did_you_mean(spec.type, ctx.field_types))
        return
    yield from _shape(item, path, spec, field_type)
    yield from ctx.ref(item, (*path, "options_from"), "Catalog", spec.options_from)
    yield from _picker_properties(ctx, item, path, spec, field_type.refers_to)
    for key in EXPRESSIONS:
        yield from expression(item, (*path, key), getattr(spec, key), names, known)
    yield from _compute_type(item, path, spec, names)
    yield from _rules(item, (*path, "validations"), spec.validations, names, known)


# Types a field may hold when a compute gives the other: a boolean is a number in arithmetic,
# and a computed date is stored as its YYYY-MM-DD text.
_FITS = ({"number", "boolean"}, {"date", "string"})


def _compute_type(item: Checked, path: Path, spec: FieldSpec,
                  names: Mapping[str, str]) -> Iterator[Problem]:
    """What a compute gives fits its field's type, where both are known."""
    expected = names.get(spec.id, "any")
    if spec.compute is None or expected == "any":
        return
    try:
        actual = infer_type(spec.compute, names)
    except ExpressionError:
        return  # reported by the expression's own check
    if actual != "any" and actual != expected and {actual, expected} not in _FITS:
        error = ExpressionCompileError("compute_type", source=spec.compute, actual=actual,
                                       expected=expected)
        where = (*path, "compute")
        yield problem("expression", item.doc.file, item.doc.line(where), where,
                      source=spec.compute, reason=error.message("zh"),
                      reason_en=error.message("en"))


def _rules(item: Checked, path: Path, rules: tuple[ValidationSpec, ...],
           names: Mapping[str, str], known: Mapping[str, Any] | None) -> Iterator[Problem]:
    for i, rule in enumerate(rules):
        yield from expression(item, (*path, i, "expression"), rule.expression, names, known)
        yield from expression(item, (*path, i, "when"), rule.when, names, known)


def _shape(item: Checked, path: Path, spec: FieldSpec,
           field_type: FieldTypeFacts) -> Iterator[Problem]:
    file, line = item.doc.file, item.doc.line(path)
    if field_type.container and not spec.fields:
        yield problem("no_children", file, line, path, type=spec.type)
    if not field_type.container and spec.fields:
        children = (*path, "fields")
        yield problem("unexpected_children", file, item.doc.line(children), children,
                      type=spec.type)
    if field_type.choice and spec.options and spec.options_from:
        yield problem("options_conflict", file, line, path)
    if field_type.choice and not (spec.options or spec.options_from):
        yield problem("options_missing", file, line, path)


def _picker_properties(ctx: Context, item: Checked, path: Path, spec: FieldSpec,
                       refers_to: str | None) -> Iterator[Problem]:
    """A related record names a form of the pack (and maybe a field of it as the title); a
    department limit is a department the pack declares; each only on a field that reads it."""
    for key, kinds in PICKER_PROPERTIES.items():
        if getattr(spec, key) is not None and refers_to not in kinds:
            names = ", ".join(t.name for t in ctx.field_types.values() if t.refers_to in kinds)
            yield problem("not_for_type", item.doc.file, item.doc.line((*path, key)),
                          (*path, key), name=key, type=spec.type, types=names)
    if refers_to == RECORD and spec.related_form is None:
        yield problem("related_form_missing", item.doc.file, item.doc.line(path), path)
    yield from ctx.ref(item, (*path, "related_form"), "Form", spec.related_form)
    if spec.related_form is not None and spec.related_title is not None:
        yield from field_refs(ctx, item, spec.related_form,
                              [((*path, "related_title"), spec.related_title)])
    yield from declared(ctx, item, (*path, "department"), "department", spec.department)


# --- references into a form, for the checks of other kinds --------------------------------

def form_fields(ctx: Context, form_id: str) -> dict[str, str] | None:
    """Field names of a form, or None when the form is not at hand (checked alone)."""
    form = ctx.find("Form", form_id)
    return names_of(ctx, form) if form is not None else None


def field_refs(ctx: Context, item: Checked, form_id: str,
               refs: Iterable[tuple[Path, str | None]]) -> Iterator[Problem]:
    """Each name given is a field (with a value) of the form, when the form is at hand."""
    fields = form_fields(ctx, form_id)
    if fields is None:
        return
    for path, name in refs:
        if name is not None:
            yield from within(item, path, "field", name, fields)

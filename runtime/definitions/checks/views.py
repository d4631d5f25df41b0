"""Checks of a View: its form, the fields its columns, filters, sort, search and grouping
name, and that a board is grouped by a choice field."""

from __future__ import annotations

from collections.abc import Iterator

from runtime.definitions.checks.common import Check, Checked, Context
from runtime.definitions.checks.forms import field_refs
from runtime.definitions.problems import Path, Problem, problem
from runtime.definitions.spec import FormSpec, ViewSpec


def _view(item: Checked) -> ViewSpec:
    assert isinstance(item.spec, ViewSpec)
    return item.spec


def form_exists(ctx: Context, item: Checked) -> Iterator[Problem]:
    yield from ctx.ref(item, ("form",), "Form", _view(item).form)


def fields_of_form(ctx: Context, item: Checked) -> Iterator[Problem]:
    view = _view(item)
    refs: list[tuple[Path, str | None]] = [(("group_by",), view.group_by)]
    for key in ("columns", "filters", "sort"):
        refs += [((key, i, "field"), entry.field) for i, entry in enumerate(getattr(view, key))]
    refs += [(("search", i), name) for i, name in enumerate(view.search)]
    yield from field_refs(ctx, item, view.form, refs)


def board_by_choice(ctx: Context, item: Checked) -> Iterator[Problem]:
    """A board's columns are the options of its group_by field: a field without options
    (text, a date) would make one column per value."""
    view = _view(item)
    form = ctx.find("Form", view.form)
    if view.group_by is None or not isinstance(form, FormSpec):
        return
    spec = next((f for f in form.all_fields() if f.id == view.group_by), None)
    facts = ctx.field_types.get(spec.type) if spec is not None else None
    if spec is not None and facts is not None and not facts.choice:
        yield problem("view_group_not_choice", item.doc.file, item.doc.line(("group_by",)),
                      ("group_by",), name=view.group_by, type=spec.type)


# What a filter's default is, by its op: (is it, zh, en).
DEFAULT_SHAPES = {
    "eq": (lambda d: isinstance(d, str), "一个值", "one value"),
    "contains": (lambda d: isinstance(d, str), "一段文字", "one text"),
    "in": (lambda d: isinstance(d, tuple), "值的列表", "a list of values"),
    "range": (lambda d: isinstance(d, tuple) and len(d) == 2, "[起, 止] 两个值",
              "two values, [from, to]"),
}


def filter_defaults(ctx: Context, item: Checked) -> Iterator[Problem]:
    """A filter's default has the shape its op reads: the page would otherwise drop it."""
    for i, spec in enumerate(_view(item).filters):
        shape = DEFAULT_SHAPES.get(spec.op)
        if spec.default is not None and shape is not None and not shape[0](spec.default):
            path = ("filters", i, "default")
            yield problem("view_filter_default", item.doc.file, item.doc.line(path), path,
                          op=spec.op, shape=shape[1], shape_en=shape[2])


CHECKS: tuple[Check, ...] = (form_exists, fields_of_form, board_by_choice, filter_defaults)

"""Checks of a View: its form and the fields its columns, filters, sort and grouping name."""

from __future__ import annotations

from collections.abc import Iterator

from runtime.definitions.checks.common import Check, Checked, Context
from runtime.definitions.checks.forms import field_refs
from runtime.definitions.problems import Path, Problem
from runtime.definitions.spec import ViewSpec


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
    yield from field_refs(ctx, item, view.form, refs)


CHECKS: tuple[Check, ...] = (form_exists, fields_of_form)

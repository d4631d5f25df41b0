"""Checks of a Dashboard: its widgets' ids and what each widget reads (a form and its
fields, a view, a catalog indicator)."""

from __future__ import annotations

from collections.abc import Iterator

from runtime.definitions.checks.catalogs import catalog_item
from runtime.definitions.checks.common import Check, Checked, Context, duplicates
from runtime.definitions.checks.forms import field_refs
from runtime.definitions.problems import Path, Problem
from runtime.definitions.spec import DashboardSpec, WidgetSpec


def _dashboard(item: Checked) -> DashboardSpec:
    assert isinstance(item.spec, DashboardSpec)
    return item.spec


def widget_ids_unique(ctx: Context, item: Checked) -> Iterator[Problem]:
    yield from duplicates(item, ((("widgets", i, "id"), w.id)
                                 for i, w in enumerate(_dashboard(item).widgets)))


def each_widget(ctx: Context, item: Checked) -> Iterator[Problem]:
    for i, widget in enumerate(_dashboard(item).widgets):
        yield from _widget(ctx, item, ("widgets", i), widget)


CHECKS: tuple[Check, ...] = (widget_ids_unique, each_widget)


def _widget(ctx: Context, item: Checked, path: Path, widget: WidgetSpec) -> Iterator[Problem]:
    yield from ctx.ref(item, (*path, "form"), "Form", widget.form)
    yield from ctx.ref(item, (*path, "view"), "View", widget.view)
    if widget.indicator:
        yield from catalog_item(ctx, item, (*path, "indicator"), widget.indicator.catalog,
                                widget.indicator.item)
    if widget.form:
        measure = widget.measure.field if widget.measure else None
        yield from field_refs(ctx, item, widget.form, [
            ((*path, "measure", "field"), measure), ((*path, "group_by"), widget.group_by)])

"""Checks of a Dashboard: its widgets' ids and what each widget reads (a registered measure
or a form and its fields, a process, a view, a catalog indicator), and the roles it names."""

from __future__ import annotations

from collections.abc import Iterator

from runtime.access import BUILTIN_ROLES
from runtime.definitions.checks.catalogs import catalog_item
from runtime.definitions.checks.common import Check, Checked, Context, duplicates, within
from runtime.definitions.checks.forms import field_refs
from runtime.definitions.problems import Path, Problem, problem
from runtime.definitions.spec import DashboardSpec, MeasureSpec, WidgetSpec
from runtime.views.measures import GROUPS, MEASURES


def _dashboard(item: Checked) -> DashboardSpec:
    assert isinstance(item.spec, DashboardSpec)
    return item.spec


def widget_ids_unique(ctx: Context, item: Checked) -> Iterator[Problem]:
    yield from duplicates(item, ((("widgets", i, "id"), w.id)
                                 for i, w in enumerate(_dashboard(item).widgets)))


def each_widget(ctx: Context, item: Checked) -> Iterator[Problem]:
    for i, widget in enumerate(_dashboard(item).widgets):
        yield from _widget(ctx, item, ("widgets", i), widget)


def known_roles(ctx: Context, item: Checked) -> Iterator[Problem]:
    """The roles are built in or declared by the pack: a misspelt one would hide the
    dashboard from everyone."""
    known = set(BUILTIN_ROLES) | set(ctx.roles or ())
    for i, role in enumerate(_dashboard(item).roles):
        yield from within(item, ("roles", i), "role", role, sorted(known))


def known_processes(ctx: Context, item: Checked) -> Iterator[Problem]:
    for i, process in enumerate(_dashboard(item).processes):
        yield from ctx.ref(item, ("processes", i), "Process", process)


CHECKS: tuple[Check, ...] = (widget_ids_unique, each_widget, known_roles, known_processes)


def _widget(ctx: Context, item: Checked, path: Path, widget: WidgetSpec) -> Iterator[Problem]:
    yield from ctx.ref(item, (*path, "form"), "Form", widget.form)
    yield from ctx.ref(item, (*path, "view"), "View", widget.view)
    yield from ctx.ref(item, (*path, "process"), "Process", widget.process)
    if widget.indicator:
        yield from catalog_item(ctx, item, (*path, "indicator"), widget.indicator.catalog,
                                widget.indicator.item)
    if widget.measure is not None:
        yield from _measure(item, (*path, "measure"), widget, widget.measure)
    if widget.measure is not None and widget.measure.name is not None:
        if widget.group_by is not None:
            yield from within(item, (*path, "group_by"), "group", widget.group_by, GROUPS)
    elif widget.form:
        measure = widget.measure.field if widget.measure else None
        yield from field_refs(ctx, item, widget.form, [
            ((*path, "measure", "field"), measure), ((*path, "group_by"), widget.group_by)])


def _measure(item: Checked, path: Path, widget: WidgetSpec,
             measure: MeasureSpec) -> Iterator[Problem]:
    if measure.name is not None:
        yield from within(item, (*path, "name"), "measure", measure.name, MEASURES)
        if measure.agg is not None or widget.form is not None:
            yield _shape(item, path, ("写了 name 就不写 agg 和 form",
                                      "a named measure takes no agg and no form"))
    elif measure.agg is None:
        yield _shape(item, path, ("既无 name 也无 agg", "neither name nor agg is given"))
    elif widget.form is None:
        yield _shape(item, path, ("agg 需要组件写明 form", "agg needs the widget's form"))


def _shape(item: Checked, path: Path, reason: tuple[str, str]) -> Problem:
    return problem("measure_shape", item.doc.file, item.doc.line(path), path,
                   reason=reason[0], reason_en=reason[1])

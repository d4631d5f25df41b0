"""Checks of a Catalog, and of the references other definitions make to its items and
clauses."""

from __future__ import annotations

from collections.abc import Iterator

from runtime.definitions.checks.common import (
    Check,
    Checked,
    Context,
    cycle_problems,
    duplicates,
    within,
)
from runtime.definitions.checks.packs import declared
from runtime.definitions.problems import Path, Problem
from runtime.definitions.spec import CatalogSpec
from runtime.views.measures import MEASURES


def _catalog(item: Checked) -> CatalogSpec:
    assert isinstance(item.spec, CatalogSpec)
    return item.spec


def item_codes_unique(ctx: Context, item: Checked) -> Iterator[Problem]:
    yield from duplicates(item, ((("items", i, "code"), e.code)
                                 for i, e in enumerate(_catalog(item).items)))


def each_item(ctx: Context, item: Checked) -> Iterator[Problem]:
    """Its parent is an item of this catalog, its form, department and process exist, its
    clauses have distinct codes, an indicator's measures are registered."""
    catalog = _catalog(item)
    codes = catalog.codes()
    for i, entry in enumerate(catalog.items):
        path: Path = ("items", i)
        if entry.parent is not None:
            yield from within(item, (*path, "parent"), "item", entry.parent, codes)
        yield from ctx.ref(item, (*path, "form"), "Form", entry.form)
        yield from declared(ctx, item, (*path, "department"), "department", entry.department)
        yield from duplicates(item, (((*path, "clauses", j, "code"), c.code)
                                     for j, c in enumerate(entry.clauses)))
        yield from ctx.ref(item, (*path, "process"), "Process", entry.process)
        for key in ("measure", "of"):
            if (name := getattr(entry, key)) is not None:
                yield from within(item, (*path, key), "measure", name, MEASURES)


def no_parent_cycles(ctx: Context, item: Checked) -> Iterator[Problem]:
    parents = {e.code: {e.parent} for e in _catalog(item).items if e.parent}
    yield from cycle_problems(item, ("items",), parents)


CHECKS: tuple[Check, ...] = (item_codes_unique, each_item, no_parent_cycles)


# --- references into a catalog, for the checks of other kinds ------------------------------

def catalog_item(ctx: Context, item: Checked, path: Path, catalog_id: str,
                 code: str) -> Iterator[Problem]:
    """`{catalog, item}` names a catalog of the set and an item of it."""
    if not ctx.resolve_refs:
        return
    catalog = ctx.find("Catalog", catalog_id)
    if catalog is None:
        yield from ctx.ref(item, (*path, "catalog"), "Catalog", catalog_id)
    else:
        yield from within(item, (*path, "item"), "item", code, catalog.codes())


def clauses(ctx: Context, item: Checked, path: Path, catalog_id: str, code: str,
            names: tuple[str, ...]) -> Iterator[Problem]:
    """Clauses cited of a catalog item are clauses of that item (when it is at hand)."""
    catalog = ctx.find("Catalog", catalog_id) if ctx.resolve_refs else None
    entry = next((i for i in catalog.items if i.code == code), None) if catalog else None
    if entry is None:
        return
    for i, clause in enumerate(names):
        yield from within(item, (*path, "clauses", i), "clause", clause,
                          [c.code for c in entry.clauses])

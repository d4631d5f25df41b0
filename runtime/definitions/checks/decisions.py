"""Checks of a DecisionTable: its form, its outputs, and its rows' conditions and results."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from runtime.definitions.checks.common import (
    Check,
    Checked,
    Context,
    duplicates,
    expression,
    within,
)
from runtime.definitions.checks.forms import form_fields
from runtime.definitions.checks.packs import declared
from runtime.definitions.problems import Path, Problem
from runtime.definitions.spec import DecisionTableSpec


def _table(item: Checked) -> DecisionTableSpec:
    assert isinstance(item.spec, DecisionTableSpec)
    return item.spec


def form_exists(ctx: Context, item: Checked) -> Iterator[Problem]:
    yield from ctx.ref(item, ("form",), "Form", _table(item).form)


def output_ids_unique(ctx: Context, item: Checked) -> Iterator[Problem]:
    yield from duplicates(item, ((("outputs", i, "id"), o.id)
                                 for i, o in enumerate(_table(item).outputs)))


def rows(ctx: Context, item: Checked) -> Iterator[Problem]:
    """A row's condition reads the form's fields; what it sets are the table's outputs."""
    table = _table(item)
    names = form_fields(ctx, table.form)
    outputs = [o.id for o in table.outputs]
    for i, row in enumerate(table.rows):
        yield from expression(item, ("rows", i, "when"), row.when, names)
        for key in row.then:
            yield from within(item, ("rows", i, "then", key), "output", key, outputs)


def default_outputs(ctx: Context, item: Checked) -> Iterator[Problem]:
    table = _table(item)
    outputs = [o.id for o in table.outputs]
    for key in table.default:
        yield from within(item, ("default", key), "output", key, outputs)


# An output of this name dispatches: an assignee rule gives it as the department of a task,
# so a code the pack does not declare would open a task in a pool nobody belongs to.
DEPARTMENT_OUTPUT = "department"


def department_outputs(ctx: Context, item: Checked) -> Iterator[Problem]:
    table = _table(item)
    found: list[tuple[Path, Any]] = [
        (("rows", i, "then", DEPARTMENT_OUTPUT), row.then.get(DEPARTMENT_OUTPUT))
        for i, row in enumerate(table.rows)]
    found.append((("default", DEPARTMENT_OUTPUT), table.default.get(DEPARTMENT_OUTPUT)))
    for path, code in found:
        if isinstance(code, str):
            yield from declared(ctx, item, path, "department", code)


CHECKS: tuple[Check, ...] = (form_exists, output_ids_unique, rows, default_outputs,
                             department_outputs)

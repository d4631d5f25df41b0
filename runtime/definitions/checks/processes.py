"""Checks of a Process: its start form, its steps (tasks, order, conditions, assignees,
returns) and the dispatch rules of the task templates it ties to its start form."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from runtime.definitions.checks.common import (
    Check,
    Checked,
    Context,
    cycle_problems,
    duplicates,
    expression,
    within,
)
from runtime.definitions.checks.forms import form_fields
from runtime.definitions.checks.namespaces import members
from runtime.definitions.checks.packs import party_codes
from runtime.definitions.graphs import ancestors
from runtime.definitions.problems import Path, Problem, problem
from runtime.definitions.spec import ProcessSpec, StepSpec


def _process(item: Checked) -> ProcessSpec:
    assert isinstance(item.spec, ProcessSpec)
    return item.spec


def _graph(process: ProcessSpec) -> dict[str, set[str]]:
    return {s.id: set(s.after) for s in process.steps}


def start_form_exists(ctx: Context, item: Checked) -> Iterator[Problem]:
    yield from ctx.ref(item, ("start_form",), "Form", _process(item).start_form)


def step_ids_unique(ctx: Context, item: Checked) -> Iterator[Problem]:
    yield from duplicates(item, ((("steps", i, "id"), s.id)
                                 for i, s in enumerate(_process(item).steps)))


def each_step(ctx: Context, item: Checked) -> Iterator[Problem]:
    """Conditions and dispatch rules see the start form's fields, `steps` (the results so
    far), `decisions` (the tables on the start form) and `rules` (its rule sets' results);
    when the start form is not at hand, any name goes."""
    process = _process(item)
    fields = form_fields(ctx, process.start_form)
    names = None if fields is None else {**fields, "steps": "object", "decisions": "object",
                                         "rules": "object"}
    known = members(ctx, process.start_form)
    step_ids = [s.id for s in process.steps]
    for i, step in enumerate(process.steps):
        path: Path = ("steps", i)
        yield from ctx.ref(item, (*path, "task"), "TaskTemplate", step.task)
        for key in ("after", "can_return_to"):
            for j, other in enumerate(getattr(step, key)):
                yield from within(item, (*path, key, j), "step", other, step_ids)
        yield from expression(item, (*path, "when"), step.when, names, known)
        yield from _assignees(ctx, item, path, step)
        yield from _assignee_rule(ctx, item, path, step, names, known)


def no_step_cycles(ctx: Context, item: Checked) -> Iterator[Problem]:
    yield from cycle_problems(item, ("steps",), _graph(_process(item)))


def returns_go_back(ctx: Context, item: Checked) -> Iterator[Problem]:
    process = _process(item)
    graph = _graph(process)
    for i, step in enumerate(process.steps):
        earlier = ancestors(graph, step.id)
        for j, target in enumerate(step.can_return_to):
            path: Path = ("steps", i, "can_return_to", j)
            if target in graph and target not in earlier:
                yield problem("return_not_earlier", item.doc.file, item.doc.line(path), path,
                              name=target, step=step.id)


CHECKS: tuple[Check, ...] = (start_form_exists, step_ids_unique, each_step, no_step_cycles,
                             returns_go_back)


def _assignees(ctx: Context, item: Checked, path: Path, step: StepSpec) -> Iterator[Problem]:
    if step.assignees is None:
        return
    if step.assignees.mode == "ratio" and step.assignees.ratio is None:
        where = (*path, "assignees")
        yield problem("ratio_needs_value", item.doc.file, item.doc.line(where), where)
    for j, party in enumerate(step.assignees.parties):
        yield from party_codes(ctx, item, (*path, "assignees", "parties", j), party)


def _assignee_rule(ctx: Context, item: Checked, path: Path, step: StepSpec,
                   names: Mapping[str, str] | None,
                   known: Mapping[str, Any] | None) -> Iterator[Problem]:
    """A template's dispatch rule reads the start form of the process that uses it."""
    template = ctx.find("TaskTemplate", step.task)
    rule = template.coordination.assignee.rule if template is not None else None
    if rule is not None and names is not None:
        yield from expression(item, (*path, "task"), rule, names, known)

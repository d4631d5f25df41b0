"""Checks of a Process: its start form, its steps (tasks, order, conditions, assignees,
returns) and the dispatch rules of the task templates it ties to its start form."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping

from runtime.definitions.checks.common import (
    Check,
    Checked,
    Context,
    cycle_problems,
    duplicates,
    expression,
    missing,
    within,
)
from runtime.definitions.checks.forms import form_fields
from runtime.definitions.checks.packs import party_codes
from runtime.definitions.graphs import ancestors
from runtime.definitions.problems import Path, Problem, problem
from runtime.definitions.spec import ProcessSpec, StepSpec
from runtime.flows.handler import ENGINE_FIELDS

# What a rule reads of a step: steps['id']['status'], ['outcome'], ['data']['field'], the
# ['holder'] who completed it (a user id) and the ['department'] it was done in.
STEP_FACTS = ("status", "outcome", "data", "holder", "department")


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
    """Conditions and dispatch rules see the start form's fields and `steps` and `decisions`
    (the results so far); when the start form is not at hand, any name goes."""
    process = _process(item)
    fields = form_fields(ctx, process.start_form)
    names = None if fields is None else {**fields, "steps": "object", "decisions": "object"}
    step_ids = [s.id for s in process.steps]
    for i, step in enumerate(process.steps):
        path: Path = ("steps", i)
        yield from ctx.ref(item, (*path, "task"), "TaskTemplate", step.task)
        for key in ("after", "can_return_to"):
            for j, other in enumerate(getattr(step, key)):
                yield from within(item, (*path, key, j), "step", other, step_ids)
        yield from expression(item, (*path, "when"), step.when, names)
        yield from step_reads(ctx, item, (*path, "when"), step.when, process)
        yield from _assignees(ctx, item, path, step)
        yield from _assignee_rule(ctx, item, path, step, names)


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
                   names: Mapping[str, str] | None) -> Iterator[Problem]:
    """A template's dispatch rule reads the start form of the process that uses it."""
    template = ctx.find("TaskTemplate", step.task)
    rule = template.coordination.assignee.rule if template is not None else None
    if rule is not None and names is not None:
        yield from expression(item, (*path, "task"), rule, names)
        yield from step_reads(ctx, item, (*path, "task"), rule, _process(item))


def step_reads(ctx: Context, item: Checked, path: Path, source: str | None,
               process: ProcessSpec) -> Iterator[Problem]:
    """What a rule reads of `steps['id']['fact']['field']`: a step of the process, one of its
    facts, and a field of the step's handler form (without the action's own outcome and
    opinion, which the task keeps apart)."""
    steps = {s.id: s for s in process.steps}
    for step_id, fact, field in subscripts(source, "steps"):
        if step_id is None or step_id not in steps:
            if step_id is not None:
                yield missing(item, path, "step", step_id, steps)
            continue
        if fact is not None and fact not in STEP_FACTS:
            yield missing(item, path, "step_fact", fact, STEP_FACTS)
        elif fact == "data" and field is not None:
            fields = _handler_fields(ctx, steps[step_id])
            if fields is not None and field not in fields:
                yield missing(item, path, "field", field, fields)


def _handler_fields(ctx: Context, step: StepSpec) -> list[str] | None:
    template = ctx.find("TaskTemplate", step.task)
    if template is None:
        return None
    form_id = template.content.form
    fields = form_fields(ctx, form_id) if form_id else {}
    return None if fields is None else [f for f in fields if f not in ENGINE_FIELDS]


def subscripts(source: str | None, name: str) -> Iterator[tuple[str | None, ...]]:
    """The constant keys of each `name[a][b][c]` in `source`, outermost first, None where a
    key is not a constant string (a source that does not parse is reported apart)."""
    try:
        tree = ast.parse(source or "", mode="eval")
    except SyntaxError:
        return
    inner = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Subscript)}
    for node in ast.walk(tree):
        if id(node) in inner:
            continue  # part of a longer chain, read there
        keys: list[str | None] = []
        while isinstance(node, ast.Subscript):
            key = node.slice
            keys.insert(0, key.value if isinstance(key, ast.Constant)
                        and isinstance(key.value, str) else None)
            node = node.value
        if isinstance(node, ast.Name) and node.id == name and keys:
            yield (*keys, None, None, None)[:3]

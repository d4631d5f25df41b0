"""Checks of a Process: its start form, its steps (tasks, order, conditions, assignees,
returns) and the dispatch rules of the task templates it ties to its start form."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from typing import Any

from runtime.definitions import names as qnames
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
from runtime.definitions.checks.namespaces import members
from runtime.definitions.checks.packs import party_codes
from runtime.definitions.graphs import ancestors
from runtime.definitions.problems import Path, Problem, problem
from runtime.definitions.spec import AssigneeSpec, ProcessSpec, StepSpec
from runtime.flows.handler import ENGINE_FIELDS
from runtime.flows.periods import cron_valid

# What a rule reads of a step: steps['id']['status'], ['outcome'], ['data']['field'], the
# ['holder'] who completed it (a user id) and the ['department'] it was done in.
STEP_FACTS = ("status", "outcome", "round", "data", "holder", "department", "children",
              "child_counts")


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


def case_names(ctx: Context, process: ProcessSpec) -> dict[str, str] | None:
    """What an expression over the case reads: the start form's fields, `steps` (the results
    so far), `decisions` (the tables on the start form), `rules` (its rule sets' results)
    and `vars` (the case variables); None when the start form is not at hand (any name goes)."""
    fields = form_fields(ctx, process.start_form)
    return None if fields is None else {**fields, "steps": "object", "decisions": "object",
                                        "rules": "object", "vars": "object"}


def each_step(ctx: Context, item: Checked) -> Iterator[Problem]:
    """Conditions and dispatch rules read the case (`case_names`)."""
    process = _process(item)
    names = case_names(ctx, process)
    known = members(ctx, process.start_form)
    step_ids = [s.id for s in process.steps]
    for i, step in enumerate(process.steps):
        path: Path = ("steps", i)
        yield from ctx.ref(item, (*path, "task"), "TaskTemplate", step.task)
        for key in ("after", "can_return_to"):
            for j, other in enumerate(getattr(step, key)):
                yield from within(item, (*path, key, j), "step", other, step_ids)
        yield from expression(item, (*path, "when"), step.when, names, known)
        yield from step_reads(ctx, item, (*path, "when"), step.when, process)
        yield from _assignees(ctx, item, path, step)
        yield from _by_applicant(item, path, step)
        yield from _template_rules(ctx, item, path, step, names, known)
        yield from _write_back(ctx, item, path, step, names)
        if step.for_each is not None:
            yield from expression(item, (*path, "for_each", "items"), step.for_each.items, names)
            item_names = None if names is None else {**names, "item": "any"}
            yield from expression(item, (*path, "for_each", "department"),
                                  step.for_each.department, item_names)
            for key in ("items", "department"):
                yield from step_reads(ctx, item, (*path, "for_each", key),
                                      getattr(step.for_each, key), process)
        yield from _sets(ctx, item, path, step, names, known)
        yield from _children(ctx, item, path, step, names, known)


def _children(ctx: Context, item: Checked, path: Path, step: StepSpec,
              names: Mapping[str, str] | None, known: Mapping[str, Any] | None
              ) -> Iterator[Problem]:
    """Child cases run a process of the pack other than this one; their data fills fields
    of its start form, from expressions over the case and `item`."""
    children, process = step.children, _process(item)
    if children is None:
        return
    at: Path = (*path, "children")
    if step.for_each is not None or step.assignees is not None:
        yield problem("children_and_tasks", item.doc.file, item.doc.line(at), at)
    if children.process == process.id:
        where: Path = (*at, "process")
        yield problem("child_of_itself", item.doc.file, item.doc.line(where), where,
                      name=process.id)
    yield from ctx.ref(item, (*at, "process"), "Process", children.process)
    yield from _child_cycle(ctx, item, (*at, "process"), process, children.process)
    yield from expression(item, (*at, "items"), children.items, names, known)
    yield from step_reads(ctx, item, (*at, "items"), children.items, process)
    child = ctx.find("Process", children.process)
    fields = form_fields(ctx, child.start_form) if child is not None else None
    form = ctx.find("Form", child.start_form) if child is not None else None
    if form is not None:  # a field the child's form requires, with no value given
        needed = [f.id for f in form.fields if f.required and f.default is None
                  and f.compute is None and f.visible_when is None]
        for name in needed:
            if name not in children.data:
                where = (*at, "data")
                yield problem("child_data_missing", item.doc.file, item.doc.line(where),
                              where, name=name, form=form.id)
    item_names = None if names is None else {**names, "item": "any"}
    for name, value in children.data.items():
        where = (*at, "data", name)
        if fields is not None:
            yield from within(item, where, "field", name, fields)
        if isinstance(value, str):
            yield from expression(item, where, value, item_names, known)
            yield from step_reads(ctx, item, where, value, process)


def _child_cycle(ctx: Context, item: Checked, path: Path, process: ProcessSpec,
                 first: str) -> Iterator[Problem]:
    """A chain of child cases that comes back to this process through others (A's step
    starts B, B's starts A, possibly across packs) would start cases without end; the run-time
    depth limit is only the last guard. Reported once per step, naming the chain."""
    chain = _chain_back(ctx, process.id, first)
    if chain is not None:
        yield problem("child_cycle", item.doc.file, item.doc.line(path), path,
                      chain=" → ".join([process.id, *chain]))


def _chain_back(ctx: Context, home: str, first: str) -> list[str] | None:
    """The processes from `first` (a child process named in `home`) back to `home`, or None
    when no chain of child processes leads back (a process starting itself directly is
    `child_of_itself`, reported apart)."""
    if first == home:
        return None
    seen: set[int] = set()
    todo: list[tuple[Any, list[str]]] = [(ctx.find("Process", first), [first])]
    while todo:
        spec, chain = todo.pop()
        if not isinstance(spec, ProcessSpec) or id(spec) in seen:
            continue
        seen.add(id(spec))
        for step in spec.steps:
            if step.children is None:
                continue
            target = ctx.in_scope(spec, step.children.process) or ""
            pack, bare = qnames.split(target)
            if bare == home and pack in (None, ctx.pack_id):
                return [*chain, home]
            todo.append((ctx.find("Process", target), [*chain, target]))
    return None


def variables_unique(ctx: Context, item: Checked) -> Iterator[Problem]:
    yield from duplicates(item, ((("variables", i, "id"), v.id)
                                 for i, v in enumerate(_process(item).variables)))


def _sets(ctx: Context, item: Checked, path: Path, step: StepSpec,
          names: Mapping[str, str] | None, known: Mapping[str, Any] | None) -> Iterator[Problem]:
    """A step sets only declared variables, each from an expression over the case."""
    declared = [v.id for v in _process(item).variables]
    for name, source in step.set_.items():
        at: Path = (*path, "set", name)
        yield from within(item, at, "variable", name, declared)
        yield from expression(item, at, source, names, known)
        yield from step_reads(ctx, item, at, source, _process(item))


def _write_back(ctx: Context, item: Checked, path: Path, step: StepSpec,
                names: Mapping[str, str] | None) -> Iterator[Problem]:
    """The record to update is a record picker of the start form; the fields written are
    fields of the form that picker chooses from; the values read the case."""
    write_back = step.write_back
    form = ctx.find("Form", _process(item).start_form)
    if write_back is None or form is None:
        return
    where: Path = (*path, "write_back", "record")
    picker = next((f for f in form.all_fields() if f.id == write_back.record), None)
    if picker is None or picker.related_form is None:
        yield problem("write_back_not_record", item.doc.file, item.doc.line(where), where,
                      name=write_back.record, form=form.id)
        return
    targets = form_fields(ctx, picker.related_form) or {}
    for name, source in write_back.fields.items():
        at: Path = (*path, "write_back", "fields", name)
        if targets:
            yield from within(item, at, "field", name, targets)
        yield from expression(item, at, source, names)
        yield from step_reads(ctx, item, at, source, _process(item))


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


def routes_loop_back(ctx: Context, item: Checked) -> Iterator[Problem]:
    """A route sends the case back to an earlier step or to its own: every loop it makes is
    bounded by its `max` (the schema requires one), and it never jumps ahead of the graph."""
    process = _process(item)
    graph = _graph(process)
    step_ids = [s.id for s in process.steps]
    names = case_names(ctx, process)
    known = members(ctx, process.start_form)
    for i, step in enumerate(process.steps):
        for j, route in enumerate(step.routes):
            path: Path = ("steps", i, "routes", j)
            yield from within(item, (*path, "to"), "step", route.to, step_ids)
            if route.to in graph and route.to != step.id and route.to not in ancestors(
                    graph, step.id):
                where = (*path, "to")
                yield problem("route_not_earlier", item.doc.file, item.doc.line(where), where,
                              name=route.to, step=step.id)
            yield from expression(item, (*path, "when"), route.when, names, known)
            yield from step_reads(ctx, item, (*path, "when"), route.when, process)


# What a scheduled start's data may read: the period's label and its first day.
PERIOD_NAMES = {"period": "text", "period_start": "date"}


def schedule_fits(ctx: Context, item: Checked) -> Iterator[Problem]:
    """A scheduled start fills fields of the start form, from expressions over the period."""
    schedule = _process(item).schedule
    if schedule is None:
        return
    if (schedule.every is None) == (schedule.cron is None):
        yield problem("every_or_cron", item.doc.file, item.doc.line(("schedule",)),
                      ("schedule",))
    if schedule.cron is not None and not cron_valid(schedule.cron):
        where: Path = ("schedule", "cron")
        yield problem("bad_cron", item.doc.file, item.doc.line(where), where,
                      source=schedule.cron)
    fields = form_fields(ctx, _process(item).start_form)
    for name, value in schedule.data.items():
        path: Path = ("schedule", "data", name)
        if fields is not None:
            yield from within(item, path, "field", name, fields)
        if isinstance(value, str):
            yield from expression(item, path, value, PERIOD_NAMES)


CHECKS: tuple[Check, ...] = (start_form_exists, step_ids_unique, variables_unique, each_step,
                             no_step_cycles, returns_go_back, routes_loop_back, schedule_fits)


def _by_applicant(item: Checked, path: Path, step: StepSpec) -> Iterator[Problem]:
    """The applicant answers a step for themselves: one task, no parties, no items."""
    if step.by != "applicant":
        if step.confirm_within is not None:
            where: Path = (*path, "confirm_within")
            yield problem("confirm_within_staff", item.doc.file, item.doc.line(where), where)
        return
    if step.confirm_within is not None and len(step.confirm_within.units) != 1:
        where = (*path, "confirm_within")
        yield problem("confirm_within_unit", item.doc.file, item.doc.line(where), where)
    for key in ("assignees", "for_each"):
        if getattr(step, key) is not None:
            where = (*path, key)
            yield problem("applicant_step_parties", item.doc.file, item.doc.line(where), where)


def _assignees(ctx: Context, item: Checked, path: Path, step: StepSpec) -> Iterator[Problem]:
    if step.assignees is None:
        return
    if step.assignees.mode == "ratio" and step.assignees.ratio is None:
        where = (*path, "assignees")
        yield problem("ratio_needs_value", item.doc.file, item.doc.line(where), where)
    if step.assignees.mode == "at_least" and step.assignees.count is None:
        where = (*path, "assignees")
        yield problem("count_needs_value", item.doc.file, item.doc.line(where), where)
    if step.for_each is not None and step.assignees.parties:
        where = (*path, "assignees", "parties")
        yield problem("for_each_and_parties", item.doc.file, item.doc.line(where), where)
    for j, party in enumerate(step.assignees.parties):
        yield from party_codes(ctx, item, (*path, "assignees", "parties", j), party)


def _template_rules(ctx: Context, item: Checked, path: Path, step: StepSpec,
                    names: Mapping[str, str] | None,
                    known: Mapping[str, Any] | None) -> Iterator[Problem]:
    """A template's dispatch rule and its time limits' expressions read the case of the
    process that uses it."""
    template = ctx.find("TaskTemplate", step.task)
    if template is None or names is None:
        return
    co = template.coordination
    if _pooled_nowhere(step, co.assignee):
        where = (*path, "task")
        yield problem("step_no_department", item.doc.file, item.doc.line(where), where,
                      task=step.task)
    limits = [co.deadline, co.claim_within, co.return_within]
    sources = [co.assignee.rule, co.deadline.from_date if co.deadline else None,
               *(amount for limit in limits if limit for _, amount in limit.units)]
    with_item = {**names, "item": "any"} if step.for_each is not None else names
    for source in sources:
        if isinstance(source, str):
            yield from expression(item, (*path, "task"), source,
                                  names if source == co.assignee.rule else with_item, known)
            yield from step_reads(ctx, item, (*path, "task"), source, _process(item))


def _pooled_nowhere(step: StepSpec, assignee: AssigneeSpec) -> bool:
    """A step whose tasks would go to no department: the template names none, by code or
    by rule, and the step gives no parties nor a department per item."""
    if step.by == "applicant" or assignee.department or assignee.rule:
        return False
    if step.assignees is not None and step.assignees.parties:
        return False
    return not (step.for_each is not None and step.for_each.department)


def step_reads(ctx: Context, item: Checked, path: Path, source: str | None,
               process: ProcessSpec) -> Iterator[Problem]:
    """What a rule reads of `steps['id']['fact']['field']`: a step of the process, one of its
    facts, and a field of the step's handler form (without the action's own outcome and
    opinion, which the task keeps apart); and of `vars['name']`: a declared case variable."""
    declared = [v.id for v in process.variables]
    for name, *_ in subscripts(source, "vars"):
        if name is not None and name not in declared:
            yield missing(item, path, "variable", name, declared)
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
    form_id = ctx.in_scope(template, template.content.form)
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

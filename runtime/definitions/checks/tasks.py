"""Checks of a TaskTemplate: its basis and goals in catalogs, its forms, its dependencies,
and the parties of its coordination."""

from __future__ import annotations

from collections.abc import Iterator

from runtime.definitions.checks.catalogs import catalog_item, clauses
from runtime.definitions.checks.common import Check, Checked, Context, expression
from runtime.definitions.checks.packs import party_codes
from runtime.definitions.graphs import cycles
from runtime.definitions.problems import Path, Problem, problem
from runtime.definitions.spec import FormSpec, Party, TaskTemplateSpec
from runtime.flows.handler import OPINION_FIELD, OPINION_TYPES, OUTCOME_FIELDS, OUTCOMES
from runtime.forms.state import value_fields

COORDINATION: Path = ("coordination",)


def _task(item: Checked) -> TaskTemplateSpec:
    assert isinstance(item.spec, TaskTemplateSpec)
    return item.spec


def basis_in_catalogs(ctx: Context, item: Checked) -> Iterator[Problem]:
    for i, basis in enumerate(_task(item).basis):
        yield from catalog_item(ctx, item, ("basis", i), basis.catalog, basis.item)
        yield from clauses(ctx, item, ("basis", i), basis.catalog, basis.item, basis.clauses)


def goal_indicators(ctx: Context, item: Checked) -> Iterator[Problem]:
    goal = _task(item).goal
    for i, target in enumerate(goal.indicators if goal else ()):
        yield from catalog_item(ctx, item, ("goal", "indicators", i), target.catalog,
                                target.item)


def content_form(ctx: Context, item: Checked) -> Iterator[Problem]:
    yield from ctx.ref(item, ("content", "form"), "Form", _task(item).content.form)


def handler_form(ctx: Context, item: Checked) -> Iterator[Problem]:
    """The handler form's fields named for the 办理 action's own inputs take the action's
    values: an outcome field must offer approve or reject, an opinion field hold text.
    Otherwise the handler could never fill it in, and the form could not be completed."""
    form = ctx.find("Form", _task(item).content.form)
    if not isinstance(form, FormSpec):
        return
    path: Path = ("content", "form")
    for spec in value_fields(form.fields):
        if spec.id in OUTCOME_FIELDS:
            offered = {str(o.value) for o in spec.options}
            ok = spec.options_from is not None or bool(offered & set(OUTCOMES))
            need = ("提供 approve 或 reject 选项的选择字段", "a choice offering approve or reject")
        elif spec.id == OPINION_FIELD:
            ok, need = spec.type in OPINION_TYPES, ("text 或 textarea", "text or textarea")
        else:
            continue
        if not ok:
            yield problem("handler_engine_field", item.doc.file, item.doc.line(path), path,
                          form=form.id, field=spec.id, need=need[0], need_en=need[1])


def dependencies_exist(ctx: Context, item: Checked) -> Iterator[Problem]:
    for i, dependency in enumerate(_task(item).dependencies):
        yield from ctx.ref(item, ("dependencies", i), "TaskTemplate", dependency)


def assignee(ctx: Context, item: Checked) -> Iterator[Problem]:
    rule = _task(item).coordination.assignee
    yield from party_codes(ctx, item, (*COORDINATION, "assignee"), rule)
    # Assignment rules read the data of whatever form starts the case: names are checked
    # where a process ties the template to its start form (checks.processes), not here.
    yield from expression(item, (*COORDINATION, "assignee", "rule"), rule.rule, None)


def other_parties(ctx: Context, item: Checked) -> Iterator[Problem]:
    co = _task(item).coordination
    parties: list[tuple[Path, Party]] = [((*COORDINATION, "copy", i), p)
                                         for i, p in enumerate(co.copy)]
    if co.escalation:
        parties.append(((*COORDINATION, "escalation"), co.escalation))
    if co.extension:
        parties.append(((*COORDINATION, "extension", "decided_by"), co.extension.decided_by))
    for path, party in parties:
        yield from party_codes(ctx, item, path, party)


def feedback_form(ctx: Context, item: Checked) -> Iterator[Problem]:
    feedback = _task(item).coordination.feedback
    if feedback:
        yield from ctx.ref(item, (*COORDINATION, "feedback", "form"), "Form", feedback.form)


def overdue_actions(ctx: Context, item: Checked) -> Iterator[Problem]:
    for i, auto in enumerate(_task(item).coordination.on_overdue):
        path = (*COORDINATION, "on_overdue", i)
        if auto.action == "reassign" and auto.to is None:
            yield problem("reassign_needs_to", item.doc.file, item.doc.line(path), path)
        if auto.to is not None:
            yield from party_codes(ctx, item, (*path, "to"), auto.to)


def time_limits(ctx: Context, item: Checked) -> Iterator[Problem]:
    """A deadline and the claim and return limits each give exactly one unit; a deadline
    counts from claim or from a date in the data, not both. The names their expressions read
    are checked where a process ties the template to its start form (checks.processes)."""
    co = _task(item).coordination
    for key, limit in (("deadline", co.deadline), ("claim_within", co.claim_within),
                       ("return_within", co.return_within)):
        if limit is None:
            continue
        path = (*COORDINATION, key)
        if len(limit.units) != 1:
            yield problem("one_unit", item.doc.file, item.doc.line(path), path,
                          given=", ".join(unit for unit, _ in limit.units) or "-")
        for unit, amount in limit.units:
            if isinstance(amount, str):
                yield from expression(item, (*path, unit), amount, None)
    deadline = co.deadline
    if deadline is not None and deadline.from_date is not None:
        path = (*COORDINATION, "deadline", "from_date")
        if deadline.from_ == "claimed":
            yield problem("from_date_and_claim", item.doc.file, item.doc.line(path), path)
        yield from expression(item, path, deadline.from_date, None)


def no_dependency_cycles(ctx: Context, item: Checked) -> Iterator[Problem]:
    task = _task(item)
    if not task.dependencies or not ctx.resolve_refs:
        return
    graph = {t.id: set(t.dependencies) for t in ctx.index.get("TaskTemplate", {}).values()
             if isinstance(t, TaskTemplateSpec)}
    for cycle in cycles(graph):
        if min(cycle) == task.id:  # one report per cycle, at its first member
            yield problem("cycle", item.doc.file, item.doc.line(("dependencies",)),
                          ("dependencies",), chain=" → ".join([*cycle, cycle[0]]))


CHECKS: tuple[Check, ...] = (basis_in_catalogs, goal_indicators, content_form, handler_form,
                             dependencies_exist, assignee, other_parties, feedback_form,
                             overdue_actions, time_limits, no_dependency_cycles)

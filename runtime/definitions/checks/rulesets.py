"""Checks of a RuleSet: its form, its rules' ids and expressions, and cycles between rules."""

from __future__ import annotations

from collections.abc import Iterator

from runtime.definitions.checks.catalogs import catalog_item, clauses
from runtime.definitions.checks.common import (
    Check,
    Checked,
    Context,
    cycle_problems,
    duplicates,
    expression,
    names_used,
)
from runtime.definitions.checks.forms import form_fields
from runtime.definitions.checks.namespaces import ELIGIBLE, members
from runtime.definitions.problems import Problem, problem, warning
from runtime.definitions.spec import FieldSpec, FormSpec, RuleSetSpec

NEVER = frozenset({"false", "False"})  # a visible_when that hides its field always


def _ruleset(item: Checked) -> RuleSetSpec:
    assert isinstance(item.spec, RuleSetSpec)
    return item.spec


def form_exists(ctx: Context, item: Checked) -> Iterator[Problem]:
    yield from ctx.ref(item, ("form",), "Form", _ruleset(item).form)


def rule_ids_unique(ctx: Context, item: Checked) -> Iterator[Problem]:
    yield from duplicates(item, ((("rules", i, "id"), r.id)
                                 for i, r in enumerate(_ruleset(item).rules)))


def id_not_reserved(ctx: Context, item: Checked) -> Iterator[Problem]:
    """`rules.eligible` says whether every gate holds: no rule set may be called that."""
    if _ruleset(item).id == ELIGIBLE:
        yield problem("reserved_id", item.doc.file, item.doc.line(("id",)), ("id",),
                      name=ELIGIBLE)


def rule_expressions(ctx: Context, item: Checked) -> Iterator[Problem]:
    """A rule reads the form's fields, the other rules' results by their ids, and the
    decision tables on the form's data (`decisions.t.out`)."""
    ruleset = _ruleset(item)
    fields = form_fields(ctx, ruleset.form)
    names = None if fields is None else {**fields, **{r.id: "any" for r in ruleset.rules},
                                         "decisions": "object"}
    known = members(ctx, ruleset.form, rules=False)
    for i, rule in enumerate(ruleset.rules):
        yield from expression(item, ("rules", i, "expression"), rule.expression, names, known)


def rule_basis(ctx: Context, item: Checked) -> Iterator[Problem]:
    """The policy clauses a rule cites are clauses of a catalog item."""
    for i, rule in enumerate(_ruleset(item).rules):
        for j, basis in enumerate(rule.basis):
            path = ("rules", i, "basis", j)
            yield from catalog_item(ctx, item, path, basis.catalog, basis.item)
            yield from clauses(ctx, item, path, basis.catalog, basis.item, basis.clauses)


def no_rule_cycles(ctx: Context, item: Checked) -> Iterator[Problem]:
    rules = _ruleset(item).rules
    rule_ids = {r.id for r in rules}
    graph = {r.id: set(names_used(r.expression)) & rule_ids for r in rules}
    yield from cycle_problems(item, ("rules",), graph)


def rules_read_shown_fields(ctx: Context, item: Checked) -> Iterator[Problem]:
    """A warning for a rule that reads a field that is always hidden (its `visible_when` is
    the literal false, or a section or page around it is): the value it reads is always
    empty (hidden values are cleared, unless the field or form keeps them), so the rule
    never decides on what a person entered."""
    ruleset = _ruleset(item)
    form = ctx.find("Form", ruleset.form) if ctx.resolve_refs else None
    if not isinstance(form, FormSpec) or form.hidden_values == "keep":
        return  # hidden values kept: a hidden field's value is still read
    hidden = set(_always_hidden(form.fields, False))
    for i, rule in enumerate(ruleset.rules):
        for name in sorted(set(names_used(rule.expression)) & hidden):
            path = ("rules", i, "expression")
            yield warning("rule_reads_hidden", item.doc.file, item.doc.line(path), path,
                          rule=rule.id, field=name)


def _always_hidden(fields: tuple[FieldSpec, ...], inside: bool) -> Iterator[str]:
    for spec in fields:
        hidden = inside or (spec.visible_when or "").strip() in NEVER
        if hidden and not spec.keep_hidden:
            yield spec.id
        yield from _always_hidden(spec.fields, hidden)


CHECKS: tuple[Check, ...] = (form_exists, id_not_reserved, rule_ids_unique, rule_expressions,
                             rule_basis, no_rule_cycles, rules_read_shown_fields)

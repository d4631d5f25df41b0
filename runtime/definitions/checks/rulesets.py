"""Checks of a RuleSet: its form, its rules' ids and expressions, and cycles between rules."""

from __future__ import annotations

from collections.abc import Iterator

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
from runtime.definitions.problems import Problem
from runtime.definitions.spec import RuleSetSpec


def _ruleset(item: Checked) -> RuleSetSpec:
    assert isinstance(item.spec, RuleSetSpec)
    return item.spec


def form_exists(ctx: Context, item: Checked) -> Iterator[Problem]:
    yield from ctx.ref(item, ("form",), "Form", _ruleset(item).form)


def rule_ids_unique(ctx: Context, item: Checked) -> Iterator[Problem]:
    yield from duplicates(item, ((("rules", i, "id"), r.id)
                                 for i, r in enumerate(_ruleset(item).rules)))


def rule_expressions(ctx: Context, item: Checked) -> Iterator[Problem]:
    """A rule reads the form's fields and the other rules' results, by their ids."""
    ruleset = _ruleset(item)
    fields = form_fields(ctx, ruleset.form)
    names = None if fields is None else {**fields, **{r.id: "any" for r in ruleset.rules}}
    for i, rule in enumerate(ruleset.rules):
        yield from expression(item, ("rules", i, "expression"), rule.expression, names)


def no_rule_cycles(ctx: Context, item: Checked) -> Iterator[Problem]:
    rules = _ruleset(item).rules
    rule_ids = {r.id for r in rules}
    graph = {r.id: set(names_used(r.expression)) & rule_ids for r in rules}
    yield from cycle_problems(item, ("rules",), graph)


CHECKS: tuple[Check, ...] = (form_exists, rule_ids_unique, rule_expressions, no_rule_cycles)

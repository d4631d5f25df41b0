"""What the namespace names of expressions hold, for the checks: `decisions` (the decision
tables on a form's data and their outputs) and `rules` (the rule sets on a form's data, their
rules, and `eligible`)."""

from __future__ import annotations

from typing import Any

from runtime.definitions.checks.common import Context
from runtime.definitions.spec import DecisionTableSpec, RuleSetSpec
from runtime.expressions.members import ELSEWHERE

ELIGIBLE = "eligible"  # rules.eligible: every gate of every rule set on the form holds


def members(ctx: Context, form_id: str, *, rules: bool = True) -> dict[str, Any] | None:
    """The trees of `decisions` (and of `rules` unless told not) for expressions over the
    data of form `form_id`; None when the other definitions are not at hand."""
    if not ctx.resolve_refs:
        return None
    tables = {t.id: ({o.id: "any" for o in t.outputs} if t.form == form_id
                     else ELSEWHERE + t.form)
              for t in ctx.index.get("DecisionTable", {}).values()
              if isinstance(t, DecisionTableSpec)}
    found: dict[str, Any] = {"decisions": tables}
    if rules:
        found["rules"] = {**{
            s.id: ({r.id: "any" for r in s.rules} if s.form == form_id else ELSEWHERE + s.form)
            for s in ctx.index.get("RuleSet", {}).values()
            if isinstance(s, RuleSetSpec)}, ELIGIBLE: "boolean"}
    return found

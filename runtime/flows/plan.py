"""A checked process with the task templates its steps use, the decision tables its rules may
consult, and its step graph."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from runtime.decisions import decided
from runtime.definitions.graphs import ancestors
from runtime.definitions.spec import (
    DecisionTableSpec,
    Party,
    ProcessSpec,
    StepSpec,
    TaskTemplateSpec,
)
from runtime.expressions import ExpressionError, compile_expression
from runtime.expressions.values import Lazy
from runtime.flows.errors import FlowError

MAX_ITEMS = 200  # tasks one per-item step may make


@dataclass(frozen=True, eq=False)
class Plan:
    process: ProcessSpec
    templates: Mapping[str, TaskTemplateSpec]
    # Decision tables on the start form: a rule reads their outputs as decisions['id']['out'].
    tables: Mapping[str, DecisionTableSpec] = field(default_factory=dict)
    # The pack owning each template, by the name the steps use (`accept`, or `lib:accept` for
    # a required pack's): the template's own bare names (its form) are that pack's.
    packs: Mapping[str, str] = field(default_factory=dict)
    steps: Mapping[str, StepSpec] = field(init=False)
    before: Mapping[str, set[str]] = field(init=False)  # step -> the steps it comes after

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", {s.id: s for s in self.process.steps})
        object.__setattr__(self, "before", {s.id: set(s.after) for s in self.process.steps})

    def template(self, step_id: str) -> TaskTemplateSpec:
        return self.templates[self.steps[step_id].task]

    def template_pack(self, step_id: str) -> str | None:
        """The pack owning the step's template, when the plan was given it."""
        return self.packs.get(self.steps[step_id].task)

    def mode(self, step_id: str) -> str:
        assignees = self.steps[step_id].assignees
        return assignees.mode if assignees else "any"

    def parties(self, step_id: str, data: Mapping[str, Any],
                items: list[Any] | None = None) -> list[Party]:
        """Who handles the step: one party per item of a per-item step, else its own parties,
        else the template's assignee (whose rule, if any, names the department from the
        case's data)."""
        assignees = self.steps[step_id].assignees
        for_each = self.steps[step_id].for_each
        if for_each is not None:
            return [self._party_of(step_id, item, data) for item in items or ()]
        if assignees and assignees.parties:
            return list(assignees.parties)
        assignee = self.template(step_id).coordination.assignee
        department = assignee.department
        if assignee.rule:
            department = self._department_by_rule(step_id, assignee.rule, data)
        return [Party(department=department, role=assignee.role)]

    def items(self, step_id: str, scope: Mapping[str, Any]) -> list[Any]:
        """The items a per-item step (or a step starting child cases) runs for, read from the
        case when it starts."""
        step = self.steps[step_id]
        source = step.for_each.items if step.for_each else step.children.items \
            if step.children else None
        assert source is not None
        found = self._evaluate(step_id, source, scope)
        if found is None:
            return []
        if not isinstance(found, (list, tuple)) or len(found) > MAX_ITEMS:
            raise FlowError("bad_items", step=step_id, source=source, limit=MAX_ITEMS)
        return list(found)

    def child_data(self, step_id: str, scope: Mapping[str, Any]) -> dict[str, Any]:
        """The start data of one child case: each text an expression over the case and
        `item`, any other value itself."""
        children = self.steps[step_id].children
        assert children is not None
        return {name: self._evaluate(step_id, value, scope) if isinstance(value, str)
                else value for name, value in children.data.items()}

    def _party_of(self, step_id: str, item: Any, data: Mapping[str, Any]) -> Party:
        for_each = self.steps[step_id].for_each
        assignee = self.template(step_id).coordination.assignee
        if for_each is None or for_each.department is None:
            return Party(department=assignee.department, role=assignee.role)
        code = self._evaluate(step_id, for_each.department, {**data, "item": item})
        if not isinstance(code, str) or not code:
            raise FlowError("rule_no_department", step=step_id, source=for_each.department)
        return Party(department=code, role=assignee.role)

    def holds(self, step_id: str, scope: Mapping[str, Any]) -> bool:
        """Whether the step's condition holds (no condition: it always runs)."""
        source = self.steps[step_id].when
        return True if source is None else bool(self._evaluate(step_id, source, scope))

    def between(self, target: str, step_id: str) -> set[str]:
        """The steps a return from `step_id` to `target` starts again: `target`, `step_id`
        and every step on a path from one to the other. Parallel branches stay as they are."""
        return {s for s in self.steps
                if s in (target, step_id)
                or (target in ancestors(self.before, s) and s in ancestors(self.before, step_id))}

    def value(self, step_id: str, source: str, scope: Mapping[str, Any]) -> Any:
        """What an expression of the step's template (a time limit's amount, the date a
        deadline counts from) gives on the case; FlowError naming it when it cannot."""
        return self._evaluate(step_id, source, scope)

    def _department_by_rule(self, step_id: str, source: str, data: Mapping[str, Any]) -> str:
        code = self._evaluate(step_id, source, data)
        if not isinstance(code, str) or not code:
            raise FlowError("rule_no_department", step=step_id, source=source)
        return code

    def _evaluate(self, step_id: str, source: str, scope: Mapping[str, Any]) -> Any:
        try:
            expression = compile_expression(source)
            if "decisions" in expression.names:
                scope = {**scope, "decisions": self.decisions(scope)}
            return expression.evaluate(scope)
        except ExpressionError as error:
            raise FlowError("rule_failed", step=step_id, source=source,
                            reason=error.message("zh"), reason_en=error.message("en")) from None

    def decisions(self, data: Mapping[str, Any]) -> Lazy:
        """The tables' outputs on `data`, each decided only when a rule reads it."""
        return decided(self.tables, data)

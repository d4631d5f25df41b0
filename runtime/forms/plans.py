"""What `form_state` and `validate` build once per published form: expressions compiled ahead
of the first call, and a cache keyed by the form spec object (specs compare by identity, and
a new version is a new object, so a cached plan is never stale).

Pure core: no I/O, imports neither flask nor sqlalchemy.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar

from runtime.definitions.spec import FormSpec
from runtime.expressions import Expression, ExpressionError, compile_expression

T = TypeVar("T")


@dataclass(frozen=True, eq=False)
class Rule:
    """One expression of a form. One that does not compile keeps no Expression and is
    compiled again when run, so it fails each time exactly as it would uncached."""

    source: str
    expression: Expression | None

    def evaluate(self, scope: Mapping[str, Any]) -> Any:
        return (self.expression or compile_expression(self.source)).evaluate(scope)


def compiled(source: str) -> Rule:
    try:
        return Rule(source, compile_expression(source))
    except ExpressionError:
        return Rule(source, None)


def compiled_or_none(source: str | None) -> Rule | None:
    """The Rule of an optional expression: no expression, no Rule."""
    return None if source is None else compiled(source)


class PerForm(Generic[T]):
    """`build(form)`, made once per form spec object and dropped with it. Keyed by identity:
    a FormSpec inherits value equality from its head (kind, id, version, title), so two
    different forms with the same head would share a WeakKeyDictionary entry."""

    def __init__(self, build: Callable[[FormSpec], T]):
        self._build = build
        # No lock: each step is one dict operation, and a lost race costs only a rebuild.
        self._plans: dict[int, tuple[weakref.ref[FormSpec], T]] = {}

    def __call__(self, form: FormSpec) -> T:
        found = self._plans.get(id(form))
        if found is not None and found[0]() is form:
            return found[1]
        plan = self._build(form)
        self._plans[id(form)] = (weakref.ref(form, partial(self._drop, id(form))), plan)
        return plan

    def _drop(self, key: int, gone: weakref.ref[FormSpec]) -> None:
        """When a form is collected; its id may already hold a newer form's plan."""
        if self._plans.get(key, (None,))[0] is gone:
            self._plans.pop(key, None)

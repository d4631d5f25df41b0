"""What `form_state` and `validate` build once per published form: expressions compiled ahead
of the first call, and a cache keyed by the form spec object (specs compare by identity, and
a new version is a new object, so a cached plan is never stale).

Pure core: no I/O, imports neither flask nor sqlalchemy.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar

from runtime.definitions.spec import FormSpec
from runtime.expressions import Expression, ExpressionError, compile_expression

T = TypeVar("T")


@dataclass(frozen=True, eq=False)
class Rule:
    """One expression of a form and `evaluate(scope)`, its value on a scope. One that does not
    compile keeps no Expression and is compiled again when run, so it fails each time exactly
    as it would uncached."""

    source: str
    expression: Expression | None
    evaluate: Callable[[Mapping[str, Any]], Any]
    pure: bool = False  # the same scope always gives the same value, and no work is spent


def compiled(source: str) -> Rule:
    try:
        expression = compile_expression(source)
    except ExpressionError:
        return Rule(source, None, partial(_compile_and_evaluate, source))
    return Rule(source, expression, expression.evaluate, expression.pure)


def compiled_or_none(source: str | None) -> Rule | None:
    """The Rule of an optional expression: no expression, no Rule."""
    return None if source is None else compiled(source)


def _compile_and_evaluate(source: str, scope: Mapping[str, Any]) -> Any:
    return compile_expression(source).evaluate(scope)


class PerForm(Generic[T]):
    """`build(form, *key)`, made once per form spec object and key (a language, an address)
    and dropped with the form. Keyed by the object's id, with a weak reference to tell a
    reused id from the object itself: one dict lookup per call, cheaper than a
    WeakKeyDictionary's."""

    def __init__(self, build: Callable[..., T]):
        self._build = build
        # No lock: each step is one dict operation, and a lost race costs only a rebuild.
        self._plans: dict[tuple[Hashable, ...], tuple[weakref.ref[FormSpec], T]] = {}

    def __call__(self, form: FormSpec, *key: Hashable) -> T:
        at = (id(form), *key)
        found = self._plans.get(at)
        if found is not None and found[0]() is form:
            return found[1]
        plan = self._build(form, *key)
        self._plans[at] = (weakref.ref(form, partial(self._drop, at)), plan)
        return plan

    def _drop(self, at: tuple[Hashable, ...], gone: weakref.ref[FormSpec]) -> None:
        """When a form is collected; its id may already hold a newer form's plan."""
        if self._plans.get(at, (None,))[0] is gone:
            self._plans.pop(at, None)

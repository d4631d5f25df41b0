"""The static dependency graph of a form: which fields' state or value a field's change can
alter. A partial update re-renders exactly those fields."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType

from runtime.definitions.spec import FieldSpec, FormSpec
from runtime.expressions import ExpressionError, compile_expression
from runtime.forms.plans import PerForm

RULES = ("visible_when", "required_when", "readonly_when", "compute")
# What a decision table or a rule set reads is not in the form: a field whose rules read
# `decisions` or `rules` may change with any field.
NAMESPACES = frozenset({"decisions", "rules"})


def _dependents(form: FormSpec) -> Mapping[str, frozenset[str]]:
    direct: dict[str, set[str]] = {}
    fields = form.all_fields()
    for spec in fields:
        reads = _reads(spec)
        if reads & NAMESPACES:
            reads |= {f.id for f in fields if f.id != spec.id}
        for name in reads:
            direct.setdefault(name, set()).add(spec.id)
    children = {spec.id: {c.id for c in _descendants(spec)} for spec in form.all_fields()}
    return MappingProxyType({name: frozenset(_closure(name, direct, children))
                             for name in direct})


# dependents(form): for each field id, every field id whose rules read it, directly or through
# computed fields, with the children of any container among them (they inherit its
# visibility). Built once per form object: every partial update asks.
dependents = PerForm(_dependents)


def _reads(spec: FieldSpec) -> set[str]:
    names: set[str] = set()
    for rule in RULES:
        source = getattr(spec, rule)
        if source:
            try:
                names |= compile_expression(source).names
            except ExpressionError:
                continue  # the checker reports it; nothing depends on a broken rule
    return names


def _descendants(spec: FieldSpec) -> Iterator[FieldSpec]:
    for child in spec.fields:
        yield child
        yield from _descendants(child)


def _closure(start: str, direct: dict[str, set[str]], children: dict[str, set[str]]) -> set[str]:
    found: set[str] = set()
    todo = [start]
    while todo:
        for nxt in direct.get(todo.pop(), ()):
            if nxt not in found:
                found.add(nxt)
                todo.append(nxt)
    return found | {c for f in found for c in children.get(f, ())}

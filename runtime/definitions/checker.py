"""The static checker: every problem of a set of definitions at once.

A small driver over the kinds registry: schema problems first (each kind's own schema);
then, over the definitions that passed their schema (or whose refused values could be set
aside), duplicate ids across the set and each kind's checks in the order its entry lists
them (runtime.definitions.checks). What passes becomes frozen specs.

The checker is given what it would otherwise have to import (`Extensions`): the kinds and the
field-type registry, whose facts (value type, container, choice, picker) the form checks read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from runtime.definitions.checks.common import (
    Checked,
    Context,
    FieldTypeFacts,
    Library,
    duplicate_ids,
)
from runtime.definitions.kinds import Kind
from runtime.definitions.loader import Document
from runtime.definitions.problems import Problem
from runtime.definitions.schema import schema_problems, without_invalid

__all__ = ["Checked", "CheckResult", "Extensions", "Library", "SchemaPass", "check_documents",
           "schema_pass"]


@dataclass(frozen=True)
class Extensions:
    """The registries a check runs against: the kinds of definition and the field types."""

    kinds: Mapping[str, Kind]
    field_types: Mapping[str, FieldTypeFacts]


@dataclass(frozen=True)
class SchemaPass:
    """What one document's schema gives the checker: its schema problems and, when its data
    (or what is left of it without the refused values) makes a spec, the spec."""

    problems: tuple[Problem, ...]
    checked: Checked | None


@dataclass
class CheckResult:
    problems: list[Problem]
    definitions: list[Checked]
    warnings: list[Problem] = field(default_factory=list)  # said, never refusing

    @property
    def ok(self) -> bool:
        return not self.problems


def check_documents(docs: Iterable[Document], *, extensions: Extensions,
                    resolve_refs: bool = True,
                    libraries: Mapping[str, Library] | None = None,
                    passed: Mapping[str, SchemaPass] | None = None) -> CheckResult:
    """Check documents together against the kinds and field types of `extensions` (the
    caller's: runtime.providers.default_extensions() builds the default ones). With
    `resolve_refs=False` (one file alone) references to other definitions are not checked,
    since they live in files we were not given. `libraries` are the packs the pack requires,
    by id, that `pack:id` names are looked up in (None: not at hand, such names unchecked;
    runtime.packs finds them). `passed` are schema passes the caller kept, by file, for
    documents it gives again unchanged (an editor's unchanged files: not validated again)."""
    given = extensions
    problems: list[Problem] = []
    checked: list[Checked] = []
    for doc in docs:
        found = (passed or {}).get(doc.file) or schema_pass(doc, given.kinds)
        problems += found.problems
        if found.checked is not None:
            checked.append(found.checked)
    context = Context(checked, resolve_refs, given.field_types, libraries)
    problems += duplicate_ids(checked)
    for item in checked:
        for check in given.kinds[item.spec.kind].checks:
            problems += check(context, item)
    problems.sort(key=lambda p: (p.file, p.line or 0, p.path))
    return CheckResult([p for p in problems if not p.warning], checked,
                       [p for p in problems if p.warning])


def schema_pass(doc: Document, kinds: Mapping[str, Kind]) -> SchemaPass:
    """`doc` against its kind's JSON Schema, and its spec when one can be built."""
    found = tuple(schema_problems(doc, kinds))
    kind = _kind_of(doc, kinds)
    data = doc.data if not found else \
        without_invalid(doc.data, kind.validator) if kind else None
    built = Checked(doc, kind.build_spec(data)) if data is not None and kind else None
    return SchemaPass(found, built)


def _kind_of(doc: Document, kinds: Mapping[str, Kind]) -> Kind | None:
    kind = doc.data.get("kind") if isinstance(doc.data, dict) else None
    return kinds.get(kind) if isinstance(kind, str) else None

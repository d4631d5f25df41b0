"""What the checks of every kind share: a checked definition, the context of the whole set
being checked, and the small helpers that turn a finding into a problem.

A check is a generator `(Context, Checked) -> Iterator[Problem]` that yields every problem it
finds; a kind's entry lists its checks in the order their problems are reported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from runtime.definitions.graphs import cycles
from runtime.definitions.loader import Document
from runtime.definitions.problems import Path, Problem, problem
from runtime.definitions.schema import did_you_mean
from runtime.definitions.spec import Definition, PackSpec
from runtime.expressions import ExpressionError, check_expression, compile_expression

# What a reference points at, for messages: (zh, en).
WHAT = {
    "Form": ("表单", "form"), "Catalog": ("目录", "catalog"),
    "TaskTemplate": ("任务模板", "task template"), "Process": ("流程", "process"),
    "View": ("视图", "view"), "step": ("步骤", "step"), "field": ("字段", "field"),
    "item": ("目录项", "catalog item"), "clause": ("条款", "clause"),
    "output": ("输出", "output"), "department": ("部门", "department"),
    "role": ("角色", "role"), "step_fact": ("步骤信息", "fact of a step"),
    "measure": ("度量", "measure"), "group": ("分组", "grouping"),
}


class FieldTypeFacts(Protocol):
    """What the checks read of a field type, off the registry the checker is given."""

    @property
    def name(self) -> str: ...
    @property
    def value_type(self) -> str: ...
    @property
    def container(self) -> bool: ...
    @property
    def choice(self) -> bool: ...
    @property
    def refers_to(self) -> str | None: ...


@dataclass(frozen=True)
class Checked:
    """A definition whose schema problems, if any, could be set aside: the document it came
    from and its spec (built without the refused values)."""

    doc: Document
    spec: Definition


class Context:
    """The whole set being checked: definitions by kind and id, the codes the pack declares,
    the field types, and a memo for facts several checks ask of one definition."""

    def __init__(self, checked: list[Checked], resolve_refs: bool,
                 field_types: Mapping[str, FieldTypeFacts]):
        self.resolve_refs = resolve_refs
        self.field_types = field_types
        self.memo: dict[object, Any] = {}
        self.index: dict[str, dict[str, Definition]] = {}
        for item in checked:
            self.index.setdefault(item.spec.kind, {}).setdefault(item.spec.id, item.spec)
        packs = [s for s in self.index.get("Pack", {}).values() if isinstance(s, PackSpec)]
        self.departments = {d.code for p in packs for d in p.departments} if packs else None
        self.roles = {r.code for p in packs for r in p.roles} if packs else None

    def find(self, kind: str, id_: str | None) -> Any:
        return self.index.get(kind, {}).get(id_ or "")

    def ref(self, item: Checked, path: Path, kind: str, id_: str | None) -> Iterator[Problem]:
        """A problem if `id_` names no definition of `kind` (when references are checked)."""
        if id_ is None or not self.resolve_refs or self.find(kind, id_) is not None:
            return
        yield missing(item, path, kind, id_, self.index.get(kind, {}))


Check = Callable[[Context, Checked], Iterator[Problem]]


def missing(item: Checked, path: Path, what: str, name: str, known: Iterable[str]) -> Problem:
    zh, en = WHAT[what]
    return problem("unknown_ref", item.doc.file, item.doc.line(path), path, what=zh, what_en=en,
                   name=name, **did_you_mean(name, known))


def within(item: Checked, path: Path, what: str, name: str,
           known: Iterable[str]) -> Iterator[Problem]:
    known = list(known)
    if name not in known:
        yield missing(item, path, what, name, known)


def expression(item: Checked, path: Path, source: str | None,
               names: Mapping[str, str] | None,
               members: Mapping[str, Any] | None = None) -> Iterator[Problem]:
    """Problems of one expression; `names=None` when the names it may read are not at hand;
    `members`: what namespace names such as `rules` hold (checks.namespaces)."""
    if source is None:
        return
    found = check_expression(source, names or {}, allow_unknown_names=names is None,
                             members=members)
    for error in found:
        yield problem("expression", item.doc.file, item.doc.line(path), path, source=source,
                      reason=error.message("zh"), reason_en=error.message("en"))


def names_used(source: str | None) -> frozenset[str]:
    """The data names an expression reads (none when it does not compile: reported apart)."""
    if source is None:
        return frozenset()
    try:
        return compile_expression(source).names
    except ExpressionError:
        return frozenset()


def cycle_problems(item: Checked, path: Path, graph: Mapping[str, set[str]]) -> Iterator[Problem]:
    for cycle in cycles(graph):
        yield problem("cycle", item.doc.file, item.doc.line(path), path,
                      chain=" → ".join([*cycle, cycle[0]]))


def duplicates(item: Checked, entries: Iterable[tuple[Path, str]]) -> Iterator[Problem]:
    seen: set[str] = set()
    for path, name in entries:
        if name in seen:
            yield problem("duplicate_name", item.doc.file, item.doc.line(path), path, name=name)
        seen.add(name)


def duplicate_ids(checked: list[Checked]) -> Iterator[Problem]:
    """Two definitions of one kind with one id (across the whole set, not within a kind)."""
    seen: dict[tuple[str, str], Checked] = {}
    for item in checked:
        key = (item.spec.kind, item.spec.id)
        if key in seen:
            first = seen[key].doc
            yield problem("duplicate_id", item.doc.file, item.doc.line(("id",)), ("id",),
                          kind=item.spec.kind, id=item.spec.id,
                          other=f"{first.file}:{first.line(('id',))}")
        else:
            seen[key] = item

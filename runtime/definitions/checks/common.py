"""What the checks of every kind share: a checked definition, the context of the whole set
being checked, and the small helpers that turn a finding into a problem.

A check is a generator `(Context, Checked) -> Iterator[Problem]` that yields every problem it
finds; a kind's entry lists its checks in the order their problems are reported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from runtime.definitions import names as qnames
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
    "variable": ("案件变量", "case variable"),
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


@dataclass(frozen=True)
class Library:
    """A pack that the pack being checked requires: its manifest, its definitions by kind
    and id (what `pack:id` names), and how many problems it has of its own."""

    pack: PackSpec
    index: Mapping[str, Mapping[str, Definition]]
    problems: int = 0


class Context:
    """The whole set being checked: definitions by kind and id, the codes the pack declares,
    the packs it requires (`libraries`: None when they are not at hand), the field types,
    and a memo for facts several checks ask of one definition."""

    def __init__(self, checked: list[Checked], resolve_refs: bool,
                 field_types: Mapping[str, FieldTypeFacts],
                 libraries: Mapping[str, Library] | None = None):
        self.resolve_refs = resolve_refs
        self.field_types = field_types
        self.libraries = libraries
        self.memo: dict[object, Any] = {}
        self.index: dict[str, dict[str, Definition]] = {}
        for item in checked:
            self.index.setdefault(item.spec.kind, {}).setdefault(item.spec.id, item.spec)
        packs = [s for s in self.index.get("Pack", {}).values() if isinstance(s, PackSpec)]
        self.pack_id = packs[0].id if packs else None
        self.requires = {qnames.requirement(r)[0] for p in packs for r in p.requires}
        self.departments = {d.code for p in packs for d in p.departments} if packs else None
        self.roles = {r.code for p in packs for r in p.roles} if packs else None
        self._owners: dict[int, str] = {}  # id() of a required pack's spec -> that pack

    def find(self, kind: str, id_: str | None) -> Any:
        """The definition a name means here: a bare id this pack's own, `pack:id` a required
        pack's (None when that pack is not required or not at hand)."""
        pack, bare = qnames.split(id_ or "")
        if pack is None or pack == self.pack_id:
            return self.index.get(kind, {}).get(bare)
        library = (self.libraries or {}).get(pack) if pack in self.requires else None
        found = library.index.get(kind, {}).get(bare) if library else None
        if found is not None:
            self._owners[id(found)] = pack
        return found

    def in_scope(self, spec: Definition, name: str | None) -> str | None:
        """A name written inside `spec` as this pack must read it: qualified with the
        required pack `spec` came from, if it came from one."""
        return qnames.in_pack(name, self._owners.get(id(spec)))

    def ref(self, item: Checked, path: Path, kind: str, id_: str | None) -> Iterator[Problem]:
        """A problem if `id_` names no definition of `kind` (when references are checked), or
        names one of a pack that pack.yaml does not require."""
        if id_ is None or not self.resolve_refs:
            return
        pack, bare = qnames.split(id_)
        if pack is not None and pack != self.pack_id:
            yield from self._foreign(item, path, kind, id_, pack)
        elif self.find(kind, id_) is None:
            yield missing(item, path, kind, id_, self.index.get(kind, {}))

    def _foreign(self, item: Checked, path: Path, kind: str, name: str,
                 pack: str) -> Iterator[Problem]:
        if pack not in self.requires:
            yield problem("undeclared_pack", item.doc.file, item.doc.line(path), path,
                          name=name, pack=pack)
            return
        library = (self.libraries or {}).get(pack)
        if library is None:
            return  # not at hand (checked alone), or reported once as a missing pack
        if self.find(kind, name) is None:
            known = [qnames.qualified(pack, k) for k in library.index.get(kind, {})]
            yield missing(item, path, kind, name, known)


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

"""What the designer does with a working copy, outside any request: which packs a person may
design, writing an edit's data into the copy, checking a copy in its pack with the runtime's
own checker, and publishing it through the runtime's publish API. Nothing here evaluates a
rule: the checker and the publisher do.

A copy is checked as the file it would be in its pack: the pack's published definitions (the
newest of each, written out as `lowcode pack export` writes them) with the copy's text in
place of its file, so references to the pack's other definitions are followed.
"""

from __future__ import annotations

import copy as copying
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime import access
from runtime.definitions.canonical import dump
from runtime.definitions.checker import Checked, Extensions, SchemaPass, schema_pass
from runtime.definitions.kinds import builtin_kinds
from runtime.definitions.loader import Document, LineMap, load_text
from runtime.definitions.problems import DefinitionError, Problem
from runtime.definitions.spec import PackSpec
from runtime.i18n import Catalogue
from runtime.kept import Kept
from runtime.lifecycle import export_files
from runtime.packs import MANIFEST, PackResult, PackSource, check_pack
from runtime.store import audit, designs, packlife
from runtime.store.designs import Copy
from runtime.store.models import Definition
from runtime.store.publish import PublishError, PublishReport, publish_pack
from runtime.store.queries import latest_definition, list_definitions

PERMISSION = "definitions.write"  # the designer role's: design and change apps

MESSAGES = Catalogue({
    "no_pack": ("{kind} '{id}' 不属于任何已导入的场景包：请从场景包中新建",
                "{kind} '{id}' belongs to no imported pack: create it from a pack"),
    "no_version": ("缺少顶层的 version: 行，无法生成新版本",
                   "there is no top-level `version:` line to raise for the new version"),
})


@dataclass(frozen=True)
class Designable:
    """One definition a person may design: published, or only a working copy so far."""

    kind: str
    def_id: str
    title: object
    version: int | None  # the newest published version
    copy: Copy | None


@dataclass
class PackEntry:
    pack_id: str
    title: object
    definitions: list[Designable] = field(default_factory=list)


@dataclass
class CopyCheck:
    """A copy checked in its pack: every problem of the whole pack run (those of the copy's
    own file first), and what the checker built of the copy, when it could."""

    file: str
    problems: list[Problem]
    result: PackResult | None
    checked: Checked | None

    @property
    def own(self) -> list[Problem]:
        return [p for p in self.problems if p.file == self.file]

    @property
    def others(self) -> list[Problem]:
        return [p for p in self.problems if p.file != self.file]


# --- who may design what ----------------------------------------------------------------


def may_design(principal: access.Principal | None, pack: PackSpec | None) -> bool:
    """Whether `principal` may design the pack: a membership granting the permission whose
    scope reaches one of the pack's departments (or all of them)."""
    if principal is None:
        return False
    for membership in principal.granting(PERMISSION):
        if membership.scope == access.ALL:
            return True
        codes = [d.code for d in pack.departments] if pack else []
        if any(access.reaches(principal, membership,
                              access.RecordRef(department_code=code,
                                               department_path=(code,)))
               for code in codes):
            return True
    return False


def packs_of(session: Session, principal: access.Principal | None) -> list[PackEntry]:
    """The packs `principal` may design, each with its definitions and working copies."""
    copies: dict[tuple[str, str], Copy] = {(c.kind, c.def_id): c
                                           for c in designs.list_copies(session)}
    entries = []
    for row in list_definitions(session, kind="Pack"):
        spec = row.spec
        if not isinstance(spec, PackSpec) or not may_design(principal, spec):
            continue
        entry = PackEntry(row.def_id, spec.title)
        seen: set[tuple[str, str]] = set()
        for item in packlife.published(session, row.def_id):
            key = (item.kind, item.def_id)
            seen.add(key)
            entry.definitions.append(Designable(item.kind, item.def_id, item.spec.title,
                                                item.version, copies.get(key)))
        for key, copy in sorted(copies.items()):
            if copy.pack_id == row.def_id and key not in seen:
                entry.definitions.append(Designable(copy.kind, copy.def_id, copy.def_id,
                                                    None, copy))
        entries.append(entry)
    return entries


def pack_spec(session: Session, pack_id: str | None) -> PackSpec | None:
    row = latest_definition(session, "Pack", pack_id) if pack_id else None
    return row.spec if row is not None and isinstance(row.spec, PackSpec) else None


def pack_of(session: Session, kind: str, def_id: str) -> str | None:
    """The pack of a published definition or of a working copy."""
    row = latest_definition(session, kind, def_id)
    if row is not None:
        return row.pack_id
    copy = designs.get_copy(session, kind, def_id)
    return copy.pack_id if copy else None


# --- writing ----------------------------------------------------------------------------


def save_data(session: Session, kind: str, def_id: str, data: dict[str, Any], revision: int,
              actor: audit.Actor) -> Copy:
    """Write `data` into the working copy as its canonical text, on `revision` (raising
    `designs.CopyConflict` when someone saved since): the one way every structured edit
    (canvas, property panel, process, table, restore) writes. The copy's current text is the
    base, so what the edit did not touch keeps its comments and styles, and data that did not
    change writes the same bytes."""
    current = designs.get_copy(session, kind, def_id)
    if current is None:
        raise designs.CopyMissing(kind, def_id)
    text = _canonical(data, current.text)
    return designs.save_copy(session, kind, def_id, text, revision, actor)


def _canonical(data: dict[str, Any], base: str) -> str:
    try:
        return dump(data, builtin_kinds(), base=base)
    except DefinitionError:  # the copy's YAML is broken (a restore over it): nothing to keep
        return dump(data, builtin_kinds())


# --- checking ---------------------------------------------------------------------------


def file_of(session: Session, kind: str, def_id: str) -> str:
    """The copy's file in its pack: where its published version came from, or
    `<kind>s/<id>.yaml` for a new one; the Pack definition is pack.yaml."""
    if kind == "Pack":
        return MANIFEST
    row: Definition | None = latest_definition(session, kind, def_id)
    source = row.source_file if row is not None and row.source_file else \
        f"{kind.lower()}s/{def_id}.yaml"
    return str(PurePosixPath(source).with_suffix(".yaml"))


def check_copy(session: Session, copy: Copy, extensions: Extensions,
               data: dict[str, Any] | None = None) -> CopyCheck:
    """Check the copy with the runtime's checker, in its pack. The outcome for one text in one
    state of the pack is kept (a few of them): an editor asks again for the same copy when it
    is opened, a field selected or an edit made on it, and checking is most of the answer.
    `data` is what the text was just written from (an edit's), so it is not read again."""
    file = file_of(session, copy.kind, copy.def_id)
    if copy.pack_id is None:
        return CopyCheck(file, [_problem("no_pack", file, kind=copy.kind, id=copy.def_id)],
                         None, None)
    rows, exported = _exported(session, copy.pack_id)
    key = (copy.pack_id, rows, file, copy.text, id(extensions.field_types),
           tuple(map(id, extensions.kinds.values())))  # the kinds come as a fresh copy
    found = _CHECKS.get(key)
    if found is None:
        loaded = {name: doc for name, doc in _documents(copy.pack_id, rows, exported).items()
                  if name != file}
        passed = _passes(copy.pack_id, rows, extensions, loaded)
        lines = lines_of(copy.text) if data is not None else None
        if lines is not None:
            loaded[file] = Document(file, copying.deepcopy(data), lines)
        found = _CHECKS.keep(key, _check(copy, file, exported, extensions, loaded, passed))
    return found


def _check(copy: Copy, file: str, exported: dict[str, bytes], extensions: Extensions,
           loaded: dict[str, Document], passed: dict[str, SchemaPass]) -> CopyCheck:
    files = {**exported, file: copy.text.encode("utf-8")}
    result = check_pack(PackSource(f"{copy.pack_id}/", files), extensions=extensions,
                        loaded=loaded, passed=passed)
    own = [p for p in result.problems if p.file == file]
    checked = next((d for d in result.definitions if d.doc.file == file), None)
    return CopyCheck(file, own + [p for p in result.problems if p.file != file], result,
                     checked)


def _documents(pack_id: str, rows: Rows, exported: dict[str, bytes]) -> dict[str, Document]:
    """The pack's published files read once for every check of a copy in it (a file that
    does not read is left to the checker, which says why)."""
    kept = _DOCUMENTS.get(pack_id)
    if kept is not None and kept[0] == rows:
        return kept[1]
    docs: dict[str, Document] = {}
    for name, content in exported.items():
        try:
            docs[name] = load_text(name, content)
        except DefinitionError:
            continue
    if len(_DOCUMENTS) >= EXPORTS_KEPT:
        _DOCUMENTS.clear()
    _DOCUMENTS[pack_id] = (rows, docs)
    return docs


def _passes(pack_id: str, rows: Rows, extensions: Extensions,
            docs: dict[str, Document]) -> dict[str, SchemaPass]:
    """The schema passes of `docs`, the pack's published files but the copy's: they do not
    change between edits of the copy, so each is validated once per pack state and kinds."""
    key = (pack_id, rows, tuple(map(id, extensions.kinds.values())))
    kept = _PASSES.get(key)
    if kept is None:
        if len(_PASSES) >= EXPORTS_KEPT:
            _PASSES.clear()
        kept = _PASSES[key] = {}
    for name, doc in docs.items():
        if name not in kept:
            kept[name] = schema_pass(doc, extensions.kinds)
    return {name: kept[name] for name in docs}


_CHECKS: Kept[tuple[object, ...], CopyCheck] = Kept(20)

# The pack's published files as `export_files` writes them, by pack, with the ids and content
# hashes of the rows they were written from (published rows never change; the hashes tell two
# databases in one process apart).
Rows = tuple[tuple[int, str], ...]
_EXPORTS: dict[str, tuple[Rows, dict[str, bytes]]] = {}
_DOCUMENTS: dict[str, tuple[Rows, dict[str, Document]]] = {}
_PASSES: dict[tuple[object, ...], dict[str, SchemaPass]] = {}
EXPORTS_KEPT = 50


def _exported(session: Session, pack_id: str) -> tuple[Rows, dict[str, bytes]]:
    rows = tuple((row.id, row.sha256) for row in session.execute(
        select(Definition.id, Definition.sha256).where(Definition.pack_id == pack_id)
        .order_by(Definition.id)))
    kept = _EXPORTS.get(pack_id)
    if kept is not None and kept[0] == rows:
        return kept
    if len(_EXPORTS) >= EXPORTS_KEPT:
        _EXPORTS.clear()
    _EXPORTS[pack_id] = (rows, export_files(session, pack_id))
    return _EXPORTS[pack_id]


# --- publishing -------------------------------------------------------------------------


@dataclass
class Published:
    copy: Copy  # the copy as it was published (its version raised if it had to be)
    report: PublishReport
    version: int


class Refused(Exception):
    """Publishing was refused; `problems` lists every one, each at its place."""

    def __init__(self, problems: list[Problem], copy: Copy):
        self.problems, self.copy = problems, copy
        super().__init__(problems[0].render() if problems else "refused")


VERSION_LINE = re.compile(r"^version:[ \t]*(\d+)[ \t]*(#.*)?$", re.MULTILINE)


def with_version(text: str, version: int) -> str | None:
    """`text` with its top-level `version:` set to `version`, or None when it has none."""
    if VERSION_LINE.search(text) is None:
        return None
    return VERSION_LINE.sub(lambda m: f"version: {version}" + (f"  {m[2]}" if m[2] else ""),
                            text, count=1)


def publish_copy(session: Session, kind: str, def_id: str, revision: int,
                 extensions: Extensions, actor: audit.Actor) -> Published:
    """Run the full checker on the copy at `revision` and publish it as a new immutable
    version (raising its `version:` above the newest published one when it is not already),
    then let the copy go: the next edit starts from what was published. Raises
    `designs.CopyConflict` when `revision` is not current, `Refused` with every problem."""
    copy = designs.get_copy(session, kind, def_id)
    if copy is None:
        raise designs.CopyMissing(kind, def_id)
    if copy.revision != revision:
        raise designs.CopyConflict(copy, revision)
    newest = latest_definition(session, kind, def_id)
    check = check_copy(session, copy, extensions)
    if check.checked is not None and newest is not None \
            and check.checked.spec.version <= newest.version:
        raised = with_version(copy.text, newest.version + 1)
        if raised is None:
            raise Refused([_problem("no_version", check.file)], copy)
        copy = designs.save_copy(session, kind, def_id, raised, copy.revision, actor)
        check = check_copy(session, copy, extensions)
    if check.problems or check.result is None or check.checked is None:
        raise Refused(check.problems, copy)
    try:
        report = publish_pack(session, check.result, actor=actor)
    except PublishError as error:
        raise Refused(error.problems, copy) from error
    version = check.checked.spec.version
    designs.discard_copy(session, kind, def_id, actor)
    return Published(copy, report, version)


def _problem(code: str, file: str, **params: object) -> Problem:
    return Problem(code, file, None, "", MESSAGES.format(code, "zh", **params),
                   MESSAGES.format(code, "en", **params))


def lines_of(text: str) -> LineMap | None:
    """The line of each value of a text we wrote, by path, as the strict loader records
    them; None without libyaml."""
    if not getattr(yaml, "__with_libyaml__", False):
        return None
    lines = LineMap()
    root = yaml.compose(text, Loader=yaml.CSafeLoader)

    def walk(node: yaml.Node, path: tuple[str | int, ...]) -> None:
        lines.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                walk(value, (*path, key.value))
                lines.lines[(*path, key.value)] = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*path, index))

    if root is not None:
        walk(root, ())
    return lines

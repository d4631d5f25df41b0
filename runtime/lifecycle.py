"""A pack's life after it checks clean: what an import would change (run for real in a
transaction that is rolled back), the published definitions written back out as files,
the differences between two published versions or between a folder and what is published,
and the list of imported packs. The `lowcode pack` commands print what these return."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from runtime.definitions.canonical import dump
from runtime.definitions.compat import Report, Usage, compatibility
from runtime.definitions.kinds import builtin_kinds
from runtime.definitions.problems import Problem
from runtime.definitions.versions import compare_versions
from runtime.packs import MANIFEST, PackResult
from runtime.store import packlife
from runtime.store.accounts import map_pack_organisation
from runtime.store.publish import PublishError, content_hash, publish_pack
from runtime.store.queries import list_packs


@dataclass
class Change:
    """What an import does to one definition: `new` (first version), `new_version` (over
    `previous`) or `unchanged`; the running cases and drafts that stay on older versions."""

    kind: str
    def_id: str
    version: int
    status: str
    previous: int | None = None
    running: dict[int, int] = field(default_factory=dict)
    drafts: dict[int, int] = field(default_factory=dict)
    report: Report | None = None  # what the new version means for what stands on older ones


@dataclass
class ImportPlan:
    pack_id: str
    version: int
    pack_status: str  # added | updated | unchanged (as the import would report it)
    changes: list[Change] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)


def plan_import(engine: Engine, sessions: sessionmaker[Session], result: PackResult
                ) -> ImportPlan:
    """What importing `result` would do, found by importing it in a transaction that is
    rolled back: the same checks and conflicts as the real import, and nothing written."""
    spec = result.pack
    plan = ImportPlan(spec.id if spec else "", spec.version if spec else 0, "unchanged")
    with packlife.rolled_back(engine, sessions) as session:
        before = {(i.spec.kind, i.spec.id): packlife.stored_versions(session, i.spec.kind,
                                                                     i.spec.id)
                  for i in result.definitions}
        try:
            report = publish_pack(session, result)
        except PublishError as error:
            plan.problems = error.problems
            return plan
        plan.pack_status = report.pack_status
        added = {(d.kind, d.def_id) for d in report.added}
        local = {(i.spec.kind, i.spec.id): i.doc.data for i in result.definitions}
        for row in [*report.added, *report.unchanged]:
            change = _change(session, row.kind, row.def_id, row.version,
                             before.get((row.kind, row.def_id), []),
                             (row.kind, row.def_id) in added)
            if change.previous is not None and (row.kind, row.def_id) in local:
                change.report = compatibility_of(session, row.kind, row.def_id,
                                                 change.previous,
                                                 local[(row.kind, row.def_id)])
            plan.changes.append(change)
        if spec is not None:
            organisation = map_pack_organisation(session, spec)
            plan.departments, plan.roles = list(organisation.departments), list(
                organisation.roles)
    plan.changes.sort(key=lambda c: (c.status == "unchanged", c.kind, c.def_id))
    return plan


def _change(session: Session, kind: str, def_id: str, version: int, before: list[int],
            added: bool) -> Change:
    if not added:
        return Change(kind, def_id, version, "unchanged")
    older = [v for v in before if v < version]
    change = Change(kind, def_id, version, "new_version" if older else "new",
                    max(older) if older else None)
    if kind == "Process":
        change.running = packlife.running_cases(session, def_id)
    elif kind == "Form":
        change.drafts = {v: n for v, n in packlife.drafts(session, def_id).items()
                         if v != version}
    return change


def usage_of(session: Session, kind: str, def_id: str) -> Usage:
    """What stands on the published versions of a form or process."""
    if kind == "Form":
        return Usage(submissions=packlife.submissions(session, def_id),
                     drafts=packlife.drafts(session, def_id),
                     running=packlife.running_on_form(session, def_id))
    if kind == "Process":
        return Usage(running=packlife.running_cases(session, def_id),
                     running_at=packlife.running_at(session, def_id))
    return Usage()


def compatibility_of(session: Session, kind: str, def_id: str, published: int,
                     data: Any) -> Report:
    """The compatibility report of `data` (a new version) over the published version
    `published`: the one the dry run prints and the designer's publish page shows."""
    old = packlife.definition_data(session, kind, def_id, published) or {}
    return compatibility(old, data, usage_of(session, kind, def_id))


def compatibility_with_published(session: Session, kind: str, def_id: str, data: Any
                                 ) -> Report | None:
    """The report of `data` over the newest published version of the definition (None when
    none is published): what the designer's publish page shows before a publish."""
    versions = packlife.stored_versions(session, kind, def_id)
    return compatibility_of(session, kind, def_id, versions[-1], data) if versions else None


# --- export -------------------------------------------------------------------------------


def canonical_yaml(data: Any, base: str | None = None) -> str:
    """A definition as the file a person would write: the canonical form of `lowcode fmt`
    (runtime.definitions.canonical), keeping the comments of `base`, the text it was
    published from, where there is one."""
    return dump(data, builtin_kinds(), base)


def export_files(session: Session, pack_id: str, version: int | None = None
                 ) -> dict[str, bytes]:
    """The pack's published definitions (the newest of each, as published up to `version`)
    as files by their names in the pack; empty when the pack was never imported."""
    files: dict[str, bytes] = {}
    for row in packlife.published(session, pack_id, version):
        name = MANIFEST if row.kind == "Pack" else _file_name(row.source_file, row.kind,
                                                               row.def_id)
        files[name] = canonical_yaml(row.data, row.source_text).encode("utf-8")
    return files


def _file_name(source: str, kind: str, def_id: str) -> str:
    path = PurePosixPath(source or f"{kind.lower()}s/{def_id}.yaml")
    return str(path.with_suffix(".yaml"))


def write_files(files: dict[str, bytes], out: Path) -> None:
    """Write `files` into the new folder `out`, or into a zip when `out` ends in .zip."""
    if out.suffix == ".zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in sorted(files):
                archive.writestr(name, files[name])
        out.write_bytes(buffer.getvalue())
        return
    for name, data in files.items():
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


# --- diff ---------------------------------------------------------------------------------


@dataclass
class Changed:
    kind: str
    def_id: str
    old: int
    new: int
    lines: list[str]


@dataclass
class PackDiff:
    added: list[tuple[str, str, int]] = field(default_factory=list)
    removed: list[tuple[str, str, int]] = field(default_factory=list)
    changed: list[Changed] = field(default_factory=list)

    @property
    def same(self) -> bool:
        return not (self.added or self.removed or self.changed)


Side = dict[tuple[str, str], tuple[int, Any]]  # (kind, id) -> (version, data)


def diff_versions(session: Session, pack_id: str, old: int, new: int) -> PackDiff:
    """What changed between two imported versions of a pack (each side: the newest version
    of every definition published up to that pack version)."""
    return compare(_side(session, pack_id, old), _side(session, pack_id, new))


def diff_folder(session: Session, result: PackResult) -> PackDiff:
    """What importing the checked `result` would change against what its pack published."""
    published = _side(session, result.pack.id, None) if result.pack else {}
    local = {(i.spec.kind, i.spec.id): (i.spec.version, i.doc.data) for i in result.definitions}
    return compare(published, local)


def _side(session: Session, pack_id: str, version: int | None) -> Side:
    return {(r.kind, r.def_id): (r.version, r.data)
            for r in packlife.published(session, pack_id, version)}


def compare(old: Side, new: Side) -> PackDiff:
    diff = PackDiff()
    for key in sorted(old.keys() | new.keys()):
        if key not in old:
            diff.added.append((*key, new[key][0]))
        elif key not in new:
            diff.removed.append((*key, old[key][0]))
        elif content_hash(old[key][1]) != content_hash(new[key][1]):
            (v1, d1), (v2, d2) = old[key], new[key]
            lines = compare_versions(d1, d2, builtin_kinds(), f"{key[1]} v{v1}",
                                     f"{key[1]} v{v2}").unified()
            diff.changed.append(Changed(key[0], key[1], v1, v2, lines))
    return diff


# --- list ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Listing:
    pack_id: str
    version: int
    title: dict[str, str | None]
    publisher: str | None
    definitions: int
    imported_at: datetime


def imported_packs(session: Session) -> list[Listing]:
    counts = packlife.definition_counts(session)
    return [Listing(p.pack_id, p.version, p.title(), p.publisher, counts.get(p.pack_id, 0),
                    p.imported_at) for p in list_packs(session)]


def versions_of(session: Session, pack_id: str) -> list[int]:
    return [p.version for p in packlife.pack_versions(session, pack_id)]


def names(items: Iterable[tuple[str, str, int]]) -> list[str]:
    return [f"{kind} {def_id} v{version}" for kind, def_id, version in items]

"""Publish a checked pack: insert new definition versions, never change a published one.

Per definition (kind, id, version) of the pack: absent -> inserted; present with the same
content hash -> unchanged; present with other content -> a problem, and nothing of the pack is
written. Earlier versions stay, because submissions and instances keep running on them.

Each pack owns its ids: another pack may define the same id (it is that pack's own), but no
pack publishes under another's: a pack id already imported with another publisher is refused,
and the packs a pack requires must be imported first.
"""

from __future__ import annotations

import getpass
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from runtime.definitions import names
from runtime.definitions.checker import Checked
from runtime.definitions.problems import Problem
from runtime.definitions.spec import PackSpec, ViewSpec
from runtime.i18n import Catalogue
from runtime.packs import MANIFEST, PackResult, PackSource
from runtime.store import audit, views
from runtime.store.models import Definition, Pack, utcnow
from runtime.store.queries import published_changed

MESSAGES = Catalogue({
    "not_a_pack": ("只能导入场景包：缺少 pack.yaml（Pack 定义）",
                   "only packs can be imported: pack.yaml (the Pack definition) is missing"),
    "immutable": ("已发布的定义不可修改：请提高 version 后再导入"
                  "（{kind} '{id}' 第 {version} 版已发布，内容不同）",
                  "published definitions are immutable: raise the version "
                  "({kind} '{id}' version {version} is already published with other content)"),
    "other_publisher": ("{kind} '{id}' 属于发布方为“{owner}”的场景包 '{pack}'，不能由发布方"
                        "“{publisher}”发布新版本；请在 pack.yaml 中给你的包换一个 id（两个包可以"
                        "各有同名的定义），或由原发布方发布",
                        "{kind} '{id}' belongs to pack '{pack}' of publisher '{owner}'; publisher "
                        "'{publisher}' cannot publish a version of it: give your pack its own id "
                        "in pack.yaml (two packs may each define the same id), or have the owner "
                        "publish it"),
    "required_missing": ("依赖的场景包 '{pack}'{version} 尚未导入；请先导入它",
                         "required pack '{pack}'{version_en} is not imported; import it first"),
})


class PublishError(Exception):
    """The pack was not published; `problems` says why, every one of them."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__(self.problems[0].render() if self.problems else "pack not published")


@dataclass
class PublishReport:
    """What one import did. `pack_status` is added, unchanged or updated (same version,
    other files: new definition versions under an unchanged pack version)."""

    pack: Pack
    pack_status: str
    added: list[Definition] = field(default_factory=list)
    unchanged: list[Definition] = field(default_factory=list)


def publish_pack(session: Session, result: PackResult, *,
                 actor: audit.Actor | None = None) -> PublishReport:
    """Publish `result` in one transaction of `session` and commit it, with an audit record
    by `actor` (default: the system, named by the OS user); on any problem roll back and
    raise `PublishError`, leaving the database as it was."""
    spec = _publishable(result)
    actor = actor or system_actor()
    try:
        return _attempt(session, result, spec, actor)
    except IntegrityError:
        # Another process published the same rows between our read and our write: the
        # second attempt sees them and reports them unchanged or in conflict.
        return _attempt(session, result, spec, actor)


def _publishable(result: PackResult) -> PackSpec:
    if not result.ok:
        raise PublishError(result.problems)
    if result.pack is None:
        raise PublishError([_problem("not_a_pack", result.source.origin)])
    return result.pack


def _attempt(session: Session, result: PackResult, spec: PackSpec,
             actor: audit.Actor) -> PublishReport:
    try:
        report = _publish(session, result, spec)
        _audit(session, report, actor)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    published_changed()
    return report


def _publish(session: Session, result: PackResult, spec: PackSpec) -> PublishReport:
    existing = _existing(session, spec.id, result.definitions)
    problems = list(_ownership(session, result, spec))
    problems += list(_required(session, result, spec))
    problems += [p for item in result.definitions for p in _conflicts(item, existing)]
    if problems:
        raise PublishError(problems)
    report = _pack_row(session, result, spec)
    session.flush()
    for item in result.definitions:
        key = _key(item)
        if key in existing:
            report.unchanged.append(existing[key])
        else:
            report.added.append(_new_definition(item, spec, result.source))
    session.add_all(report.added)
    session.flush()
    # A view's filterable fields get their expression indexes with the view, in the same
    # transaction (those already there are kept): its first filtered page never scans.
    views.ensure_indexes(session, [item.spec for item in result.definitions
                                   if isinstance(item.spec, ViewSpec)])
    return report


def system_actor() -> audit.Actor:
    """The machine's operator, by their login name: who acts from the command line."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry (some containers)
        user = "system"
    return audit.Actor(None, user, "system")


def _audit(session: Session, report: PublishReport, actor: audit.Actor) -> None:
    """One `definition.publish` record per pack import that wrote something."""
    if report.pack_status == "unchanged" and not report.added:
        return
    pack = report.pack
    added = [f"{d.kind} {d.def_id} v{d.version}" for d in report.added]
    audit.record(session, action="definition.publish", actor=actor,
                 target=("pack", f"{pack.pack_id}@{pack.version}"),
                 after={"pack_status": report.pack_status, "sha256": pack.sha256,
                        "added": added},
                 detail=f"{pack.pack_id} 第 {pack.version} 版：新增 {len(added)} 个定义，"
                        f"未变 {len(report.unchanged)} 个")


def _existing(session: Session, pack_id: str,
              items: list[Checked]) -> dict[tuple[str, str, int], Definition]:
    """Every stored version of every (kind, id) of this pack, by (kind, id, version)."""
    keys = {(i.spec.kind, i.spec.id) for i in items}
    if not keys:
        return {}
    rows = session.scalars(select(Definition).where(
        Definition.pack_id == pack_id, tuple_(Definition.kind, Definition.def_id).in_(keys)))
    return {(r.kind, r.def_id, r.version): r for r in rows}


def _ownership(session: Session, result: PackResult, spec: PackSpec) -> Iterator[Problem]:
    """A pack id imported by one publisher stays theirs: another publisher's pack.yaml with
    the same id would publish over their definitions (a copy re-routing their forms)."""
    owners = set(session.scalars(select(Pack.publisher).where(Pack.pack_id == spec.id)))
    if not owners or owners == {spec.publisher}:
        return
    owner = next(iter(sorted(o or "" for o in owners)))
    manifest = next((i for i in result.definitions if isinstance(i.spec, PackSpec)), None)
    for item in [i for i in result.definitions if i is not manifest] or [manifest]:
        if item is None:
            continue
        yield _problem("other_publisher", item.doc.file, item.doc.line(("id",)), "id",
                       kind=item.spec.kind, id=item.spec.id, pack=spec.id, owner=owner,
                       publisher=spec.publisher or "")


def _required(session: Session, result: PackResult, spec: PackSpec) -> Iterator[Problem]:
    """The packs this one names as `pack:id` are imported, in the version it asks for."""
    for i, text in enumerate(spec.requires):
        pack, lowest = names.requirement(text)
        top = session.scalar(select(func.max(Pack.version)).where(Pack.pack_id == pack))
        if top is None or (lowest is not None and top < lowest):
            manifest = next(d for d in result.definitions if isinstance(d.spec, PackSpec))
            yield _problem("required_missing", manifest.doc.file,
                           manifest.doc.line(("requires", i)), f"requires[{i}]", pack=pack,
                           version=f" 第 {lowest} 版或更高" if lowest else "",
                           version_en=f" version {lowest} or later" if lowest else "")


def _conflicts(item: Checked,
               existing: dict[tuple[str, str, int], Definition]) -> Iterator[Problem]:
    kind, id_, version = _key(item)
    stored = existing.get((kind, id_, version))
    if stored is not None and stored.sha256 != content_hash(item.doc.data):
        yield _problem("immutable", item.doc.file, item.doc.line(("version",)), "version",
                       kind=kind, id=id_, version=version)


def _pack_row(session: Session, result: PackResult, spec: PackSpec) -> PublishReport:
    digest = files_hash(result.source.files)
    row = session.scalars(
        select(Pack).where(Pack.pack_id == spec.id, Pack.version == spec.version)).first()
    if row is None:
        row = Pack(pack_id=spec.id, version=spec.version, format=spec.format,
                   title_zh=spec.title.zh, title_en=spec.title.en, publisher=spec.publisher,
                   sha256=digest)
        session.add(row)
        return PublishReport(row, "added")
    if row.sha256 == digest:
        return PublishReport(row, "unchanged")
    row.sha256, row.imported_at = digest, utcnow()
    return PublishReport(row, "updated")


def _new_definition(item: Checked, spec: PackSpec, source: PackSource) -> Definition:
    kind, id_, version = _key(item)
    return Definition(kind=kind, def_id=id_, version=version, format=spec.format,
                      pack_id=spec.id, pack_version=spec.version, source_file=item.doc.file,
                      source_text=_text(source, item.doc.file), data=item.doc.data,
                      sha256=content_hash(item.doc.data), publisher=spec.publisher)


def _text(source: PackSource, file: str) -> str | None:
    """The file's text as the pack holds it (the checker has read it as UTF-8 already)."""
    raw = source.files.get(file)
    return raw.decode("utf-8-sig") if raw is not None else None


def _key(item: Checked) -> tuple[str, str, int]:
    return item.spec.kind, item.spec.id, item.spec.version


def _problem(code: str, file: str, line: int | None = None, path: str = "",
             **params: Any) -> Problem:
    return Problem(code, file or MANIFEST, line, path, MESSAGES.format(code, "zh", **params),
                   MESSAGES.format(code, "en", **params))


def canonical_json(data: Any) -> str:
    """Stable text of `data`: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(data: Any) -> str:
    return hashlib.sha256(canonical_json(data).encode()).hexdigest()


def files_hash(files: dict[str, bytes]) -> str:
    """One hash over every file of a pack, by name, independent of reading order."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(f"{name}\0{hashlib.sha256(files[name]).hexdigest()}\n".encode())
    return digest.hexdigest()

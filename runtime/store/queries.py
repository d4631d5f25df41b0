"""Read published definitions and packs back: one version, the latest, or the latest of each."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session, defer

from runtime.definitions import names
from runtime.definitions import spec as specs
from runtime.rulesets import RuleBook
from runtime.store.models import Definition, Pack

LATEST_TTL = 2.0  # seconds a remembered "latest version" is trusted (see Heads)
HEADS_SIZE = 1000  # remembered versions per database; cleared when full


def definition(session: Session, kind: str, def_id: str, version: int,
               pack_id: str | None = None) -> Definition | None:
    """Exactly this version, or None. `def_id` is a bare id or `pack:id`; a bare one means
    the definition of `pack_id` (the pack of whoever refers to it) when that pack has one,
    else the first pack's that published the id (see `resolve`)."""
    return resolve(_rows(session, kind, def_id, version), pack_id)


def latest_definition(session: Session, kind: str, def_id: str,
                      pack_id: str | None = None) -> Definition | None:
    """The highest published version, or None; `def_id` and `pack_id` as for `definition`."""
    return resolve(_rows(session, kind, def_id, None), pack_id)


def resolve(rows: list[Definition], pack_id: str | None) -> Definition | None:
    """Of the rows of one (kind, id) in several packs (each pack owns its ids), ordered by
    version down: the highest of `pack_id`'s, else the highest of the pack that published
    the id first. A bare id outside any pack keeps meaning what it meant before another
    pack defined the same id: that pack names its own as `pack:id`."""
    if not rows:
        return None
    packs = {row.pack_id for row in rows}
    chosen = pack_id if pack_id in packs else min(rows, key=lambda r: r.id).pack_id
    return next(row for row in rows if row.pack_id == chosen)


def _rows(session: Session, kind: str, name: str, version: int | None) -> list[Definition]:
    pack, def_id = names.split(name)
    params: dict[str, Any] = {"kind": kind, "def_id": def_id, "version": version,
                              "pack": pack}
    return list(session.scalars(_HEADS[pack is not None, version is not None], params))


# Built once: a page asks for its form on every request, and building the statement was a
# good part of the cost of the lookup.
def _heads(pack: bool, version: bool) -> Select[Any]:
    query = (select(Definition).options(defer(Definition.data))
             .where(Definition.kind == bindparam("kind"),
                    Definition.def_id == bindparam("def_id")))
    if pack:
        query = query.where(Definition.pack_id == bindparam("pack"))
    if version:
        query = query.where(Definition.version == bindparam("version"))
    return query.order_by(Definition.version.desc(), Definition.id)


_HEADS = {(pack, version): _heads(pack, version) for pack in (False, True)
          for version in (False, True)}


def definition_head(session: Session, kind: str, def_id: str, version: int | None = None,
                    pack_id: str | None = None) -> Definition | None:
    """This version, or the highest when `version` is None (`def_id` and `pack_id` as for
    `definition`), with its JSON content left unread until something asks for it: `spec` is
    cached by content hash, so a warm lookup reads only the row's small columns. Use it in a
    session that stays open while the row is used."""
    return resolve(_rows(session, kind, def_id, version), pack_id)


@dataclass(frozen=True)
class Head:
    """What a page needs of one published version: it never changes once published."""

    kind: str
    def_id: str
    version: int
    pack_id: str
    spec: specs.Definition


_generation = 0  # raised by `published_changed`: every Heads forgets its latest versions


def published_changed() -> None:
    """Something was published in this process: latest versions must be looked up again."""
    global _generation
    _generation += 1


class Heads:
    """Published versions of one database, by (kind, id, version), remembered for good (a
    published version never changes), and which version is the latest, remembered for
    `ttl` seconds. A form page asks for its form on every request; with this a warm page
    reads nothing from the database. A version published in this process is seen at once
    (`published_changed`); one published by another process within `ttl`. Old versions
    stay published, so a page served on the older one still submits correctly."""

    def __init__(self, ttl: float = LATEST_TTL):
        self.ttl = ttl
        # by (kind, name, version, the asking pack): a name may be bare or `pack:id`
        self._versions: dict[tuple[str, str, int, str | None], Head] = {}
        self._latest: dict[tuple[str, str, str | None], tuple[int, float, int]] = {}
        self._starts: tuple[dict[str, Head], float, int] | None = None  # by form, until, gen
        self._handler_forms: tuple[frozenset[str], float, int] | None = None
        self._catalogs: dict[str, tuple[dict[str, specs.CatalogSpec], float, int]] = {}
        self._books: dict[str, tuple[RuleBook, float, int]] = {}

    def get(self, session: Callable[[], Session], kind: str, def_id: str,
            version: int | None = None, pack_id: str | None = None) -> Head | None:
        """This version, or the latest when `version` is None, or None when not published;
        `session` opens the request's session, called only when the answer must be read.
        `def_id` is bare or `pack:id`; a bare one asked by `pack_id` means that pack's own
        (see `resolve`)."""
        if version is None:
            latest = self._latest.get((kind, def_id, pack_id))
            if latest is not None and latest[1] > time.monotonic() and latest[2] == _generation:
                version = latest[0]
        found = self._versions.get((kind, def_id, version, pack_id)) \
            if version is not None else None
        if found is not None:
            return found
        row = definition_head(session(), kind, def_id, version, pack_id)
        if row is None:
            return None
        return self._remember(row, latest=version is None, name=def_id, asking=pack_id)

    def process_started_by(self, session: Callable[[], Session], form_id: str) -> Head | None:
        """The newest published Process whose start form is `form_id` (the first by id when
        several are), or None: a submission of that form starts no case. Remembered like
        the latest versions, so a submit of a form that starts nothing reads nothing."""
        starts = self._starts
        if starts is None or starts[1] <= time.monotonic() or starts[2] != _generation:
            by_form: dict[str, Head] = {}
            for row in list_definitions(session(), "Process"):
                start_form = getattr(row.spec, "start_form", None)
                if start_form is not None and start_form not in by_form:
                    by_form[start_form] = self._remember(row, latest=False, name=row.def_id,
                                                         asking=row.pack_id)
            starts = self._starts = (by_form, time.monotonic() + self.ttl, _generation)
        return starts[0].get(form_id)

    def handler_forms(self, session: Callable[[], Session]) -> frozenset[str]:
        """Ids of the forms some published TaskTemplate uses as its handler form (whose
        audience is `handlers` unless they say otherwise), remembered like the latest
        versions."""
        found = self._handler_forms
        if found is None or found[1] <= time.monotonic() or found[2] != _generation:
            # By bare id: a form of that id in any pack is treated as a handler form (the
            # stricter audience), whichever pack's template named it.
            ids = frozenset(names.split(form)[1]
                            for row in list_definitions(session(), "TaskTemplate")
                            if isinstance(row.spec, specs.TaskTemplateSpec)
                            and (form := row.spec.content.form) is not None)
            found = self._handler_forms = (ids, time.monotonic() + self.ttl, _generation)
        return found[0]

    def catalogs(self, session: Callable[[], Session],
                 pack_id: str) -> dict[str, specs.CatalogSpec]:
        """The latest published catalogs of a pack, by id (what `options_from` draws on),
        remembered like the latest versions: a page or a submit reads them once per `ttl`."""
        found = self._catalogs.get(pack_id)
        if found is None or found[1] <= time.monotonic() or found[2] != _generation:
            rows = list_definitions(session(), kind="Catalog", pack_id=pack_id)
            by_id = {r.spec.id: r.spec for r in rows if isinstance(r.spec, specs.CatalogSpec)}
            found = self._catalogs[pack_id] = (by_id, time.monotonic() + self.ttl, _generation)
        return found[0]

    def rule_book(self, session: Callable[[], Session], form_id: str) -> RuleBook:
        """The latest rule sets on the data of form `form_id`, the decision tables on that
        form and the catalogs of their packs, remembered like the latest versions."""
        found = self._books.get(form_id)
        if found is None or found[1] <= time.monotonic() or found[2] != _generation:
            book = rule_book(session(), form_id)
            found = self._books[form_id] = (book, time.monotonic() + self.ttl, _generation)
        return found[0]

    def _remember(self, row: Definition, *, latest: bool, name: str,
                  asking: str | None) -> Head:
        if len(self._versions) >= HEADS_SIZE:
            self._versions.clear()
            self._latest.clear()
        head = Head(row.kind, row.def_id, row.version, row.pack_id, row.spec)
        self._versions[(row.kind, name, row.version, asking)] = head
        if latest:
            until = time.monotonic() + self.ttl
            self._latest[(row.kind, name, asking)] = (row.version, until, _generation)
        return head


_LATEST_VERSIONS = (select(Definition.pack_id, Definition.def_id, func.max(Definition.version))
                    .where(Definition.kind == bindparam("kind"),
                           Definition.def_id.in_(bindparam("ids", expanding=True)))
                    .group_by(Definition.pack_id, Definition.def_id))


def rule_book(session: Session, form_id: str) -> RuleBook:
    """The latest rule sets and decision tables on form `form_id`'s data (what its own
    expressions and its rule sets read), with the catalogs of the packs the rule sets come
    from (for the clauses they cite)."""
    rows = [r for r in list_definitions(session, "RuleSet")
            if isinstance(r.spec, specs.RuleSetSpec) and r.spec.form == form_id]
    tables = {r.spec.id: r.spec for r in list_definitions(session, "DecisionTable")
              if isinstance(r.spec, specs.DecisionTableSpec) and r.spec.form == form_id}
    catalogs = {r.spec.id: r.spec for pack in {row.pack_id for row in rows}
                for r in list_definitions(session, "Catalog", pack)
                if isinstance(r.spec, specs.CatalogSpec)}
    rulesets = tuple(r.spec for r in rows if isinstance(r.spec, specs.RuleSetSpec))
    return RuleBook(rulesets, tables, catalogs)


def latest_versions(session: Session, kind: str, def_ids: list[str],
                    pack_id: str | None = None) -> dict[str, int]:
    """The highest published version of each of `def_ids` that is published, by the name
    given, in one query that reads no definition's content. A name is bare or `pack:id`; a
    bare one means `pack_id`'s own (without `pack_id`: any pack's, the highest)."""
    if not def_ids:
        return {}
    wanted = {name: names.owner(name, pack_id) for name in set(def_ids)}
    rows = session.execute(_LATEST_VERSIONS, {
        "kind": kind, "ids": sorted({bare for _, bare in wanted.values()})}).all()
    found: dict[str, int] = {}
    for name, (pack, bare) in wanted.items():
        versions = [v for p, i, v in rows if i == bare and pack in (None, p)]
        if versions:
            found[name] = max(versions)
    return found


def definition_versions(session: Session, kind: str, def_id: str,
                        pack_id: str | None = None) -> list[int]:
    """The published versions of one definition, lowest first (of `pack_id`'s when given)."""
    query = select(Definition.version).where(Definition.kind == kind,
                                             Definition.def_id == def_id)
    if pack_id is not None:
        query = query.where(Definition.pack_id == pack_id)
    return list(session.scalars(query.order_by(Definition.version)))


def list_definitions(session: Session, kind: str | None = None,
                     pack_id: str | None = None) -> list[Definition]:
    """The latest version of each definition, by pack, kind and id (two packs may each have
    one id); optionally of one kind or pack.
    Their JSON content is read only when a row's spec was not built yet (see `Definition.spec`)
    or it is asked for."""
    params = {name: value for name, value in (("kind", kind), ("pack_id", pack_id))
              if value is not None}
    return list(session.scalars(_LISTS[kind is not None, pack_id is not None], params))


def _list(kind: bool, pack: bool) -> Select[Any]:
    query = _latest(Definition, Definition.pack_id, Definition.kind, Definition.def_id).options(
        defer(Definition.data))
    if kind:
        query = query.where(Definition.kind == bindparam("kind"))
    if pack:
        query = query.where(Definition.pack_id == bindparam("pack_id"))
    return query.order_by(Definition.kind, Definition.def_id, Definition.id)


def list_packs(session: Session) -> list[Pack]:
    """The latest imported version of each pack, by pack id."""
    return list(session.scalars(_latest(Pack, Pack.pack_id).order_by(Pack.pack_id)))


def _latest(model: type[Definition] | type[Pack],
            *columns: InstrumentedAttribute[str]) -> Select[Any]:
    """Rows of `model` whose version is the highest among rows with the same `columns`."""
    newest = select(*columns, func.max(model.version).label("top")).group_by(*columns).subquery()
    match = [c == newest.c[c.key] for c in columns]
    return select(model).join(newest, and_(*match, model.version == newest.c.top))


# Built once: a submit that starts a case lists the processes and the decision tables.
_LISTS = {(kind, pack): _list(kind, pack) for kind in (False, True) for pack in (False, True)}

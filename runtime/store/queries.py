"""Read published definitions and packs back: one version, the latest, or the latest of each."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, bindparam, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session, defer

from runtime.store.models import Definition, Pack


def definition(session: Session, kind: str, def_id: str, version: int) -> Definition | None:
    """Exactly this version, or None."""
    return session.scalars(select(Definition).where(
        Definition.kind == kind, Definition.def_id == def_id,
        Definition.version == version)).first()


def latest_definition(session: Session, kind: str, def_id: str) -> Definition | None:
    """The highest published version, or None."""
    return session.scalars(select(Definition)
                           .where(Definition.kind == kind, Definition.def_id == def_id)
                           .order_by(Definition.version.desc()).limit(1)).first()


# Built once: a page asks for its form on every request, and building the statement was a
# good part of the cost of the lookup.
_HEAD = (select(Definition).options(defer(Definition.data))
         .where(Definition.kind == bindparam("kind"), Definition.def_id == bindparam("def_id")))
_LATEST_HEAD = _HEAD.order_by(Definition.version.desc()).limit(1)
_VERSION_HEAD = _HEAD.where(Definition.version == bindparam("version"))


def definition_head(session: Session, kind: str, def_id: str,
                    version: int | None = None) -> Definition | None:
    """This version, or the highest when `version` is None, with its JSON content left unread
    until something asks for it: `spec` is cached by content hash, so a warm lookup reads
    only the row's small columns. Use it in a session that stays open while the row is used."""
    if version is None:
        return session.scalars(_LATEST_HEAD, {"kind": kind, "def_id": def_id}).first()
    return session.scalars(_VERSION_HEAD, {"kind": kind, "def_id": def_id,
                                           "version": version}).first()


def definition_versions(session: Session, kind: str, def_id: str) -> list[int]:
    return list(session.scalars(select(Definition.version)
                                .where(Definition.kind == kind, Definition.def_id == def_id)
                                .order_by(Definition.version)))


def list_definitions(session: Session, kind: str | None = None,
                     pack_id: str | None = None) -> list[Definition]:
    """The latest version of each definition, by kind and id; optionally of one kind or pack."""
    query = _latest(Definition, Definition.kind, Definition.def_id)
    if kind is not None:
        query = query.where(Definition.kind == kind)
    if pack_id is not None:
        query = query.where(Definition.pack_id == pack_id)
    return list(session.scalars(query.order_by(Definition.kind, Definition.def_id)))


def list_packs(session: Session) -> list[Pack]:
    """The latest imported version of each pack, by pack id."""
    return list(session.scalars(_latest(Pack, Pack.pack_id).order_by(Pack.pack_id)))


def _latest(model: type[Definition] | type[Pack],
            *columns: InstrumentedAttribute[str]) -> Select[Any]:
    """Rows of `model` whose version is the highest among rows with the same `columns`."""
    newest = select(*columns, func.max(model.version).label("top")).group_by(*columns).subquery()
    match = [c == newest.c[c.key] for c in columns]
    return select(model).join(newest, and_(*match, model.version == newest.c.top))

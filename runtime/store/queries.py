"""Read published definitions and packs back: one version, the latest, or the latest of each."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

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

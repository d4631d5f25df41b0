"""The tables, as SQLAlchemy 2 typed models.

Today: imported packs and their published definitions. Later issues add submissions, process
instances, tasks and users as further models here, each with its own migration file.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, overload

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from runtime.definitions import spec as specs
from runtime.i18n import Label

# Named constraints, so that migrations and models name them the same on every database.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JSONData = JSON().with_variant(JSONB(), "postgresql")
SPEC_CACHE_SIZE = 2000
_SPECS: dict[str, specs.Definition] = {}  # by content hash; immutable content, so never stale


# The largest row id either database stores (a signed 64-bit integer): a larger one asked
# for is no row of ours, and the drivers refuse to bind it.
MAX_ROW_ID = 2**63 - 1


def utcnow() -> datetime:
    return datetime.now(UTC)


@overload
def aware(moment: datetime) -> datetime: ...
@overload
def aware(moment: None) -> None: ...
def aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes for timezone-aware columns; everything is stored in
    UTC, so a naive one is UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSONData}


class Pack(Base):
    """One imported version of a scenario pack."""

    __tablename__ = "packs"
    __table_args__ = (UniqueConstraint("pack_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pack_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    format: Mapped[int] = mapped_column(Integer)
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    publisher: Mapped[str | None] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def title(self) -> dict[str, str | None]:
        return {"zh": self.title_zh, "en": self.title_en}


class Definition(Base):
    """One published, immutable version of a definition; `data` is its validated content.
    Each pack owns its ids: the pack that published it (`pack_id`, with the `publisher` its
    pack.yaml named) is part of its identity, and no other pack publishes under it."""

    __tablename__ = "definitions"
    __table_args__ = (
        UniqueConstraint("pack_id", "kind", "def_id", "version"),
        ForeignKeyConstraint(["pack_id", "pack_version"], ["packs.pack_id", "packs.version"]),
        Index("ix_definitions_kind_def_id", "kind", "def_id", "version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    def_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    format: Mapped[int] = mapped_column(Integer)
    pack_id: Mapped[str] = mapped_column(String(64))
    pack_version: Mapped[int] = mapped_column(Integer)
    source_file: Mapped[str] = mapped_column(String(300))
    # The file's text as published, with its author's comments: the designer's next working
    # copy and an export start from it (None for versions published before it was kept).
    source_text: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]]
    sha256: Mapped[str] = mapped_column(String(64))
    publisher: Mapped[str | None] = mapped_column(String(200))
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def spec(self) -> specs.Definition:
        """What the stored definition means: the frozen spec the checker built it from, built
        once per content (a published definition never changes, so its hash names it)."""
        found = _SPECS.get(self.sha256)
        if found is None:
            if len(_SPECS) >= SPEC_CACHE_SIZE:
                _SPECS.clear()
            found = _SPECS[self.sha256] = specs.from_data(self.data)
        return found

    @property
    def title(self) -> Label:
        return self.spec.title

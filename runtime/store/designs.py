"""Working copies of definitions, as the designer edits them: one per (kind, id), its YAML
text, a revision number raised by every change, who saved it and when, and the published
version it started from; plus the history of its texts for undo and redo.

Two people editing the same definition never lose an edit: every change names the revision it
was made on, and a change made on an older revision is refused with `CopyConflict`, which says
who saved the newer one and carries it (the second editor reloads or merges). The update is a
compare-and-set on the revision, so the check and the write cannot be overtaken.

The history is a list of steps (1, 2, ...); the copy points at one of them. Undo and redo move
the pointer and make that step's text current again, as a new revision; a save after an undo
drops the steps after the pointer (as every editor does). At most `HISTORY_LIMIT` steps are
kept. Each function commits its change together with its audit row.

The text is kept exactly as written: nothing here parses or checks it (the designer checks it
with the runtime's checker; publishing goes through `runtime.store.publish`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from runtime.i18n import Catalogue
from runtime.lifecycle import canonical_yaml
from runtime.store import audit
from runtime.store.models import Base, aware, utcnow
from runtime.store.queries import latest_definition

HISTORY_LIMIT = 200

MESSAGES = Catalogue({
    "conflict": ("{who} 已于 {when} 保存了更新的版本（修订 {current}），你的修改基于修订 {yours}："
                 "请重新载入或合并后再保存",
                 "{who} saved a newer version at {when} (revision {current}); your change was "
                 "made on revision {yours}: reload or merge, then save again"),
    "missing": ("没有 {kind} '{id}' 的工作副本", "there is no working copy of {kind} '{id}'"),
    "nothing_to_undo": ("没有可以撤销的修改", "there is nothing to undo"),
    "nothing_to_redo": ("没有可以重做的修改", "there is nothing to redo"),
})


class CopyRow(Base):
    """The working copy of one definition."""

    __tablename__ = "design_copies"
    __table_args__ = (UniqueConstraint("kind", "def_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    def_id: Mapped[str] = mapped_column(String(64))
    pack_id: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(Integer)
    step: Mapped[int] = mapped_column(Integer)  # the history step the text is
    saved_by: Mapped[str] = mapped_column(String(200))
    saved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    base_version: Mapped[int | None] = mapped_column(Integer)


class StepRow(Base):
    """One text in a working copy's history."""

    __tablename__ = "design_steps"
    __table_args__ = (UniqueConstraint("copy_id", "step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    copy_id: Mapped[int] = mapped_column(ForeignKey("design_copies.id"), index=True)
    step: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    saved_by: Mapped[str] = mapped_column(String(200))
    saved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class Copy:
    """What a caller sees of a working copy (a snapshot; the row may change after)."""

    kind: str
    def_id: str
    text: str
    revision: int
    saved_by: str
    saved_at: datetime
    base_version: int | None
    pack_id: str | None = None
    can_undo: bool = False
    can_redo: bool = False


class CopyConflict(Exception):
    """A change was made on a revision that is no longer the current one; `current` is the
    copy as it now is (who saved it, when, its text)."""

    def __init__(self, current: Copy, yours: int):
        self.current, self.yours = current, yours
        params = {"who": current.saved_by, "when": audit.iso_utc(current.saved_at)[:19],
                  "current": current.revision, "yours": yours}
        self.message_zh = MESSAGES.format("conflict", "zh", **params)
        self.message_en = MESSAGES.format("conflict", "en", **params)
        super().__init__(self.message_en)

    def message(self, lang: str = "zh") -> str:
        return self.message_en if lang == "en" else self.message_zh


class CopyMissing(LookupError):
    def __init__(self, kind: str, def_id: str):
        self.message_zh = MESSAGES.format("missing", "zh", kind=kind, id=def_id)
        self.message_en = MESSAGES.format("missing", "en", kind=kind, id=def_id)
        super().__init__(self.message_en)


class NothingToMove(ValueError):
    """Undo with no earlier step, or redo with no later one."""

    def __init__(self, code: str):
        self.message_zh = MESSAGES.format(code, "zh")
        self.message_en = MESSAGES.format(code, "en")
        super().__init__(self.message_en)


User = audit.Actor | str


def _actor(user: User) -> audit.Actor:
    return audit.Actor(user, user) if isinstance(user, str) else user


# --- reading --------------------------------------------------------------------------------


def get_copy(session: Session, kind: str, def_id: str) -> Copy | None:
    row = _row(session, kind, def_id)
    return None if row is None else _copy(session, row)


def list_copies(session: Session, kind: str | None = None) -> list[Copy]:
    """Every working copy (of one kind when given), by kind and id."""
    query = select(CopyRow).order_by(CopyRow.kind, CopyRow.def_id)
    if kind is not None:
        query = query.where(CopyRow.kind == kind)
    return [_copy(session, row) for row in session.scalars(query)]


def skeleton(kind: str, def_id: str) -> str:
    """The text a new definition starts from: its identifying keys and an empty body."""
    data: dict[str, object] = {"kind": kind, "id": def_id, "version": 1,
                               "title": {"zh": def_id, "en": def_id}}
    data.update(_BODIES.get(kind, {}))
    return canonical_yaml(data)


_BODIES: dict[str, dict[str, object]] = {
    "Form": {"fields": []},
    "Process": {"steps": []},
}


# --- changing -------------------------------------------------------------------------------


def open_copy(session: Session, kind: str, def_id: str, user: User, *,
              pack_id: str | None = None) -> Copy:
    """The working copy of (kind, def_id), made when there is none: from the latest published
    version's canonical YAML (with the comments of the text it was published from), or from
    a new skeleton (in `pack_id`) when none is published."""
    row = _row(session, kind, def_id)
    if row is not None:
        return _copy(session, row)
    published = latest_definition(session, kind, def_id)
    if published is not None:
        text = canonical_yaml(published.data, published.source_text)
        base, pack_id = published.version, published.pack_id
    else:
        text, base = skeleton(kind, def_id), None
    actor = _actor(user)
    now = utcnow()
    row = CopyRow(kind=kind, def_id=def_id, pack_id=pack_id, text=text, revision=1, step=1,
                  saved_by=actor.name, saved_at=now, base_version=base)
    try:
        session.add(row)
        session.flush()
    except IntegrityError:  # someone opened it at the same moment: theirs is the copy
        session.rollback()
        found = _row(session, kind, def_id)
        assert found is not None
        return _copy(session, found)
    session.add(StepRow(copy_id=row.id, step=1, text=text, saved_by=actor.name, saved_at=now))
    audit.record(session, action="design.open", actor=actor, target=(kind, def_id),
                 after={"revision": 1, "base_version": base})
    session.commit()
    return _copy(session, row)


def save_copy(session: Session, kind: str, def_id: str, text: str, revision: int,
              user: User) -> Copy:
    """Make `text` the working copy's text, as revision `revision` + 1; refuse with
    `CopyConflict` when `revision` is not the current one. An unchanged text changes nothing
    (and is no conflict when made on the current revision)."""
    row = _existing(session, kind, def_id)
    if row.revision != revision:
        raise CopyConflict(_copy(session, row), revision)
    if row.text == text:
        return _copy(session, row)
    actor = _actor(user)
    step = row.step + 1
    session.execute(delete(StepRow).where(StepRow.copy_id == row.id, StepRow.step >= step))
    _move(session, row, revision, text=text, step=step, actor=actor)
    session.add(StepRow(copy_id=row.id, step=step, text=text, saved_by=actor.name,
                        saved_at=row.saved_at))
    session.execute(delete(StepRow).where(StepRow.copy_id == row.id,
                                          StepRow.step <= step - HISTORY_LIMIT))
    audit.record(session, action="design.save", actor=actor, target=(kind, def_id),
                 before={"revision": revision}, after={"revision": row.revision})
    session.commit()
    return _copy(session, row)


def undo(session: Session, kind: str, def_id: str, user: User, *,
         revision: int | None = None) -> Copy:
    """Go back one step in the history (as a new revision); `NothingToMove` at the first.
    With `revision`, refuse with `CopyConflict` when it is not the current one."""
    return _step(session, kind, def_id, user, revision, -1)


def redo(session: Session, kind: str, def_id: str, user: User, *,
         revision: int | None = None) -> Copy:
    """Go forward one step after an undo; `NothingToMove` when there is none."""
    return _step(session, kind, def_id, user, revision, +1)


def discard_copy(session: Session, kind: str, def_id: str, user: User) -> None:
    """Drop the working copy and its history (after a publish, or to start again from the
    published version). Discarding a copy that is not there does nothing."""
    row = _row(session, kind, def_id)
    if row is None:
        return
    session.execute(delete(StepRow).where(StepRow.copy_id == row.id))
    session.execute(delete(CopyRow).where(CopyRow.id == row.id))
    audit.record(session, action="design.discard", actor=_actor(user), target=(kind, def_id),
                 before={"revision": row.revision})
    session.commit()


# --- inside ---------------------------------------------------------------------------------


def _row(session: Session, kind: str, def_id: str) -> CopyRow | None:
    return session.scalars(select(CopyRow).where(CopyRow.kind == kind,
                                                 CopyRow.def_id == def_id)
                           .execution_options(populate_existing=True)).first()


def _existing(session: Session, kind: str, def_id: str) -> CopyRow:
    row = _row(session, kind, def_id)
    if row is None:
        raise CopyMissing(kind, def_id)
    return row


def _step(session: Session, kind: str, def_id: str, user: User, revision: int | None,
          by: int) -> Copy:
    row = _existing(session, kind, def_id)
    if revision is not None and row.revision != revision:
        raise CopyConflict(_copy(session, row), revision)
    target = session.scalars(select(StepRow).where(StepRow.copy_id == row.id,
                                                   StepRow.step == row.step + by)).first()
    if target is None:
        raise NothingToMove("nothing_to_undo" if by < 0 else "nothing_to_redo")
    actor = _actor(user)
    before = row.revision
    _move(session, row, before, text=target.text, step=target.step, actor=actor)
    audit.record(session, action="design.undo" if by < 0 else "design.redo", actor=actor,
                 target=(kind, def_id), before={"revision": before},
                 after={"revision": row.revision, "step": row.step})
    session.commit()
    return _copy(session, row)


def _move(session: Session, row: CopyRow, revision: int, *, text: str, step: int,
          actor: audit.Actor) -> None:
    """Compare-and-set: the row changes only if it is still at `revision`."""
    now = utcnow()
    done = session.execute(
        update(CopyRow).where(CopyRow.id == row.id, CopyRow.revision == revision)
        .values(text=text, step=step, revision=revision + 1, saved_by=actor.name, saved_at=now)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        current = _existing(session, row.kind, row.def_id)
        raise CopyConflict(_copy(session, current), revision)
    session.refresh(row)


def _copy(session: Session, row: CopyRow) -> Copy:
    steps = session.execute(select(func.min(StepRow.step), func.max(StepRow.step))
                            .where(StepRow.copy_id == row.id)).one()
    first, last = steps
    return Copy(kind=row.kind, def_id=row.def_id, text=row.text, revision=row.revision,
                saved_by=row.saved_by, saved_at=aware(row.saved_at),
                base_version=row.base_version, pack_id=row.pack_id,
                can_undo=first is not None and row.step > first,
                can_redo=last is not None and row.step < last)

"""Working copies: opened from what is published (or a skeleton), saved revision by revision,
a change on an old revision refused with who saved the newer one, undo and redo, audited."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from sqlalchemy.orm import Session

from runtime.packs import check_path
from runtime.store import audit, designs
from runtime.store.designs import (
    CopyConflict,
    NothingToMove,
    discard_copy,
    list_copies,
    open_copy,
    redo,
    save_copy,
    undo,
)
from runtime.store.publish import publish_pack

MakePack = Callable[..., Path]


def test_a_copy_opens_from_the_latest_published_version(session: Session,
                                                         make_pack: MakePack) -> None:
    publish_pack(session, check_path(make_pack()))
    publish_pack(session, check_path(make_pack(form_version=2, form_title="第二版")))
    copy = open_copy(session, "Form", "demo_apply", "王设计")
    assert (copy.kind, copy.def_id, copy.revision, copy.base_version) == (
        "Form", "demo_apply", 1, 2)
    assert copy.pack_id == "demo_pack" and copy.saved_by == "王设计"
    data = yaml.safe_load(copy.text)
    assert data["title"]["zh"] == "第二版" and data["version"] == 2
    assert copy.text.startswith("kind: Form\nid: demo_apply\nversion: 2\n")
    assert not copy.can_undo and not copy.can_redo
    # opening again hands back the same copy, not a fresh one
    save_copy(session, "Form", "demo_apply", copy.text + "# 备注\n", 1, "王设计")
    again = open_copy(session, "Form", "demo_apply", "李审核")
    assert again.revision == 2 and again.text.endswith("# 备注\n")


def test_a_new_definition_starts_from_a_skeleton(session: Session) -> None:
    copy = open_copy(session, "Form", "new_form", "王设计", pack_id="demo_pack")
    assert copy.base_version is None and copy.pack_id == "demo_pack"
    assert yaml.safe_load(copy.text) == {"kind": "Form", "id": "new_form", "version": 1,
                                         "title": {"zh": "new_form", "en": "new_form"},
                                         "fields": []}


def test_a_save_on_an_old_revision_is_refused_and_names_who_saved(session: Session) -> None:
    first = open_copy(session, "Form", "f", "王设计")
    mine = save_copy(session, "Form", "f", first.text + "# 王\n", first.revision, "王设计")
    assert mine.revision == 2
    with pytest.raises(CopyConflict) as raised:
        save_copy(session, "Form", "f", first.text + "# 李\n", first.revision, "李审核")
    conflict = raised.value
    assert conflict.current.saved_by == "王设计" and conflict.current.revision == 2
    assert conflict.current.text.endswith("# 王\n")
    assert "王设计" in conflict.message("zh") and "重新载入或合并" in conflict.message("zh")
    assert "reload or merge" in conflict.message("en")
    # nothing of the refused edit was written; on the current revision it goes through
    assert designs.get_copy(session, "Form", "f").text.endswith("# 王\n")  # type: ignore[union-attr]
    merged = save_copy(session, "Form", "f", mine.text + "# 李\n", 2, "李审核")
    assert merged.revision == 3 and merged.saved_by == "李审核"
    assert merged.text.endswith("# 王\n# 李\n")


def test_an_unchanged_save_changes_nothing(session: Session) -> None:
    first = open_copy(session, "Form", "f", "王设计")
    assert save_copy(session, "Form", "f", first.text, 1, "王设计").revision == 1


def test_undo_and_redo_walk_the_history(session: Session) -> None:
    base = open_copy(session, "Form", "f", "王设计").text
    save_copy(session, "Form", "f", base + "# 1\n", 1, "王设计")
    save_copy(session, "Form", "f", base + "# 2\n", 2, "王设计")
    back = undo(session, "Form", "f", "王设计")
    assert back.text == base + "# 1\n" and back.revision == 4
    assert back.can_undo and back.can_redo
    back = undo(session, "Form", "f", "王设计")
    assert back.text == base and not back.can_undo
    with pytest.raises(NothingToMove) as raised:
        undo(session, "Form", "f", "王设计")
    assert "没有可以撤销的修改" in raised.value.message_zh
    forward = redo(session, "Form", "f", "王设计")
    assert forward.text == base + "# 1\n" and forward.revision == 6
    # a save after an undo drops the steps after it: nothing left to redo
    saved = save_copy(session, "Form", "f", base + "# 3\n", 6, "王设计")
    assert not saved.can_redo
    with pytest.raises(NothingToMove):
        redo(session, "Form", "f", "王设计")
    assert undo(session, "Form", "f", "王设计").text == base + "# 1\n"


def test_undo_on_an_old_revision_is_a_conflict(session: Session) -> None:
    base = open_copy(session, "Form", "f", "王设计").text
    save_copy(session, "Form", "f", base + "# 1\n", 1, "李审核")
    with pytest.raises(CopyConflict):
        undo(session, "Form", "f", "王设计", revision=1)
    assert designs.get_copy(session, "Form", "f").revision == 2  # type: ignore[union-attr]


def test_copies_are_listed_and_discarded(session: Session) -> None:
    open_copy(session, "Form", "b", "王设计")
    open_copy(session, "Process", "a", "王设计")
    open_copy(session, "Form", "a", "王设计")
    assert [(c.kind, c.def_id) for c in list_copies(session)] == [
        ("Form", "a"), ("Form", "b"), ("Process", "a")]
    assert [c.def_id for c in list_copies(session, "Form")] == ["a", "b"]
    discard_copy(session, "Form", "a", "王设计")
    discard_copy(session, "Form", "a", "王设计")  # already gone: nothing happens
    assert [(c.kind, c.def_id) for c in list_copies(session)] == [("Form", "b"), ("Process", "a")]
    assert open_copy(session, "Form", "a", "王设计").revision == 1  # starts afresh


def test_every_change_is_audited(session: Session) -> None:
    actor = audit.Actor("7", "王设计")
    base = open_copy(session, "Form", "f", actor).text
    save_copy(session, "Form", "f", base + "# 1\n", 1, actor)
    undo(session, "Form", "f", actor)
    redo(session, "Form", "f", actor)
    discard_copy(session, "Form", "f", actor)
    entries = audit.search(session, actor="7")
    assert [e.action for e in reversed(entries)] == [  # search gives the newest first
        "design.open", "design.save", "design.undo", "design.redo", "design.discard"]
    assert all((e.target_kind, e.target_id) == ("Form", "f") for e in entries)
    assert audit.verify(session).ok

"""The list edits the view and dashboard editors share: up, down, remove and a drag's move,
by the index the button or the drop names; anything else changes nothing."""

from __future__ import annotations

import pytest

from designer.listedit import label_of, label_parts, moved


@pytest.mark.parametrize(("op", "expect"), [
    ("up:1", ["b", "a", "c"]), ("down:1", ["a", "c", "b"]), ("del:0", ["b", "c"]),
    ("up:0", ["a", "b", "c"]), ("down:2", ["a", "b", "c"]),  # at an end: stays
    ("move:0:2", ["b", "c", "a"]), ("move:2:0", ["c", "a", "b"]),
    ("sort_del:0", None), ("del:3", None), ("save", None), ("up:x", None),
])
def test_moves(op: str, expect: list[str] | None) -> None:
    assert moved(["a", "b", "c"], op) == expect


def test_a_prefixed_list_moves_by_its_own_ops_only() -> None:
    assert moved(["a", "b"], "sort_up:1", "sort_") == ["b", "a"]
    assert moved(["a", "b"], "up:1", "sort_") is None


def test_labels_read_and_written() -> None:
    assert label_of(" 申请人 ", "Applicant") == {"zh": "申请人", "en": "Applicant"}
    assert label_of("", "Applicant") == {"zh": "Applicant", "en": "Applicant"}
    assert label_of(" ", "") is None
    assert label_parts({"zh": "甲", "en": "A"}) == ("甲", "A")
    assert label_parts("甲") == ("甲", "")
    assert label_parts(None) == ("", "")

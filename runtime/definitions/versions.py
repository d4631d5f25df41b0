"""Two versions of a definition side by side, as their canonical YAML: the rows a designer's
compare page shows and the unified diff `lowcode pack diff` prints. Pure core."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from runtime.definitions.canonical import dump

SAME, CHANGED, ADDED, REMOVED = "same", "changed", "added", "removed"


@dataclass(frozen=True)
class Row:
    """One line of the side-by-side view: a line number and text on each side (None where
    the side has no line), and what happened to it."""

    tag: str
    old_no: int | None
    old: str | None
    new_no: int | None
    new: str | None


@dataclass(frozen=True)
class VersionDiff:
    old_label: str
    new_label: str
    old_text: str
    new_text: str
    rows: tuple[Row, ...]

    @property
    def same(self) -> bool:
        return self.old_text == self.new_text

    def unified(self, context: int = 3) -> list[str]:
        return list(difflib.unified_diff(self.old_text.splitlines(),
                                         self.new_text.splitlines(), self.old_label,
                                         self.new_label, n=context, lineterm=""))

    def as_dict(self) -> dict[str, Any]:
        return {"old_label": self.old_label, "new_label": self.new_label, "same": self.same,
                "rows": [row.__dict__ for row in self.rows]}


def compare_texts(old_text: str, new_text: str, old_label: str = "old",
                  new_label: str = "new") -> VersionDiff:
    old_lines, new_lines = old_text.splitlines(), new_text.splitlines()
    rows: list[Row] = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            rows += [Row(SAME, a1 + i + 1, old_lines[a1 + i], b1 + i + 1, new_lines[b1 + i])
                     for i in range(a2 - a1)]
            continue
        for i in range(max(a2 - a1, b2 - b1)):
            a, b = a1 + i, b1 + i
            left = (a + 1, old_lines[a]) if a < a2 else (None, None)
            right = (b + 1, new_lines[b]) if b < b2 else (None, None)
            tag = CHANGED if left[0] and right[0] else REMOVED if left[0] else ADDED
            rows.append(Row(tag, left[0], left[1], right[0], right[1]))
    return VersionDiff(old_label, new_label, old_text, new_text, tuple(rows))


def compare_versions(old: Mapping[str, Any], new: Mapping[str, Any],
                     kinds: Mapping[str, Any], old_label: str | None = None,
                     new_label: str | None = None) -> VersionDiff:
    """Two versions of one definition (their data as loaded) as canonical YAML, compared.
    The new side is written over the old one's text, so what did not change keeps the old
    side's layout and only the changes show."""
    old_text = dump(dict(old), kinds)
    return compare_texts(old_text, dump(dict(new), kinds, base=old_text),
                         old_label or f"{old.get('id')} v{old.get('version')}",
                         new_label or f"{new.get('id')} v{new.get('version')}")

"""What the view and dashboard editors share: a list of a definition (columns, sort orders,
widgets) reordered or cut by the button a person pressed, a label read from its two inputs,
and the checker's problems placed at the entry of the list they are about."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from runtime.definitions.problems import Problem

MOVES = ("up", "down", "del")  # each with the entry's index; `move:FROM:TO` is a drag


def entries(data: Mapping[str, Any] | None, key: str) -> list[dict[str, Any]]:
    """The mappings listed under `key` (copies: an edit never changes the copy it read)."""
    found = (data or {}).get(key)
    return [dict(e) for e in found if isinstance(e, Mapping)] if isinstance(found, list) else []


def moved(items: list[Any], op: str, prefix: str = "") -> list[Any] | None:
    """`items` after `<prefix>up:N`, `<prefix>down:N`, `<prefix>del:N` or
    `<prefix>move:FROM:TO` (a drag); None when `op` is none of them (or names no item)."""
    match = re.fullmatch(rf"{re.escape(prefix)}({'|'.join(MOVES)}|move):(\d+)(?::(\d+))?", op)
    if match is None or int(match.group(2)) >= len(items):
        return None
    move, index = match.group(1), int(match.group(2))
    items = list(items)
    if move == "del":
        del items[index]
        return items
    if move == "move":
        items.insert(int(match.group(3) or index), items.pop(index))
        return items
    other = index - 1 if move == "up" else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    return items


def label_of(zh: str, en: str) -> dict[str, str] | None:
    """A label from its Chinese and English inputs; None when both are empty."""
    zh, en = zh.strip()[:200], en.strip()[:200]
    if not zh and not en:
        return None
    return {"zh": zh or en, **({"en": en} if en else {})}


def label_parts(label: Any) -> tuple[str, str]:
    """A label (plain text or {zh, en}) as the two inputs show it."""
    if isinstance(label, Mapping):
        return str(label.get("zh", "")), str(label.get("en", ""))
    return (str(label), "") if label else ("", "")


def problems_at(problems: list[Problem], key: str) -> dict[int, list[Problem]]:
    """The problems about each entry of the list `key` (`columns[2].field` -> 2)."""
    found: dict[int, list[Problem]] = {}
    for p in problems:
        match = re.match(rf"^{re.escape(key)}\[(\d+)\]", p.path)
        if match:
            found.setdefault(int(match.group(1)), []).append(p)
    return found

"""Row editing of a table field (a sub-table) before submit: the page's add and remove
buttons post an action naming the table (and the row), and the data comes back changed.
Pure: no request, no store.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ADD, REMOVE = "add_row", "remove_row"


def is_row_action(action: str) -> bool:
    """`add_row:items` and `remove_row:items:2` are row actions; submit, next, ... are not."""
    return action.startswith((f"{ADD}:", f"{REMOVE}:"))


def change_rows(data: Mapping[str, Any], action: str) -> dict[str, Any]:
    """`add_row:items` appends an empty row; `remove_row:items:2` removes the third (a row
    that is not there is left alone). The rest of the data is unchanged."""
    verb, table, *index = action.split(":")
    rows = list(data.get(table) or [])
    if verb == ADD:
        rows.append({})
    elif verb == REMOVE and index and index[0].isdigit() and int(index[0]) < len(rows):
        rows.pop(int(index[0]))
    return {**data, table: rows}

"""From a browser's form post to the data a form validates: rows of sub-tables come as
`items[0].amount`, several values of one field as repeated names, an address as two parts."""

from __future__ import annotations

import re
from typing import Any

from werkzeug.datastructures import MultiDict

from runtime.definitions.spec import FieldSpec, FormSpec
from runtime.forms.state import is_table, value_fields

MAX_ROWS = 200  # a request may not make the server build more rows than any form allows
MULTIPLE = frozenset({"checkbox", "multiselect", "date_range", "file", "image"})


def posted_data(form: FormSpec, values: MultiDict[str, str]) -> dict[str, Any]:
    return _level(form.fields, values, "")


def _level(fields: tuple[FieldSpec, ...], values: MultiDict[str, str],
           prefix: str) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for spec in value_fields(fields):
        name = prefix + spec.id
        if is_table(spec):
            data[spec.id] = [_level(spec.fields, values, f"{name}[{i}].")
                             for i in row_indexes(values, name)]
        elif spec.type in MULTIPLE:
            data[spec.id] = [v for v in values.getlist(name) if v != ""]
        elif spec.type == "address":
            parts = {part: values.get(f"{name}.{part}", "") for part in ("region", "detail")}
            data[spec.id] = parts if any(parts.values()) else None
        elif name in values:
            data[spec.id] = values.get(name)
    return data


def row_indexes(values: MultiDict[str, str], table: str) -> list[int]:
    """The row numbers posted for a table, in order, at most MAX_ROWS of them."""
    pattern = re.compile(re.escape(table) + r"\[([0-9]{1,3})\]\.")
    found = {int(m.group(1)) for key in values if (m := pattern.match(key))}
    return sorted(found)[:MAX_ROWS]

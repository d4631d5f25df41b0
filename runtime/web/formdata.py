"""From a browser's form post to the data a form validates: rows of sub-tables come as
`items[0].amount`, several values of one field as repeated names, a value in parts (an
address) as `<path>.<part>`. Which shape a field is posted in is its type's (`posted`)."""

from __future__ import annotations

import re
from typing import Any

from werkzeug.datastructures import MultiDict

from runtime.definitions.spec import FieldSpec, FormSpec
from runtime.forms.fieldtypes import MANY, PARTS, FieldTypes
from runtime.forms.state import is_table, value_fields
from runtime.web.fieldtypes import field_types

MAX_ROWS = 200  # a request may not make the server build more rows than any form allows


def posted_data(form: FormSpec, values: MultiDict[str, str],
                types: FieldTypes | None = None) -> dict[str, Any]:
    """The data of `values` by `form`'s fields, their types from `types` (by default the
    current app's)."""
    return _level(form.fields, values, "", field_types() if types is None else types)


def _level(fields: tuple[FieldSpec, ...], values: MultiDict[str, str], prefix: str,
           types: FieldTypes) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for spec in value_fields(fields):
        name = prefix + spec.id
        field_type = types[spec.type]
        if is_table(spec):
            data[spec.id] = [_level(spec.fields, values, f"{name}[{i}].", types)
                             for i in row_indexes(values, name)]
        elif field_type.posted == MANY:
            data[spec.id] = [v for v in values.getlist(name) if v != ""]
        elif field_type.posted == PARTS:
            parts = {part: values.get(f"{name}.{part}", "") for part in field_type.parts}
            data[spec.id] = parts if any(parts.values()) else None
        elif name in values:
            data[spec.id] = values.get(name)
    return data


def row_indexes(values: MultiDict[str, str], table: str) -> list[int]:
    """The row numbers posted for a table, in order, at most MAX_ROWS of them."""
    pattern = re.compile(re.escape(table) + r"\[([0-9]{1,3})\]\.")
    found = {int(m.group(1)) for key in values if (m := pattern.match(key))}
    return sorted(found)[:MAX_ROWS]

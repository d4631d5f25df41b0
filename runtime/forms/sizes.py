"""How much one submission may store: each value, and all of them together, measured as the
JSON they are kept in. Checked when a submission is stored, not on every live update; an error
names its field like every other (a computed value too: a definition can build a large one).

Pure core: no I/O, imports neither flask nor sqlalchemy.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from runtime.definitions.spec import FormSpec
from runtime.forms.checks import FieldError
from runtime.forms.state import value_fields
from runtime.i18n import Label

MAX_VALUE_BYTES = 256 << 10
MAX_SUBMISSION_BYTES = 512 << 10


def size_errors(form: FormSpec, data: Mapping[str, Any]) -> dict[str, list[FieldError]]:
    """Errors by field id for values above MAX_VALUE_BYTES; when none is but all of them
    together pass MAX_SUBMISSION_BYTES, one error on the largest."""
    sizes = {key: _stored_bytes(value) for key, value in data.items()}
    labels = {spec.id: spec.label or Label(spec.id) for spec in value_fields(form.fields)}
    errors = {key: [FieldError("value_too_large", labels.get(key, Label(key)),
                               (("limit", _kib(MAX_VALUE_BYTES)),))]
              for key, size in sizes.items() if size > MAX_VALUE_BYTES}
    if errors or sum(sizes.values()) <= MAX_SUBMISSION_BYTES:
        return errors
    largest = max(sizes, key=sizes.__getitem__)
    return {largest: [FieldError("submission_too_large", labels.get(largest, Label(largest)),
                                 (("limit", _kib(MAX_SUBMISSION_BYTES)),))]}


def _stored_bytes(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, default=str).encode())


def _kib(size: int) -> str:
    return f"{size >> 10} KB"

"""Carrying a draft over to a newer version of its form, and telling the person what changed.

A draft keeps the values of fields that still exist and still accept the value; the rest are
dropped and named, as are the fields the new version added, so nothing changes silently. A
field that declares `renamed_from` takes the value the draft holds under its old id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from runtime.definitions.spec import FieldSpec, FormSpec
from runtime.forms.fieldtypes import FieldTypes
from runtime.forms.messages import MESSAGES
from runtime.forms.state import is_table, value_fields
from runtime.forms.values import ValueProblem
from runtime.i18n import Label


@dataclass(frozen=True)
class DraftChanges:
    dropped: tuple[Label, ...] = ()  # values that could not be kept
    added: tuple[Label, ...] = ()  # fields that are new in this version

    def __bool__(self) -> bool:
        return bool(self.dropped or self.added)

    def message(self, lang: str = "zh") -> str:
        comma, joint = (", ", " ") if lang == "en" else ("、", "；")
        parts = [MESSAGES.format(code, lang, names=comma.join(x.text(lang) for x in labels))
                 for code, labels in (("draft_dropped", self.dropped), ("draft_added", self.added))
                 if labels]
        return joint.join(parts)


def carry_over(data: Mapping[str, Any], old: FormSpec, new: FormSpec,
               types: FieldTypes) -> tuple[dict[str, Any], DraftChanges]:
    """The draft's data on `new` (its fields' types from `types`), and what the person
    should be told."""
    if (old.id, old.version) == (new.id, new.version):
        return dict(data), DraftChanges()
    old_fields = {f.id: f for f in value_fields(old.fields)}
    new_fields = list(value_fields(new.fields))
    # a field that declares `renamed_from` takes the old field's value
    source = {f.id: _source(f, old_fields) for f in new_fields}
    kept: dict[str, Any] = {}
    dropped: list[Label] = []
    for spec in new_fields:
        old_id = source[spec.id]
        if old_id in data and data[old_id] not in (None, "", []):
            value = _keep(spec, data[old_id], types)
            if value is None:
                dropped.append(_label(old_fields.get(old_id, spec)))
            else:
                kept[spec.id] = value
    carried = set(source.values())
    dropped += [_label(f) for f in value_fields(old.fields)
                if f.id not in carried and data.get(f.id) not in (None, "", [])]
    added = [_label(f) for f in new_fields if source[f.id] not in old_fields]
    return kept, DraftChanges(tuple(dropped), tuple(added))


def _source(spec: FieldSpec, old_fields: Mapping[str, FieldSpec]) -> str:
    """The id a field's value is found under in a draft of the older version."""
    old_id = spec.renamed_from
    return old_id if old_id is not None and spec.id not in old_fields and old_id in old_fields \
        else spec.id


def _keep(spec: FieldSpec, value: Any, types: FieldTypes) -> Any:
    """The value if the field's new type still takes it, else None."""
    if is_table(spec):
        if not isinstance(value, list):
            return None
        children = list(value_fields(spec.fields))
        return [{c.id: _keep(c, row.get(c.id, row.get(c.renamed_from or c.id)), types)
                 for c in children if isinstance(row, dict)} for row in value]
    if value in (None, "", []):
        return None
    try:
        return types[spec.type].parse(value)
    except ValueProblem:
        return None


def _label(spec: FieldSpec) -> Label:
    return spec.label or Label(spec.id)

"""What the process, decision-table and expression editors share: a working copy opened with
its data (or the YAML error at its line), checked among its pack's published definitions with
the runtime's own checks, and an edit written back as the copy's canonical YAML, the one
source every view of the definition reads.

Checking runs the checks of the copy's kind only, against the published specs of the rest of
its pack (built once per content by the store): an editor checks on every keystroke, and the
full pack check is for publishing.
"""

from __future__ import annotations

import copy as copying
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from designer.workspace import lines_of, save_data
from runtime.definitions.checker import Checked
from runtime.definitions.checks.common import Context
from runtime.definitions.checks.forms import form_fields
from runtime.definitions.checks.namespaces import members
from runtime.definitions.kinds import builtin_kinds
from runtime.definitions.loader import Document, LineMap, load_text
from runtime.definitions.problems import DefinitionError, Problem
from runtime.definitions.schema import schema_problems, without_invalid
from runtime.definitions.spec import DecisionTableSpec, FormSpec, ProcessSpec
from runtime.forms.fieldtypes import FieldTypes
from runtime.kept import Kept
from runtime.store import audit, designs, packlife
from runtime.store.designs import Copy
from runtime.store.queries import latest_definition

PERMISSION = "definitions.write"


@dataclass
class Working:
    """One working copy as an editor sees it."""

    copy: Copy
    file: str
    data: dict[str, Any] | None
    problems: list[Problem]
    context: Context
    checked: Checked | None
    lines: LineMap = field(default_factory=LineMap)

    @property
    def kind(self) -> str:
        return self.copy.kind

    @property
    def def_id(self) -> str:
        return self.copy.def_id

    def find(self, kind: str, def_id: str | None) -> Any:
        return self.context.find(kind, def_id)

    def ids(self, kind: str) -> list[str]:
        return sorted(self.context.index.get(kind, {}))

    def form_id(self) -> str | None:
        """The form whose data the definition's expressions read."""
        spec = self.checked.spec if self.checked else None
        if isinstance(spec, ProcessSpec):
            return spec.start_form
        if isinstance(spec, DecisionTableSpec):
            return spec.form
        if isinstance(spec, FormSpec):
            return spec.id
        value = (self.data or {}).get("start_form" if self.kind == "Process" else "form")
        return value if isinstance(value, str) else None

    def names(self) -> dict[str, str] | None:
        """The data names an expression of this definition reads, with their types."""
        form = self.form_id()
        fields = form_fields(self.context, form) if form else None
        if fields is None:
            return None
        if self.kind == "Process":
            return {**fields, "steps": "object", "decisions": "object", "rules": "object"}
        if self.kind == "Form":
            return {**fields, "decisions": "object", "rules": "object"}
        return dict(fields)

    def members(self) -> Mapping[str, Any] | None:
        form = self.form_id()
        return members(self.context, form, rules=self.kind != "DecisionTable") if form else None


def open_working(session: Session, kind: str, def_id: str, user: audit.Actor,
                 field_types: FieldTypes) -> Working | None:
    """The copy of a published definition (made on first opening), checked; None when no
    such definition is published and no copy exists."""
    if latest_definition(session, kind, def_id) is None and designs.get_copy(
            session, kind, def_id) is None:
        return None
    return examine(session, designs.open_copy(session, kind, def_id, user), field_types)


def examine(session: Session, copy: Copy, field_types: FieldTypes,
            text: str | None = None) -> Working:
    """`copy` (or `text` in its place) loaded and checked among its pack. The outcome for one
    text in one state of the pack is kept (a few of them): an editor asks again for the same
    copy on every request, and loading the YAML is most of the cost."""
    text = copy.text if text is None else text
    file, siblings, fingerprint = _pack(session, copy)
    key = (copy.kind, copy.def_id, text, fingerprint, id(field_types))
    found = _RESULTS.get(key)
    if found is None:
        found = _RESULTS.keep(key, _check_text(file, text, copy.kind, siblings, field_types))
    data, problems, checked, lines = found
    context = Context([*([checked] if checked else []), *siblings], True, field_types)
    return Working(copy, file, copying.deepcopy(data), list(problems), context, checked, lines)


def examine_data(session: Session, working: Working, data: Mapping[str, Any],
                 field_types: FieldTypes) -> Working:
    """The copy with `data` in place of its own (an edit not yet saved), checked among its
    pack; lines are those of the copy's own text. Nothing is kept."""
    file, siblings, _ = _pack(session, working.copy)
    doc = Document(file, dict(data), working.lines)
    problems, checked = _check_doc(doc, working.kind, siblings, field_types)
    context = Context([*([checked] if checked else []), *siblings], True, field_types)
    return Working(working.copy, file, dict(data), problems, context, checked, working.lines)


# Kept outcomes of `examine`, by (kind, id, text, pack state, field-type registry): values
# derived from the key alone, so two apps (two registries) never share one.
_RESULTS: Kept[tuple[Any, ...], tuple[Any, list[Problem], Checked | None, LineMap]] = \
    Kept(32)


def _pack(session: Session, copy: Copy) -> tuple[str, list[Checked], tuple[Any, ...]]:
    """The copy's file name, the other published definitions of its pack, and their state."""
    row = latest_definition(session, copy.kind, copy.def_id)
    file = row.source_file if row is not None else f"{copy.kind.lower()}s/{copy.def_id}.yaml"
    rows = [r for r in (packlife.published(session, copy.pack_id) if copy.pack_id else [])
            if (r.kind, r.def_id) != (copy.kind, copy.def_id)]
    siblings = [Checked(Document(r.source_file, r.data, LineMap()), r.spec) for r in rows]
    return file, siblings, tuple((r.kind, r.def_id, r.version, r.sha256) for r in rows)


def _check_text(file: str, text: str, kind: str, siblings: list[Checked],
                field_types: FieldTypes
                ) -> tuple[Any, list[Problem], Checked | None, LineMap]:
    try:
        doc = load_text(file, text)
    except DefinitionError as error:
        return None, error.problems, None, LineMap()
    problems, checked = _check_doc(doc, kind, siblings, field_types)
    return (doc.data if isinstance(doc.data, dict) else None), problems, checked, doc.lines


def _check_doc(doc: Document, kind_name: str, siblings: list[Checked],
               field_types: FieldTypes) -> tuple[list[Problem], Checked | None]:
    """The schema problems of `doc` and those of its kind's checks, among `siblings`."""
    kinds = builtin_kinds()
    problems = list(schema_problems(doc, kinds))
    kind = kinds.get(kind_name)
    checked = None
    if kind is not None and isinstance(doc.data, dict):
        usable = without_invalid(doc.data, kind.validator) if problems else doc.data
        if usable is not None:
            checked = Checked(doc, kind.build_spec(usable))
    if checked is not None and kind is not None:
        context = Context([checked, *siblings], True, field_types)
        for check in kind.checks:
            problems += check(context, checked)
    problems.sort(key=lambda p: (p.line or 0, p.path))
    return problems, checked


def save(session: Session, working: Working, data: Mapping[str, Any], revision: int,
         user: audit.Actor, field_types: FieldTypes) -> Working:
    """Write `data` into the copy (workspace.save_data: comments kept), on `revision`
    (designs.CopyConflict when someone saved since), and check it again. The text is ours,
    just written from `data`, so its lines are read with libyaml when present and `data` is
    checked as it is, instead of loading the text again through the strict loader (the same
    values, several times slower)."""
    copy = save_data(session, working.kind, working.def_id, dict(data), revision, user)
    text = copy.text
    lines = lines_of(text)
    if lines is None:
        return examine(session, copy, field_types)
    file, siblings, fingerprint = _pack(session, copy)
    value = copying.deepcopy(dict(data))
    problems, checked = _check_doc(Document(file, value, lines), copy.kind, siblings,
                                   field_types)
    _RESULTS.keep((copy.kind, copy.def_id, text, fingerprint, id(field_types)),
                  (value, problems, checked, lines))
    return examine(session, copy, field_types)


"""What the process, decision-table and expression editors share: a working copy opened with
its data (or the YAML error at its line), checked among its pack's published definitions with
the runtime's own checks, and an edit written back as the copy's canonical YAML, the one
source every view of the definition reads.

Checking runs the checks of the copy's kind only, against the published specs of the rest of
its pack (built once per content by the store): an editor checks on every keystroke, and the
full pack check is for publishing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from runtime.definitions.checker import Checked, Extensions
from runtime.definitions.checks.common import Context
from runtime.definitions.checks.forms import form_fields
from runtime.definitions.checks.namespaces import members
from runtime.definitions.kinds import builtin_kinds
from runtime.definitions.loader import Document, LineMap, load_text
from runtime.definitions.problems import DefinitionError, Problem
from runtime.definitions.schema import schema_problems, without_invalid
from runtime.definitions.spec import DecisionTableSpec, FormSpec, ProcessSpec
from runtime.forms.fieldtypes import FieldTypes
from runtime.lifecycle import canonical_yaml
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
    """`copy` (or `text` in its place) loaded and checked among its pack."""
    row = latest_definition(session, copy.kind, copy.def_id)
    file = row.source_file if row is not None else f"{copy.kind.lower()}s/{copy.def_id}.yaml"
    siblings = [Checked(Document(r.source_file, r.data, LineMap()), r.spec)
                for r in (packlife.published(session, copy.pack_id) if copy.pack_id else [])
                if (r.kind, r.def_id) != (copy.kind, copy.def_id)]
    try:
        doc = load_text(file, copy.text if text is None else text)
    except DefinitionError as error:
        return Working(copy, file, None, error.problems,
                       Context(siblings, True, field_types), None)
    kinds = builtin_kinds()
    problems = list(schema_problems(doc, kinds))
    kind = kinds.get(copy.kind)
    checked = None
    data = doc.data if isinstance(doc.data, dict) else None
    if kind is not None and data is not None:
        usable = without_invalid(data, kind.validator) if problems else data
        if usable is not None:
            checked = Checked(doc, kind.build_spec(usable))
    context = Context([*([checked] if checked else []), *siblings], True, field_types)
    if checked is not None and kind is not None:
        for check in kind.checks:
            problems += check(context, checked)
    problems.sort(key=lambda p: (p.line or 0, p.path))
    return Working(copy, file, data, problems, context, checked)


def save(session: Session, working: Working, data: Mapping[str, Any], revision: int,
         user: audit.Actor, field_types: FieldTypes) -> Working:
    """Write `data` as the copy's canonical YAML, on `revision` (designs.CopyConflict when
    someone saved since), and check it again."""
    copy = designs.save_copy(session, working.kind, working.def_id, canonical_yaml(dict(data)),
                             revision, user)
    return examine(session, copy, field_types)


def extensions(field_types: FieldTypes) -> Extensions:
    return Extensions(builtin_kinds(), field_types)

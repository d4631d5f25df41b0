"""The handler form on the 办理 (complete) action: which of its fields the action's form
shows. How a posted action form parses into a command is the action registry's
(`runtime.flows.registry`); the choices the page offers are built in `workbench`.
"""

from __future__ import annotations

import dataclasses

from runtime.definitions.spec import FieldSpec, FormSpec
from runtime.forms.plans import PerForm
from runtime.forms.state import value_fields

# Fields of a handler form that the 办理 form already asks as the engine's own outcome and
# opinion: shown once, not twice. (The birth pack's `decision` offers 退回补正, which is the
# separate 退回 action here, with its target step.)
ENGINE_FIELDS = frozenset({"decision", "outcome", "opinion"})
# Field types the 办理 form renders itself. Optional fields of other types (pickers of a
# record, a department or a person) are left out: the actions 转办 and 委派 and the case
# itself say those. A handler form that requires one is left to the opinion alone.
SIMPLE_TYPES = frozenset({"text", "textarea", "integer", "decimal", "date", "select", "radio"})


def handler_fields(form: FormSpec | None) -> FormSpec | None:
    """The handler form's simple fields, without those the engine asks itself; None when
    nothing is left or the form requires a field rendered only on its own page. Made once
    per published version."""
    return None if form is None else _handler_fields(form)


def _simple_fields(form: FormSpec) -> FormSpec | None:
    fields = [f for f in value_fields(form.fields) if f.id not in ENGINE_FIELDS]
    kept = tuple(f for f in fields if f.type in SIMPLE_TYPES and not _reads_engine(f))
    needed = any(f.required or f.required_when for f in fields if f not in kept)
    return dataclasses.replace(form, fields=kept, validations=()) if kept and not needed else None


_handler_fields = PerForm(_simple_fields)


def _reads_engine(spec: FieldSpec) -> bool:
    sources = (spec.visible_when, spec.required_when, spec.readonly_when, spec.compute)
    return any(s and any(name in s for name in ENGINE_FIELDS) for s in sources)

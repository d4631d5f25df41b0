"""The handler form (办理单) on the 办理 (complete) action of a task's page, rendered by the
same field templates as any form (`_field.html`, with the live updates of `forms.partial`):
every field type, its visible/required/readonly logic and computed values, sub-tables,
catalog options and files. Which fields are the engine's own, and how a posted action
parses, are the core's (`runtime.flows.handler`, `runtime.flows.registry`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from runtime.definitions.spec import CatalogSpec, FormSpec
from runtime.flows.case import APPROVE
from runtime.flows.handler import ENGINE_FIELDS, engine_values
from runtime.forms.rows import change_rows, is_row_action
from runtime.forms.state import FormState, form_state
from runtime.forms.validation import state_of
from runtime.store.files import FILE_FIELD_TYPES
from runtime.web.fieldtypes import field_types
from runtime.web.formdata import posted_data
from runtime.web.formpage import file_names, live_url
from runtime.web.formviews import FieldView, Views, plans
from runtime.web.lang import current_lang

FORM_ERRORS = "_form"  # where the form's own rules (validations) put their messages


@dataclass(frozen=True)
class HandlerForm:
    """The handler form as the page shows it: its fields but the engine's own, in the state
    of what was typed (or its defaults), with the errors beside them."""

    form: FormSpec
    views: list[FieldView]
    form_errors: list[str]
    live_url: str


def posted(form: FormSpec | None, values: MultiDict[str, str]) -> dict[str, Any]:
    """The handler form's values in a posted action form (nothing when it has none)."""
    return {} if form is None else posted_data(form, values)


def row_action(values: Mapping[str, str]) -> str | None:
    """A sub-table's add or remove button of the handler form, pressed: not an action."""
    action = values.get("_action") or ""
    return action if is_row_action(action) else None


def shown(form: FormSpec | None, catalogs: Mapping[str, CatalogSpec],
          values: MultiDict[str, str] | None, errors: Mapping[str, str]) -> HandlerForm | None:
    """The handler form for the page; `values` the action form as posted (after a refusal
    or a row added or removed), None for a fresh page."""
    if form is None:
        return None
    raw = posted(form, values) if values is not None else {}
    state = _state(form, values)
    by_path = {path: [message] for path, message in errors.items()}
    names = file_names([key for p in plans(form, current_lang(), field_types()).values()
                        if p.type in FILE_FIELD_TYPES for key in state.data.get(p.spec.id) or []])
    views = Views(form, state, by_path, catalogs, names, lang=current_lang(), raw=raw).top()
    return HandlerForm(form, [v for v in views if v.spec.id not in ENGINE_FIELDS],
                       by_path.get(FORM_ERRORS, []), live_url(form))


def _state(form: FormSpec, values: MultiDict[str, str] | None) -> FormState:
    if values is None:
        return form_state(form, {})
    outcome = (values.get("outcome") or APPROVE).strip()
    raw = {**posted_data(form, values),
           **engine_values(form, outcome, (values.get("opinion") or "").strip() or None)}
    action = row_action(values)
    return state_of(form, change_rows(raw, action) if action else raw, field_types())

"""A task's handler form (办理单) on the 办理 (complete) action. The whole form is the
task's: every field type, its live logic and its validations, as on any form. Fields named
for the engine's own inputs (the outcome and the opinion the action asks itself) are not
asked twice: they take the action's values, so the form's rules that read them see what
the handler chose. Part of the pure core."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runtime.definitions.spec import FormSpec
from runtime.forms.state import value_fields
from runtime.i18n import Label

OUTCOME_FIELDS = frozenset({"decision", "outcome"})  # take the action's outcome
OPINION_FIELD = "opinion"  # takes the action's opinion, its errors shown beside it
ENGINE_FIELDS = OUTCOME_FIELDS | {OPINION_FIELD}
OUTCOMES = ("approve", "reject")  # what the action's outcome can be (flows.case)
OPINION_TYPES = frozenset({"text", "textarea"})  # what can hold the action's opinion as typed


def engine_values(form: FormSpec, outcome: str, opinion: str | None) -> dict[str, Any]:
    """The values of `form`'s engine-named top-level fields, from the action's own inputs.
    An outcome field whose options do not offer the outcome (a `decision` of approve or
    return, say, when the handler rejects) is left empty."""
    values: dict[str, Any] = {}
    for spec in value_fields(form.fields):
        if spec.id == OPINION_FIELD:
            values[spec.id] = opinion
        elif spec.id in OUTCOME_FIELDS:
            offered = {str(o.value) for o in spec.options}
            values[spec.id] = outcome if not offered or outcome in offered else None
    return values


def outcome_words(form: FormSpec | None) -> dict[str, Label]:
    """The words the handler form gives the outcomes it offers (its `decision`'s options:
    通过, 不予签发...), by outcome; the action's own words stand for the rest."""
    if form is None:
        return {}
    for spec in value_fields(form.fields):
        if spec.id in OUTCOME_FIELDS:
            return {str(o.value): o.label for o in spec.options if str(o.value) in OUTCOMES}
    return {}


def opinion_required(form: FormSpec | None) -> bool:
    """Whether the handler form asks an opinion of every outcome (`opinion` required)."""
    return form is not None and any(spec.id == OPINION_FIELD and spec.required
                                    for spec in value_fields(form.fields))


def shown_errors(errors: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """The errors a handler can act on: those of the form's own fields and rules, and of its
    opinion (shown beside the action's opinion). An outcome field is the engine's: the
    engine checks the outcome itself."""
    return {path: found for path, found in errors.items() if path not in OUTCOME_FIELDS}


def task_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """What the task keeps of the form: its values without the engine's own (the task holds
    its outcome and opinion apart)."""
    return {key: value for key, value in data.items() if key not in ENGINE_FIELDS}

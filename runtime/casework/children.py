"""Child cases (子案件) in the database: the cases a step asked for (`Effects.children`) are
started in the transaction of the move that asked, each as a submission of the child
process's start form owned by the system (validated as if typed in), its case linked to the
parent step; and a child that ends tells its parent, in the transaction that ended it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from runtime.casework import submissions
from runtime.definitions.spec import FormSpec, ProcessSpec
from runtime.flows.case import CASE_ENDS, ChildStart
from runtime.flows.engine import Flow
from runtime.flows.errors import FlowError
from runtime.forms.validation import validate
from runtime.providers import session_field_types
from runtime.store import audit
from runtime.store.cases import process_for_form
from runtime.store.queries import latest_definition
from runtime.store.submissions import Owner, insert_submission, scoped_key

SYSTEM = Owner("system")
MAX_DEPTH = 5  # child of a child of ...: a runaway chain stops with a clear refusal
# Starts the case of a submission (cases.start_for): passed in, as cases imports this module.
StartFor = Callable[..., Any]


def start_asked(session: Session, flow: Flow, tracking_no: str, start: StartFor, *,
                depth: int = 0) -> None:
    """Start every child case `flow` asked for in its steps' current rounds, and tell the
    flow each one's tracking number (and its end, for a child that ended as it started).
    FlowError when a child cannot start: the whole move is refused, nothing is written."""
    done = 0
    while done < len(flow.effects.children):  # a child that ends at once may ask for more
        asked = [ask for ask in flow.effects.children[done:]
                 if flow.case.steps[ask.step].round == ask.round]  # not a round since left
        done = len(flow.effects.children)
        if asked and depth >= MAX_DEPTH:
            raise FlowError("child_depth", step=asked[0].step, limit=MAX_DEPTH)
        # Every child is checked before any is written: one refused starts none.
        ready = [(ask, *_checked(session, ask)) for ask in asked]
        for ask, form, data in ready:
            child, status = _start_one(session, ask, form, data, tracking_no, start,
                                       flow.now, depth)
            flow.child_started(ask, child)
            if status in CASE_ENDS:
                flow.child_ended(ask.step, ask.round, ask.index, status)


def _checked(session: Session, ask: ChildStart) -> tuple[FormSpec, dict[str, Any]]:
    """The child's start form and its data as the form validated it; FlowError naming the
    child (by its number) and the field when the form refuses it."""
    process = latest_definition(session, "Process", ask.process)
    form = latest_definition(session, "Form", process.spec.start_form) if process else None
    starts = process_for_form(session, form.spec.id) if form else None
    if (form is None or not isinstance(form.spec, FormSpec) or starts is None
            or not isinstance(starts.spec, ProcessSpec) or starts.spec.id != ask.process):
        raise FlowError("child_process", step=ask.step, process=ask.process)
    result = validate(form.spec, ask.data, session_field_types(session.info))
    if not result.ok:
        field, [message, *_] = next(iter(result.as_dict("zh").items()))
        _, [message_en, *_] = next(iter(result.as_dict("en").items()))
        raise FlowError("child_data", step=ask.step, row=ask.index + 1, field=field,
                        reason=message, reason_en=message_en)
    return form.spec, result.data


def _start_one(session: Session, ask: ChildStart, form: FormSpec, data: dict[str, Any],
               parent_no: str, start: StartFor, now: datetime, depth: int) -> tuple[str, str]:
    key = f"child:{parent_no}:{ask.step}:{ask.round}:{ask.index}"
    submission = insert_submission(
        session, form, data, idempotency_key=scoped_key(form.id, "system", key),
        owner=SYSTEM, region_code=submissions.region_of(form, data), prefilled={})
    audit.record(session, action="submission.create", actor=audit.Actor("system", "system",
                                                                         "system"),
                 target=("submission", submission.tracking_no),
                 after={"form": form.id, "version": form.version,
                        "parent": parent_no, "step": ask.step})
    link = {"tracking_no": parent_no, "step": ask.step, "round": ask.round,
            "index": ask.index}
    row = start(session, submission, now, parent=link, depth=depth + 1)
    return submission.tracking_no, row.status

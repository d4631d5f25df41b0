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
from runtime.providers import default_field_types
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
        ask = flow.effects.children[done]
        done += 1
        if flow.case.steps[ask.step].round != ask.round:
            continue  # asked for by a round the same move has already left
        if depth >= MAX_DEPTH:
            raise FlowError("child_depth", step=ask.step, limit=MAX_DEPTH)
        child, status = _start_one(session, ask, tracking_no, start, flow.now, depth)
        flow.child_started(ask, child)
        if status in CASE_ENDS:
            flow.child_ended(ask.step, ask.round, ask.index, status)


def _start_one(session: Session, ask: ChildStart, parent_no: str, start: StartFor,
               now: datetime, depth: int) -> tuple[str, str]:
    process = latest_definition(session, "Process", ask.process)
    form = latest_definition(session, "Form", process.spec.start_form) if process else None
    starts = process_for_form(session, form.spec.id) if form else None
    if (form is None or not isinstance(form.spec, FormSpec) or starts is None
            or not isinstance(starts.spec, ProcessSpec) or starts.spec.id != ask.process):
        raise FlowError("child_process", step=ask.step, process=ask.process)
    result = validate(form.spec, ask.data, default_field_types())
    if not result.ok:
        field, [message, *_] = next(iter(result.as_dict("zh").items()))
        _, [message_en, *_] = next(iter(result.as_dict("en").items()))
        raise FlowError("child_data", step=ask.step, row=ask.index + 1, field=field,
                        reason=message, reason_en=message_en)
    key = f"child:{parent_no}:{ask.step}:{ask.round}:{ask.index}"
    submission = insert_submission(
        session, form.spec, result.data, idempotency_key=scoped_key(form.spec.id, "system", key),
        owner=SYSTEM, region_code=submissions.region_of(form.spec, result.data), prefilled={})
    audit.record(session, action="submission.create", actor=audit.Actor("system", "system",
                                                                         "system"),
                 target=("submission", submission.tracking_no),
                 after={"form": form.spec.id, "version": form.spec.version,
                        "parent": parent_no, "step": ask.step})
    link = {"tracking_no": parent_no, "step": ask.step, "round": ask.round,
            "index": ask.index}
    row = start(session, submission, now, parent=link, depth=depth + 1)
    return submission.tracking_no, row.status

"""The case as its applicant sees it: one status from the case's state (submitted, accepted,
in progress, waiting for a correction, done, not approved), the reason written for them, and
their resubmission after a correction, which gives the waiting step a new task.

A status is a pure function of the case, so the store keeps it on the submission in the
same transaction as every change of the case (runtime.casework.cases). Internal returns
(a department back to the dispatcher, a step back to an earlier one) are staff business:
they leave the status "in progress". Only a correction addressed to the applicant
(`actions.ask_correction`) asks them for anything. Part of the pure core.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from runtime.definitions.spec import Party
from runtime.flows.actions import NOTICE
from runtime.flows.case import (
    ACTIVE,
    APPROVE,
    CASE_DONE,
    CONFIRMING,
    CORRECTED,
    CORRECTING,
    DONE,
    REJECT,
    RUNNING,
    SKIPPED,
    Case,
    Event,
    TaskState,
)
from runtime.flows.engine import Flow
from runtime.flows.errors import FlowError
from runtime.flows.plan import Plan

SUBMITTED, ACCEPTED, IN_PROGRESS = "submitted", "accepted", "in_progress"
CORRECTION, FINISHED, NOT_APPROVED = "correction", "done", "not_approved"
CONFIRM, DECLINED = "confirm", "declined"  # 待确认 (免申即享), 已放弃
STATUSES = (SUBMITTED, ACCEPTED, IN_PROGRESS, CORRECTION, CONFIRM, FINISHED, NOT_APPROVED,
            DECLINED)
# The statuses that come with a reason written for the applicant.
WITH_NOTICE = frozenset({CORRECTION, NOT_APPROVED})


def status_of(plan: Plan, case: Case) -> str:
    """Closed cases are done or not approved; a running one waits for the applicant's
    correction, is in progress once a step after the first ones is claimed or finished, is
    accepted when the first steps are done, and is submitted until then."""
    if case.status == CASE_DONE:
        return FINISHED
    if case.status != RUNNING:  # rejected (or withdrawn): it will not be done
        return DECLINED if _declined(plan, case) else NOT_APPROVED
    if pending_corrections(case):
        return CORRECTION
    if pending_confirmation(case):
        return CONFIRM
    first = {s.id for s in plan.process.steps if not s.after}
    if any(t.step not in first and (t.claimed_at or t.completed_at) for t in case.tasks):
        return IN_PROGRESS
    if all(case.steps[s].status in (DONE, SKIPPED) for s in first):
        return ACCEPTED
    return SUBMITTED


def pending_corrections(case: Case) -> list[TaskState]:
    """The tasks waiting for the applicant: asked for a correction in their step's current
    round, the step still running (a return since, or the step decided by another party,
    leaves nothing to wait for)."""
    if case.status != RUNNING:
        return []
    return [t for t in case.tasks if t.status == CORRECTING
            and case.steps[t.step].status == ACTIVE and case.steps[t.step].round == t.round]


def pending_confirmation(case: Case) -> TaskState | None:
    """The task of a step the applicant acts on (`by: applicant`) that waits for them."""
    if case.status != RUNNING:
        return None
    return next((t for t in case.tasks if t.status == CONFIRMING
                 and case.steps[t.step].status == ACTIVE
                 and case.steps[t.step].round == t.round), None)


def _declined(plan: Plan, case: Case) -> bool:
    """Closed by the applicant's own decline, not by a department's rejection."""
    return any(s.by == "applicant" and case.steps[s.id].outcome == REJECT
               for s in plan.process.steps)


def answered(flow: Flow, confirm: bool, note: str | None = None) -> TaskState:
    """The applicant confirms (the case goes on, as if the step's task were approved) or
    declines (the step is rejected and the case ends as declined). Raises
    FlowError("no_confirmation") when nothing waits for them."""
    task = pending_confirmation(flow.case)
    if task is None:
        raise FlowError("no_confirmation")
    flow.finish_task(task, APPROVE if confirm else REJECT,
                     (note or "").strip() or ("申请人确认" if confirm else "申请人放弃"))
    return task


def notice_of(events: Iterable[Event]) -> dict[str, Any] | None:
    """What the applicant is told, from the history lines an action added: the last reason
    written for them, with the fields a correction names."""
    found = None
    for event in events:
        if event.action in (NOTICE, "correction.request"):
            found = {"reason": event.opinion or "",
                     "fields": list(event.detail.get("fields", []))}
    return found


def resubmitted(flow: Flow, changes: Mapping[str, tuple[Any, Any]]) -> list[TaskState]:
    """The applicant has corrected the application (`changes`: field -> (before, after);
    the caller has put the new data on the case): each waiting task is corrected and its
    step gets a new task for the same party, in the department's pool, its time limit
    counted afresh."""
    pending = pending_corrections(flow.case)
    if not pending:
        raise FlowError("no_correction")
    flow.event("correction.done", step=pending[0].step,
               changes={k: [before, after] for k, (before, after) in changes.items()})
    made = []
    for task in pending:
        task.status = CORRECTED
        step = flow.case.steps[task.step]
        made.append(flow.new_task(step, Party(department=task.department, role=task.role),
                                  task.order))
    return made

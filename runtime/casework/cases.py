"""The use-cases of a case: start one for a submission, apply a person's command to it, run a
transaction of the engine on it. Each loads what it needs from the tables, calls the pure
engine and writes in one transaction.

Every change to a case is version-checked: the case row's `row_version` moves with each
write, so when two clerks act on one case at once, or two branches finish together at a
join, the second write finds the version moved (StaleDataError) or its new task numbers
taken (IntegrityError); it reads the case again and retries, and an action no longer
allowed (the task already claimed or done) fails with the engine's own clear message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from runtime.casework import children
from runtime.definitions.spec import PackSpec, ProcessSpec
from runtime.flows import applicant
from runtime.flows.actions import Staff
from runtime.flows.case import CASE_ENDS, RUNNING, Actor, Case, Effects
from runtime.flows.commands import Command
from runtime.flows.engine import Flow, start_case
from runtime.flows.errors import Conflict, FlowError
from runtime.flows.plan import Plan
from runtime.flows.registry import ACTIONS, Action
from runtime.rulesets import with_rules
from runtime.store import accounts, audit, calendar, incidents, ratings, submissions
from runtime.store.cases import (
    CaseRow,
    Task,
    form_pack,
    load,
    load_by_tracking_no,
    new_row,
    plan_of,
    process_for_form,
    template_versions,
    write,
)
from runtime.store.models import utcnow
from runtime.store.queries import list_definitions

TRIES = 5
T = TypeVar("T")


@dataclass
class Loaded:
    """A case as read for one request: its row, plan, engine state and task rows by number.
    After a write it is the case as written, so the caller need not read it again."""

    row: CaseRow
    plan: Plan
    case: Case
    tasks: dict[int, Task] = field(default_factory=dict)
    effects: Effects | None = None  # what the write added (history, copies...), once written

    @classmethod
    def read(cls, session: Session, case_id: int) -> Loaded:
        return cls(*load(session, case_id))

    @classmethod
    def find(cls, session: Session, tracking_no: str) -> Loaded | None:
        """The case with this tracking number, read in one round trip; None if none."""
        found = load_by_tracking_no(session, tracking_no)
        return None if found is None else cls(*found)


# --- starting a case --------------------------------------------------------------------

def start_for(session: Session, submission: Any, now: datetime | None = None, *,
              parent: dict[str, Any] | None = None, depth: int = 0) -> CaseRow | None:
    """Start the process the submission's form starts, in the caller's transaction (the
    submit use-case's); None when no published process starts from that form. A child case
    names its `parent` step (runtime.casework.children); child cases its first steps ask for
    are started with it."""
    pack_id = form_pack(session, submission.form_id, submission.form_version)
    definition = process_for_form(session, submission.form_id, pack_id)
    if definition is None:
        return None
    process = definition.spec
    assert isinstance(process, ProcessSpec)
    templates = template_versions(session, process, definition.pack_id)
    plan = plan_of(session, process.id, process.version, templates, definition.pack_id)
    now = now or utcnow()
    calendar.ensure(session)
    case, effects = start_case(plan, with_rules(submission.data, submission.rules), now,
                               region_code=submission.region_code)
    pools_known(session, plan, case, {})
    case.parent = parent
    if effects.children:
        flow = Flow(plan, case, now)
        flow.effects = effects
        children.start_asked(session, flow, submission.tracking_no, start_for, depth=depth)
    row = new_row(session, submission, process, templates, case, now, definition.pack_id)
    write(session, row, plan, case, {}, effects, fresh=True)
    follow(session, row, plan, case, effects, before=applicant.SUBMITTED)
    return row


def follow(session: Session, row: CaseRow, plan: Plan, case: Case, effects: Effects, *,
           before: str) -> None:
    """Keep the submission's status in step with the case, in the same transaction: written
    when it moves from `before`, or when the applicant is told something new with it."""
    status = applicant.status_of(plan, case)
    notice = applicant.notice_of(effects.events) if status in applicant.WITH_NOTICE else None
    if status != before or notice is not None:
        submissions.set_status(session, row.submission_id, status, notice)
    if status != before and status == applicant.FINISHED and row.process_id == RECTIFY_PROCESS:
        _reply_to_rating(session, row, case)


def pools_known(session: Session, plan: Plan, case: Case, existing: Mapping[int, Any]) -> None:
    """A new task whose department a dispatch rule gave from the case's data (not a code the
    checker saw) must go to a department of the organisation: otherwise nobody could ever
    claim it, as it would a code no pack declares. FlowError naming the rule and the code;
    none while no department is set up or declared."""
    ruled = [t for t in case.tasks if t.no not in existing and t.department
             and _by_rule(plan, t.step)]
    if not ruled:
        return
    known = set(accounts.department_codes(session)) | {
        d.code for row in list_definitions(session, "Pack") if isinstance(row.spec, PackSpec)
        for d in row.spec.departments}
    for task in ruled:
        if known and task.department not in known:
            raise FlowError("rule_unknown_department", step=task.step,
                            source=_by_rule(plan, task.step), department=task.department)


def _by_rule(plan: Plan, step_id: str) -> str | None:
    for_each = plan.steps[step_id].for_each
    if for_each is not None:
        return for_each.department
    assignees = plan.steps[step_id].assignees
    if assignees and assignees.parties:
        return None
    return plan.template(step_id).coordination.assignee.rule


RECTIFY_PROCESS = "sr_rectify"  # the service_ratings pack's rectification of a poor rating


def _reply_to_rating(session: Session, row: CaseRow, case: Case) -> None:
    """A rectification just done: its last opinion is the reply the rated case's applicant
    reads on the tracking page, audited with the rectification's number."""
    done = [t for t in case.tasks if t.completed_at is not None and t.opinion]
    if not done:
        return
    last = max(done, key=lambda t: (t.completed_at, t.no))
    assert last.completed_at is not None
    if ratings.set_reply(session, row.id, last.opinion or "", last.completed_at):
        audit.record(session, action="rating.reply", target=("case", row.tracking_no),
                     actor=audit.Actor(str(last.completed_by), "staff")
                     if last.completed_by is not None else audit.SYSTEM)


# --- acting on a case -------------------------------------------------------------------

def apply(session: Session, case_id: int, staff: Staff, no: int, command: Command, *,
          now: datetime | None = None, loaded: Loaded | None = None,
          table: Mapping[str, Action] = ACTIONS, origin: audit.Origin = audit.NOWHERE) -> Loaded:
    """Apply `staff`'s command to task `no` in one transaction and commit; the case as
    written, audited under the action's own name with the request's `origin`. `loaded` is
    the case the request has already read: the first try acts on it, and only a conflict
    reads it again. What the engine refuses (FlowError) propagates."""
    entry = table[command.name]
    return run(session, case_id, lambda flow: entry.perform(flow, staff, no, command),
               actor=Actor(staff.user_id, staff.name), now=now, loaded=loaded,
               audit_as=(entry.audit_action, lambda flow: entry.audit(command, _done(flow))),
               origin=origin)


def act(session: Session, case_id: int, action: Callable[[Flow], T], *, actor: Actor,
        now: datetime | None = None, audited: bool = True) -> T:
    """Run `action` on the case in one transaction and commit; its result. The lower step
    of `apply`, for the engine's own moves (a timer) and for tests."""
    results: list[T] = []
    run(session, case_id, lambda flow: results.append(action(flow)), actor=actor, now=now,
        audit_as=("task.action", lambda flow: {"actions": _done(flow)[:10]}) if audited
        else None)
    return results[-1]


def _tell_parent(session: Session, case: Case, now: datetime) -> None:
    """A child case has ended: its parent step learns it, in the same transaction (a parent
    changed meanwhile makes the whole move retry). The parent may end in turn."""
    link = case.parent
    state = Loaded.find(session, link["tracking_no"]) if link else None
    if link is None or state is None:
        return
    flow = Flow(state.plan, state.case, now)
    before, was = applicant.status_of(state.plan, state.case), state.case.status
    flow.child_ended(link["step"], link["round"], link["index"], case.status)
    children.start_asked(session, flow, state.row.tracking_no, start_for)
    write(session, state.row, state.plan, state.case, state.tasks, flow.effects)
    follow(session, state.row, state.plan, state.case, flow.effects, before=before)
    if was == RUNNING and state.case.status in CASE_ENDS:
        _tell_parent(session, state.case, now)


def _done(flow: Flow) -> list[str]:
    """What the acting person did, as the history actions the flow added for them."""
    return [e.action for e in flow.effects.events if e.actor_id == flow.actor.user_id]


AuditAs = tuple[str, Callable[[Flow], dict[str, Any]]]


def run(session: Session, case_id: int, action: Callable[[Flow], Any], *, actor: Actor,
        now: datetime | None = None, loaded: Loaded | None = None,
        audit_as: AuditAs | None = None, origin: audit.Origin = audit.NOWHERE) -> Loaded:
    """Run `action` on the case, write what it changed and produced, audit a person's action
    as `audit_as` says, and commit; the case as written. A concurrent change makes it read
    again and retry; anything raised rolls back and propagates."""
    calendar.ensure(session)
    for _ in range(TRIES):
        state = loaded or Loaded.read(session, case_id)
        loaded = None  # a retry reads the case as the other writer left it
        flow = Flow(state.plan, state.case, now or utcnow(), actor)
        before = applicant.status_of(state.plan, state.case)
        was = state.case.status
        try:
            action(flow)
            pools_known(session, state.plan, state.case, state.tasks)
            children.start_asked(session, flow, state.row.tracking_no, start_for)
            write(session, state.row, state.plan, state.case, state.tasks, flow.effects)
            follow(session, state.row, state.plan, state.case, flow.effects, before=before)
            if was == RUNNING and state.case.status in CASE_ENDS:
                _tell_parent(session, state.case, flow.now)
            if audit_as is not None and actor.user_id is not None:
                name, after = audit_as
                audit.record(session, action=name, actor=audit.Actor(str(actor.user_id),
                                                                     actor.name),
                             target=("case", state.row.tracking_no), after=after(flow),
                             ip=origin.ip, user_agent=origin.user_agent)
            session.commit()
            state.effects = flow.effects
            return state
        except (StaleDataError, IntegrityError):
            session.rollback()
        except FlowError as error:
            session.rollback()
            if error.code in DATA_FAILURES:
                _record(session, state, error, now or utcnow())
            raise
        except BaseException:
            session.rollback()
            raise
    raise Conflict()


# What only the case's data can make fail (a rule, a time limit, a write-back), as opposed
# to a refusal of what the person asked for: kept as an incident, the case marked.
DATA_FAILURES = frozenset({"rule_failed", "rule_no_department", "rule_unknown_department",
                           "no_record", "bad_items", "bad_limit"})


def _record(session: Session, state: Loaded, error: FlowError, at: datetime) -> None:
    row = state.row
    incidents.record_step_failure(
        session, case_id=row.id, tracking_no=row.tracking_no,
        definition=(row.process_id, row.process_version), step=error.params.get("step"),
        department_code=row.department_code, region_code=row.region_code,
        message=(error.message("zh"), error.message("en")), at=at)

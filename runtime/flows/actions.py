"""What staff do to tasks: claim, complete, return, transfer, delegate, add a signer,
withdraw, remind, copy, ask for and decide an extension, supervise. Each begins with its
`check_*` guard (who may act, through runtime.access, and what the case allows now), which
reads the case and changes nothing, then changes it through the Flow. The registry asks the
same guards whether an action is open, so a button shown and the action done never disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from runtime import access
from runtime.definitions.spec import Party
from runtime.flows import deadlines
from runtime.flows.case import (
    ACTIVE,
    AFTER,
    ALONGSIDE,
    APPROVE,
    BEFORE,
    CANCELLED,
    CORRECTING,
    DONE,
    MAIN,
    REJECT,
    RUNNING,
    SKIPPED,
    TASK_DONE,
    TASK_WAITING,
    WAITING,
    WITHDRAWN,
    Case,
    Copy,
    StepState,
    TaskState,
)
from runtime.flows.commands import POSITIONS
from runtime.flows.engine import Flow
from runtime.flows.errors import FlowError, limit_words

MAX_EXTENSION_DAYS = 30
# What puts a member in a task's pool: a clerk's or lead's right to act on tasks, and a
# dispatcher's to dispatch (a dispatch task is addressed to the dispatcher role, and a
# dispatcher claims and completes it like any holder).
POOL_PERMISSIONS = ("tasks.act", "tasks.dispatch")
# A delegate does the work and hands it back: they cannot send the task anywhere else.
DELEGATE_MAY = frozenset({"complete", "copy", "remind"})
# A suspended task (挂起) waits: it can only be resumed, copied or reminded.
SUSPENDED_MAY = frozenset({"resume", "copy", "remind"})


@dataclass(frozen=True)
class Staff:
    """The staff user acting, with what access control needs: their principal, and the path
    of any department code (root first) for department-tree scopes."""

    principal: access.Principal
    name: str
    department_path: Callable[[str], tuple[str, ...]] = lambda code: (code,)

    @property
    def user_id(self) -> int:
        return self.principal.user_id

    def record(self, flow: Flow, task: TaskState) -> access.RecordRef:
        return self.record_of(task, flow.case.region_code)

    def record_of(self, task: TaskState, region_code: str | None) -> access.RecordRef:
        """What access control needs of a task: its department (with the path above it)
        and the case's region."""
        code = task.department
        return access.RecordRef(department_code=code,
                                department_path=self.department_path(code) if code else (),
                                region_code=region_code)

    def may(self, permission: str, flow: Flow, task: TaskState) -> bool:
        return access.allowed(self.principal, permission, self.record(flow, task))

    def in_pool(self, task: TaskState) -> bool:
        """A member of the task's department, in its role, who may act on tasks."""
        return any(m.department_code == task.department and task.role in (None, m.role)
                   for m in pool_memberships(self.principal))

    def is_party(self, party: dict[str, str | None]) -> bool:
        """A member of `party`'s department (if it names one) in its role (if it names one)."""
        return any(party.get("department") in (None, m.department_code)
                   and party.get("role") in (None, m.role) for m in self.principal.memberships)

    def is_lead_of(self, flow: Flow, task: TaskState) -> bool:
        record = self.record(flow, task)
        return any(m.role == "lead" and access.reaches(self.principal, m, record)
                   for m in self.principal.granting("tasks.act"))


def pool_memberships(principal: access.Principal) -> tuple[access.Membership, ...]:
    """The memberships whose pools `principal` works: see POOL_PERMISSIONS."""
    return tuple(dict.fromkeys(m for permission in POOL_PERMISSIONS
                               for m in principal.granting(permission)))


def may_see(staff: Staff, case: Case, task: TaskState, *, copied: bool = False) -> bool:
    """Its holder, whoever completed or delegated it, its pool, those it was copied to, who
    decides its pending extension, and anyone whose supervision or reading scope reaches its
    department or region."""
    if copied or staff.user_id in (task.user_id, task.completed_by, task.delegated_by):
        return True
    if staff.in_pool(task) or _decides_extension(staff, task):
        return True
    record = staff.record_of(task, case.region_code)
    return any(access.allowed(staff.principal, permission, record)
               for permission in ("tasks.supervise", "records.read"))


def live_task(flow: Flow, no: int, action: str) -> TaskState:
    if flow.case.status != RUNNING:
        raise FlowError("case_closed", status=flow.case.status)
    task = flow.case.task(no)
    if task is None:
        raise FlowError("not_found", task=no)
    if not task.live:
        raise FlowError("not_open", status=task.status, action=action)
    return task


def held(flow: Flow, staff: Staff, no: int, action: str) -> TaskState:
    """The task, which must be open and held by `staff` (claimed or assigned to them)."""
    task = live_task(flow, no, action)
    if task.user_id is None:
        raise FlowError("claim_first" if staff.in_pool(task) else "not_yours", action=action)
    if task.user_id != staff.user_id:
        raise FlowError("not_yours", action=action)
    if task.status == TASK_WAITING and action != "remind":
        raise FlowError("not_open", status=TASK_WAITING, action=action)
    if task.delegated_by is not None and action not in DELEGATE_MAY:
        raise FlowError("delegated", action=action)
    if task.suspended_at is not None and action not in SUSPENDED_MAY:
        raise FlowError("suspended", action=action)
    return task


def _reason(text: str | None, action: str) -> str:
    if not text or not text.strip():
        raise FlowError("reason_required", action=action)
    return text.strip()


# --- the holder's actions ---------------------------------------------------------------

def check_claim(flow: Flow, staff: Staff, no: int) -> TaskState:
    task = live_task(flow, no, "claim")
    if task.user_id is not None:
        raise FlowError("not_pool" if task.user_id != staff.user_id else "not_open",
                        status="open", action="claim")
    if not staff.in_pool(task):
        raise FlowError("not_yours", action="claim")
    return task


def claim(flow: Flow, staff: Staff, no: int) -> TaskState:
    """签收: take a task from the department's pool."""
    task = check_claim(flow, staff, no)
    task.user_id, task.claimed_at, task.claimed = staff.user_id, flow.now, True
    flow.start_clock(task)
    flow.event("claim", task=task)
    return task


def check_complete(flow: Flow, staff: Staff, no: int) -> TaskState:
    return held(flow, staff, no, "complete")


def complete(flow: Flow, staff: Staff, no: int, *, outcome: str = APPROVE,
             opinion: str | None = None, data: dict[str, Any] | None = None,
             notice: str | None = None) -> TaskState:
    """办理: finish the task with an outcome and an opinion. A delegated task goes back to
    the one who delegated it, with the delegate's opinion. `notice`, the reason written for
    the applicant, goes into the history as its own line: the applicant is shown it, never
    the opinion."""
    task = check_complete(flow, staff, no)
    if outcome not in (APPROVE, REJECT):
        raise FlowError("bad_outcome")
    if outcome == REJECT:
        opinion = _reason(opinion, "complete")
    if task.delegated_by is not None:
        flow.event("delegate.done", task=task, opinion=opinion, outcome=outcome)
        task.user_id, task.delegated_by = task.delegated_by, None
        flow.notify("task.back", task)
        return task
    if notice and notice.strip():
        flow.event(NOTICE, task=task, opinion=notice.strip())
    flow.finish_task(task, outcome, opinion, data)
    return task


NOTICE = "notice"  # the history line of what the applicant is told


def check_correction(flow: Flow, staff: Staff, no: int) -> TaskState:
    """The holder of a step's own task may ask the applicant for a correction."""
    task = held(flow, staff, no, "ask_correction")
    if task.kind != MAIN:
        raise FlowError("not_allowed", action="ask_correction")
    return task


def ask_correction(flow: Flow, staff: Staff, no: int, fields: tuple[str, ...],
                   notice: str | None) -> TaskState:
    """要求补正 (一次性告知): name the fields of the application to correct and why, in words
    for the applicant. The task waits for them: it leaves the lists and its timers stop; the
    resubmission (runtime.flows.applicant.resubmitted) gives the step a new task."""
    task = check_correction(flow, staff, no)
    if not fields:
        raise FlowError("fields_required")
    why = _reason(notice, "ask_correction")
    task.status, task.completed_by, task.completed_at = CORRECTING, staff.user_id, flow.now
    flow.event("correction.request", task=task, opinion=why, fields=list(fields))
    return task


def check_return(flow: Flow, staff: Staff, no: int, target: str | None = None) -> TaskState:
    """The holder may return to a step the plan allows (to any of them, when no target)."""
    task = held(flow, staff, no, "return")
    allowed = flow.plan.steps[task.step].can_return_to
    if target is None:
        target = allowed[0] if allowed else ""
    if target not in allowed:
        raise FlowError("cannot_return_to", target=target, allowed="、".join(allowed) or "—")
    window = flow.plan.template(task.step).coordination.return_within
    if window is not None and task.created_at is not None:
        if flow.now > flow.limit_end(task, window, task.created_at):
            zh, en = limit_words(window.unit, window.amount)
            raise FlowError("return_window", limit=zh, limit_en=en)
    return task


def return_to(flow: Flow, staff: Staff, no: int, target: str, reason: str | None) -> TaskState:
    """退回: send the case back to an earlier step with a reason. The steps between start
    again; parallel branches keep their work and their deadlines."""
    task = check_return(flow, staff, no, target)
    why = _reason(reason, "return")
    flow.event("return", task=task, opinion=why, target=target)
    flow.returned_to = target
    flow.restart(target, task.step)
    return task


def check_transfer(flow: Flow, staff: Staff, no: int) -> TaskState:
    task = live_task(flow, no, "transfer")
    dispatching = task.user_id is None and staff.may("tasks.dispatch", flow, task)
    return task if dispatching else held(flow, staff, no, "transfer")


def transfer(flow: Flow, staff: Staff, no: int, to: Party, reason: str | None,
             user_id: int | None = None) -> TaskState:
    """转办: hand the task to another department (its pool) or person for good. The holder
    may transfer; a dispatcher may transfer any pool task in scope (派单)."""
    task = check_transfer(flow, staff, no)
    why = _reason(reason, "transfer")
    if user_id == staff.user_id:
        raise FlowError("self", action="transfer")
    task.department, task.role = to.department, to.role
    task.user_id, task.claimed_at = user_id, flow.now if user_id else None
    if user_id is not None:  # held by a person now, as if claimed: a claim-counted clock runs
        flow.start_clock(task)
    flow.event("transfer", task=task, opinion=why, department=to.department, user=user_id)
    flow.notify("task.new", task)
    return task


def check_delegate(flow: Flow, staff: Staff, no: int) -> TaskState:
    return held(flow, staff, no, "delegate")


def delegate(flow: Flow, staff: Staff, no: int, user_id: int,
             note: str | None = None) -> TaskState:
    """委派: let a colleague do the task; when they finish, it comes back to the delegator.
    A delegate may not delegate again: the task would come back to them, and their
    completion would then finish it without the delegator ever seeing it."""
    task = check_delegate(flow, staff, no)
    if user_id == staff.user_id:
        raise FlowError("self", action="delegate")
    task.delegated_by, task.user_id = staff.user_id, user_id
    flow.event("delegate", task=task, opinion=note, user=user_id)
    flow.notify("task.new", task)
    return task


def check_add_signer(flow: Flow, staff: Staff, no: int) -> TaskState:
    return held(flow, staff, no, "add_signer")


def add_signer(flow: Flow, staff: Staff, no: int, user_id: int, position: str,
               note: str | None = None) -> TaskState | None:
    """加签: another person signs before this task (it waits for them), after it (their task
    starts when this one is done) or alongside it; the step ends only when they have."""
    task = check_add_signer(flow, staff, no)
    if user_id == staff.user_id:
        raise FlowError("self", action="add_signer")
    if position not in POSITIONS:
        raise FlowError("bad_position", positions="、".join(POSITIONS))
    flow.event("add_signer", task=task, opinion=note, user=user_id, position=position)
    if position == AFTER:
        task.after_signers.append(user_id)
        return None
    step = flow.case.steps[task.step]
    kind = BEFORE if position == BEFORE else ALONGSIDE
    added = flow.new_task(step, Party(department=task.department, role=task.role), task.order,
                          user_id=user_id, kind=kind, parent=task)
    if kind == BEFORE:
        task.status = TASK_WAITING
    return added


def check_withdraw(flow: Flow, staff: Staff, no: int) -> TaskState:
    return _withdrawal(flow, staff, no)[0]


def _withdrawal(flow: Flow, staff: Staff, no: int) -> tuple[TaskState, list[StepState]]:
    """The task to take back and the later steps that stop, while none of them has acted."""
    task = _withdrawable(flow, staff, no)
    step = flow.case.steps[task.step]
    later = _undone_by(flow, step.id) if step.status == DONE else []
    if any(_acted(flow, s) for s in later if s.status != SKIPPED):
        raise FlowError("withdraw_too_late")
    return task, later


def withdraw(flow: Flow, staff: Staff, no: int, reason: str | None = None) -> TaskState:
    """撤回: the one who completed a task takes it back while the steps it started have not
    acted; those steps stop and the task is theirs again."""
    task, later = _withdrawal(flow, staff, no)
    step = flow.case.steps[task.step]
    for other in later:
        for t in flow.case.round_tasks(other):
            flow.cancel(t, "withdrawn")
        other.status, other.outcome = WAITING, None
    task.status = WITHDRAWN
    step.status, step.outcome, step.finished_at = ACTIVE, None, None
    flow.event("withdraw", task=task, opinion=reason)
    again = flow.new_task(step, Party(department=task.department, role=task.role), task.order,
                          user_id=staff.user_id, kind=task.kind,
                          parent=flow.case.task(task.parent) if task.parent else None)
    flow.carry_deadline(again, task)
    _reopen_decided(flow, step)
    return again


def _withdrawable(flow: Flow, staff: Staff, no: int) -> TaskState:
    """The completed task `staff` may take back, its step not returned since."""
    if flow.case.status != RUNNING:
        raise FlowError("case_closed", status=flow.case.status)
    task = flow.case.task(no)
    if task is None or task.status != TASK_DONE:
        raise FlowError("not_found", task=no)
    if task.completed_by != staff.user_id:
        raise FlowError("not_completer")
    step = flow.case.steps[task.step]
    if step.round != task.round or step.status == WAITING:  # returned since: it is redone
        raise FlowError("withdraw_returned")
    return task


def _reopen_decided(flow: Flow, step: StepState) -> None:
    """The parties whose tasks the step's decision cancelled get them back, with their
    deadlines: without the vote taken back the step is undecided, and an all-sign or ratio
    step would wait for ever for votes nobody can give."""
    tasks = flow.case.round_tasks(step)
    for task in [t for t in tasks if t.kind == MAIN and t.status == CANCELLED]:
        if not any(t.kind == MAIN and t.order == task.order and (t.live or t.status == TASK_DONE)
                   for t in tasks):
            party = Party(department=task.department, role=task.role)
            again = flow.new_task(step, party, task.order, user_id=task.user_id)
            flow.carry_deadline(again, task)


def _undone_by(flow: Flow, step_id: str) -> list[StepState]:
    """The steps that could not stand once `step_id` is open again: its successors whose
    join no longer holds without it and, through those (a skipped one too), theirs in turn.
    A join that still holds by other steps (any, at least N) is left alone."""
    statuses = {s.id: s.status for s in flow.case.steps.values()} | {step_id: ACTIVE}
    undone: list[StepState] = []
    todo = [step_id]
    while todo:
        changed = todo.pop()
        for step in flow.case.steps.values():
            if (changed in flow.plan.steps[step.id].after and statuses[step.id] != WAITING
                    and not flow.ready(step.id, statuses)):
                statuses[step.id] = WAITING
                undone.append(step)
                todo.append(step.id)
    return undone


def _acted(flow: Flow, step: StepState) -> bool:
    """Whether anyone has acted on the step since it started: completed, claimed from the
    pool, delegated or added a signer."""
    return any(t.status == TASK_DONE or t.claimed or t.claimed_at not in (None, t.created_at)
               or t.delegated_by is not None or t.after_signers or t.kind != "main"
               for t in flow.case.round_tasks(step))


def check_copy(flow: Flow, staff: Staff, no: int) -> TaskState:
    return held(flow, staff, no, "copy")


def copy_to(flow: Flow, staff: Staff, no: int, to: Party | None = None,
            user_id: int | None = None) -> TaskState:
    """抄送: show the case to someone for information."""
    task = check_copy(flow, staff, no)
    flow.effects.copies.append(Copy(task.no, staff.user_id, user_id=user_id,
                                    department=to.department if to else None,
                                    role=to.role if to else None))
    flow.event("copy", task=task, user=user_id, department=to.department if to else None)
    return task


def check_extend(flow: Flow, staff: Staff, no: int) -> TaskState:
    task = held(flow, staff, no, "extend")
    if task.due_at is None:
        raise FlowError("no_deadline")
    if task.extension and task.extension.get("status") == "requested":
        raise FlowError("extension_pending")
    return task


def request_extension(flow: Flow, staff: Staff, no: int, days: int,
                      reason: str | None) -> TaskState:
    """延期申请: ask the department's lead for more working days."""
    task = check_extend(flow, staff, no)
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise FlowError("bad_days", limit=MAX_EXTENSION_DAYS)
    why = _reason(reason, "extend")
    task.extension = {"days": days, "reason": why, "by": staff.user_id, "status": "requested"}
    decider = flow.plan.template(task.step).coordination.extension
    if decider is not None:  # kept on the task: who may see and decide it, however it moves
        party = decider.decided_by
        task.extension["decider"] = {"department": party.department, "role": party.role}
    flow.event("extension.request", task=task, opinion=why, days=days)
    to = task.extension.get("decider") or {"department": task.department, "role": "lead"}
    flow.notify("extension.requested", task, user_id=None, **to)
    return task


def check_decide_extension(flow: Flow, staff: Staff, no: int) -> TaskState:
    task = live_task(flow, no, "decide_extension")
    decider = (task.extension or {}).get("decider")
    if decider is not None:
        if any(m.department_code == task.department for m in staff.principal.memberships):
            raise FlowError("own_department_extension")
        if not staff.is_party(decider):
            raise FlowError("not_allowed", action="decide_extension")
    elif not (staff.is_lead_of(flow, task) or staff.may("tasks.supervise", flow, task)):
        raise FlowError("not_allowed", action="decide_extension")
    if not task.extension or task.extension.get("status") != "requested":
        raise FlowError("no_extension")
    if task.extension.get("by") == staff.user_id:
        raise FlowError("own_extension")
    return task


def _decides_extension(staff: Staff, task: TaskState) -> bool:
    extension = task.extension or {}
    return (extension.get("status") == "requested" and extension.get("decider") is not None
            and staff.is_party(extension["decider"]))


def decide_extension(flow: Flow, staff: Staff, no: int, approve: bool,
                     note: str | None = None) -> TaskState:
    """延期审批: whoever the template's `extension.decided_by` names (never the handling
    department itself), else a lead over the task's department or a supervisor, approves or
    refuses."""
    task = check_decide_extension(flow, staff, no)
    assert task.extension is not None
    task.extension = {**task.extension, "status": "approved" if approve else "refused",
                      "decided_by": staff.user_id}
    if approve:
        _extend(flow, task, int(task.extension["days"]))
    flow.event("extension.decide", task=task, opinion=note, approved=approve)
    flow.notify("extension.decided", task, user_id=task.user_id)
    return task


def _extend(flow: Flow, task: TaskState, days: int) -> None:
    assert task.due_at is not None and task.clock_from is not None
    task.due_at = deadlines.extended(task.due_at, days)
    share = flow.plan.template(task.step).coordination.warning.yellow_at
    task.yellow_at = deadlines.warn_at(task.clock_from, task.due_at, share)
    task.warned = _warned_by(flow, task)
    flow._schedule(task)


def _warned_by(flow: Flow, task: TaskState) -> str | None:
    """The warning a task has had by now under its moved deadline: a task that was red is
    only yellow once extended, so that its fresh overdue timer turns it red again."""
    assert task.due_at is not None and task.yellow_at is not None
    if flow.now < task.yellow_at:
        return None
    return "yellow" if flow.now < task.due_at else task.warned


def check_suspend(flow: Flow, staff: Staff, no: int) -> TaskState:
    task = held(flow, staff, no, "suspend")
    if task.due_at is None:
        raise FlowError("no_deadline")
    return task


def suspend(flow: Flow, staff: Staff, no: int, reason: str | None) -> TaskState:
    """挂起: the holder stops the task's clock (waiting for the applicant, an expert, a test)
    with a reason; its warnings and overdue timer wait too."""
    task = check_suspend(flow, staff, no)
    why = _reason(reason, "suspend")
    task.suspended_at = flow.now
    flow.event("suspend", task=task, opinion=why)
    return task


def check_resume(flow: Flow, staff: Staff, no: int) -> TaskState:
    task = held(flow, staff, no, "resume")
    if task.suspended_at is None:
        raise FlowError("not_suspended")
    return task


def resume(flow: Flow, staff: Staff, no: int, note: str | None = None) -> TaskState:
    """恢复: the clock runs again; the due moment moves on by the time it stood still (for
    working-day limits, the working time rounded up to whole working days)."""
    task = check_resume(flow, staff, no)
    assert task.suspended_at is not None and task.due_at is not None
    assert task.clock_from is not None
    deadline = flow.plan.template(task.step).coordination.deadline
    unit = deadline.unit if deadline is not None else "working_days"
    task.due_at = deadlines.paused(task.due_at, unit, task.suspended_at, flow.now)
    share = flow.plan.template(task.step).coordination.warning.yellow_at
    task.yellow_at = deadlines.warn_at(task.clock_from, task.due_at, share)
    task.suspended_at = None
    task.warned = _warned_by(flow, task)
    flow._schedule(task)
    flow.event("resume", task=task, opinion=note)
    return task


# --- supervision ------------------------------------------------------------------------

def check_remind(flow: Flow, staff: Staff, no: int) -> TaskState:
    task = live_task(flow, no, "remind")
    if not (staff.may("tasks.supervise", flow, task) or staff.is_lead_of(flow, task)):
        raise FlowError("not_allowed", action="remind")
    return task


def remind(flow: Flow, staff: Staff, no: int, note: str | None = None) -> TaskState:
    """催办: a supervisor in scope, or a lead over the department, hurries the holder."""
    task = check_remind(flow, staff, no)
    flow.event("remind", task=task, opinion=note)
    flow.notify("task.reminded", task)
    return task


def check_supervise(flow: Flow, staff: Staff, no: int) -> TaskState:
    task = live_task(flow, no, "supervise")
    if not staff.may("tasks.supervise", flow, task):
        raise FlowError("not_allowed", action="supervise")
    return task


def supervise(flow: Flow, staff: Staff, no: int, note: str | None) -> TaskState:
    """督办: a supervisor puts the task under supervision, with a note to its holder."""
    task = check_supervise(flow, staff, no)
    task.supervised = True
    flow.event("supervise", task=task, opinion=_reason(note, "supervise"))
    flow.notify("task.supervised", task)
    return task


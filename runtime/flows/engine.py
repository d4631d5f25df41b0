"""The mechanics of a case: steps start when their predecessors allow, tasks are made for
their parties with deadlines and timers, a step ends by its multi-assignee rule, the case
ends when every step has. Human actions (runtime.flows.actions) and timers call in here."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from runtime.definitions.spec import LimitSpec, Party
from runtime.expressions import ExpressionError
from runtime.expressions.values import to_date
from runtime.flows import deadlines
from runtime.flows.case import (
    ACTIVE,
    AFTER,
    APPROVE,
    CANCELLED,
    CASE_DONE,
    CASE_ENDS,
    CASE_WITHDRAWN,
    CO_SIGNERS,
    CONFIRMING,
    DONE,
    MAIN,
    OPEN,
    REJECT,
    REJECTED,
    RUNNING,
    SKIPPED,
    STARTING,
    SYSTEM,
    TASK_DONE,
    TASK_WAITING,
    WAITING,
    WITHDRAWN,
    Actor,
    Case,
    ChildStart,
    Copy,
    Effects,
    Event,
    Job,
    Message,
    RecordUpdate,
    StepState,
    TaskState,
)
from runtime.flows.errors import FlowError
from runtime.flows.plan import Plan

RESOLVED = frozenset({DONE, SKIPPED})
# The timers of the applicant's time to answer a step they act on (confirm_within).
CONFIRM_REMIND, CONFIRM_EXPIRE = "confirm_remind", "confirm_expire"
EARLIEST = datetime.min.replace(tzinfo=UTC)


class Flow:
    """One case being moved on at one moment by one actor; `effects` collects the rest."""

    def __init__(self, plan: Plan, case: Case, now: datetime, actor: Actor = SYSTEM):
        self.plan, self.case, self.now, self.actor = plan, case, now, actor
        self.effects = Effects()
        # A variable declared after the case was stored reads as its default.
        for name, value in plan.process.defaults().items():
            case.variables.setdefault(name, value)
        # The step a return sends the case back to: its new tasks are announced as 退回.
        self.returned_to: str | None = None

    # --- starting and moving on -------------------------------------------------------

    def start(self) -> None:
        """Lay out the steps of a new case and start those that can start."""
        self.case.steps = {s.id: StepState(s.id) for s in self.plan.process.steps}
        self.event("case.start")
        self.advance()

    def advance(self) -> None:
        """Start or skip every waiting step whose predecessors allow it, until none changes;
        close the case when every step is done or skipped."""
        changed = True
        while changed and self.case.status == RUNNING:
            changed = False
            for step in self.case.steps.values():
                if step.status == WAITING and self.ready(step.id):
                    self._begin(step)
                    changed = True
        if self.case.status == RUNNING and all(s.status in RESOLVED
                                               for s in self.case.steps.values()):
            self.case.status = CASE_DONE
            self.event("case.done")

    def ready(self, step_id: str, statuses: Mapping[str, str] | None = None) -> bool:
        """Whether the steps before `step_id` let it start, by their status in the case or,
        to ask what would be, in `statuses`."""
        known = statuses or {s.id: s.status for s in self.case.steps.values()}
        before = [known[s] for s in self.plan.steps[step_id].after]
        done = before.count(DONE)
        if all(s in RESOLVED for s in before):
            return True
        join = self.plan.steps[step_id].join
        if join.mode == "any":
            return done >= 1
        return join.mode == "at_least" and done >= (join.count or 1)

    def _begin(self, step: StepState) -> None:
        step.activated_by = [s for s in self.plan.steps[step.id].after
                             if self.case.steps[s].status == DONE]
        if not self.plan.holds(step.id, self.scope()):
            step.status, step.finished_at = SKIPPED, self.now
            self.event("step.skip", step=step.id)
            return
        spec = self.plan.steps[step.id]
        if spec.for_each is not None or spec.children is not None:
            step.items = self.plan.items(step.id, self.scope())
            if not step.items:  # nothing to do item by item: no findings, no targets
                step.status, step.finished_at = SKIPPED, self.now
                self.event("step.skip", step=step.id, items=0)
                return
        step.status, step.round, step.started_at = ACTIVE, step.round + 1, self.now
        step.outcome, step.finished_at = None, None
        self.event("step.start", step=step.id)
        if spec.by == "applicant":
            self._ask_applicant(step)
            return
        if spec.children is not None:
            self._start_children(step)
            return
        parties = self.parties(step)
        first = parties[:1] if self.plan.mode(step.id) == "in_order" else parties
        for order, party in enumerate(first):
            self.new_task(step, party, order, user_id=self._previous_holder(step, order))

    def _ask_applicant(self, step: StepState) -> None:
        """A step the applicant acts on: one task, in the template's department for staff
        to follow, waiting for the applicant (runtime.flows.applicant.answered)."""
        party = next(iter(self.parties(step)), Party())
        task = TaskState(no=len(self.case.tasks) + 1, step=step.id, round=step.round,
                         department=party.department, role=party.role, status=CONFIRMING,
                         created_at=self.now)
        self.case.tasks.append(task)
        self.event("confirm.request", task=task)
        limit = self.plan.steps[step.id].confirm_within
        if limit is not None:  # 确认时限: a reminder to the applicant, then the default
            task.clock_from = self.now
            task.due_at = self.limit_end(task, limit, self.now)
            task.yellow_at = deadlines.warn_at(self.now, task.due_at, limit.remind_at)
            stamp = task.due_at.isoformat()
            self.effects.jobs.append(Job(CONFIRM_REMIND, task.yellow_at, task.no, stamp))
            self.effects.jobs.append(Job(CONFIRM_EXPIRE, task.due_at, task.no, stamp))

    def _confirm_timer(self, task: TaskState | None, job: Job) -> None:
        """The applicant's time to answer: reminded once at its share, and at its end the
        step becomes what the definition says (declined, or confirmed); a step answered
        since, or started again, ignores its old timers."""
        if (task is None or task.status != CONFIRMING or task.due_at is None
                or task.due_at != datetime.fromisoformat(job.stamp)
                or self.case.steps[task.step].round != task.round):
            return
        limit = self.plan.steps[task.step].confirm_within
        due = task.due_at.astimezone(deadlines.CHINA).strftime("%Y-%m-%d %H:%M")
        if job.kind == CONFIRM_REMIND and task.warned is None:
            task.warned = "yellow"
            self.event("confirm.remind", task=task, zh=f"请于 {due} 前确认", en=f"answer by {due}")
        elif job.kind == CONFIRM_EXPIRE and limit is not None:
            confirm = limit.unanswered == "confirm"
            zh, en = (("逾期未答复，按规定视为确认", "not answered in time: taken as confirmed")
                      if confirm else ("逾期未答复，视为放弃", "not answered in time: declined"))
            self.event("confirm.expired", task=task, zh=zh, en=en)
            self.finish_task(task, APPROVE if confirm else REJECT, zh)

    # --- child cases ------------------------------------------------------------------

    def _start_children(self, step: StepState) -> None:
        """Ask for one child case per item; the store starts them with the case."""
        children = self.plan.steps[step.id].children
        assert children is not None
        step.children = []
        for index, item in enumerate(step.items):
            data = self.plan.child_data(step.id, {**self.scope(), "item": item})
            step.children.append({"case": None, "status": STARTING})
            self.effects.children.append(ChildStart(
                step.id, step.round, index, children.process,
                {k: stored_value(v) for k, v in data.items()}))

    def child_started(self, start: ChildStart, tracking_no: str) -> None:
        """The store started the child case asked for by `start`."""
        step = self.case.steps[start.step]
        if step.round == start.round and start.index < len(step.children):
            step.children = [*step.children]  # a new list: the stored one stays as read
            step.children[start.index] = {"case": tracking_no, "status": RUNNING}
            self.event("child.start", step=step.id, case=tracking_no,
                       zh=f"发起子案件 {tracking_no}", en=f"started child case {tracking_no}")

    def child_ended(self, step_id: str, round_: int, index: int, status: str) -> None:
        """A child case of the step ended (done, rejected or withdrawn): the step ends when
        its join is met (approved) or can no longer be (rejected). A child of an earlier
        round (the step was returned to and started again) no longer counts."""
        step = self.case.steps.get(step_id)
        if (step is None or step.status != ACTIVE or step.round != round_
                or index >= len(step.children) or status not in CASE_ENDS
                or step.children[index]["status"] not in (RUNNING, STARTING)):
            return
        step.children = [*step.children]  # a new list: the stored one stays as read
        entry = step.children[index] = {**step.children[index], "status": status}
        self.event("child.end", step=step_id, case=entry["case"], status=status,
                   zh=f"子案件 {entry['case']} 已结束（{_CASE_WORDS[status][0]}）",
                   en=f"child case {entry['case']} ended ({_CASE_WORDS[status][1]})")
        children = self.plan.steps[step_id].children
        assert children is not None
        total = len(step.children)
        needed = {"all": total, "any": 1}.get(children.join.mode,
                                              min(children.join.count or 1, total))
        done = sum(c["status"] == CASE_DONE for c in step.children)
        ended = sum(c["status"] in CASE_ENDS for c in step.children)
        if done >= needed:
            self.finish_step(step, APPROVE)
        elif ended - done > total - needed:
            self.finish_step(step, REJECT)

    def _previous_holder(self, step: StepState, order: int) -> int | None:
        """A step started again after a return goes back to whoever completed it before.
        A party that had not completed it (the one that returned the case, say) goes to its
        pool, or, when the step says `after_return: holder`, to whoever held it then."""
        held = [t for t in self.case.tasks if t.step == step.id and t.order == order
                and t.kind == MAIN and t.round < step.round
                and (t.status == TASK_DONE or (t.status == CANCELLED and t.user_id))]
        if not held:
            return None
        last = held[-1]
        if last.status == TASK_DONE:
            return last.completed_by
        return last.user_id if self.plan.steps[step.id].after_return == "holder" else None

    def parties(self, step: StepState) -> list[Party]:
        return self.plan.parties(step.id, self.scope(), step.items)

    def scope(self) -> dict[str, Any]:
        return case_scope(self.case)

    # --- tasks ------------------------------------------------------------------------

    def new_task(self, step: StepState, party: Party, order: int, *, user_id: int | None = None,
                 kind: str = MAIN, parent: TaskState | None = None) -> TaskState:
        task = TaskState(no=len(self.case.tasks) + 1, step=step.id, round=step.round,
                         department=party.department, role=party.role, user_id=user_id,
                         kind=kind, parent=parent.no if parent else None, order=order,
                         created_at=self.now, claimed_at=self.now if user_id else None,
                         item=step.items[order] if order < len(step.items) else None)
        self.case.tasks.append(task)
        if parent is not None and parent.due_at is not None:
            task.clock_from, task.due_at, task.yellow_at = (parent.clock_from, parent.due_at,
                                                            parent.yellow_at)
            self._schedule(task)
        elif self._clock_starts(task, "created") or user_id is not None:
            self.start_clock(task)
        self._claim_timer(task)
        self.event("task.create", task=task, kind=kind)
        self.notify("task.returned" if step.id == self.returned_to else "task.new", task)
        if kind == MAIN:
            self._copy_as_defined(task)
        return task

    def _clock_starts(self, task: TaskState, moment: str) -> bool:
        deadline = self.plan.template(task.step).coordination.deadline
        return deadline is not None and deadline.from_ == moment

    def start_clock(self, task: TaskState) -> None:
        """Set the task's deadline by its template, counted from now or from the date its
        template reads in the case data, and its timers."""
        coordination = self.plan.template(task.step).coordination
        deadline = coordination.deadline
        if deadline is None or task.due_at is not None:
            return
        task.clock_from = self.now
        if deadline.from_date is not None:
            task.clock_from = deadlines.start_of(self._date(task, deadline.from_date))
        task.due_at = self.limit_end(task, deadline, task.clock_from)
        task.yellow_at = deadlines.warn_at(task.clock_from, task.due_at,
                                           coordination.warning.yellow_at)
        self._schedule(task)

    def limit_end(self, task: TaskState, limit: LimitSpec, start: datetime) -> datetime:
        """When `limit` (a deadline, the claim or the return limit) counted from `start`
        runs out for `task`: its amount given, or read from the case by its expression."""
        amount = limit.amount
        if isinstance(amount, str):
            scope = {**self.scope(), "item": task.item}
            amount = self._whole(task.step, amount, self.plan.value(task.step, amount, scope))
        return deadlines.due_by(start, limit.unit, amount)

    def _whole(self, step_id: str, source: str, value: Any) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if type(value) is not int or not 0 <= value <= deadlines.MAX_AMOUNT["calendar_days"]:
            raise FlowError("bad_limit", step=step_id, source=source, value=repr(value))
        return value

    def _date(self, task: TaskState, source: str) -> date:
        value = self.plan.value(task.step, source, {**self.scope(), "item": task.item})
        try:
            return to_date(value, "from_date", 1)
        except ExpressionError:
            raise FlowError("bad_limit", step=task.step, source=source,
                            value=repr(value)) from None

    def restart_clock(self, task: TaskState) -> None:
        """A task handed to someone new by the process itself (an overdue reassign): its
        time limit counts again, from now or from their claim as its template says; the
        timers of the old deadline go stale (their stamp no longer matches)."""
        task.clock_from = task.due_at = task.yellow_at = task.warned = None
        if self._clock_starts(task, "created"):
            self.start_clock(task)

    def carry_deadline(self, task: TaskState, source: TaskState) -> None:
        """Give `task` the deadline of the task it stands in for (one taken back by 撤回), and
        timers stamped for that deadline: the ones it got when it was made would be stale."""
        self.effects.jobs = [j for j in self.effects.jobs if j.task_no != task.no]
        task.clock_from, task.due_at, task.yellow_at = (source.clock_from, source.due_at,
                                                        source.yellow_at)
        task.warned = source.warned
        if task.due_at is not None:
            self._schedule(task)

    def _claim_timer(self, task: TaskState) -> None:
        """A task in a pool with a claim limit gets a timer for when the limit runs out."""
        limit = self.plan.template(task.step).coordination.claim_within
        if limit is not None and task.user_id is None and task.kind == MAIN:
            at = self.limit_end(task, limit, self.now)
            self.effects.jobs.append(Job("claim", at, task.no, at.isoformat()))

    def _schedule(self, task: TaskState) -> None:
        assert task.due_at is not None and task.yellow_at is not None
        stamp = task.due_at.isoformat()
        self.effects.jobs.append(Job("yellow", task.yellow_at, task.no, stamp))
        self.effects.jobs.append(Job("overdue", task.due_at, task.no, stamp))

    def _copy_as_defined(self, task: TaskState) -> None:
        for party in self.plan.template(task.step).coordination.copy:
            self.effects.copies.append(Copy(task.no, None, department=party.department,
                                            role=party.role))

    def cancel(self, task: TaskState, why: str) -> None:
        if task.live:
            task.status = CANCELLED
            self.event("task.cancel", task=task, why=why)

    def finish_task(self, task: TaskState, outcome: str, opinion: str | None,
                    data: dict[str, Any] | None = None) -> None:
        """A task is done: added signers after it start, a task waiting for it reopens, and
        its step may end."""
        task.status, task.outcome, task.opinion = TASK_DONE, outcome, opinion
        task.data = dict(data or {})
        task.completed_by, task.completed_at = self.actor.user_id, self.now
        self.event("task.complete", task=task, opinion=opinion, outcome=outcome)
        step = self.case.steps[task.step]
        party = Party(department=task.department, role=task.role)
        for user_id in task.after_signers:
            self.new_task(step, party, task.order, user_id=user_id, kind=AFTER, parent=task)
        self._unblock(task)
        self.settle(step)

    def _unblock(self, task: TaskState) -> None:
        parent = self.case.task(task.parent) if task.parent else None
        if parent is None or parent.status != TASK_WAITING:
            return
        if not any(t.parent == parent.no and t.live for t in self.case.tasks):
            parent.status = OPEN
            self.notify("task.back", parent)

    # --- ending a step ----------------------------------------------------------------

    def settle(self, step: StepState) -> None:
        """End the step when its multi-assignee rule is decided and no added signer is left;
        a signer added after or alongside who rejects rejects the step (one added before
        only advises the holder, who decides after reading them)."""
        tasks = [t for t in self.case.round_tasks(step)
                 if t.status not in (CANCELLED, WITHDRAWN)]
        main = [t for t in tasks if t.kind == MAIN]
        outcome = self._decided(step, main)
        if outcome is None:
            return
        for task in main:
            self.cancel(task, "decided")
        if any(t.live for t in tasks):
            return
        if any(t.kind in CO_SIGNERS and t.outcome == REJECT for t in tasks):
            outcome = REJECT  # a signer added after or alongside signs the step too
        self.finish_step(step, outcome)

    def _decided(self, step: StepState, main: list[TaskState]) -> str | None:
        done = [t for t in main if t.status == TASK_DONE]
        mode = self.plan.mode(step.id)
        if mode == "any":
            return done[0].outcome if done else None
        if mode == "in_order":
            return self._in_order(step, main, done)
        total = len(self.parties(step))
        needed = self._needed(step.id, mode, total)
        approvals = sum(t.outcome == APPROVE for t in done)
        if approvals >= needed:
            return APPROVE
        return REJECT if len(done) - approvals > total - needed else None

    def _needed(self, step_id: str, mode: str, total: int) -> int:
        """Approvals that pass the step: all, a share (ratio) or a count (at_least)."""
        assignees = self.plan.steps[step_id].assignees
        if mode == "at_least" and assignees is not None:
            return min(assignees.count or 1, total)
        if mode == "ratio" and assignees is not None and assignees.ratio:
            return math.ceil(assignees.ratio * total - 1e-9)
        return total

    def _in_order(self, step: StepState, main: list[TaskState],
                  done: list[TaskState]) -> str | None:
        if any(t.live for t in main):
            return None
        if done and done[-1].outcome == REJECT:
            return REJECT
        parties = self.parties(step)
        following = max((t.order for t in main), default=-1) + 1
        if following < len(parties):
            self.new_task(step, parties[following], following,
                          user_id=self._previous_holder(step, following))
            return None
        return APPROVE

    def finish_step(self, step: StepState, outcome: str) -> None:
        step.status, step.outcome, step.finished_at = DONE, outcome, self.now
        self.event("step.done", step=step.id, outcome=outcome)
        self._set_variables(step)
        if outcome == APPROVE:
            self._write_back(step)
        feedback = self.plan.template(step.id).coordination.feedback
        if feedback is not None and feedback.message is not None and outcome == APPROVE:
            self.event("feedback", step=step.id, zh=feedback.message.zh,
                       en=feedback.message.en)
        if self._loop_back(step):
            return
        if outcome == REJECT:
            self.close_rejected(step)
        else:
            self.advance()

    def _set_variables(self, step: StepState) -> None:
        """The case variables the step sets, read from the case with the step just done, all
        read before any is set (so one may read another's previous value)."""
        sets = self.plan.steps[step.id].set_
        if not sets:
            return
        scope = self.scope()
        values = {name: stored_value(self.plan.value(step.id, source, scope))
                  for name, source in sets.items()}
        self.case.variables.update(values)
        self.event("variables.set", step=step.id, fields=sorted(values), values=values)

    def _write_back(self, step: StepState) -> None:
        """A step that updates the record the case refers to: its new values, read from the
        case now, for the store to write with the case."""
        write_back = self.plan.steps[step.id].write_back
        if write_back is None:
            return
        tracking_no = self.case.data.get(write_back.record)
        if not isinstance(tracking_no, str) or not tracking_no:
            raise FlowError("no_record", step=step.id, field=write_back.record)
        scope = self.scope()
        values = {name: self.plan.value(step.id, source, scope)
                  for name, source in write_back.fields.items()}
        self.effects.updates.append(RecordUpdate(step.id, tracking_no, values))
        self.event("write_back", step=step.id, record=tracking_no, fields=sorted(values))

    def _loop_back(self, step: StepState) -> bool:
        """Follow the first of the step's routes whose condition holds and whose `max` is not
        used up: the steps from its target to this one run again. Whether one was taken."""
        for route in self.plan.steps[step.id].routes:
            taken = step.loops.get(route.to, 0)
            if taken < route.max and self.plan.value(step.id, route.when, self.scope()):
                step.loops = {**step.loops, route.to: taken + 1}
                self.event("loop", step=step.id, target=route.to, count=taken + 1,
                           limit=route.max)
                self.restart(route.to, step.id)
                return True
        return False

    def restart(self, target: str, step_id: str) -> None:
        """`target`, `step_id` and every step between run again (a return or a route): their
        live tasks are cancelled and they wait to start; parallel branches keep their work."""
        for between in self.plan.between(target, step_id):
            state = self.case.steps[between]
            for task in self.case.round_tasks(state):
                self.cancel(task, "returned")
            state.status, state.outcome = WAITING, None
        self.advance()

    def close_rejected(self, step: StepState) -> None:
        for task in self.case.live_tasks():
            self.cancel(task, "rejected")
        self.case.status = REJECTED
        self.event("case.rejected", step=step.id)

    # --- timers -----------------------------------------------------------------------

    def fire(self, job: Job) -> None:
        """A yellow or overdue timer comes due; stale ones (task done, deadline moved) and
        ones already raised do nothing, so firing twice raises a warning once."""
        task = self.case.task(job.task_no)
        if job.kind in (CONFIRM_REMIND, CONFIRM_EXPIRE):
            self._confirm_timer(task, job)
            return
        if job.kind == "claim":
            self._claim_late(task)
            return
        if (task is None or not task.live or task.due_at is None or task.suspended_at
                or task.due_at != datetime.fromisoformat(job.stamp)):
            return
        if job.kind == "yellow" and task.warned is None:
            task.warned = "yellow"
            self.event("warning.yellow", task=task)
            self.notify("task.yellow", task)
        elif job.kind == "overdue" and task.warned != "red":
            task.warned = "red"
            self.event("warning.red", task=task)
            self.notify("task.red", task)
            self._on_overdue(task)

    def _claim_late(self, task: TaskState | None) -> None:
        """A task still in its pool when its claim limit runs out: the pool and whoever the
        template escalates to are told, once."""
        if task is None or not task.live or task.user_id is not None or task.claim_late:
            return
        task.claim_late = True
        self.event("warning.claim", task=task)
        self.notify("task.claim_late", task)
        escalation = self.plan.template(task.step).coordination.escalation
        if escalation is not None:
            self.notify("task.claim_late", task, user_id=None,
                        department=escalation.department or task.department,
                        role=escalation.role)

    def _on_overdue(self, task: TaskState) -> None:
        coordination = self.plan.template(task.step).coordination
        for auto in coordination.on_overdue:
            if not task.live:
                return
            if auto.action == "escalate" and coordination.escalation:
                task.escalated = True
                # A role alone ({role: lead}) means that role in the task's own department.
                department = coordination.escalation.department or task.department
                self.event("escalate", task=task, department=department)
                self.notify("task.escalated", task, department=department,
                            role=coordination.escalation.role, user_id=None)
            elif auto.action == "reassign" and auto.to:
                task.department, task.role, task.user_id = (auto.to.department, auto.to.role,
                                                            None)
                self.restart_clock(task)
                self.event("reassign", task=task, department=auto.to.department)
                self.notify("task.new", task)
            elif auto.action == "auto_pass":
                self.finish_task(task, APPROVE, "超时自动通过")

    # --- history and notifications ----------------------------------------------------

    def event(self, action: str, *, task: TaskState | None = None, step: str | None = None,
              opinion: str | None = None, **detail: Any) -> None:
        self.effects.events.append(Event(
            self.now, action, self.actor.user_id, self.actor.name,
            step=task.step if task else step, task_no=task.no if task else None,
            opinion=opinion, detail=detail))

    def notify(self, key: str, task: TaskState, **to: Any) -> None:
        """Tell the task's holder (or its pool), or whoever `to` names."""
        user_id = to.get("user_id", task.user_id)
        department = to.get("department", task.department)
        role = to.get("role", task.role)
        self.effects.messages.append(Message(key, task.no, user_id=user_id,
                                             department=None if user_id else department,
                                             role=None if user_id else role))


def start_case(plan: Plan, data: dict[str, Any], now: datetime, *,
               region_code: str | None = None) -> tuple[Case, Effects]:
    """A new case for a submission, with its first tasks made."""
    case = Case(plan.process.id, plan.process.version, dict(data), region_code=region_code)
    flow = Flow(plan, case, now)
    flow.start()
    return case, flow.effects


_CASE_WORDS = {CASE_DONE: ("办结", "done"), REJECTED: ("不予通过", "rejected"),
               CASE_WITHDRAWN: ("撤回", "withdrawn")}


def stored_value(value: Any) -> Any:
    """A value as JSON keeps it: a date or a moment as its ISO text, as a form stores one."""
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def case_scope(case: Case) -> dict[str, Any]:
    """What step conditions and assignee rules read: the submission, the case variables
    (`vars`), and each step's status
    and outcome and, from the task that decided its latest round, the handler form's data
    (every field, None where left empty), who completed it and in which department (empty
    until the step is done: a rule reading a field of a skipped step fails closed, naming
    itself, so it asks `steps['x']['status'] == 'done' and ...` first)."""
    return {**case.data, "steps": {s.id: _facts(case, s) for s in case.steps.values()},
            "vars": dict(case.variables)}


def _facts(case: Case, step: StepState) -> dict[str, Any]:
    done = [t for t in case.round_tasks(step) if t.kind == MAIN
            and t.status == TASK_DONE] if step.status == DONE else []
    last = max(done, key=lambda t: (t.completed_at or EARLIEST, t.no), default=None)
    return {"status": step.status, "outcome": step.outcome, "round": step.round,
            "data": dict(last.data) if last else {},
            "holder": last.completed_by if last else None,
            "department": last.department if last else None,
            "children": [{**child, "item": item}
                         for child, item in zip(step.children, step.items, strict=False)],
            "child_counts": {status: sum(c["status"] == status for c in step.children)
                             for status in (RUNNING, CASE_DONE, REJECTED, CASE_WITHDRAWN)}}

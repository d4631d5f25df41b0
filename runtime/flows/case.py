"""The running state of one case (案件): its steps and tasks, and what an action produces.

Plain mutable dataclasses with JSON-friendly fields, so the store can map them to rows
field by field; the process definition they run on is not held here but in a `Plan`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Statuses, each constant named for the value stored (a task and a step both "wait", and a
# step, a task and a case are all "done": the TASK_ and CASE_ prefixes tell them apart).
# Step statuses
WAITING, ACTIVE, DONE, SKIPPED = "waiting", "active", "done", "skipped"
# Task statuses: open (in a pool or with a person), waiting (for a signer added before it);
# a task whose holder asked the applicant for a correction waits for them ("correction",
# not live: no list shows it, no timer of it fires) and is "corrected" once they resubmit.
OPEN, TASK_WAITING, TASK_DONE, CANCELLED, WITHDRAWN = (
    "open", "waiting", "done", "cancelled", "withdrawn")
CORRECTING, CORRECTED = "correction", "corrected"
# A step the applicant acts on (`by: applicant`) has one task that waits for them to confirm
# or decline; like a correction it is not live for staff (no list, no timer).
CONFIRMING = "confirming"
LIVE = frozenset({OPEN, TASK_WAITING})
# Task kinds: the step's own, or a signer added before, after or alongside another task
MAIN, BEFORE, AFTER, ALONGSIDE = "main", "before", "after", "alongside"
CO_SIGNERS = frozenset({AFTER, ALONGSIDE})  # added signers whose reject rejects the step
# Case statuses
RUNNING, CASE_DONE, REJECTED, CASE_WITHDRAWN = "running", "done", "rejected", "withdrawn"
CASE_ENDS = frozenset({CASE_DONE, REJECTED, CASE_WITHDRAWN})
STARTING = "starting"  # a child case asked for, its tracking number not known yet
APPROVE, REJECT = "approve", "reject"


@dataclass
class StepState:
    id: str
    status: str = WAITING
    round: int = 0  # how many times the step has been started (a return starts it again)
    outcome: str | None = None
    activated_by: list[str] = field(default_factory=list)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    loops: dict[str, int] = field(default_factory=dict)  # times each route sent it back, by target
    items: list[Any] = field(default_factory=list)  # a per-item step's items, this round
    # A step that starts child cases: one entry per item, this round: {case, status}, the
    # child's tracking number once started and its case status (running until it ends).
    children: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class TaskState:
    no: int  # numbered within the case, in order of creation
    step: str
    round: int
    department: str | None
    role: str | None
    user_id: int | None = None  # None: in the department's pool, to be claimed
    kind: str = MAIN
    parent: int | None = None  # for an added signer: the task it was added to
    order: int = 0  # which of the step's parties (in-order steps go one by one)
    status: str = OPEN
    delegated_by: int | None = None
    created_at: datetime | None = None
    claimed_at: datetime | None = None
    # Taken from the pool by a claim, not given to a person when made: a claim is acting on
    # it even at the very moment it was made (a withdraw is too late then).
    claimed: bool = False
    clock_from: datetime | None = None  # when the deadline started counting
    due_at: datetime | None = None
    yellow_at: datetime | None = None
    warned: str | None = None  # the warning already raised: yellow or red
    claim_late: bool = False  # still in the pool when its claim limit ran out
    suspended_at: datetime | None = None  # 挂起: its clock stopped then, until resumed
    escalated: bool = False
    supervised: bool = False
    extension: dict[str, Any] | None = None  # {days, reason, by, status}
    after_signers: list[int] = field(default_factory=list)
    outcome: str | None = None
    opinion: str | None = None
    data: dict[str, Any] = field(default_factory=dict)  # the handler's form
    item: Any = None  # the item a per-item step made this task for
    completed_by: int | None = None
    completed_at: datetime | None = None

    @property
    def live(self) -> bool:
        return self.status in LIVE


@dataclass
class Case:
    process_id: str
    process_version: int
    data: dict[str, Any]  # the submission that started it
    region_code: str | None = None
    status: str = RUNNING
    steps: dict[str, StepState] = field(default_factory=dict)
    tasks: list[TaskState] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)  # named case variables (vars)
    # A child case: the case and step that started it, {case_id, step, round, index}.
    parent: dict[str, Any] | None = None

    def task(self, no: int) -> TaskState | None:
        return next((t for t in self.tasks if t.no == no), None)

    def round_tasks(self, step: StepState) -> list[TaskState]:
        return [t for t in self.tasks if t.step == step.id and t.round == step.round]

    def live_tasks(self) -> list[TaskState]:
        return [t for t in self.tasks if t.live]


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff user, or the system (a timer) when `user_id` is None."""

    user_id: int | None
    name: str


SYSTEM = Actor(None, "system")


@dataclass(frozen=True)
class Event:
    """One line of the case's history: who did what, when, with what opinion."""

    at: datetime
    action: str
    actor_id: int | None
    actor_name: str
    step: str | None = None
    task_no: int | None = None
    opinion: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Job:
    """A timer: at `at`, fire `kind` (yellow, overdue) for a task. `stamp` is the due moment it
    was set for, so a timer left over from before an extension does nothing."""

    kind: str
    at: datetime
    task_no: int
    stamp: str


@dataclass(frozen=True)
class RecordUpdate:
    """New values for fields of a record the case refers to (回写), by its tracking number."""

    step: str
    tracking_no: str
    values: dict[str, Any]


@dataclass(frozen=True)
class ChildStart:
    """A child case to start (子案件): of `process`, with `data` as its start form's data, for
    item `index` of round `round` of the parent's `step`. The store starts it in the same
    transaction and tells the engine its tracking number (`Flow.child_started`)."""

    step: str
    round: int
    index: int
    process: str
    data: dict[str, Any]


@dataclass(frozen=True)
class Message:
    """A notification to a user, or to everyone in a department (with a role) when no user."""

    key: str
    task_no: int | None
    user_id: int | None = None
    department: str | None = None
    role: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Copy:
    """抄送: the case is shown to a user or a department pool, for information."""

    task_no: int
    by: int | None
    user_id: int | None = None
    department: str | None = None
    role: str | None = None


@dataclass
class Effects:
    events: list[Event] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    copies: list[Copy] = field(default_factory=list)
    updates: list[RecordUpdate] = field(default_factory=list)
    children: list[ChildStart] = field(default_factory=list)

"""What a staff user may do with a task now, and whether they may see it at all.

The actions open now are found by trying each one on a copy of the case: the engine is pure,
so a trial costs microseconds and can never disagree with what the action itself would
decide. The trials use harmless stand-in arguments (a reason, one working day, a user id no
one has), so they answer "is this action open to this person now", not "is this input right".
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime
from typing import Any

from runtime import access
from runtime.definitions.spec import Party
from runtime.flows import actions
from runtime.flows.actions import Staff
from runtime.flows.case import AFTER, Actor, Case, TaskState
from runtime.flows.engine import Flow
from runtime.flows.errors import FlowError
from runtime.flows.plan import Plan

NOBODY = -1  # a user id no account has: a colleague to delegate to, in a trial
REASON = "-"

Trial = Callable[[Flow, Staff, int], Any]


def _return(flow: Flow, staff: Staff, no: int) -> Any:
    task = flow.case.task(no)
    targets = flow.plan.steps[task.step].can_return_to if task else ()
    return actions.return_to(flow, staff, no, targets[0] if targets else "", REASON)


def _transfer(flow: Flow, staff: Staff, no: int) -> Any:
    task = flow.case.task(no)
    to = Party(department=task.department if task else None, role=task.role if task else None)
    return actions.transfer(flow, staff, no, to, REASON)


TRIALS: dict[str, Trial] = {
    "claim": lambda f, s, n: actions.claim(f, s, n),
    "complete": lambda f, s, n: actions.complete(f, s, n, opinion=REASON),
    "return": _return,
    "transfer": _transfer,
    "delegate": lambda f, s, n: actions.delegate(f, s, n, NOBODY),
    "add_signer": lambda f, s, n: actions.add_signer(f, s, n, NOBODY, AFTER),
    "withdraw": lambda f, s, n: actions.withdraw(f, s, n),
    "extend": lambda f, s, n: actions.request_extension(f, s, n, 1, REASON),
    "decide_extension": lambda f, s, n: actions.decide_extension(f, s, n, True),
    "remind": lambda f, s, n: actions.remind(f, s, n),
    "supervise": lambda f, s, n: actions.supervise(f, s, n, REASON),
    "copy": lambda f, s, n: actions.copy_to(f, s, n, user_id=NOBODY),
}
ACTIONS = tuple(TRIALS)


def open_actions(plan: Plan, case: Case, staff: Staff, no: int, now: datetime) -> list[str]:
    """The actions `staff` may take on task `no` now, in the order of ACTIONS."""
    return [name for name, trial in TRIALS.items() if _passes(plan, case, staff, no, now, trial)]


def _passes(plan: Plan, case: Case, staff: Staff, no: int, now: datetime,
            trial: Trial) -> bool:
    flow = Flow(plan, copy.deepcopy(case), now, Actor(staff.user_id, staff.name))
    try:
        trial(flow, staff, no)
    except FlowError:
        return False
    return True


def may_see(staff: Staff, case: Case, task: TaskState, *, copied: bool = False) -> bool:
    """Its holder, whoever completed or delegated it, its pool, those it was copied to, and
    anyone whose supervision or reading scope reaches its department or region."""
    if copied or staff.user_id in (task.user_id, task.completed_by, task.delegated_by):
        return True
    if staff.in_pool(task):
        return True
    record = staff.record_of(task, case.region_code)
    return any(access.allowed(staff.principal, permission, record)
               for permission in ("tasks.supervise", "records.read"))

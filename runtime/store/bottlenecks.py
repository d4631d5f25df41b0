"""The rows the bottleneck report aggregates (runtime.views.bottlenecks), in one query per
table: the tasks created in a period or still live, and the returns made in it, each in the
viewer's data scope.

A task is in scope when its own department or region is (`scope_filter`), or its case is
(the case's department or region, `case_ids`): a department lead sees their own tasks of
anyone's cases, and every task of the cases their department leads, so that they see which
other department holds their joint cases up; other departments' tasks of other cases stay
hidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from runtime.access import Visibility
from runtime.flows.case import LIVE
from runtime.i18n import Label
from runtime.store.cases import CaseEvent, CaseRow, Task
from runtime.store.models import aware
from runtime.store.scoping import case_ids, scope_filter, within
from runtime.views.bottlenecks import ReturnFact, TaskFact

RETURN = "return"  # the history action of a return (runtime.flows.actions)


@dataclass(frozen=True)
class Period:
    start: datetime  # inclusive
    end: datetime  # exclusive


def _in_scope(seen: Visibility) -> ColumnElement[bool]:
    return or_(scope_filter(seen, department=Task.department, region=Task.region_code),
               Task.case_id.in_(case_ids(seen)))


def tasks(session: Session, seen: Visibility, period: Period) -> list[TaskFact]:
    """The tasks in scope created in the period, and those still live whenever created."""
    seen = within(session, seen)
    created = and_(Task.created_at >= period.start, Task.created_at < period.end)
    query = (select(Task.case_id, Task.tracking_no, CaseRow.process_id, Task.step,
                    Task.title_zh, Task.title_en, Task.department, Task.role, Task.user_id,
                    Task.status, Task.round, Task.created_at, Task.claimed_at, Task.claimed,
                    Task.completed_at, Task.due_at)
             .join(CaseRow, CaseRow.id == Task.case_id)
             .where(_in_scope(seen), or_(created, Task.status.in_(sorted(LIVE))),
                    Task.created_at.is_not(None)))
    start, end = period.start, period.end
    facts = []
    for row in session.execute(query):
        made = aware(row.created_at)
        facts.append(TaskFact(
            row.case_id, row.tracking_no, row.process_id, row.step,
            Label(row.title_zh, row.title_en), row.department, row.role, row.user_id,
            row.status, row.round or 0, made, aware(row.claimed_at), bool(row.claimed),
            aware(row.completed_at), aware(row.due_at), start <= made < end))
    return facts


def returns(session: Session, seen: Visibility, period: Period) -> list[ReturnFact]:
    """The returns made in the period out of tasks in scope, by step and department."""
    seen = within(session, seen)
    query = (select(CaseRow.process_id, CaseEvent.step, Task.department)
             .join(CaseRow, CaseRow.id == CaseEvent.case_id)
             .join(Task, and_(Task.case_id == CaseEvent.case_id, Task.no == CaseEvent.task_no))
             .where(CaseEvent.action == RETURN, CaseEvent.at >= period.start,
                    CaseEvent.at < period.end, _in_scope(seen)))
    return [ReturnFact(process_id, step or "", department)
            for process_id, step, department in session.execute(query)]

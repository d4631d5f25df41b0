"""Timers run by the worker: a warning raised once however often its job runs, the overdue
escalation the template asks for, and an extension that leaves the old timer with nothing to
do and sets a new one."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from runtime import worker
from runtime.definitions.spec import TaskTemplateSpec
from runtime.flows import actions
from runtime.store import cases, jobs
from runtime.store.cases import CaseRow, Task
from runtime.store.queries import latest_definition

from .casework import act, events, notifications, publish, staff, start, tasks

CLERK, LEAD = staff(1, "GOVSVC"), staff(2, "GOVSVC", "lead")
SECOND = timedelta(seconds=1)


@pytest.fixture
def case(session: Session) -> CaseRow:
    publish(session)
    return start(session)


def accept_task(session: Session, case: CaseRow) -> Task:
    return tasks(session, case.id, "accept")[0]


def moments(task: Task) -> tuple[datetime, datetime]:
    assert task.yellow_at is not None and task.due_at is not None
    return cases.aware(task.yellow_at), cases.aware(task.due_at)


def timer(session: Session, case: CaseRow, name: str, due: datetime) -> jobs.Job:
    """The case's `name` timer set for the due moment `due` (its stamp)."""
    [job] = [j for j in session.scalars(select(jobs.Job).where(
        jobs.Job.case_id == case.id, jobs.Job.name == name)
        .execution_options(populate_existing=True))
        if datetime.fromisoformat(j.stamp or "") == due]
    return job


def test_past_the_yellow_moment_one_warning_and_one_notification(
        session: Session, case: CaseRow) -> None:
    yellow, due = moments(accept_task(session, case))
    now = yellow + SECOND
    assert now < due
    assert worker.run_once(session, "w1", now=now) == 1
    assert events(session, "warning.yellow", case.id) == 1
    [note] = notifications(session, "task.yellow", case.id)
    assert (note.task_no, note.department, note.role) == (1, "GOVSVC", "clerk")
    assert accept_task(session, case).warned == "yellow"
    assert worker.run_once(session, "w1", now=now) == 0  # nothing is due any more
    # Even if its job ran again, the engine raises a warning once.
    session.execute(update(jobs.Job).where(jobs.Job.name == "yellow").values(
        status=jobs.PENDING))
    session.commit()
    assert worker.run_once(session, "w2", now=now) == 1
    assert events(session, "warning.yellow", case.id) == 1
    assert len(notifications(session, "task.yellow", case.id)) == 1
    assert events(session, "warning.red", case.id) == 0


def test_past_the_due_moment_the_task_is_red_and_escalated(session: Session,
                                                            case: CaseRow) -> None:
    template = latest_definition(session, "TaskTemplate", "accept")
    assert template is not None and isinstance(template.spec, TaskTemplateSpec)
    assert [a.action for a in template.spec.coordination.on_overdue] == ["escalate"]
    _, due = moments(accept_task(session, case))
    assert worker.run_once(session, "w1", now=due + SECOND) == 2  # yellow, then overdue
    assert [events(session, name, case.id) for name in
            ("warning.yellow", "warning.red", "escalate")] == [1, 1, 1]
    [escalated] = notifications(session, "task.escalated", case.id)
    assert (escalated.department, escalated.role, escalated.user_id) == ("GOVSVC", "lead", None)
    task = accept_task(session, case)
    assert task.warned == "red" and task.escalated and task.status == "open"
    assert worker.run_once(session, "w1", now=due + 2 * SECOND) == 0
    assert events(session, "escalate", case.id) == 1


def test_an_approved_extension_leaves_the_old_timer_nothing_to_do(
        session: Session, case: CaseRow) -> None:
    yellow, due = moments(accept_task(session, case))
    act(session, case.id, CLERK, actions.claim, 1)
    act(session, case.id, CLERK, actions.request_extension, 1, 2, "材料需要补正")
    act(session, case.id, LEAD, actions.decide_extension, 1, True)
    new_yellow, new_due = moments(accept_task(session, case))
    assert new_due > due
    new_overdue = timer(session, case, "overdue", new_due)
    assert (new_overdue.status, cases.aware(new_overdue.run_at)) == (jobs.PENDING, new_due)
    assert cases.aware(timer(session, case, "yellow", new_due).run_at) == new_yellow

    now = due + SECOND
    worker.run_once(session, "w1", now=now)
    assert timer(session, case, "overdue", due).status == jobs.DONE  # ran, did nothing
    assert timer(session, case, "yellow", due).status == jobs.DONE
    assert events(session, "warning.red", case.id) == 0
    assert events(session, "warning.yellow", case.id) == (1 if new_yellow <= now else 0)
    assert timer(session, case, "overdue", new_due).status == jobs.PENDING

    worker.run_once(session, "w1", now=new_due + SECOND)
    assert [events(session, name, case.id) for name in
            ("warning.yellow", "warning.red", "escalate")] == [1, 1, 1]
    assert timer(session, case, "overdue", new_due).status == jobs.DONE
    assert yellow < new_yellow

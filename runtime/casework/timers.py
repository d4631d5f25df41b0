"""Running a timer a worker has claimed: the engine fires it on its case, and the job is
marked done in the same transaction, so a warning happens exactly when its job is done."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from runtime.casework.cases import act
from runtime.flows.case import SYSTEM, Job
from runtime.flows.engine import Flow
from runtime.store import jobs
from runtime.store.models import utcnow


def run_timer(session: Session, job: jobs.Claimed, now: datetime | None = None) -> None:
    """Fire the claimed timer `job` on its case as the system, at `now`; commits."""
    assert job.case_id is not None and job.task_no is not None and job.stamp is not None
    timer = Job(job.name, now or utcnow(), job.task_no, job.stamp)

    def fire(flow: Flow) -> None:
        flow.fire(timer)
        jobs.mark_done(session, job.id)

    act(session, job.case_id, fire, actor=SYSTEM, now=now)

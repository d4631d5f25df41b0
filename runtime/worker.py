"""`lowcode worker`: claims due timers and deliveries and runs each through its use-case
(runtime.casework), in any number of processes beside the web workers."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from runtime.casework.schedules import start_due
from runtime.casework.timers import run_timer
from runtime.casework.webhooks import deliver_webhook
from runtime.forms.fieldtypes import FieldTypes
from runtime.providers import FIELD_TYPES_INFO, default_field_types
from runtime.store import jobs, measures, ratelimit, task_counts
from runtime.store.files import FileStore, remove_unclaimed
from runtime.store.models import utcnow

log = logging.getLogger(__name__)
UPKEEP_SECONDS = 300  # how often a running worker tidies up (and once at its start)
RATE_WINDOWS_KEPT = timedelta(days=2)  # longer than the longest rate-limit window
# A day is rolled up into the measures' daily figures this long after it ends: time for the
# transactions that began before midnight to commit.
ROLLUP_MARGIN = timedelta(minutes=10)


@dataclass(frozen=True)
class Upkeep:
    """What a worker tidies besides its jobs: uploads that no submission claimed within
    `keep` (their rows and bytes), and rate-limit windows long past."""

    files: FileStore
    keep: timedelta


def tidy(session: Session, upkeep: Upkeep, now: datetime | None = None) -> int:
    """One round of upkeep; how many unclaimed uploads went. Rolls the days that have
    ended up into the measures' daily figures (and today so far into the bottleneck
    page's) and sums the live task counts. Commits."""
    now = now or utcnow()
    removed = remove_unclaimed(session, upkeep.files, before=now - upkeep.keep)
    ratelimit.prune(session, before=now - RATE_WINDOWS_KEPT)
    measures.roll_up(session, until=now - ROLLUP_MARGIN)
    task_counts.compact(session)
    session.commit()
    if removed:
        log.info("removed %d upload(s) no submission claimed", removed)
    return removed


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def run_once(session: Session, worker: str, now: datetime | None = None,
             stop: threading.Event | None = None) -> int:
    """Claim the due jobs and run each; how many were claimed. Once `stop` is set, the jobs
    of the batch not yet run are given back for another worker to take at once."""
    claimed = jobs.claim(session, worker, now=now)
    for done, job in enumerate(claimed):
        if stop is not None and stop.is_set():
            given = jobs.release(session, claimed[done:], worker)
            log.info("worker %s stopping: gave back %d job(s)", worker, given)
            break
        run_job(session, job, now)
    return len(claimed)


def run_job(session: Session, job: jobs.Claimed, now: datetime | None = None) -> str:
    """Run one claimed job: done, or failed and now pending (backoff), dead or lost."""
    try:
        if job.kind == "timer":
            run_timer(session, job, now)
        else:
            deliver_webhook(session, job.id)
    except Exception as error:  # one failing job must not stop the others: retried later
        session.rollback()
        state = jobs.mark_failed(session, job.id, f"{type(error).__name__}: {error}",
                                 job.attempts, now=now)
        log.warning("job %s (%s %s, case %s) failed, now %s: %s", job.id, job.kind,
                    job.name, job.case_id, state, error)
        return state
    log.info("job %s (%s %s, case %s, task %s) done", job.id, job.kind, job.name,
             job.case_id, job.task_no)
    return jobs.DONE


def run(sessions: Callable[[], Session], *, poll: float = 1.0, once: bool = False,
        stop: threading.Event | None = None, upkeep: Upkeep | None = None,
        types: FieldTypes | None = None) -> int:
    """Work until `stop` is set (or, with `once`, until nothing is due); how many jobs were
    claimed. Each poll also starts the scheduled processes' due periods (their start forms
    read with `types`, the app's field types; by default the built-in ones). With `upkeep`,
    tidy at the start and every UPKEEP_SECONDS. A database that goes away is waited for,
    polling, rather than the end of the worker; with `once` its error is raised."""
    worker, total, tidied = worker_name(), 0, float("-inf")
    stop = stop or threading.Event()
    types = types or default_field_types()
    log.info("worker %s started (poll %ss%s)", worker, poll, ", once" if once else "")
    while not stop.is_set():
        try:
            with sessions() as session:
                session.info[FIELD_TYPES_INFO] = types  # child cases' data reads them
                if upkeep is not None and time.monotonic() - tidied >= UPKEEP_SECONDS:
                    tidy(session, upkeep)
                    tidied = time.monotonic()
                start_due(session, types)
                count = run_once(session, worker, stop=stop)
        except SQLAlchemyError as error:
            if once:
                raise
            log.error("worker %s: database error, trying again in %ss: %s", worker, poll,
                      error)
            stop.wait(poll)
            continue
        total += count
        if once and count == 0:
            break
        if count == 0:
            stop.wait(poll)
    log.info("worker %s stopped after %d job(s)", worker, total)
    return total

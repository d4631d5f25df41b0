"""Timers and outbound deliveries as rows that any number of workers claim safely.

A job is claimed with a row lock (`FOR UPDATE SKIP LOCKED` on PostgreSQL; a conditional
update on SQLite) and a lease: a worker that dies leaves its job to be claimed again when
the lease runs out. A timer's effect and the job's `done` are written in one transaction,
and the engine ignores a timer already raised, so a warning happens once however many
workers race. A delivery that fails is retried with exponential backoff and, after
MAX_ATTEMPTS, parked as `dead` for an administrator to see and retry. Running a timer and
delivering a webhook are use-cases in `runtime.casework` (timers, webhooks).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import (
    Boolean,
    ColumnElement,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    and_,
    func,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Mapped, Session, mapped_column

from runtime.access import Visibility
from runtime.flows import case as flow_case
from runtime.store import audit, scoping
from runtime.store.models import Base, JSONData, utcnow

PENDING, RUNNING, DONE, DEAD = "pending", "running", "done", "dead"
LOST = "lost"  # what mark_failed says when another worker holds the job now
STATUSES = (PENDING, RUNNING, DONE, DEAD)
MAX_ATTEMPTS = 6
BACKOFF = timedelta(seconds=30)  # then 1, 2, 4, 8 minutes
LEASE_ENV = "LOWCODE_JOB_LEASE_SECONDS"
# How long a claimed job is a worker's: one that dies leaves it for this long. Longer than the
# slowest job; the kill -9 harness shortens it to see lost jobs taken again within its run.
LEASE = timedelta(seconds=float(os.environ.get(LEASE_ENV) or 300))
SUBSCRIBERS_TTL = 2.0  # seconds the active subscriptions are trusted (see `_subscribers`)
# The history events sent to subscribed systems.
PUBLISHED_EVENTS = frozenset({"case.start", "task.create", "claim", "task.complete", "return",
                              "transfer", "step.done", "case.done", "case.rejected",
                              "warning.yellow", "warning.red", "escalate", "supervise"})


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_due", "status", "run_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # timer | webhook
    name: Mapped[str] = mapped_column(String(40))  # yellow, overdue; or the event
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    task_no: Mapped[int | None] = mapped_column(Integer)
    stamp: Mapped[str | None] = mapped_column(String(40))
    webhook_id: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]]
    run_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    locked_by: Mapped[str | None] = mapped_column(String(64))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Webhook(Base):
    """An existing system that wants to hear of case events, signed with its own secret."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(200))
    events: Mapped[dict[str, Any]] = mapped_column(JSONData)  # a JSON list; empty: all
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# --- adding jobs ------------------------------------------------------------------------

def schedule(connection: Connection, case_id: int, timers: Iterable[flow_case.Job],
             events: Iterable[flow_case.Event]) -> None:
    """Add the engine's timers, and one delivery per subscribed system for each event, in
    one multi-row INSERT on the caller's transaction: nothing reads them back in it."""
    rows = [_row("timer", timer.kind, case_id, run_at=timer.at.astimezone(UTC),
                 task_no=timer.task_no, stamp=timer.stamp) for timer in timers]
    published = [e for e in events if e.action in PUBLISHED_EVENTS]
    if published:
        now = utcnow()
        rows += [_row("webhook", event.action, case_id, run_at=now, webhook_id=hook_id,
                      payload=_event_payload(case_id, event))
                 for hook_id, wanted in _subscribers(connection)
                 for event in published if not wanted or event.action in wanted]
    if rows:
        connection.execute(_INSERT, rows)


def _row(kind: str, name: str, case_id: int, *, run_at: datetime, task_no: int | None = None,
         stamp: str | None = None, webhook_id: int | None = None,
         payload: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"kind": kind, "name": name, "case_id": case_id, "task_no": task_no,
            "stamp": stamp, "webhook_id": webhook_id, "payload": payload or {},
            "run_at": run_at}


def _event_payload(case_id: int, event: flow_case.Event) -> dict[str, Any]:
    return {"case": case_id, "event": event.action, "at": event.at.isoformat(),
            "step": event.step, "task": event.task_no, "actor": event.actor_name,
            "opinion": event.opinion, "detail": event.detail}


def _subscribers(connection: Connection) -> list[tuple[int, list[str]]]:
    """The active subscriptions (id, events wanted) of the connection's database, read at
    most once per SUBSCRIBERS_TTL: every completion publishes events, and subscriptions
    change a few times a year. One added or switched off in this process is seen at once
    (`subscriptions_changed`); one added by another process (the `lowcode webhook` command)
    within the TTL, and events of that moment do not reach it, as events committed before
    it do not. A hook switched off elsewhere may get jobs in that moment: `deliver` sends
    nothing for a hook that is off."""
    known = _SUBSCRIBERS.get(connection.engine)
    if known is None or known[1] <= time.monotonic() or known[2] != _generation:
        hooks = [(hook_id, list(wanted or ())) for hook_id, wanted
                 in connection.execute(_SUBSCRIBED)]
        known = _SUBSCRIBERS[connection.engine] = (
            hooks, time.monotonic() + SUBSCRIBERS_TTL, _generation)
    return known[0]


def subscriptions_changed() -> None:
    """A subscription was added or switched off in this process: read them again."""
    global _generation
    _generation += 1


_generation = 0
# database -> (active subscriptions, trusted until, generation); forgotten with the engine
_SUBSCRIBERS: WeakKeyDictionary[Engine, tuple[list[tuple[int, list[str]]], float, int]] = (
    WeakKeyDictionary())
_SUBSCRIBED = select(Webhook.id, Webhook.events).where(Webhook.active.is_(True))
_INSERT = insert(Job.__table__)  # built once: every completion adds jobs


# --- claiming ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Claimed:
    id: int
    kind: str
    name: str
    case_id: int | None
    task_no: int | None
    stamp: str | None
    attempts: int


def claim(session: Session, worker: str, *, now: datetime | None = None,
          limit: int = 20) -> list[Claimed]:
    """Take up to `limit` due jobs for `worker` and commit; no other worker gets them until
    their lease runs out."""
    now = (now or utcnow()).astimezone(UTC)  # SQLite compares the stored UTC text
    due = or_(and_(Job.status == PENDING, Job.run_at <= now),
              and_(Job.status == RUNNING, Job.locked_until < now))
    picked = select(Job.id).where(due).order_by(Job.run_at, Job.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        # Rows another worker holds are skipped, not waited for: each takes its own batch.
        chosen: Any = list(session.scalars(picked.with_for_update(skip_locked=True)))
    else:
        # One statement: SQLite takes its write lock before the subquery reads, so two
        # workers never pick the same row, and a worker that waited picks the rows left.
        chosen = picked.scalar_subquery()
    # The condition is asked again in the UPDATE, so a row is only ever taken while due.
    # The rows as the UPDATE left them (not as this session may have loaded them before).
    rows = session.execute(update(Job).where(Job.id.in_(chosen), due).values(
        status=RUNNING, locked_by=worker, locked_until=now + LEASE,
        attempts=Job.attempts + 1).returning(
        Job.id, Job.kind, Job.name, Job.case_id, Job.task_no, Job.stamp, Job.attempts,
        Job.run_at).execution_options(synchronize_session=False)).all()
    session.commit()
    rows = sorted(rows, key=lambda r: (r.run_at, r.id))
    return [Claimed(r.id, r.kind, r.name, r.case_id, r.task_no, r.stamp, r.attempts)
            for r in rows]


def release(session: Session, claimed: Iterable[Claimed], worker: str) -> int:
    """Give back jobs claimed but not run (a worker stopping mid-batch) so that another
    takes them at once, without counting the attempt; commits. How many were given back."""
    released = 0
    for job in claimed:
        result = session.execute(update(Job).where(
            Job.id == job.id, Job.status == RUNNING, Job.locked_by == worker,
            Job.attempts == job.attempts).values(
            status=PENDING, locked_by=None, locked_until=None, attempts=job.attempts - 1)
            .execution_options(synchronize_session=False))
        released += result.rowcount  # type: ignore[attr-defined]
    session.commit()
    return released


# --- finishing --------------------------------------------------------------------------

def mark_done(session: Session, job_id: int) -> None:
    """In the caller's transaction, so the job is done exactly when its effect is stored."""
    session.execute(update(Job).where(Job.id == job_id).values(
        status=DONE, finished_at=utcnow(), locked_until=None, last_error=None)
        .execution_options(synchronize_session=False))


def mark_failed(session: Session, job_id: int, error: str, attempts: int, *,
                now: datetime | None = None) -> str:
    """Retry later with backoff, or park as dead after MAX_ATTEMPTS; commits. `attempts` is
    the count the worker claimed the job with: a worker whose lease ran out, and whose job
    another worker has claimed since, changes nothing (LOST)."""
    dead = attempts >= MAX_ATTEMPTS
    values: dict[str, Any] = {"status": DEAD if dead else PENDING, "last_error": error[:2000],
                              "locked_until": None}
    if not dead:
        values["run_at"] = (now or utcnow()).astimezone(UTC) + BACKOFF * (2 ** (attempts - 1))
    result = session.execute(update(Job).where(
        Job.id == job_id, Job.status == RUNNING, Job.attempts == attempts).values(**values)
        .execution_options(synchronize_session=False))
    session.commit()
    if not result.rowcount:  # type: ignore[attr-defined]
        return LOST
    return DEAD if dead else PENDING


def retry(session: Session, job_id: int, *, actor: audit.Actor | None = None,
          origin: audit.Origin = audit.NOWHERE) -> bool:
    """An administrator sends a dead job again; commits, audited as `actor` when given (in
    the same transaction). False, and nothing written, if the job is not dead."""
    result = session.execute(update(Job).where(Job.id == job_id, Job.status == DEAD).values(
        status=PENDING, attempts=0, run_at=utcnow(), last_error=None)
        .execution_options(synchronize_session=False))
    retried = bool(result.rowcount)  # type: ignore[attr-defined]
    if retried and actor is not None:
        audit.record(session, action="job.retry", actor=actor, target=("job", job_id),
                     ip=origin.ip, user_agent=origin.user_agent)
    session.commit()
    return retried


def scope(seen: Visibility) -> ColumnElement[bool]:
    """Jobs of the cases `seen` reaches; a job of no case only for a scope over everything."""
    return true() if seen.everything else Job.case_id.in_(scoping.case_ids(seen))


def dead_letters(session: Session, seen: Visibility, limit: int = 100) -> list[Job]:
    return list(session.scalars(select(Job).where(Job.status == DEAD, scope(seen))
                                .order_by(Job.id.desc()).limit(limit)))


def visible_job(session: Session, job_id: int, seen: Visibility) -> Job | None:
    return session.scalars(select(Job).where(Job.id == job_id, scope(seen))).first()


def webhooks(session: Session, ids: Iterable[int]) -> dict[int, Webhook]:
    """The subscriptions with these ids, by id."""
    return {h.id: h for h in session.scalars(select(Webhook).where(Webhook.id.in_(list(ids))))}


def counts(session: Session, seen: Visibility) -> dict[str, int]:
    """How many jobs `seen` reaches are in each status (every status named, zero included)."""
    found: dict[str, int] = {status: count for status, count in session.execute(
        select(Job.status, func.count()).where(scope(seen)).group_by(Job.status))}
    return {status: found.get(status, 0) for status in STATUSES}


# --- webhooks ---------------------------------------------------------------------------

def signature(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over `timestamp.body`, hex: what a receiver recomputes to trust us."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def subscribe(session: Session, name: str, url: str, secret: str,
              events: Iterable[str] = ()) -> Webhook:
    if not url.startswith(("http://", "https://")):
        raise ValueError("a webhook URL starts with http:// or https://")
    hook = Webhook(name=name, url=url, secret=secret, events=list(events))
    session.add(hook)
    session.commit()
    subscriptions_changed()
    return hook


def subscriptions(session: Session) -> list[Webhook]:
    return list(session.scalars(select(Webhook).order_by(Webhook.id)))


def switch_off(session: Session, hook_id: int) -> bool:
    """Stop a subscription; commits. `deliver` sends nothing more for a hook that is off."""
    hook = session.get(Webhook, hook_id)
    if hook is None:
        return False
    hook.active = False
    session.commit()
    subscriptions_changed()
    return True

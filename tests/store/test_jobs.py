"""Jobs: signed webhook deliveries to a receiver on 127.0.0.1, retries with backoff until a
failing delivery is dead, an administrator's retry, leases that run out, a worker giving back
what it did not run, and the worker loop outliving a database that is away."""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from runtime import worker
from runtime.access import Visibility
from runtime.casework.webhooks import FAILED
from runtime.destinations import ALLOW_ENV
from runtime.flows.deadlines import CHINA
from runtime.store import cases, jobs
from runtime.store.db import make_engine, session_factory
from runtime.store.models import utcnow

from .casework import publish, start
from .receivers import SECRET, closed_port, delivery, receiver

EVERYTHING = Visibility(everything=True)


def job(session: Session, job_id: int) -> jobs.Job:
    found = session.get(jobs.Job, job_id, populate_existing=True)
    assert found is not None
    return found


def test_a_case_event_is_delivered_signed_to_the_subscribed_system(session: Session) -> None:
    publish(session)
    with receiver() as system:
        jobs.subscribe(session, "birth registry", system.url, SECRET,
                       events=["case.start", "task.create"])
        case = start(session)
        assert worker.run_once(session, "w1") == 2  # the timers are not due yet
    assert len(system.received) == 2
    for headers, body in system.received:
        stamp = headers["X-Lowcode-Timestamp"]
        assert headers["X-Lowcode-Signature"] == jobs.signature(SECRET, stamp, body)
        assert headers["X-Lowcode-Signature"] != jobs.signature("another secret", stamp, body)
        assert headers["Content-Type"] == "application/json; charset=utf-8"
        assert abs(int(stamp) - utcnow().timestamp()) < 60
    payloads = [json.loads(body) for _, body in system.received]
    assert sorted(p["event"] for p in payloads) == ["case.start", "task.create"]
    assert {p["case"] for p in payloads} == {case.id}
    delivered = session.scalars(select(jobs.Job).where(jobs.Job.kind == "webhook")).all()
    assert {j.status for j in delivered} == {jobs.DONE}
    assert {h["X-Lowcode-Delivery"] for h, _ in system.received} == {str(j.id)
                                                                    for j in delivered}


def webhook_jobs(session: Session) -> list[tuple[int | None, str]]:
    return [(j.webhook_id, j.name) for j in session.scalars(
        select(jobs.Job).where(jobs.Job.kind == "webhook").order_by(jobs.Job.id))]


def test_a_subscription_added_or_switched_off_in_this_process_counts_at_once(
        session: Session) -> None:
    publish(session)
    start(session, key="before")  # the (empty) subscriptions are remembered now
    hook = jobs.subscribe(session, "registry", "https://registry.example/hook", SECRET,
                          events=["case.start"])
    start(session, key="subscribed")
    assert webhook_jobs(session) == [(hook.id, "case.start")]
    assert jobs.switch_off(session, hook.id)
    start(session, key="switched off")
    assert webhook_jobs(session) == [(hook.id, "case.start")]


def test_a_subscription_added_by_another_process_counts_once_the_ttl_ran_out(
        session: Session, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    publish(session)
    start(session, key="before")
    with engine.begin() as other:  # the `lowcode webhook add` of another process
        hook_id = other.execute(insert(jobs.Webhook).values(
            name="registry", url="https://registry.example/hook", secret=SECRET,
            events=["case.start"], active=True, created_at=utcnow())).inserted_primary_key[0]
    start(session, key="within the ttl")
    assert webhook_jobs(session) == []
    later = time.monotonic() + jobs.SUBSCRIBERS_TTL
    monkeypatch.setattr(jobs, "time", SimpleNamespace(monotonic=lambda: later))
    start(session, key="after the ttl")
    assert webhook_jobs(session) == [(hook_id, "case.start")]


def test_an_inactive_subscription_is_done_without_a_delivery(session: Session) -> None:
    with receiver() as system:
        job_id = delivery(session, system.url, active=False)
        assert worker.run_once(session, "w1") == 1
    assert system.received == [] and job(session, job_id).status == jobs.DONE


def fail_until_dead(session: Session, job_id: int) -> list[timedelta]:
    """Run the worker each time the job is due again; the waits it was given."""
    now, waits = utcnow(), []
    while job(session, job_id).status == jobs.PENDING:
        assert worker.run_once(session, "w1", now=now) == 1
        failed = job(session, job_id)
        if failed.status == jobs.PENDING:
            waits.append(cases.aware(failed.run_at) - now)
            assert worker.run_once(session, "w1", now=now + waits[-1] - timedelta(seconds=1)) == 0
            now += waits[-1]
    return waits


@pytest.mark.parametrize("answer", ["500", "closed port", "not HTTP", "redirect"])
def test_a_failing_receiver_is_retried_with_backoff_then_dead(
        session: Session, answer: str) -> None:
    status = {"500": 500, "redirect": 302}.get(answer, 200)
    with receiver(status, garbage=answer == "not HTTP") as system:
        url = closed_port() if answer == "closed port" else system.url
        job_id = delivery(session, url)
        waits = fail_until_dead(session, job_id)
    assert waits == [jobs.BACKOFF * 2 ** n for n in range(jobs.MAX_ATTEMPTS - 1)]
    dead = job(session, job_id)
    assert (dead.status, dead.attempts, dead.locked_until) == (jobs.DEAD, jobs.MAX_ATTEMPTS,
                                                               None)
    # One message whatever happened: the jobs page is no port scanner (the log has why).
    assert dead.last_error == f"DeliveryError: {FAILED}"
    assert [j.id for j in jobs.dead_letters(session, EVERYTHING)] == [job_id]
    assert system.methods == []  # a redirect is never followed (as a GET, without the body)
    if answer != "closed port":
        assert len(system.received) == jobs.MAX_ATTEMPTS


def test_a_destination_is_checked_again_at_delivery(
        session: Session, resolver: dict[str, list[str]], monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """A name that pointed at a public system when it was added and points inside now
    (here: at the receiver on 127.0.0.1) gets nothing, with the one generic message."""
    with receiver() as system:
        port = system.url.split(":")[2].split("/")[0]
        resolver["hooks.example.gov.cn"] = ["127.0.0.1"]
        job_id = delivery(session, f"http://hooks.example.gov.cn:{port}/hook/")
        monkeypatch.setenv(ALLOW_ENV, "")
        with caplog.at_level(logging.WARNING, "runtime.casework.webhooks"):
            assert worker.run_job(session, jobs.claim(session, "w1")[0]) == jobs.PENDING
        assert system.received == []
        assert job(session, job_id).last_error == f"DeliveryError: {FAILED}"
        assert "127.0.0.1 (loopback, private, link-local...)" in caplog.text  # for the operator
        monkeypatch.setenv(ALLOW_ENV, "127.0.0.1/32")  # an allow-list entry lets it through
        assert worker.run_job(session, jobs.claim(session, "w1", now=utcnow() + jobs.BACKOFF)[0]
                              ) == jobs.DONE
    (headers, _body), = system.received
    assert headers["Host"] == f"hooks.example.gov.cn:{port}"  # the name, at the checked address


def test_a_dead_job_is_retried_by_an_administrator(session: Session) -> None:
    job_id = delivery(session, closed_port())
    fail_until_dead(session, job_id)
    assert jobs.counts(session, EVERYTHING) == {"pending": 0, "running": 0, "done": 0, "dead": 1}
    assert jobs.retry(session, job_id)
    back = job(session, job_id)
    assert (back.status, back.attempts, back.last_error) == (jobs.PENDING, 0, None)
    assert not jobs.retry(session, job_id)  # only a dead job is sent again
    assert jobs.dead_letters(session, EVERYTHING) == []
    with receiver() as system:
        session.execute(jobs.update(jobs.Webhook).values(url=system.url))
        session.commit()
        assert worker.run_once(session, "w1") == 1
    assert job(session, job_id).status == jobs.DONE and len(system.received) == 1
    assert jobs.counts(session, EVERYTHING) == {"pending": 0, "running": 0, "done": 1, "dead": 0}


def test_a_worker_whose_lease_ran_out_loses_the_job_to_another(session: Session) -> None:
    with receiver() as system:
        job_id = delivery(session, system.url)
        now = utcnow()
        [first] = jobs.claim(session, "worker-a", now=now)
        assert first.attempts == 1 and job(session, job_id).locked_by == "worker-a"
        assert jobs.claim(session, "worker-b", now=now + jobs.LEASE - timedelta(seconds=1)) == []
        [second] = jobs.claim(session, "worker-b", now=now + jobs.LEASE + timedelta(seconds=1))
        assert (second.id, second.attempts) == (job_id, 2)
        assert job(session, job_id).locked_by == "worker-b"
        # Worker A comes back and fails: it changes nothing of B's job.
        assert jobs.mark_failed(session, job_id, "late", first.attempts) == jobs.LOST
        assert job(session, job_id).status == jobs.RUNNING
        assert worker.run_job(session, second) == jobs.DONE
        assert jobs.mark_failed(session, job_id, "later still", first.attempts) == jobs.LOST
    finished = job(session, job_id)
    assert (finished.status, finished.last_error) == (jobs.DONE, None)
    assert len(system.received) == 1


def test_claims_compare_moments_in_utc_whatever_the_zone_given(session: Session) -> None:
    job_id = delivery(session, closed_port())
    run_at = cases.aware(job(session, job_id).run_at)
    just_before = (run_at - timedelta(seconds=1)).astimezone(CHINA)  # 8 hours ahead on the clock
    assert jobs.claim(session, "w1", now=just_before) == []
    assert [c.id for c in jobs.claim(session, "w1", now=run_at.astimezone(CHINA))] == [job_id]


class StopAfter(threading.Event):
    """A stop event that is set once it has been asked `times` times."""

    def __init__(self, times: int):
        super().__init__()
        self.left = times

    def is_set(self) -> bool:
        self.left -= 1
        if self.left < 0:
            self.set()
        return super().is_set()


def test_a_stopping_worker_gives_back_the_jobs_it_did_not_run(session: Session) -> None:
    with receiver() as system:
        ids = [delivery(session, system.url) for _ in range(3)]
        assert worker.run_once(session, "w1", stop=StopAfter(1)) == 3
        assert [job(session, i).status for i in ids] == [jobs.DONE, jobs.PENDING, jobs.PENDING]
        assert [job(session, i).attempts for i in ids] == [1, 0, 0]
        assert job(session, ids[1]).locked_by is None
        assert worker.run_once(session, "w2") == 2  # another takes them at once
    assert len(system.received) == 3
    assert jobs.release(session, [jobs.Claimed(ids[0], "webhook", "x", 1, None, None, 1)],
                        "w1") == 0  # a done job is not given back


def test_the_worker_loop_runs_everything_due_once(engine: Engine, session: Session) -> None:
    with receiver() as system:
        for _ in range(3):
            delivery(session, system.url)
        assert worker.run(session_factory(engine), once=True, poll=0.01) == 3
    assert len(system.received) == 3


def test_the_worker_loop_waits_for_a_database_that_is_away(
        engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    away = make_engine(f"sqlite:///{tmp_path / 'no such folder' / 'x.db'}")
    calls: list[int] = []
    stop = threading.Event()

    def sessions() -> Session:
        calls.append(1)
        if len(calls) == 3:
            stop.set()
        return session_factory(away if len(calls) == 1 else engine)()

    caplog.set_level(logging.INFO, "runtime.worker")
    assert worker.run(sessions, poll=0.01, stop=stop) == 0
    assert len(calls) == 3
    [error] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "database error, trying again" in error.getMessage()
    assert "stopped after 0 job(s)" in caplog.records[-1].getMessage()
    with pytest.raises(SQLAlchemyError):
        worker.run(lambda: session_factory(away)(), once=True)
    away.dispose()


def test_a_timer_that_fails_is_retried_later(session: Session, caplog: pytest.LogCaptureFixture
                                             ) -> None:
    publish(session)
    case = start(session)
    session.execute(jobs.update(jobs.Job).where(jobs.Job.case_id == case.id).values(
        case_id=case.id + 1000))  # its case is gone
    session.commit()
    [yellow, _] = session.scalars(select(jobs.Job).order_by(jobs.Job.run_at)).all()
    now = cases.aware(yellow.run_at) + timedelta(seconds=1)
    caplog.set_level(logging.INFO, "runtime.worker")
    assert worker.run_once(session, "w1", now=now) == 1
    failed = job(session, yellow.id)
    assert (failed.status, failed.attempts) == (jobs.PENDING, 1)
    assert cases.aware(failed.run_at) == now + jobs.BACKOFF
    assert failed.last_error == f"LookupError: {case.id + 1000}"
    assert any("failed, now pending" in r.getMessage() for r in caplog.records)

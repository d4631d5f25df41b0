"""`lowcode worker`: on the configured database, `--once` runs what is due and exits, and a
running worker stops cleanly on SIGTERM or SIGINT."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy.orm import Session

from runtime.store import jobs

from .receivers import delivery, receiver

LOWCODE = Path(sys.executable).parent / "lowcode"
BOUND = 30  # seconds a worker process may take before the test kills it


def test_the_worker_needs_an_upgraded_database(run: Callable[..., Result]) -> None:
    result = run("worker", "--once")
    assert result.exit_code == 1
    assert "请先运行 lowcode db upgrade" in result.output


def test_once_runs_what_is_due_then_exits(run: Callable[..., Result], session: Session,
                                         caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "runtime.worker")
    with receiver() as system:
        ids = [delivery(session, system.url) for _ in range(2)]
        result = run("worker", "--once", "--poll", "0.05")
    assert result.exit_code == 0, result.output
    assert "后台任务进程已停止；共领取 2 个任务。" in result.output
    assert len(system.received) == 2
    logged = [r.getMessage() for r in caplog.records]
    for job_id in ids:
        assert f"job {job_id} (webhook case.start, case 1, task None) done" in logged
    assert {session.get(jobs.Job, i, populate_existing=True).status  # type: ignore[union-attr]
            for i in ids} == {jobs.DONE}
    english = run("worker", "--once", "--lang", "en")
    assert "worker stopped; 0 job(s) claimed." in english.output


def test_the_poll_interval_must_be_positive(run: Callable[..., Result]) -> None:
    result = run("worker", "--poll", "0")
    assert result.exit_code == 2 and "--poll" in result.output


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT])
def test_a_running_worker_stops_cleanly_on_a_signal(session: Session, db_url: str,
                                                   tmp_path: Path, number: int) -> None:
    env = {**os.environ, "LOWCODE_DATABASE_URL": db_url,
           "LOWCODE_INSTANCE_PATH": str(tmp_path / "inst"), "LOWCODE_SECRET_KEY": "test"}
    worker = subprocess.Popen([str(LOWCODE), "worker", "--poll", "0.1", "--lang", "en"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    killer = threading.Timer(BOUND, worker.kill)
    killer.start()
    try:
        assert worker.stderr is not None
        started = worker.stderr.readline()
        assert "INFO runtime.worker: worker " in started and "started (poll 0.1s)" in started
        worker.send_signal(number)
        out, err = worker.communicate(timeout=BOUND)
    finally:
        killer.cancel()
        worker.kill()
    assert worker.returncode == 0, err
    assert f"{signal.Signals(number).name}: stopping after the current job" in err
    assert "stopped after 0 job(s)" in err and "Traceback" not in err
    assert out.strip() == "worker stopped; 0 job(s) claimed."

"""Kill -9 harness: nothing acknowledged is lost when web and worker processes die.

A web server (gunicorn when installed, else `lowcode serve --no-worker`) and a `lowcode
worker` run on a database of their own (SQLite in a scratch folder, or a fresh database on the
PostgreSQL server of --postgres / LOWCODE_TEST_POSTGRES_URL). A load generator submits
applications through the API (retrying with the same idempotency key until it has an answer,
as a careful client does), signs in as a clerk and claims and completes both tasks of each
case, and makes pending timers come due. Meanwhile web and worker are killed with SIGKILL at
random moments and started again. Afterwards:

- every acknowledged submission is stored exactly once, and started exactly one case;
- every acknowledged claim and completion is in its case's history exactly once;
- no case is half-moved: a task row for every task.create event, the second step started
  exactly when the first was completed, a finished case has every task done;
- every timer made due ran: its job is done, and no task was warned twice;
- no request answered 500, and `lowcode audit verify` passes.

Run: `python bench/killtest.py [--seconds 60] [--postgres URL]`. Loopback only; bounded in
time and in kills; prints a JSON summary and exits 1 when a check fails.
tests/store/test_killtest.py runs a short version of it.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import Engine, func, select, update
from sqlalchemy.engine import make_url

from runtime.demo import seed_demo
from runtime.packs import check_path
from runtime.store import jobs
from runtime.store.cases import CaseEvent, CaseRow, Task
from runtime.store.db import is_postgres, make_engine, session_factory
from runtime.store.migrate import upgrade
from runtime.store.models import utcnow
from runtime.store.publish import publish_pack
from runtime.store.submissions import Submission, scoped_key

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # loopback only, always
# One audit key for this process (which publishes and verifies) and the servers it starts
# (which inherit the environment): the chain is keyed, and a key file per server would differ.
os.environ.setdefault("LOWCODE_AUDIT_KEY", uuid.uuid4().hex + uuid.uuid4().hex)
CLERK, PASSWORD = "clerk_govsvc", "lowcode2025"
FORM = "kill_apply"
PACK = {
    "pack.yaml": """\
kind: Pack
id: kill_pack
version: 1
format: 1
title: {zh: 杀进程测试, en: Kill test}
departments:
  - {code: GOVSVC, name: 政务服务中心}
roles:
  - {code: clerk, name: 办事员}
""",
    "forms/kill_apply.yaml": """\
kind: Form
id: kill_apply
version: 1
title: 杀进程测试申请
department: GOVSVC
fields:
  - {id: applicant, type: text, label: 申请人}
""",
    "processes/kill_flow.yaml": """\
kind: Process
id: kill_flow
version: 1
title: 两步办理
start_form: kill_apply
steps:
  - {id: first, task: kill_first}
  - {id: second, task: kill_second, after: [first]}
""",
}
TEMPLATE = """\
kind: TaskTemplate
id: {id}
version: 1
title: {id}
content: {{instructions: 按规定办理}}
coordination:
  assignee: {{department: GOVSVC, role: clerk}}
  deadline: {{working_days: 3}}
  warning: {{yellow_at: 0.5}}
"""
SETTLE_SECONDS = 3.0
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Tally:
    """What the load generator saw, shared by its threads under one lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    submitted: dict[str, str] = field(default_factory=dict)  # idempotency key -> tracking no
    acted: list[tuple[str, int, str]] = field(default_factory=list)  # (tracking no, task, action)
    taken: set[str] = field(default_factory=set)  # cases a clerk has taken on
    statuses: Counter[int] = field(default_factory=Counter)
    unanswered: int = 0  # requests cut off by a kill
    retried_same_receipt: int = 0
    made_due: set[int] = field(default_factory=set)
    kills: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def status(self, code: int) -> None:
        with self.lock:
            self.statuses[code] += 1


# --- the processes ---------------------------------------------------------------------

def lowcode(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    command = [sys.executable, "-c", "from runtime.cli import main; main()", *args]
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)
    if check and done.returncode != 0:
        raise RuntimeError(f"lowcode {' '.join(args)}: {done.stdout}{done.stderr}")
    return done


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


class Service:
    """A process in a session of its own, so that SIGKILL reaches it and all its children."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log: Path):
        self.name, self.command, self.env, self.log = name, command, env, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(self.command, env=self.env, cwd=ROOT, stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def web_command(port: int, workers: int) -> list[str]:
    if _has_module("gunicorn"):
        return [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"{HOST}:{port}",
                "--preload", "--timeout", "30", "runtime.web:create_app()"]
    return [sys.executable, "-c", "from runtime.cli import main; main()", "serve",
            "--no-worker", "--host", HOST, "--port", str(port)]


def _has_module(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def wait_ready(base: str, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the web server at {base} did not answer within {timeout} s")


# --- the load --------------------------------------------------------------------------

def submitter(base: str, tally: Tally, stop: threading.Event, number: int) -> None:
    """Submit with a new key; until answered, send the same key again (a kill cuts it)."""
    count = 0
    while not stop.is_set():
        count += 1
        key = f"kill-{number}-{count}-{uuid.uuid4().hex[:8]}"
        body = {"data": {"applicant": f"申请人{number}-{count}"}, "idempotency_key": key}
        first: str | None = None
        for _attempt in range(200):
            try:
                response = requests.post(f"{base}/api/forms/{FORM}/submissions", json=body,
                                         timeout=10)
            except requests.RequestException:
                with tally.lock:
                    tally.unanswered += 1
                time.sleep(0.2)
                continue
            tally.status(response.status_code)
            if response.status_code in (200, 201):
                tracking = response.json()["tracking_no"]
                with tally.lock:
                    tally.submitted[key] = tracking
                if first is not None and first != tracking:
                    tally.problems.append(f"key {key} answered {first} then {tracking}")
                first = tracking
                if response.status_code == 200:
                    with tally.lock:
                        tally.retried_same_receipt += 1
                break
            if response.status_code != 503:
                tally.problems.append(f"submit answered {response.status_code}")
                break
            time.sleep(0.2)


class Clerk:
    """A signed-in clerk who claims and completes both tasks of each case, in order."""

    def __init__(self, base: str, tally: Tally):
        self.base, self.tally = base, tally
        self.http = requests.Session()
        self.token = ""

    def sign_in(self) -> None:
        page = self.http.get(f"{self.base}/auth/login", timeout=10).text
        self.token = _token(page)
        signed = self.http.post(f"{self.base}/auth/login", timeout=10, allow_redirects=False,
                                data={"username": CLERK, "password": PASSWORD,
                                      "csrf_token": self.token})
        if signed.status_code != 302:
            raise RuntimeError(f"sign-in answered {signed.status_code}")
        self.token = _token(self.http.get(f"{self.base}/work/tasks", timeout=10).text)

    def act(self, tracking: str, no: int, action: str) -> bool | None:
        """True when acknowledged (303), False when refused, None when cut off by a kill."""
        for _attempt in range(50):
            try:
                response = self.http.post(
                    f"{self.base}/work/tasks/{tracking}/{no}/{action}", timeout=10,
                    data={"outcome": "approve", "opinion": "同意"} if action == "complete"
                    else {}, headers={"X-CSRFToken": self.token}, allow_redirects=False)
            except requests.RequestException:
                with self.tally.lock:
                    self.tally.unanswered += 1
                return None
            self.tally.status(response.status_code)
            if response.status_code == 303:
                with self.tally.lock:
                    self.tally.acted.append((tracking, no, action))
                return True
            if response.status_code != 503:
                self.tally.problems.append(
                    f"{action} {tracking}/{no} answered {response.status_code}")
                return False
            time.sleep(0.2)
        return None

    def work(self, stop: threading.Event) -> None:
        while not stop.is_set():
            with self.tally.lock:  # each case to one clerk: two would be refused (409)
                waiting = [t for t in self.tally.submitted.values()
                           if t not in self.tally.taken]
                tracking = random.choice(waiting) if waiting else None
                if tracking is not None:
                    self.tally.taken.add(tracking)
            if tracking is None:
                time.sleep(0.1)
                continue
            self.view(f"/work/tasks/{tracking}/1")
            for no, action in ((1, "claim"), (1, "complete"), (2, "claim"), (2, "complete")):
                if stop.is_set() or not self.act(tracking, no, action):
                    break  # cut off or refused: this case is left where it is
            self.view("/work/tasks")

    def view(self, path: str) -> None:
        try:
            self.tally.status(self.http.get(f"{self.base}{path}", timeout=10).status_code)
        except requests.RequestException:
            with self.tally.lock:
                self.tally.unanswered += 1


def _token(page: str) -> str:
    found = TOKEN.search(page)
    if found is None:
        raise RuntimeError("no CSRF token on the page")
    return found.group(1)


def timers_come_due(engine: Engine, tally: Tally, stop: threading.Event) -> None:
    """Move a few pending timers to now, as if their moment had come."""
    while not stop.wait(0.5):
        try:
            with engine.begin() as connection:
                ids = list(connection.scalars(
                    select(jobs.Job.id).where(jobs.Job.kind == "timer",
                                              jobs.Job.status == jobs.PENDING,
                                              jobs.Job.run_at > utcnow())
                    .order_by(jobs.Job.id).limit(4)))
                if ids:
                    connection.execute(update(jobs.Job).where(jobs.Job.id.in_(ids))
                                       .values(run_at=utcnow()))
        except Exception:  # the database busy with the load: try at the next tick
            continue
        with tally.lock:
            tally.made_due.update(ids)


def chaos(services: list[Service], web: Service, base: str, tally: Tally,
          stop: threading.Event, kills: int, gap: tuple[float, float]) -> None:
    """Kill both, then web, then the worker, and so on, with SIGKILL at random moments, and
    start them again."""
    rounds = [services, [services[0]], [services[1]]]
    for number in range(kills):
        if stop.wait(random.uniform(*gap)):
            return
        victims = rounds[number % len(rounds)]
        for victim in victims:
            victim.kill()
            tally.kills[victim.name] += 1
        for victim in victims:
            victim.start()
        if web in victims:
            wait_ready(base)


# --- the checks ------------------------------------------------------------------------

def verify(engine: Engine, tally: Tally) -> list[str]:
    """Every problem found in the database against what was acknowledged."""
    problems = list(tally.problems)
    with engine.connect() as connection:
        by_number = Counter(connection.scalars(select(Submission.tracking_no)))
        keys = Counter(connection.scalars(select(Submission.idempotency_key)))
        cases = Counter(connection.scalars(select(CaseRow.tracking_no)))
        events = Counter(connection.execute(
            select(CaseRow.tracking_no, CaseEvent.task_no, CaseEvent.action)
            .join(CaseRow, CaseRow.id == CaseEvent.case_id)).all())
        tasks = {(r.tracking_no, r.no): r.status for r in connection.execute(
            select(Task.tracking_no, Task.no, Task.status))}
        status = dict(connection.execute(select(CaseRow.tracking_no, CaseRow.status)).all())
        timers = dict(connection.execute(select(jobs.Job.id, jobs.Job.status)
                                         .where(jobs.Job.id.in_(tally.made_due))).all())
        submissions = connection.scalar(select(func.count()).select_from(Submission))
    for key, tracking in tally.submitted.items():
        # Stored as this form's key of this API client (its address: the load is from HOST)
        stored_key = scoped_key(FORM, f"api:{HOST}", key)
        if keys[stored_key] != 1 or by_number[tracking] != 1 or cases[tracking] != 1:
            problems.append(f"submission {tracking} ({key}): stored {by_number[tracking]}, "
                            f"key {keys[stored_key]}, cases {cases[tracking]}")
    if sum(cases.values()) != submissions:
        problems.append(f"{submissions} submissions but {sum(cases.values())} cases")
    for tracking, no, action in tally.acted:
        name = "task.complete" if action == "complete" else action
        if events[(tracking, no, name)] != 1:
            problems.append(f"{action} {tracking}/{no}: {events[(tracking, no, name)]} events")
    problems += half_moved(events, tasks, status)
    for job_id in tally.made_due:
        if timers.get(job_id) != jobs.DONE:
            problems.append(f"timer job {job_id} made due is {timers.get(job_id)}")
    for (tracking, no, action), count in events.items():
        if action.startswith("warning.") and count > 1:
            problems.append(f"{action} on {tracking}/{no} raised {count} times")
    if tally.statuses[500]:
        problems.append(f"{tally.statuses[500]} answers were 500")
    return problems


def half_moved(events: Counter[tuple[Any, ...]], tasks: dict[tuple[str, int], str],
               status: dict[str, str]) -> list[str]:
    """Cases whose tables disagree with their history or with the process."""
    problems = []
    for tracking, state in status.items():
        made = {no for (t, no, action) in events if t == tracking and action == "task.create"}
        rows = {no for (t, no) in tasks if t == tracking}
        if made != rows:
            problems.append(f"{tracking}: task.create for {sorted(made)}, rows {sorted(rows)}")
        first_done = tasks.get((tracking, 1)) == "done"
        if first_done != ((tracking, 2) in tasks):
            problems.append(f"{tracking}: first task {tasks.get((tracking, 1))}, "
                            f"second {'exists' if (tracking, 2) in tasks else 'missing'}")
        if (state == "done") != (tasks.get((tracking, 2)) == "done"):
            problems.append(f"{tracking}: case {state}, second task {tasks.get((tracking, 2))}")
    return problems


def drain(engine: Engine, tally: Tally, timeout: float) -> None:
    """Wait until every timer made due is done (a killed worker's lease runs out first)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with engine.connect() as connection:
            left = connection.scalar(select(func.count()).select_from(jobs.Job).where(
                jobs.Job.id.in_(tally.made_due), jobs.Job.status != jobs.DONE))
        if not left:
            return
        time.sleep(0.5)


# --- the run ---------------------------------------------------------------------------

@contextmanager
def database(kind: str, scratch: Path, postgres: str | None) -> Iterator[str]:
    """A database of the run's own: a SQLite file, or a new database dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{scratch / 'lowcode.db'}"
        return
    if not postgres:
        raise SystemExit("PostgreSQL: give --postgres URL or set LOWCODE_TEST_POSTGRES_URL")
    admin = make_engine(postgres, isolation_level="AUTOCOMMIT")
    name = f"lowcode_kill_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(postgres).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def write_pack(folder: Path) -> Path:
    files = dict(PACK)
    for template_id in ("kill_first", "kill_second"):
        files[f"tasks/{template_id}.yaml"] = TEMPLATE.format(id=template_id)
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def prepare(url: str, pack: Path) -> None:
    """What `lowcode db upgrade`, `import` and `demo seed` do, in this process (each of those
    commands would start Python again)."""
    upgrade(url)
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            publish_pack(session, check_path(pack))
            seed_demo(session, env="development")
    finally:
        engine.dispose()


def run(kind: str = "sqlite", *, seconds: float = 60, kills: int = 20,
        gap: tuple[float, float] = (1.0, 4.0), submitters: int = 3, clerks: int = 2,
        web_workers: int = 2, postgres: str | None = None) -> dict[str, Any]:
    """One run; its summary, with `problems` empty when nothing was lost."""
    with tempfile.TemporaryDirectory(prefix="lowcode-kill-") as folder:
        scratch = Path(folder)
        with database(kind, scratch, postgres) as url:
            return _run(url, scratch, seconds=seconds, kills=kills, gap=gap,
                        submitters=submitters, clerks=clerks, web_workers=web_workers)


def _run(url: str, scratch: Path, *, seconds: float, kills: int, gap: tuple[float, float],
         submitters: int, clerks: int, web_workers: int) -> dict[str, Any]:
    env = {**os.environ, "LOWCODE_DATABASE_URL": url, "LOWCODE_INSTANCE_PATH": str(scratch),
           "LOWCODE_SECRET_KEY": uuid.uuid4().hex, "LOWCODE_ENV": "development",
           jobs.LEASE_ENV: "2", "PYTHONPATH": str(ROOT)}
    prepare(url, write_pack(scratch / "packs" / "kill_pack"))
    port = free_port()
    base = f"http://{HOST}:{port}"
    web = Service("web", web_command(port, web_workers), env, scratch / "web.log")
    worker = Service("worker", [sys.executable, "-c", "from runtime.cli import main; main()",
                                "worker", "--poll", "0.2"], env, scratch / "worker.log")
    engine = make_engine(url)
    tally, stop = Tally(), threading.Event()
    started = time.monotonic()
    try:
        web.start()
        worker.start()
        wait_ready(base)
        team = [Clerk(base, tally) for _ in range(clerks)]
        for clerk in team:
            clerk.sign_in()
        threads = [threading.Thread(target=submitter, args=(base, tally, stop, n))
                   for n in range(submitters)]
        threads += [threading.Thread(target=c.work, args=(stop,)) for c in team]
        threads.append(threading.Thread(target=timers_come_due, args=(engine, tally, stop)))
        for thread in threads:
            thread.start()
        calm = threading.Event()
        chaos_thread = threading.Thread(target=chaos, args=([web, worker], web, base, tally,
                                                            calm, kills, gap))
        chaos_thread.start()
        calm.wait(seconds)
        calm.set()
        chaos_thread.join()
        time.sleep(SETTLE_SECONDS)  # some load after the last restart too
        stop.set()
        for thread in threads:
            thread.join()
        wait_ready(base)
        drain(engine, tally, timeout=30)
        problems = verify(engine, tally)
        audited = lowcode(env, "audit", "verify", "--lang", "en", check=False)
        if audited.returncode != 0:
            problems.append(f"audit verify: {audited.stdout.strip()} {audited.stderr.strip()}")
    finally:
        stop.set()
        web.stop()
        worker.stop()
        engine.dispose()
    return {"database": "postgresql" if is_postgres(url) else "sqlite",
            "seconds": round(time.monotonic() - started, 1), "kills": dict(tally.kills),
            "submissions_acknowledged": len(tally.submitted),
            "receipts_again_after_a_cut": tally.retried_same_receipt,
            "actions_acknowledged": len(tally.acted), "timers_made_due": len(tally.made_due),
            "requests_cut_by_kills": tally.unanswered,
            "statuses": dict(sorted(tally.statuses.items())),
            "audit_verify": audited.stdout.strip(), "problems": problems}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--kills", type=int, default=12, help="at most this many kills")
    parser.add_argument("--gap", type=float, nargs=2, default=(3.0, 8.0), metavar=("MIN", "MAX"),
                        help="seconds between kills, at random between MIN and MAX")
    parser.add_argument("--postgres", default=os.environ.get("LOWCODE_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    if "postgres" in kinds and not args.postgres and args.database == "both":
        print("LOWCODE_TEST_POSTGRES_URL is not set: PostgreSQL skipped", file=sys.stderr)
        kinds.remove("postgres")
    failed = False
    for kind in kinds:
        summary = run(kind, seconds=args.seconds, kills=args.kills, gap=tuple(args.gap),
                      postgres=args.postgres)
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        failed = failed or bool(summary["problems"])
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

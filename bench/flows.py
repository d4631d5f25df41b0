"""Benchmark of cases and tasks in the database: completing tasks through the engine, and the
workbench lists at a million tasks, each beside a baseline or a goal measured in the same run.

Run `python bench/flows.py` (`--only a` or `--only b` for one part, `--db sqlite` or
`--db postgres` for one database, `--tasks 200000` for quicker turns on part b). SQLite is a
file in a temp folder; PostgreSQL is a scratch database created on the server named by
LOWCODE_BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres) and
dropped at the end; when that server does not answer, its rows are skipped with the reason.

(a) Completing a claimed task through the use-case `casework.cases.apply` with the command
    `Complete` (load the case, its plan and tasks; the engine finishes the step and starts the
    next one; the changed rows, history, notifications, timers and the hash-chained audit
    record written in one version-checked transaction) beside a bare update of the same rows:
    the task and the case updated and a copy of every row one completion inserts (new tasks,
    history, notifications, timers, the audit record) written with plain SQLAlchemy Core,
    multi-row INSERTs, no reads, no engine, one commit. Goal: the engine at least 30% of that
    throughput. A second, narrower baseline updates the task row alone (`UPDATE tasks SET
    status = 'done', ... WHERE id = ?` and commit), to show what a completion costs beyond a
    one-row write: that side is mostly its commit (on PostgreSQL the WAL reaching the disk, on
    SQLite in WAL mode with synchronous=NORMAL about 50 µs). All sides run on cases submitted
    and claimed through the product (the shipped birth_one_thing pack), in alternating timed
    loops. The statements one completion sends are printed by kind. When SpiffWorkflow 3 is
    installed (a bench-only dependency: `pip install SpiffWorkflow==3.*`), a peer line shows
    it completing a task of the same process shape (accept, then two parallel steps, then
    close) with persistence on the same database: the workflow read as one JSON row,
    deserialized, the ready task run, the engine stepped, serialized and written back, one
    commit. Goal: the product within 2x of the peer's time.
(b) `store.inbox.page` for "todo", "pool" and "overdue" at 1,000,000 task rows (2,000 users
    in 50 departments, 80% done, 3% cancelled, 10% with a person, 7% in a pool, due moments
    over 40 days, a few users holding thousands; built by INSERT ... SELECT in the database, the
    list indexes made after the rows, then ANALYZE): the first page of several users and every
    page of the two heaviest lists of each kind, following the `after` token past page 50;
    the overdue list of a supervisor over everything, of one over a department and of one
    over a department with no tasks, to page 300.
    A page's time is the median of READS back-to-back reads, each in a fresh session state,
    so that a moment the machine gives to another process is not counted as the query's; the
    p95 of every single read is printed too. Goal: p95 under 5 ms for any page, first or
    deep, and no full scan of tasks in the plan of the very statement `inbox.page` ran,
    shown for a first and a deep page (EXPLAIN QUERY PLAN; EXPLAIN (ANALYZE, BUFFERS)).
"""

from __future__ import annotations

import cProfile
import os
import pstats
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import (  # noqa: E402
    DateTime,
    Engine,
    bindparam,
    event,
    func,
    select,
    text,
)
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from runtime import access  # noqa: E402
from runtime.casework import cases as casework  # noqa: E402
from runtime.casework.submissions import submit_validated as submit  # noqa: E402
from runtime.flows import actions  # noqa: E402
from runtime.flows.commands import Claim, Complete  # noqa: E402
from runtime.packs import check_path  # noqa: E402
from runtime.store import audit, cases, inbox, jobs, schema  # noqa: E402
from runtime.store.cases import CaseRow, Task  # noqa: E402
from runtime.store.db import make_engine, normalize_url, session_factory  # noqa: E402
from runtime.store.migrate import upgrade  # noqa: E402
from runtime.store.publish import publish_pack  # noqa: E402
from runtime.store.queries import latest_definition  # noqa: E402

os.environ.setdefault(audit.AUDIT_KEY_ENV, "bench")  # the audit chain's key: none here

try:  # the peer: a bench-only dependency, never one of the runtime
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.bpmn.parser import BpmnParser
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.util.task import TaskState
    SPIFF = True
except ImportError:
    SPIFF = False

PACK = Path(__file__).resolve().parents[1] / "scenario_packs" / "birth_one_thing"
POSTGRES_ENV = "LOWCODE_BENCH_POSTGRES_URL"
POSTGRES_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
REPEATS, COMPLETIONS, WARMUP = 7, 40, 10  # (a): timed loops, completions per loop, untimed
PROFILED = 100  # (a): completions run under cProfile for the breakdown
COMPLETE_GOAL = 0.30
PEER_GOAL = 2.0  # (a): the product's completion within this many times the peer's
TASKS, USERS, DEPARTMENTS, HEAVY = 1_000_000, 2_000, 50, 5  # (b); users 1..HEAVY hold most
DEEP, FIRST_REPEATS, READS, PAGE_GOAL_MS = 50, 5, 3, 5.0
WALKED, TYPICAL = 2, [77, 778, 1499, 1999]  # users whose lists are read to the end; a few more
SUPERVISOR_PAGES = 300  # how deep the overdue list of a supervisor is followed
NOW = datetime(2026, 12, 1, 8, tzinfo=UTC)  # the data's "now": due moments lie around it
OPINION = "材料齐全，同意受理"


def verdict(met: bool) -> str:
    return "goal met" if met else "NOT met"


# --- databases ----------------------------------------------------------------------------

@dataclass
class Database:
    name: str  # sqlite | postgres
    engine: Engine


@contextmanager
def scratch(kind: str, label: str, folder: Path) -> Iterator[Database]:
    """A fresh migrated database of `kind`, dropped (or left in the temp folder) after."""
    if kind == "sqlite":
        engine = make_engine(f"sqlite:///{folder / f'{label}.db'}")
        try:
            upgrade(engine)
            yield Database(kind, engine)
        finally:
            engine.dispose()
        return
    server = make_url(normalize_url(os.environ.get(POSTGRES_ENV, POSTGRES_DEFAULT)))
    name = f"bench_flows_{os.getpid()}_{label}"
    admin = make_engine(server.render_as_string(hide_password=False),
                        isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        engine = make_engine(server.set(database=name).render_as_string(hide_password=False))
        try:
            upgrade(engine)
            yield Database(kind, engine)
        finally:
            engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@contextmanager
def kept(name: str) -> Iterator[Database]:
    """The PostgreSQL database `name` on the bench's server, made and migrated when absent,
    left in place after."""
    server = make_url(normalize_url(os.environ.get(POSTGRES_ENV, POSTGRES_DEFAULT)))
    admin = make_engine(server.render_as_string(hide_password=False),
                        isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                 {"n": name}):
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    engine = make_engine(server.set(database=name).render_as_string(hide_password=False))
    try:
        upgrade(engine)
        yield Database("postgres", engine)
    finally:
        engine.dispose()


def postgres_problem() -> str | None:
    """Why PostgreSQL cannot be benchmarked here, or None when its server answers."""
    url = normalize_url(os.environ.get(POSTGRES_ENV, POSTGRES_DEFAULT))
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        return f"PostgreSQL at {make_url(url).render_as_string()} did not answer: " + \
            str(error.orig).strip().splitlines()[0]
    finally:
        engine.dispose()
    return None


# --- (a) completing tasks -----------------------------------------------------------------

BARE = text("UPDATE tasks SET status = 'done', outcome = 'approve', opinion = :opinion, "
            "completed_by = :user, completed_at = :now WHERE id = :id").bindparams(
    bindparam("now", type_=DateTime(timezone=True)))


def claimed_cases(session: Session, count: int) -> tuple[list[int], actions.Staff]:
    """`count` cases submitted through the product, each with its first task claimed by one
    clerk of the department that task is for."""
    result = check_path(PACK)
    assert result.ok, [p.render() for p in result.problems]
    publish_pack(session, result)
    form = latest_definition(session, "Form", "birth_apply")
    assert form is not None
    for n in range(count):
        submit(session, form=form.spec,  # type: ignore[arg-type]
               data={"enrol_insurance": n % 2 == 0, "need_ss_card": n % 3 != 0},
               idempotency_key=f"bench-{n}")
    first = session.scalars(select(Task).where(Task.no == 1).limit(1)).one()
    member = access.Membership(first.department or "", (first.department or "",), None,
                               first.role or "clerk")
    staff = actions.Staff(access.Principal(9001, (member,)), "基准办事员")
    ids = list(session.scalars(select(CaseRow.id).order_by(CaseRow.id)))
    for case_id in ids:
        casework.apply(session, case_id, staff, 1, Claim())
    return ids, staff


def statements_of(engine: Engine, run: Callable[[], Any]) -> list[str]:
    """The SQL statements `run` sends, by their first word."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement.split(None, 1)[0].upper())

    event.listen(engine, "before_cursor_execute", note)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return seen


WRITTEN = ("tasks", "case_events", "notifications", "case_copies", "jobs", "audit_log")


def rows_written(engine: Engine, run: Callable[[], Any]) -> dict[str, list[dict[str, Any]]]:
    """The rows `run` inserts into each table of WRITTEN, read back as plain dicts."""
    tables = {name: table for name, table in schema.metadata.tables.items() if name in WRITTEN}
    with engine.connect() as connection:
        before = {name: connection.scalar(select(func.max(t.c.id))) or 0
                  for name, t in tables.items()}
    run()
    with engine.connect() as connection:
        return {name: [dict(r._mapping) for r in connection.execute(
                    select(t).where(t.c.id > before[name]).order_by(t.c.id))]
                for name, t in tables.items()}


def same_rows(connection: Any, pattern: dict[str, list[dict[str, Any]]], case_id: int,
              task_id: int, steps: Any) -> None:
    """Write, with no engine, no ORM and no reads, the rows one completion writes: the task
    and the case updated, and a copy of each row it inserted (for this case), committed."""
    tables = schema.metadata.tables
    connection.execute(BARE, {"opinion": OPINION, "user": 9001, "now": datetime.now(UTC),
                              "id": task_id})
    connection.execute(tables["cases"].update().where(tables["cases"].c.id == case_id)
                       .values(steps=steps, status="running", updated_at=datetime.now(UTC),
                               row_version=tables["cases"].c.row_version + 1))
    for name, rows in pattern.items():
        if rows:
            connection.execute(tables[name].insert(), [_copied(name, r, case_id) for r in rows])
    connection.commit()


def _copied(table: str, row: dict[str, Any], case_id: int) -> dict[str, Any]:
    values = {k: v for k, v in row.items() if k != "id"}
    if "case_id" in values and values["case_id"] is not None:
        values["case_id"] = case_id
    if table == "audit_log":  # a chain link must be unique: any fresh value will do here
        values["prev_hash"], values["hash"] = secrets.token_hex(32), secrets.token_hex(32)
    if table == "tasks":
        values["tracking_no"] = f"same-{case_id}"
    return values


def bench_complete(db: Database) -> list[str]:
    per_side = WARMUP + REPEATS * COMPLETIONS
    with session_factory(db.engine)() as session:
        ids, staff = claimed_cases(session, 3 * per_side + 2 + PROFILED)
        task_ids = dict(session.execute(select(Task.case_id, Task.id).where(Task.no == 1)).all())
    product_ids, bare_ids = ids[:per_side], ids[per_side:2 * per_side]
    same_ids, (pattern_case, spare) = ids[2 * per_side:3 * per_side], ids[3 * per_side:][:2]
    profiled = ids[3 * per_side + 2:]
    product_queue, bare_queue = iter(product_ids), iter(task_ids[c] for c in bare_ids)
    same_queue = iter(same_ids)
    session = session_factory(db.engine)()
    connection = db.engine.connect()

    def complete(case_id: int) -> None:
        casework.apply(session, case_id, staff, 1, Complete(opinion=OPINION))

    pattern = rows_written(db.engine, lambda: complete(pattern_case))
    steps = session.get(CaseRow, pattern_case).steps  # type: ignore[union-attr]

    def product() -> None:
        complete(next(product_queue))

    def bare() -> None:
        connection.execute(BARE, {"opinion": OPINION, "user": staff.user_id,
                                  "now": datetime.now(UTC), "id": next(bare_queue)})
        connection.commit()

    def same() -> None:
        case_id = next(same_queue)
        same_rows(connection, pattern, case_id, task_ids[case_id], steps)

    sides = [product, bare, same]
    peer = Peer(db.engine, per_side) if SPIFF else None
    if peer is not None:
        sides.append(peer.complete)
    try:
        for _ in range(WARMUP):
            for side in sides:
                side()
        product_s, bare_s, same_s, *peer_s = alternating(sides, COMPLETIONS)
        sent = statements_of(db.engine, lambda: complete(spare))
        shares = where_time_goes(lambda: [complete(case_id) for case_id in profiled])
        done = session.scalar(select(func.count()).select_from(Task).where(
            Task.case_id.in_(ids), Task.no == 1, Task.status == "done"))
        moved = session.scalar(select(func.count()).select_from(Task).where(
            Task.case_id.in_(product_ids), Task.no > 1))
    finally:
        session.close()
        connection.close()
    assert done == len(ids), done
    assert moved and moved >= per_side, moved  # each completion started the next step
    share, same_share = bare_s / product_s, same_s / product_s
    kinds = {k: sent.count(k) for k in dict.fromkeys(sent)}
    rows = sum(map(len, pattern.values())) + 2
    return [
        f"    {db.name:<9} engine {1 / product_s:7.0f}/s ({product_s * 1e3:5.2f} ms)   "
        f"same rows {1 / same_s:7.0f}/s ({same_s * 1e3:5.2f} ms)   share {same_share:6.1%}   "
        f"{verdict(same_share >= COMPLETE_GOAL)}",
        f"              one-row update {1 / bare_s:7.0f}/s ({bare_s * 1e3:5.2f} ms)   "
        f"share {share:6.1%}   {verdict(share >= COMPLETE_GOAL)}",
        f"              one completion sends {len(sent)} statements ("
        + ", ".join(f"{n} {k}" for k, n in kinds.items()) + f") and writes {rows} rows; "
        "the same-rows baseline writes those rows in "
        f"{2 + sum(1 for r in pattern.values() if r)} statements, the one-row update in 1",
        f"              where its time goes (cProfile, {PROFILED} completions): "
        + ", ".join(f"{label} {share:.0%}" for label, share in shares),
        peer_line(product_s, peer_s[0] if peer_s else None,
                  peer.statements if peer is not None else 0),
    ]


def peer_line(product_s: float, peer_s: float | None, statements: int) -> str:
    if peer_s is None:
        return ("              peer skipped: SpiffWorkflow is not installed (bench-only: "
                "pip install 'SpiffWorkflow==3.*')")
    ratio = product_s / peer_s
    return (f"              peer SpiffWorkflow {1 / peer_s:7.0f}/s ({peer_s * 1e3:5.2f} ms, "
            f"{statements} statements)   engine/peer {ratio:4.2f}x   "
            f"{verdict(ratio <= PEER_GOAL)} (goal <= {PEER_GOAL:g}x)")


# The same shape as the birth pack's start: accept, then two parallel steps, then close.
PEER_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="peer"
    targetNamespace="http://bpmn.io/schema/bpmn">
<bpmn:process id="joint" isExecutable="true">
<bpmn:startEvent id="start"/><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="accept"/>
<bpmn:userTask id="accept" name="accept"/>
<bpmn:sequenceFlow id="f2" sourceRef="accept" targetRef="fork"/>
<bpmn:parallelGateway id="fork"/>
<bpmn:sequenceFlow id="f3" sourceRef="fork" targetRef="left"/>
<bpmn:sequenceFlow id="f4" sourceRef="fork" targetRef="right"/>
<bpmn:userTask id="left" name="left"/><bpmn:userTask id="right" name="right"/>
<bpmn:sequenceFlow id="f5" sourceRef="left" targetRef="join"/>
<bpmn:sequenceFlow id="f6" sourceRef="right" targetRef="join"/>
<bpmn:parallelGateway id="join"/><bpmn:sequenceFlow id="f7" sourceRef="join" targetRef="close"/>
<bpmn:userTask id="close" name="close"/>
<bpmn:sequenceFlow id="f8" sourceRef="close" targetRef="end"/>
<bpmn:endEvent id="end"/>
</bpmn:process></bpmn:definitions>"""


class Peer:
    """SpiffWorkflow storing each workflow as one JSON row on the bench's database, and
    completing its ready `accept` task as a request would: read, deserialize, run, step the
    engine, serialize, write, commit."""

    def __init__(self, engine: Engine, count: int):
        self.engine = engine
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE peer_workflows "
                                    "(id INTEGER PRIMARY KEY, state TEXT NOT NULL)"))
        parser = BpmnParser()
        parser.add_bpmn_str(PEER_BPMN.encode())
        self.spec, self.serializer = parser.get_spec("joint"), BpmnWorkflowSerializer()
        workflow = BpmnWorkflow(self.spec)
        workflow.do_engine_steps()
        state = self.serializer.serialize_json(workflow)
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO peer_workflows (id, state) VALUES (:id, :s)"),
                               [{"id": n, "s": state} for n in range(count)])
        self.queue = iter(range(count))
        self.connection = engine.connect()
        self.statements = 2  # one SELECT, one UPDATE

    def complete(self) -> None:
        workflow_id = next(self.queue)
        state = self.connection.execute(_PEER_READ, {"id": workflow_id}).scalar_one()
        workflow = self.serializer.deserialize_json(state)
        task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
        task.data["opinion"] = OPINION
        task.run()
        workflow.do_engine_steps()
        self.connection.execute(_PEER_WRITE, {"id": workflow_id,
                                              "s": self.serializer.serialize_json(workflow)})
        self.connection.commit()


_PEER_READ = text("SELECT state FROM peer_workflows WHERE id = :id")
_PEER_WRITE = text("UPDATE peer_workflows SET state = :s WHERE id = :id")


def where_time_goes(run: Callable[[], Any]) -> list[tuple[str, float]]:
    """Each phase of `casework.cases.run` as a share of its whole time under cProfile (which
    inflates Python work against time spent waiting on the database)."""
    profile = cProfile.Profile()
    profile.runcall(run)
    stats: dict[Any, Any] = pstats.Stats(profile).stats  # type: ignore[attr-defined]

    def cumulative(function: Any) -> float:
        code = function.__code__
        key = (code.co_filename, code.co_firstlineno, code.co_name)
        return float(stats[key][3]) if key in stats else 0.0

    whole = cumulative(casework.run)
    return [(label, cumulative(function) / whole) for label, function in (
        ("load", cases.load), ("engine", actions.complete), ("rows", cases.write),
        ("of which timers (jobs.schedule)", jobs.schedule), ("audit chain", audit.record),
        ("commit", Session.commit))]


def alternating(actions: list[Callable[[], Any]], number: int) -> list[float]:
    """Medians of seconds per call of each action, timed in alternating loops, so that drift
    (other work on the machine, a growing database) hits them alike."""
    times: list[list[float]] = [[] for _ in actions]
    for _ in range(REPEATS):
        for action, spent in zip(actions, times, strict=True):
            start = time.perf_counter()
            for _ in range(number):
                action()
            spent.append((time.perf_counter() - start) / number)
    return [statistics.median(spent) for spent in times]


# --- (b) the lists at a million tasks -----------------------------------------------------

class Dialect:
    """The few SQL spellings the two databases differ in, for building rows in the database
    itself (INSERT ... SELECT over a recursive CTE or generate_series)."""

    def __init__(self, name: str):
        self.name = name

    def rows(self, count: int, insert: str) -> str:
        if self.name == "sqlite":
            return (f"WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n "
                    f"WHERE i < {count - 1}) {insert} FROM n")
        return f"{insert} FROM generate_series(0, {count - 1}) AS n(i)"

    def padded(self, expression: str, width: int) -> str:
        if self.name == "sqlite":
            return f"printf('%0{width}d', {expression})"
        return f"lpad(({expression})::text, {width}, '0')"

    def moment(self, minutes: str) -> str:
        """NOW plus `minutes`, as each database stores a timezone-aware column."""
        if self.name == "sqlite":
            base = NOW.strftime("%Y-%m-%d %H:%M:%S")
            return f"(datetime('{base}', printf('%+d minutes', {minutes})) || '.000000')"
        return f"(timestamptz '{NOW.isoformat()}' + ({minutes}) * interval '1 minute')"

    def never(self) -> str:
        return ("'9999-12-31 00:00:00.000000'" if self.name == "sqlite"
                else "timestamptz '9999-12-31 00:00:00+00'")

    def json(self, literal: str) -> str:
        return f"'{literal}'" if self.name == "sqlite" else f"'{literal}'::jsonb"


# Pseudo-random but repeatable, the same rows on both databases: two multiplicative hashes
# of the row number, their bits used for different attributes.
H1 = "((i * 2654435761) % 4294967296)"
H2 = "((i * 2246822519 + 3266489917) % 4294967296)"
BUCKET = f"(({H1} / 65536) % 100)"  # <80 done, <83 cancelled, <91 held, <98 pool, waiting
USER = f"(CASE WHEN {H2} % 5 = 0 THEN 1 + ({H2} / 8) % {HEAVY} ELSE 1 + ({H1} / 16) % {USERS} END)"
MINUTES = f"(({H2} / 4096) % 57600 - 14400)"  # due from 10 days ago to 30 days on
NO_DUE = f"(({H2} / 1024) % 10 = 0)"
STEPS = ("accept", "受理"), ("joint_check", "会签核验"), ("certificate", "出生医学证明"), \
    ("hukou", "户口登记"), ("insurance", "医保参保")


def department_of(user: str, d: Dialect) -> str:
    return "'D' || " + d.padded(f"({user} - 1) % {DEPARTMENTS} + 1", 2)


def task_columns(d: Dialect) -> dict[str, str]:
    pool = f"{BUCKET} BETWEEN 91 AND 97"
    held = f"({BUCKET} >= 83 AND NOT {pool})"
    status = (f"CASE WHEN {BUCKET} < 80 THEN 'done' WHEN {BUCKET} < 83 THEN 'cancelled' "
              f"WHEN {BUCKET} < 98 THEN 'open' ELSE 'waiting' END")
    no = "(i % 5 + 1)"
    due = d.moment(MINUTES)
    return {
        "case_id": "(i / 5 + 1)", "no": no,
        "tracking_no": "'B' || " + d.padded("i / 5 + 1", 15),
        "title_zh": "CASE " + no + " " + " ".join(
            f"WHEN {n} THEN '{title}'" for n, (_, title) in enumerate(STEPS, 1)) + " END",
        "title_en": "NULL", "region_code": "'110105'",
        "step": "CASE " + no + " " + " ".join(
            f"WHEN {n} THEN '{step}'" for n, (step, _) in enumerate(STEPS, 1)) + " END",
        "round": "1",
        "department": (f"CASE WHEN {pool} THEN 'D' || "
                       + d.padded(f"1 + ({H1} / 16) % {DEPARTMENTS}", 2)
                       + f" ELSE {department_of(USER, d)} END"),
        "role": f"CASE ({H2} / 64) % 20 WHEN 0 THEN NULL WHEN 1 THEN 'lead' ELSE 'clerk' END",
        "user_id": f"CASE WHEN {pool} OR {BUCKET} BETWEEN 80 AND 82 THEN NULL ELSE {USER} END",
        "kind": "'main'", "parent": "NULL", "order_no": "0", "status": status,
        "delegated_by": "NULL", "created_at": d.moment(f"{MINUTES} - 2880"),
        "claimed_at": f"CASE WHEN {pool} THEN NULL ELSE {d.moment(f'{MINUTES} - 2000')} END",
        "claimed": f"({held} OR {BUCKET} < 80)",
        "clock_from": d.moment(f"{MINUTES} - 2880"),
        "due_at": f"CASE WHEN {NO_DUE} THEN NULL ELSE {due} END",
        "due_sort": f"CASE WHEN {NO_DUE} THEN {d.never()} ELSE {due} END",
        "yellow_at": f"CASE WHEN {NO_DUE} THEN NULL ELSE {d.moment(f'{MINUTES} - 720')} END",
        "warned": "NULL", "escalated": "false", "supervised": f"({H2} % 100 = 0)",
        "extension": "NULL", "after_signers": d.json("[]"),
        "outcome": f"CASE WHEN {BUCKET} < 80 THEN 'approve' END",
        "opinion": f"CASE WHEN {BUCKET} < 80 THEN '{OPINION}' END", "data": d.json("{}"),
        "completed_by": f"CASE WHEN {BUCKET} < 80 THEN {USER} END",
        "completed_at": f"CASE WHEN {BUCKET} < 80 THEN {d.moment(f'{MINUTES} - 60')} END",
    }


def case_columns(d: Dialect, table: str) -> dict[str, str]:
    tracking = "'B' || " + d.padded("i + 1", 15)
    created = d.moment("-(i % 43200)")
    common = {"id": "i + 1", "tracking_no": tracking, "department_code": "'GOVSVC'",
              "region_code": "'110105'", "created_at": created, "updated_at": created,
              "row_version": "1"}
    if table == "submissions":
        return {**common, "verification_code": "'000000'",
                "idempotency_key": "'bench-' || (i + 1)", "form_id": "'birth_apply'",
                "form_version": "1", "data": d.json("{}"), "prefilled": d.json("{}"),
                "status": "'submitted'", "owner_kind": "'guest'", "owner_id": "NULL"}
    return {**common, "submission_id": "i + 1", "process_id": "'birth_joint'",
            "process_version": "1", "templates": d.json("{}"), "status": "'running'",
            "steps": d.json("{}")}


def build_tasks(db: Database, count: int) -> float:
    """`count` task rows (five to a case, each case with its submission), then ANALYZE;
    seconds taken."""
    d = Dialect(db.name)
    start = time.perf_counter()
    indexes = sorted(Task.__table__.indexes, key=lambda i: i.name or "")
    with db.engine.begin() as connection:
        for index in indexes:  # built once at the end: much faster than row by row
            index.drop(connection)
        for table, columns, rows in (("submissions", case_columns(d, "submissions"), count // 5),
                                     ("cases", case_columns(d, "cases"), count // 5),
                                     ("tasks", task_columns(d), count)):
            names = ", ".join(f'"{c}"' for c in columns)
            connection.execute(text(d.rows(rows, f"INSERT INTO {table} ({names}) SELECT "
                                          + ", ".join(columns.values()))))
        for n in range(1, DEPARTMENTS + 2):  # the tasks' departments, and one with none
            connection.execute(text("INSERT INTO departments (code, name_zh, path, created_at) "
                                    "VALUES (:code, :code, :path, CURRENT_TIMESTAMP)"),
                               {"code": f"D{n:02d}", "path": f"/D{n:02d}/"})
        for index in indexes:
            index.create(connection)
        if db.name == "postgres":
            for table in ("submissions", "cases", "case_events"):  # ids were given, not taken
                connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', "
                                        f"'id'), (SELECT coalesce(max(id), 1) FROM {table}))"))
    if db.name == "postgres":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        with db.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    return time.perf_counter() - start


def clerk(user_id: int) -> access.Principal:
    code = f"D{(user_id - 1) % DEPARTMENTS + 1:02d}"
    return access.Principal(user_id, (access.Membership(code, (code,), None, "clerk"),))


def supervisor(scope: str, department: str = "D01") -> access.Principal:
    """A supervisor in `department` who watches everything (ALL) or that department alone."""
    return access.Principal(USERS + 1, (access.Membership(department, (department,), None,
                                                          "supervisor", scope),))


def readers() -> list[tuple[str, list[tuple[access.Principal, int]]]]:
    """Each list timed, with whose pages and how deep: clerks' to-do and pool lists (the
    WALKED heaviest to the end), and the overdue list of a supervisor over everything and of
    one over a department, and of one over a department with no tasks (every overdue task is
    read to find that none is theirs)."""
    clerks = [(clerk(u), 10 ** 6 if u <= WALKED else 3) for u in [*range(1, WALKED + 1),
                                                                    *TYPICAL]]
    empty = f"D{DEPARTMENTS + 1:02d}"
    watching = [(supervisor(access.ALL), SUPERVISOR_PAGES),
                (supervisor(access.DEPARTMENT), SUPERVISOR_PAGES),
                (supervisor(access.DEPARTMENT, empty), SUPERVISOR_PAGES)]
    return [("todo", clerks), ("pool", clerks), ("overdue", watching)]


@dataclass
class Walk:
    """Milliseconds per page by depth, each the median of READS back-to-back reads, and
    every single read; the `after` token of page DEEP (or of the deepest page before it)."""

    first: list[float] = field(default_factory=list)
    middle: list[float] = field(default_factory=list)  # pages 2 .. DEEP - 1
    deep: list[float] = field(default_factory=list)  # pages DEEP and beyond
    reads: list[float] = field(default_factory=list)
    deepest: int = 1
    token: str | None = None
    token_page: int = 1


def walk(session: Session, name: str, principal: access.Principal, pages: int) -> Walk:
    """The first page FIRST_REPEATS times, then each page by its `after` token, up to
    `pages` pages deep."""
    found = Walk()

    def read(after: str | None) -> tuple[float, inbox.Page]:
        times = []
        for _ in range(READS):
            start = time.perf_counter()
            page = inbox.page(session, name, principal, after=after, now=NOW)
            times.append((time.perf_counter() - start) * 1e3)
            session.expunge_all()  # a list is read by a fresh request, not a warm session
        found.reads.extend(times)
        return statistics.median(times), page

    for _ in range(FIRST_REPEATS):
        elapsed, page = read(None)
        found.first.append(elapsed)
    while page.after and found.deepest < pages:
        token = page.after
        elapsed, page = read(token)
        found.deepest += 1
        (found.deep if found.deepest >= DEEP else found.middle).append(elapsed)
        if found.deepest <= DEEP:
            found.token, found.token_page = token, found.deepest
    return found


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values) or [0.0]
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def bench_lists(db: Database, count: int) -> tuple[list[str], list[str]]:
    seconds = build_tasks(db, count)
    with db.engine.connect() as connection:
        total = connection.scalar(select(func.count()).select_from(Task))
    lines = [f"    {db.name}: {total:,} tasks built, indexed and analysed in {seconds:.0f} s"]
    plans: list[str] = []
    with session_factory(db.engine)() as session:
        for name, who in readers():
            inbox.page(session, name, who[0][0], now=NOW)  # the statement compiled once
            walks = [walk(session, name, principal, depth) for principal, depth in who]
            rows = [("first pages", [ms for w in walks for ms in w.first]),
                    (f"pages 2-{DEEP - 1}", [ms for w in walks for ms in w.middle]),
                    (f"pages {DEEP}+", [ms for w in walks for ms in w.deep])]
            deepest = max(walks, key=lambda w: w.token_page)
            principal = who[walks.index(deepest)][0]
            shown = [plan_of_page(db, session, name, principal, None, "first page"),
                     plan_of_page(db, session, name, principal, deepest.token,
                                  f"page {deepest.token_page}")]
            plans += [line for lines_of_plan, _ in shown for line in lines_of_plan]
            scans = any(full for _, full in shown)
            worst = max(percentile(times, 0.95) for _, times in rows)
            reads = [ms for w in walks for ms in w.reads]
            for n, (label, times) in enumerate(rows):
                head = f"    {db.name:<9} {name:<7}" if n == 0 else " " * 22
                tail = verdict(worst < PAGE_GOAL_MS and not scans) if n == 0 else ""
                lines.append(f"{head} {label:<12} p50 {percentile(times, 0.5):5.2f} ms  p95 "
                             f"{percentile(times, 0.95):5.2f} ms  ({len(times)} pages)   {tail}")
            lines.append(f"{' ' * 22} down to page {max(w.deepest for w in walks)}; every "
                         f"single read ({len(reads)}): p95 {percentile(reads, 0.95):.2f} ms, "
                         f"max {max(reads):.2f} ms; plans: "
                         + ("a FULL SCAN of tasks" if scans else "no full scan of tasks"))
    return lines, plans


# --- query plans ------------------------------------------------------------------------

def captured(session: Session, run: Callable[[], Any]) -> tuple[str, Any]:
    """The last statement `run` sent to the database, with its parameters as sent."""
    seen: list[tuple[str, Any]] = []

    def note(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", note)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return seen[-1]


def plan_of_page(db: Database, session: Session, name: str, principal: access.Principal,
                 after: str | None, label: str) -> tuple[list[str], bool]:
    """The plan of exactly the statement `inbox.page` runs, and whether it scans all tasks
    (SQLite: SCAN tasks without an index; PostgreSQL: Seq Scan on tasks)."""
    statement, parameters = captured(session, lambda: inbox.page(
        session, name, principal, after=after, now=NOW))
    session.expunge_all()
    cursor = session.connection().connection.cursor()
    try:
        if db.name == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            steps = [row[-1] for row in cursor.fetchall()]
            full = any(s.startswith("SCAN tasks") and "USING" not in s for s in steps)
        else:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            steps = [row[0] for row in cursor.fetchall()]
            full = any("Seq Scan on tasks" in s for s in steps)
    finally:
        cursor.close()
    session.rollback()
    check = "FULL SCAN of tasks" if full else "no full scan of tasks"
    return [f"    {db.name} {name} {label} (user {principal.user_id}): {check}",
            *(f"        {s}" for s in steps)], full


# --- running ------------------------------------------------------------------------------

def main(parts: str, databases: list[str], count: int) -> None:
    skipped = []
    if "postgres" in databases and (problem := postgres_problem()):
        databases = [d for d in databases if d != "postgres"]
        skipped.append(f"    postgres skipped: {problem}")
    a_lines: list[str] = []
    b_lines: list[str] = []
    plans: list[str] = []
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for kind in databases:
            if "a" in parts:
                with scratch(kind, "a", folder) as db:
                    a_lines += bench_complete(db)
            if "b" in parts:
                with scratch(kind, "b", folder) as db:
                    lines, shown = bench_lists(db, count)
                    b_lines += lines
                    plans += shown
    if "a" in parts:
        print(f"(a) completing a claimed task, medians of {REPEATS} alternating loops of "
              f"{COMPLETIONS}; goal: engine >= {COMPLETE_GOAL:.0%} of writing the same rows bare")
        print("\n".join(a_lines + skipped))
    if "b" in parts:
        print(f"(b) workbench lists at {count:,} tasks, {USERS:,} users, {DEPARTMENTS} "
              f"departments; goal: p95 < {PAGE_GOAL_MS:.0f} ms for any page, no full scan")
        print("\n".join(b_lines + skipped))
        print("    query plans of the statements inbox.page ran:")
        print("\n".join(plans))


if __name__ == "__main__":
    def option(flag: str, default: str) -> str:
        return sys.argv[sys.argv.index(flag) + 1] if flag in sys.argv else default

    only = option("--only", "ab")
    chosen = option("--db", "sqlite,postgres").split(",")
    if not set(only) <= {"a", "b"} or not set(chosen) <= {"sqlite", "postgres"}:
        sys.exit("usage: bench/flows.py [--only a|b|ab] [--db sqlite,postgres] [--tasks N]")
    main(only, chosen, int(option("--tasks", str(TASKS))))

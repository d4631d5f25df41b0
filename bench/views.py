"""Benchmark of View pages at city scale: the birth pack's ledger (`birth_ledger`) over a
million applications, each with its case and two tasks, on SQLite and PostgreSQL.

Run `python bench/views.py` (`--db sqlite` or `--db postgres` for one database, `--cases N`
for another size). SQLite is a file in a temp folder; PostgreSQL a scratch database on the
server named by LOWCODE_BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/
postgres), dropped at the end; a server that does not answer is skipped with the reason.
`--keep NAME` (PostgreSQL) uses the database NAME instead and leaves it: built when it has no
applications yet, read as it is otherwise, so that ten million rows are built once and
measured again after a change (drop it by hand when done).

The rows are built in the database itself (INSERT ... SELECT over a recursive CTE or
generate_series) with the birth pack published first, the indexes dropped while the rows go
in and made after (the view's expression indexes too), then ANALYZE. Applications spread
over 20 regions, a year of birth dates, five departments (half at the service centre) and
the applicant's statuses; each case has a finished first task and, while it runs, a live
second one (a step, a department, a holder or none, a deadline).

Measured, for a lead of the service centre (department scope) and for a supervisor over
everything: the view's first page, a page filtered on a data field (`residence`, read from
its expression index), a deep keyset page (the cursor half-way down the list) sorted by
submission and by a data field (`birth_date`), and a CSV export of a filtered list
(residence and a month of births). Each product figure is `runtime.store.views.page` (the
SELECT, the rows as objects, the live task of each row) or `every_row` for the export, as
the page calls them; beside it the raw SQL of the same SELECT (the very statement, sent
through the driver, rows fetched as tuples), measured in the same run: the ratio is what the
product adds to the query. A page's time is the median of READS back-to-back reads in a
fresh session state; p95 over every read. Goal (issue 14): a view page at any depth p95
under 5 ms. The plans of the statements are printed.

Then the same pages as a browser asks for them: GET /views/birth_ledger with the same
filters, sort and cursor in the query string, through the Flask test client of the app on
the same database (the demo organisation added, signed in as the demo lead of the service
centre or the supervisor): the whole request, sign-in state, definition, both queries, the
names, the cells and the HTML of the page with its menu, measured the same way; beside it
the CPU time the bench's process spent on the request (on SQLite the whole of it: the
difference to the wall clock is time spent waiting for a core on a loaded machine).
"""

from __future__ import annotations

import json
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flows import (  # noqa: E402
    Database,
    Dialect,
    kept,
    percentile,
    postgres_problem,
    scratch,
    verdict,
)
from sqlalchemy import event, func, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from runtime import access  # noqa: E402
from runtime.definitions.spec import ViewSpec  # noqa: E402
from runtime.demo import DEMO_PASSWORD, seed_demo  # noqa: E402
from runtime.packs import check_path  # noqa: E402
from runtime.store import views  # noqa: E402
from runtime.store.cases import CaseRow, Task  # noqa: E402
from runtime.store.db import session_factory  # noqa: E402
from runtime.store.publish import publish_pack  # noqa: E402
from runtime.store.queries import latest_definition  # noqa: E402
from runtime.store.submissions import Submission  # noqa: E402
from runtime.web.app import create_app  # noqa: E402
from runtime.web.database import store  # noqa: E402

PACK = Path(__file__).resolve().parents[1] / "scenario_packs" / "birth_one_thing"
CASES, READS, ROUNDS, PAGE_GOAL_MS = 1_000_000, 3, 20, 5.0
EXPORT_ROUNDS = 3  # a download reads thousands of rows: fewer rounds of it
REGIONS = 20
DEPARTMENTS = ("GOVSVC", "GOVSVC", "HEALTH", "POLICE", "MEDINS", "HRSS", "GOVSVC", "GOVSVC")
STATUSES = ("submitted", "accepted", "in_progress", "in_progress", "done", "done", "done",
            "correction", "not_approved", "done")
STEPS = (("certificate", "出生医学证明"), ("hukou", "户口登记"), ("insurance", "医保参保"))
LEAD = access.Visibility(departments=frozenset({"GOVSVC"}))
EVERYTHING = access.Visibility(everything=True)

# Pseudo-random but repeatable: multiplicative hashes of the row number.
H1 = "((i * 2654435761) % 4294967296)"
H2 = "((i * 2246822519 + 3266489917) % 4294967296)"


def pick(values: tuple[str, ...], hashed: str) -> str:
    return (f"CASE ({hashed}) % {len(values)} "
            + " ".join(f"WHEN {n} THEN '{v}'" for n, v in enumerate(values)) + " END")


def application(d: Dialect) -> str:
    """The JSON of one birth application, as the form would store it."""
    region = "'1101' || " + d.padded(f"{H1} % {REGIONS} + 1", 2)
    if d.name == "sqlite":
        birth = f"date('2026-01-01', printf('+%d days', {H2} % 365))"
        build = "json_object"
    else:
        birth = f"to_char(date '2026-01-01' + ({H2} % 365)::int, 'YYYY-MM-DD')"
        build = "jsonb_build_object"
    return (f"{build}('child_name', '孩子' || i, 'child_gender', 'F', 'birth_date', {birth}, "
            f"'hospital', '市妇幼保健院', 'mother_name', '母亲' || i, "
            f"'mother_id', '110105199001' || {d.padded('i % 10000', 4)} || '002X', "
            f"'contact_mobile', '139' || {d.padded('i % 100000000', 8)}, "
            f"'residence', {region}, 'enrol_insurance', true, 'need_ss_card', true)")


def submission_columns(d: Dialect, count: int) -> dict[str, str]:
    created = d.moment(f"-(({count} - i) / 2)")
    return {"id": "i + 1", "tracking_no": "'V' || " + d.padded("i + 1", 15),
            "verification_code": "'000000'", "idempotency_key": "'bench-' || (i + 1)",
            "body_hash": "NULL", "form_id": "'birth_apply'", "form_version": "1",
            "data": application(d), "prefilled": d.json("{}"), "rules": "NULL",
            "status": pick(STATUSES, H2 + " / 7"), "notice": "NULL", "owner_kind": "'guest'",
            "owner_id": "NULL", "department_code": pick(DEPARTMENTS, H1 + " / 3"),
            "region_code": "'110105'", "created_at": created, "updated_at": created,
            "row_version": "1"}


def case_columns(d: Dialect, count: int) -> dict[str, str]:
    created = d.moment(f"-(({count} - i) / 2)")
    return {"id": "i + 1", "submission_id": "i + 1", "tracking_no": "'V' || " + d.padded(
        "i + 1", 15), "process_id": "'birth_joint'", "process_version": "1",
            "templates": d.json("{}"), "status": "'running'", "steps": d.json("{}"),
            "department_code": "'GOVSVC'", "region_code": "'110105'", "created_at": created,
            "updated_at": created, "row_version": "1"}


def task_columns(d: Dialect) -> dict[str, str]:
    """Two tasks a case: the first done; the second live while the application is."""
    case = "(i / 2)"
    status_of_case = pick(STATUSES, H2.replace("i *", f"{case} *") + " / 7")
    live = (f"(i % 2 = 1 AND ({status_of_case}) IN "
            "('submitted', 'accepted', 'in_progress', 'correction'))")
    minutes = f"(({H2} / 4096) % 28800 - 7200)"
    step = f"({H1} / 8) % 3"
    due = d.moment(minutes)
    return {
        "case_id": f"{case} + 1", "no": "i % 2 + 1",
        "tracking_no": "'V' || " + d.padded(f"{case} + 1", 15),
        "title_zh": "CASE WHEN i % 2 = 0 THEN '受理' ELSE CASE " + step + " " + " ".join(
            f"WHEN {n} THEN '{t}'" for n, (_, t) in enumerate(STEPS)) + " END END",
        "title_en": "NULL", "region_code": "'110105'",
        "step": "CASE WHEN i % 2 = 0 THEN 'accept' ELSE CASE " + step + " " + " ".join(
            f"WHEN {n} THEN '{s}'" for n, (s, _) in enumerate(STEPS)) + " END END",
        "round": "1", "department": pick(DEPARTMENTS, H1 + " / 5"), "role": "'clerk'",
        "user_id": f"CASE WHEN {H2} % 3 = 0 THEN NULL ELSE 1 + {H1} % 40 END",
        "kind": "'main'", "parent": "NULL", "order_no": "0",
        "status": f"CASE WHEN {live} THEN 'open' ELSE 'done' END",
        "delegated_by": "NULL", "created_at": d.moment(f"{minutes} - 2880"),
        "claimed_at": "NULL", "claimed": "false", "clock_from": d.moment(f"{minutes} - 2880"),
        "due_at": due, "due_sort": due, "yellow_at": d.moment(f"{minutes} - 720"),
        "warned": "NULL", "escalated": "false", "supervised": "false", "extension": "NULL",
        "after_signers": d.json("[]"), "outcome": "NULL", "opinion": "NULL",
        "data": d.json("{}"), "completed_by": "NULL", "completed_at": "NULL",
    }


def view_spec(session: Session) -> ViewSpec:
    found = latest_definition(session, "View", "birth_ledger")
    assert found is not None and isinstance(found.spec, ViewSpec)
    return found.spec


def build(db: Database, count: int) -> float:
    """The birth pack published, then `count` applications with their cases and tasks, the
    indexes made after the rows, ANALYZE; seconds taken."""
    d = Dialect(db.name)
    with session_factory(db.engine)() as session:
        publish_pack(session, check_path(PACK))
    start = time.perf_counter()
    dropped = [i for table in (Submission, CaseRow, Task) for i in table.__table__.indexes]
    with db.engine.begin() as connection:
        with Session(bind=connection) as session:
            spec = view_spec(session)
        if db.name == "postgres":  # the indexes of ten million rows sort in memory
            connection.execute(text("SET LOCAL maintenance_work_mem = '1GB'"))
        for index in dropped:
            index.drop(connection)
        for key in views.index_keys(spec):
            connection.execute(text(f"DROP INDEX {views.index_name(spec.form, key)}"))
        for table, columns, rows in (("submissions", submission_columns(d, count), count),
                                     ("cases", case_columns(d, count), count),
                                     ("tasks", task_columns(d), 2 * count)):
            names = ", ".join(f'"{c}"' for c in columns)
            connection.execute(text(d.rows(rows, f"INSERT INTO {table} ({names}) SELECT "
                                          + ", ".join(columns.values()))))
        for index in dropped:
            index.create(connection)
        with Session(bind=connection) as session:
            views.ensure_indexes(session, [spec])
        if db.name == "postgres":
            for table in ("submissions", "cases"):
                connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', "
                                        f"'id'), (SELECT max(id) FROM {table}))"))
    if db.name == "postgres":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        with db.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    return time.perf_counter() - start


# --- timing -------------------------------------------------------------------------------

def timed(session: Session, action: Callable[[], Any]) -> list[float]:
    """READS back-to-back runs of `action`, in ms, each in a fresh session state."""
    times = []
    for _ in range(READS):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1e3)
        session.expunge_all()
    return times


def statements_of(session: Session, action: Callable[[], Any]) -> list[tuple[str, Any]]:
    """Every statement `action` sent, with its parameters as sent."""
    seen: list[tuple[str, Any]] = []

    def note(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", note)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return seen


def raw(session: Session, statements: list[tuple[str, Any]]) -> Callable[[], Any]:
    """The same statements through the driver's cursor, rows fetched as tuples."""
    def run() -> Any:
        cursor = session.connection().connection.cursor()
        try:
            for statement, parameters in statements:
                cursor.execute(statement, parameters)
                if cursor.description is not None:  # not a SET
                    cursor.fetchall()
        finally:
            cursor.close()
    return run


def plan(db: Database, session: Session, statement: str, parameters: Any) -> list[str]:
    cursor = session.connection().connection.cursor()
    try:
        if db.name == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            return [str(row[-1]) for row in cursor.fetchall()]
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
        return [row[0] for row in cursor.fetchall()]
    finally:
        cursor.close()


def cases_of(count: int, spec: ViewSpec) -> list[tuple[str, access.Visibility, views.Query,
                                                       str]]:
    """(label, scope, query, kind): kind 'page' reads one page; 'export' every row."""
    form = spec.form
    half = views.Cursor(count // 2, count // 2)
    residence = views.Condition("eq", "110105", field="residence")
    return [
        ("first page", LEAD, views.Query(form), "page"),
        ("first page, all scope", EVERYTHING, views.Query(form), "page"),
        ("filtered: residence", LEAD, views.Query(form, (residence,)), "page"),
        ("filtered: status", EVERYTHING, views.Query(
            form, (views.Condition("eq", "correction", case="status"),)), "page"),
        ("deep page by submission", LEAD, views.Query(form, after=half), "page"),
        ("deep page by birth date", LEAD, views.Query(
            form, sort_field="birth_date", after=views.Cursor("2026-07-01", count // 2)),
         "page"),
        ("deep filtered by birth date", LEAD, views.Query(
            form, (residence,), sort_field="birth_date",
            after=views.Cursor("2026-07-01", count // 2)), "page"),
        ("CSV rows: residence + a month", LEAD, views.Query(
            form, (residence, views.Condition("range", "2026-03-01", "2026-03-31",
                                              field="birth_date")), limit=1000), "export"),
    ]


def urls_of(count: int) -> list[tuple[str, str, str]]:
    """(label, who, path) of the same pages as `cases_of`, as a browser asks for them."""
    base, half = "/views/birth_ledger", count // 2
    deep = "&sort=birth_date&after=" + json.dumps(["2026-07-01", half])
    return [
        ("first page", "lead_govsvc", base),
        ("first page, all scope", "supervisor", base),
        ("filtered: residence", "lead_govsvc", base + "?f_residence=110105"),
        ("filtered: status", "supervisor", base + "?f_status=correction"),
        ("deep page by submission", "lead_govsvc", base + "?after=" + json.dumps([half, half])),
        ("deep page by birth date", "lead_govsvc", base + "?" + deep[1:]),
        ("deep filtered by birth date", "lead_govsvc", base + "?f_residence=110105" + deep),
        ("CSV rows: residence + a month", "lead_govsvc",
         base + "?f_residence=110105&f_birth_date_from=2026-03-01&f_birth_date_to=2026-03-31"
         "&format=csv"),
    ]


def bench_http(db: Database, count: int, folder: Path) -> list[str]:
    """The pages of `urls_of` through the Flask test client, each the way `bench_views`
    times the store's page."""
    app = create_app({"DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
                      "SECRET_KEY": "bench", "TESTING": True, "LOWCODE_ENV": "development",
                      "INSTANCE_PATH": folder / f"instance-{db.name}"})
    with store(app).sessions() as session:
        seed_demo(session, env="development")
    clients = {}
    lines = []
    for label, who, path in urls_of(count):
        if who not in clients:
            clients[who] = signed_in(app, who)
        client = clients[who]
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        shown = response.get_data(as_text=True).count('class="view-row"') or \
            response.get_data(as_text=True).count("\n") - 1
        medians, every, cpu = [], [], []
        for _ in range(EXPORT_ROUNDS if "format=" in path else ROUNDS):
            times = []
            for _ in range(READS):
                start, used = time.perf_counter(), time.process_time()
                client.get(path).get_data()  # a download streams: read it to its end
                times.append((time.perf_counter() - start) * 1e3)
                cpu.append((time.process_time() - used) * 1e3)
            every += times
            medians.append(statistics.median(times))
        p50, p95 = percentile(medians, 0.5), percentile(medians, 0.95)
        goal = "" if "format=" in path else verdict(p95 < PAGE_GOAL_MS)
        lines.append(f"    {db.name:<8} {label:<30} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms"
                     f"   {shown} rows   every read p95 {percentile(every, 0.95):.2f} ms   "
                     f"this process's CPU p50 {statistics.median(cpu):.2f} ms   {goal}")
    store(app).engine.dispose()
    return lines


def signed_in(app: Any, username: str) -> Any:
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    response = client.post("/auth/login", data={"username": username,
                                                "password": DEMO_PASSWORD,
                                                "csrf_token": token.group(1)})
    assert response.status_code in (302, 303), response.status_code
    return client


def export_rows(session: Session, seen: access.Visibility, query: views.Query) -> int:
    return sum(len(page.rows) for page in views.every_row(session, seen, query, 100_000))


def built(db: Database, count: int) -> str:
    """Build the rows unless they are there (a kept database); what was done, in words."""
    with db.engine.connect() as connection:
        there = connection.scalar(select(func.count()).select_from(Submission))
    if there:
        return f"{there:,} applications found (built before)"
    seconds = build(db, count)
    with db.engine.connect() as connection:
        size = connection.scalar(text("SELECT pg_size_pretty(pg_database_size("
                                      "current_database()))")) if db.name == "postgres" else ""
    return f"{count:,} applications built, indexed and analysed in {seconds:.0f} s {size}"


def db_count(db: Database) -> int:
    with db.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(Submission)) or 0


def bench_views(db: Database, count: int) -> tuple[list[str], list[str]]:
    done = built(db, count)
    lines: list[str] = []
    plans: list[str] = []
    with session_factory(db.engine)() as session:
        spec = view_spec(session)
        count = session.scalar(select(func.count()).select_from(Submission)) or count
        total = session.scalar(select(func.count()).select_from(Task))
        lines.append(f"    {db.name}: {done}; {total:,} tasks")
        for label, seen, query, kind in cases_of(count, spec):
            if kind == "page":
                product: Callable[[], Any] = lambda s=seen, q=query: views.page(session, s, q)  # noqa: E731
            else:
                product = lambda s=seen, q=query: export_rows(session, s, q)  # noqa: E731
            sent = statements_of(session, product)
            session.rollback()
            rows = export_rows(session, seen, query) if kind == "export" else \
                len(views.page(session, seen, query).rows)
            bare = raw(session, sent)
            mine, theirs, medians = [], [], []
            # alternating, so that load on the machine hits both
            for _ in range(ROUNDS if kind == "page" else EXPORT_ROUNDS):
                times = timed(session, product)
                mine += times
                medians.append(statistics.median(times))
                theirs += timed(session, bare)
            p50, p95 = percentile(medians, 0.5), percentile(medians, 0.95)
            base = statistics.median(theirs)
            goal = verdict(p95 < PAGE_GOAL_MS) if kind == "page" else ""
            lines.append(f"    {db.name:<8} {label:<30} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms"
                         f"   raw SQL {base:7.2f} ms   ratio {p50 / base:5.2f}x   "
                         f"{len(sent)} statements, {rows} rows   {goal}")
            lines.append(f"{' ' * 45}every single read ({len(mine)}): p95 "
                         f"{percentile(mine, 0.95):.2f} ms, max {max(mine):.2f} ms")
            plans.append(f"    {db.name} {label}:")
            reads = [s for s in sent if s[0].lstrip().upper().startswith("SELECT")]
            for statement, parameters in reads[:-1] if kind == "page" else reads[:1]:
                plans += [f"        {step}" for step in plan(db, session, statement,
                                                             parameters)]
            session.rollback()
    return lines, plans


# --- running ------------------------------------------------------------------------------

def main(databases: list[str], count: int, keep: str | None = None) -> None:
    skipped = []
    if "postgres" in databases and (problem := postgres_problem()):
        databases = [d for d in databases if d != "postgres"]
        skipped.append(f"    postgres skipped: {problem}")
    lines: list[str] = []
    pages: list[str] = []
    plans: list[str] = []
    with tempfile.TemporaryDirectory() as name:
        for kind in databases:
            where = kept(keep) if keep and kind == "postgres" else \
                scratch(kind, "views", Path(name))
            with where as db:
                found, shown = bench_views(db, count)
                lines += found
                plans += shown
                pages += bench_http(db, db_count(db), Path(name))
    print(f"View pages of birth_ledger at {count:,} applications: p50 and p95 of {ROUNDS} "
          f"medians of {READS} reads ({EXPORT_ROUNDS} for a download), beside the raw SQL "
          f"of the same statements (median); "
          f"goal: a page p95 < {PAGE_GOAL_MS:.0f} ms at any depth; the machine's load "
          f"average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("\n".join(lines + skipped))
    print("    the same pages over HTTP (GET through the Flask test client, the whole request):")
    print("\n".join(pages))
    print("    query plans:")
    print("\n".join(plans))


if __name__ == "__main__":
    def option(flag: str, default: str) -> str:
        return sys.argv[sys.argv.index(flag) + 1] if flag in sys.argv else default

    chosen = option("--db", "sqlite,postgres").split(",")
    if not set(chosen) <= {"sqlite", "postgres"}:
        sys.exit("usage: bench/views.py [--db sqlite,postgres] [--cases N] [--keep NAME]")
    main(chosen, int(option("--cases", str(CASES))), option("--keep", "") or None)

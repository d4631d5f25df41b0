"""Benchmark of the dashboards' measures at city scale: a year of cases (1,000,000 by
default) with two tasks each, their closings, returns and ratings, on SQLite and PostgreSQL.

Run `python bench/dashboards.py` (`--db sqlite` or `--db postgres`, `--cases N`). SQLite is a
file in a temp folder; PostgreSQL a scratch database on LOWCODE_BENCH_POSTGRES_URL, dropped at
the end (see bench/flows.py). `--keep NAME` (PostgreSQL) uses the database NAME instead and
leaves it, as bench/views.py does: built when it has no cases yet, read as it is otherwise
(the rollup then adds only the days not rolled up yet), so that ten million cases are built
once and measured again after a change (drop it by hand when done).

Nothing is dated after NOW, as in a real database: a task that would finish after NOW is
open at NOW, a step that would start after it is not there yet, a case closing (and its
rating) or a return after it has not happened; so today's raw part (after the upkeep's
moment, ten minutes before NOW) is what a dashboard read at NOW finds.

The rows are built in the database (INSERT ... SELECT over a recursive CTE or
generate_series, indexes dropped while they go in and made after, the live task counts'
triggers too, the counts then made in one statement per kind, then ANALYZE), then the
worker's rollup (`measures.roll_up`) sums every ended day into `measure_days`. Measured for
every measure: an indicator card (the last 30 days, today included, so the figure reads the
daily rows and today's raw rows), a ranking of departments over the same days, and a year's
trend by month; each through `runtime.store.measures.tally` as the dashboard calls it, for a
supervisor (everything) and a department lead (card only), beside the baseline: a plain
GROUP BY of the same figure over the raw tables, written by hand here (never the product's
code). Goals (issue 14): a widget under 50 ms, a year's trend under 200 ms. `--raw-rounds N`
reads the raw-tables path and the baseline N times each (3 by default; at ten million cases
one such year's read takes seconds). Each widget's line is printed as soon as it is measured.
The figures are checked too: every widget's equal to the raw-tables path's, and the
supervisor's card and ranking to the baseline's counts (and amounts, but for the working days,
which the baseline counts in calendar days); the bench exits non-zero when one differs.
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import views as view_bench  # noqa: E402  (bench/views.py: the applications' columns)
from flows import (  # noqa: E402
    NOW,
    Database,
    Dialect,
    kept,
    percentile,
    postgres_problem,
    scratch,
    verdict,
)
from sqlalchemy import text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from runtime import access, worker  # noqa: E402
from runtime.store import held_counts, measures, task_counts  # noqa: E402
from runtime.store.cases import CaseEvent, CaseRow, Task  # noqa: E402
from runtime.store.db import session_factory  # noqa: E402
from runtime.store.ratings import RatingRow  # noqa: E402
from runtime.store.submissions import Submission  # noqa: E402
from runtime.views.periods import Period  # noqa: E402

CASES, ROUNDS, RAW_ROUNDS, WIDGET_GOAL_MS, TREND_GOAL_MS = 1_000_000, 15, 3, 50.0, 200.0
YEAR = 525_600  # minutes
DEPARTMENTS = ("GOVSVC", "GOVSVC", "HEALTH", "POLICE", "MEDINS", "HRSS", "GOVSVC", "CIVIL")
REGIONS = tuple(f"1101{n:02d}" for n in range(1, 21))
EVERYTHING = access.Visibility(everything=True)
LEAD = access.Visibility(departments=frozenset({"HEALTH"}))
TODAY = measures.china_date(NOW)
CARD = Period(TODAY - dt.timedelta(days=29), TODAY)
TREND = Period(TODAY.replace(year=TODAY.year - 1) + dt.timedelta(days=1), TODAY)
H1, H2, pick = view_bench.H1, view_bench.H2, view_bench.pick


def of_case(expression: str, case: str) -> str:
    return expression.replace("i *", f"{case} *")


def case_minutes(case: str, count: int) -> str:
    """When case number `case` (0-based) came, in minutes from NOW: evenly over a year."""
    return f"(-(({count} - {case}) * {YEAR}.0 / {count}))"


def closed_case(case: str) -> str:
    return f"({of_case(H2, case)} % 10 < 7)"  # seven cases in ten are done, CLOSING after


CLOSING, RETURN = 12000, 7000  # minutes after the case came: its closing (and rating), a return


def case_closed(count: int) -> str:
    """Case i is closed by NOW."""
    return f"({closed_case('i')} AND {by_now(count, CLOSING)})"


def case_columns(d: Dialect, count: int) -> dict[str, str]:
    created = d.moment(case_minutes("i", count))
    return {**view_bench.case_columns(d, count),
            "status": f"CASE WHEN {case_closed(count)} THEN 'done' ELSE 'running' END",
            "department_code": pick(DEPARTMENTS, H1 + " / 3"),
            "region_code": pick(REGIONS, H1 + " / 7"), "created_at": created,
            "updated_at": created}


def task_columns(d: Dialect, count: int) -> dict[str, str]:
    """Two tasks a case: acceptance (done within four days, due in two) and, four days after
    the case came, a department's step (done when the case is; a second round in the cases
    with a return). Nothing is dated after NOW: a task that would finish after NOW is still
    open at NOW, and a step that would start after NOW is not there yet (`task_made`)."""
    case, first = "(i / 2)", "(i % 2 = 0)"
    created = task_created(count)
    took = f"(({H2} / 16) % 5760)"
    done = f"(({first} OR {closed_case(case)}) AND {created} + {took} <= 0)"
    return {**view_bench.task_columns(d),
            "case_id": f"{case} + 1", "no": "i % 2 + 1",
            "region_code": pick(REGIONS, of_case(H1, case) + " / 7"),
            "department": f"CASE WHEN {first} THEN 'GOVSVC' ELSE "
                          f"{pick(DEPARTMENTS, H1 + ' / 5')} END",
            "round": f"CASE WHEN NOT {first} AND {of_case(H1, case)} % 20 = 0 THEN 2 ELSE 1 END",
            "status": f"CASE WHEN {done} THEN 'done' ELSE 'open' END",
            "created_at": d.moment(created), "clock_from": d.moment(created),
            "due_at": d.moment(f"{created} + 2880"), "due_sort": d.moment(f"{created} + 2880"),
            "completed_at": f"CASE WHEN {done} THEN {d.moment(f'{created} + {took}')} END"}


def task_created(count: int) -> str:
    """When task number i came, in minutes from NOW: the first with its case, the second
    four days after."""
    return f"({case_minutes('(i / 2)', count)} + CASE WHEN i % 2 = 0 THEN 0 ELSE 5760 END)"


def task_made(count: int) -> str:
    """The tasks that have come by NOW."""
    return f"{task_created(count)} <= 0"


def by_now(count: int, after: int) -> str:
    """Case i's fact `after` minutes after the case came has happened by NOW."""
    return f"{case_minutes('i', count)} + {after} <= 0"


def event_columns(d: Dialect, count: int, action: str, no: int, after: int) -> dict[str, str]:
    return {"case_id": "i + 1", "at": d.moment(f"{case_minutes('i', count)} + {after}"),
            "action": f"'{action}'", "actor_id": "NULL", "actor_name": "'系统'",
            "step": "'accept'", "task_no": str(no), "opinion": "NULL", "detail": d.json("{}")}


def rating_columns(d: Dialect, count: int) -> dict[str, str]:
    return {"case_id": "i + 1", "submission_id": "i + 1",
            "tracking_no": "'V' || " + d.padded("i + 1", 15),
            "level": f"1 + {H1} % 5", "reasons": d.json("[]"), "comment": "NULL",
            "rated_at": d.moment(f"{case_minutes('i', count)} + {CLOSING}"),
            "department": "'GOVSVC'", "rater_kind": "'guest'", "rater_id": "NULL",
            "rectify_case_id": "NULL", "reply": "NULL", "replied_at": "NULL"}


def build(db: Database, count: int) -> float:
    """`count` cases with their rows, indexes made after, ANALYZE; seconds taken."""
    d = Dialect(db.name)
    start = time.perf_counter()
    tables = (Submission, CaseRow, Task, CaseEvent, RatingRow)
    dropped = [i for table in tables for i in table.__table__.indexes]
    submissions = {**view_bench.submission_columns(d, count), "data": d.json("{}")}
    done = case_closed(count)
    inserts = (("submissions", submissions, count, None),
               ("cases", case_columns(d, count), count, None),
               ("tasks", task_columns(d, count), 2 * count, task_made(count)),
               ("case_events", event_columns(d, count, "case.done", 2, CLOSING), count, done),
               ("case_events", event_columns(d, count, "return", 2, RETURN), count,
                f"{H1} % 20 = 0 AND {by_now(count, RETURN)}"),
               ("ratings", rating_columns(d, count), count, f"{done} AND {H1} % 3 = 0"))
    with db.engine.begin() as connection:
        task_counts.uninstall(connection)  # counted once after, set-based, not row by row
        held_counts.uninstall(connection)
        for index in dropped:
            index.drop(connection)
        for table, columns, rows, where in inserts:
            names = ", ".join(f'"{c}"' for c in columns)
            sql = d.rows(rows, f"INSERT INTO {table} ({names}) SELECT "
                         + ", ".join(columns.values()))
            connection.execute(text(sql + (f" WHERE {where}" if where else "")))
        for index in dropped:
            index.create(connection)
        task_counts.install(connection)
        task_counts.rebuild(connection)
        held_counts.install(connection)
        held_counts.rebuild(connection, TODAY)
    if db.name == "postgres":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        with db.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    return time.perf_counter() - start


def roll_up(db: Database) -> float:
    start = time.perf_counter()
    with session_factory(db.engine)() as session:
        # as the worker's upkeep would at NOW: today up to ten minutes before
        measures.roll_up(session, today=TODAY, until=NOW - worker.ROLLUP_MARGIN)
        session.commit()
    if db.name == "sqlite":
        with db.engine.begin() as connection:
            connection.execute(text("ANALYZE measure_days"))
    else:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE measure_days"))
    return time.perf_counter() - start


# --- the baseline: each figure as a plain GROUP BY over the raw tables --------------------

# measure -> (FROM ... WHERE, moment, amount, department column)
BASELINE = {
    "received": ("cases c WHERE 1 = 1", "c.created_at", "1", "c.department_code"),
    "accepted": ("cases c JOIN tasks t ON t.case_id = c.id AND t.no = 1 "
                 "WHERE t.status = 'done'", "t.completed_at", "1", "c.department_code"),
    "closed": ("cases c JOIN case_events e ON e.case_id = c.id WHERE e.action IN "
               "('case.done', 'case.rejected') AND c.status IN ('done', 'rejected')", "e.at",
               "1", "c.department_code"),
    "on_time_rate": ("tasks t WHERE t.status = 'done' AND t.due_at IS NOT NULL",
                     "t.completed_at", "CASE WHEN t.completed_at <= t.due_at THEN 1 ELSE 0 END",
                     "t.department"),
    "avg_working_days": ("tasks t WHERE t.status = 'done' AND t.created_at IS NOT NULL",
                         "t.completed_at", "{days}", "t.department"),
    "overdue_now": ("tasks t WHERE t.status IN ('open', 'waiting') AND t.due_at < :now",
                    "t.due_at", "1", "t.department"),
    "returns": ("case_events e JOIN tasks t ON t.case_id = e.case_id AND t.no = e.task_no "
                "WHERE e.action = 'return'", "e.at", "1", "t.department"),
    "redo": ("tasks t WHERE t.round > 1", "t.created_at", "1", "t.department"),
    "satisfaction_rate": ("ratings r JOIN cases c ON c.id = r.case_id WHERE 1 = 1",
                          "r.rated_at", "CASE WHEN r.level >= 4 THEN 1 ELSE 0 END",
                          "c.department_code"),
}


def baseline(db: Database, name: str, group: str | None) -> str:
    source, moment, amount, department = BASELINE[name]
    if db.name == "sqlite":
        days = "julianday(t.completed_at) - julianday(t.created_at)"
        month = f"strftime('%Y-%m', {moment}, '+8 hours')"
    else:
        days = "extract(epoch FROM t.completed_at - t.created_at) / 86400"
        month = f"date_trunc('month', {moment} AT TIME ZONE 'Asia/Shanghai')"
    key = {"department": department, "month": month}.get(group or "")
    period = "" if name == "overdue_now" else f" AND {moment} >= :start AND {moment} < :end"
    keys = f"{key}, " if key else ""
    return (f"SELECT {keys}sum({amount.format(days=days)}), count(*) FROM {source}{period}"
            + (f" GROUP BY {key}" if key else ""))


# --- timing -------------------------------------------------------------------------------

def times_of(action: Callable[[], Any], rounds: int = ROUNDS) -> list[float]:
    found = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        found.append((time.perf_counter() - start) * 1e3)
    return found


# The widgets whose query plans are printed.
PLANS = {("received", "year trend"), ("closed", "card"), ("avg_working_days", "year trend"),
         ("overdue_now", "card"), ("redo", "year trend")}


def widgets() -> list[tuple[str, str, access.Visibility, Period, str | None, float]]:
    """(measure, widget, scope, period, grouping, goal in ms)."""
    found = []
    for name in measures.SOURCES:
        found += [(name, "card", EVERYTHING, CARD, None, WIDGET_GOAL_MS),
                  (name, "card, a lead", LEAD, CARD, None, WIDGET_GOAL_MS),
                  (name, "ranking", EVERYTHING, CARD, "department", WIDGET_GOAL_MS),
                  (name, "year trend", EVERYTHING, TREND, "month", TREND_GOAL_MS)]
    return found


def built(db: Database, count: int) -> str:
    """Build the rows unless they are there (a kept database); what was done, in words."""
    with db.engine.connect() as connection:
        there = connection.scalar(text("SELECT count(*) FROM cases"))
    if there:
        return f"{there:,} cases found (built before)"
    seconds = build(db, count)
    return (f"{count:,} cases, {2 * count:,} tasks and their events built, indexed and "
            f"analysed in {seconds:.0f} s")


def bench(db: Database, count: int, raw_rounds: int = RAW_ROUNDS
          ) -> tuple[list[str], list[str], bool]:
    done = built(db, count)
    rolled = roll_up(db)
    lines = [f"    {db.name}: {done}; rolled up in {rolled:.1f} s"]
    print(lines[0], flush=True)
    plans: list[str] = []
    wrong: list[str] = []
    start, end = measures.bounds(CARD)
    trend_start, _ = measures.bounds(TREND)
    with session_factory(db.engine)() as session:
        for name, widget, seen, period, group, goal in widgets():
            where = measures.Where(seen, period, now=NOW)
            mine = times_of(lambda w=where, g=group, n=name: measures.tally(session, n, w, g))
            unrolled = times_of(lambda w=where, g=group, n=name:
                                measures.tally(session, n, w, g, rolled=False), raw_rounds)
            sql = baseline(db, name, group)
            values = {"start": trend_start if widget == "year trend" else start, "end": end,
                      "now": NOW}
            bare = times_of(lambda s=sql, v=values: session.execute(text(s), v).all(),
                            raw_rounds)
            wrong += differences(session, name, widget, where, group, sql, values)
            p50, p95, base = statistics.median(mine), percentile(mine, 0.95), \
                statistics.median(bare)
            lines.append(
                f"    {db.name:<8} {name:<18} {widget:<13} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms"
                f"  raw tables {statistics.median(unrolled):8.2f} ms  baseline SQL "
                f"{base:8.2f} ms  ratio {p50 / base:6.3f}x  {verdict(p95 < goal)}")
            print(lines[-1], flush=True)
            if (name, widget) in PLANS:
                plans.append(f"    {db.name} {name}, {widget}:")
                plans += explain(db, session, name, where, group)
            session.rollback()
    lines.append("\n".join(wrong) if wrong else
                 f"    {db.name}: every widget's figures equal the raw tables', and the "
                 f"supervisor's cards and rankings the baseline's")
    print(lines[-1], flush=True)
    return lines, plans, not wrong


def differences(session: Session, name: str, widget: str, where: measures.Where,
                group: str | None, sql: str, values: dict[str, Any]) -> list[str]:
    """Where the widget's figures differ from the raw-tables path (every widget), or the
    supervisor's card and ranking from the baseline's counts (its amounts too, but for the
    working days, which the baseline counts in calendar days)."""
    figures = measures.tally(session, name, where, group)
    found = []
    if figures != measures.tally(session, name, where, group, rolled=False):
        found.append(f"    {name}, {widget}: the daily rows and the raw tables differ")
    if widget in ("card", "ranking"):
        amounts = name != "avg_working_days"
        base = {str(row[0]) if group else "": (float(row[-2]) if amounts else 0.0, row[-1])
                for row in session.execute(text(sql), values) if row[-1]}
        mine = {key: (figure.amount if amounts else 0.0, figure.of)
                for key, figure in figures.items() if figure.of}
        if mine != base:
            found.append(f"    {name}, {widget}: {mine} here, {base} by the baseline")
    return found


def explain(db: Database, session: Session, name: str, where: measures.Where,
            group: str | None) -> list[str]:
    from sqlalchemy import event  # noqa: PLC0415 (only to catch the statements)

    seen: list[tuple[str, Any]] = []

    def note(_c: Any, _k: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", note)
    try:
        measures.tally(session, name, where, group)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    found = []
    cursor = session.connection().connection.cursor()
    try:
        for statement, parameters in seen:
            if statement.startswith("SET "):  # the read's own settings, replayed
                cursor.execute(statement, parameters)
                continue
            if not any(table in statement for table in ("measure_days", "task_counts",
                                                        "tasks", "cases")):
                continue
            prefix = "EXPLAIN QUERY PLAN " if db.name == "sqlite" else "EXPLAIN ANALYZE "
            cursor.execute(prefix + statement, parameters)
            found += [f"        {row[-1] if db.name == 'sqlite' else row[0]}"
                      for row in cursor.fetchall()]
            found.append("        --")
    finally:
        cursor.close()
    return found


def main(databases: list[str], count: int, keep: str | None = None,
         raw_rounds: int = RAW_ROUNDS) -> None:
    skipped = []
    if "postgres" in databases and (problem := postgres_problem()):
        databases = [d for d in databases if d != "postgres"]
        skipped.append(f"    postgres skipped: {problem}")
    lines: list[str] = []
    plans: list[str] = []
    exact = True
    heading = (f"Dashboard widgets at {count:,} cases: p50 and p95 of {ROUNDS} reads through "
               f"measures.tally (daily rows + today's raw rows), the raw-tables path, and the "
               f"baseline GROUP BY (median of {raw_rounds}); goals: widget < "
               f"{WIDGET_GOAL_MS:.0f} ms, year trend < {TREND_GOAL_MS:.0f} ms")
    print(heading, flush=True)
    with tempfile.TemporaryDirectory() as name:
        for kind in databases:
            where = kept(keep) if keep and kind == "postgres" else \
                scratch(kind, "dashboards", Path(name))
            with where as db:
                found, shown, same = bench(db, count, raw_rounds)
                lines += found
                plans += shown
                exact = exact and same
    print(heading)
    print("\n".join(lines + skipped))
    print("    query plans:")
    print("\n".join(plans))
    if not exact:
        sys.exit("the figures differ (above)")


if __name__ == "__main__":
    def option(flag: str, default: str) -> str:
        return sys.argv[sys.argv.index(flag) + 1] if flag in sys.argv else default

    chosen = option("--db", "sqlite,postgres").split(",")
    if not set(chosen) <= {"sqlite", "postgres"}:
        sys.exit("usage: bench/dashboards.py [--db sqlite,postgres] [--cases N] [--keep NAME] "
                 "[--raw-rounds N]")
    main(chosen, int(option("--cases", str(CASES))), option("--keep", "") or None,
         int(option("--raw-rounds", str(RAW_ROUNDS))))

"""Benchmark of the bottleneck page's store read at city scale, on bench/dashboards.py's
seeding (a year of cases, 1,000,000 by default, two tasks each, returns): the last 30 days,
today included, for a supervisor (everything) and a department lead (HEALTH, with the tasks
of the cases it leads).

Measured, p50/p95 of 15 reads: the finished work per step and department
(`bottlenecks.finished`: the daily rows the worker rolled up, today's so far included, and
the raw rows after them) beside the same from the raw tables (`rolled=False`, median of 3,
the baseline of this read; the two must give the same integers), also for a region's viewer
(who reads the rows with regions); what is held up now
(`bottlenecks.live_counts` per step and department, in SQL, and the first 201 live
tasks by deadline, `bottlenecks.held`); and, as the baseline, the rows the page read
before (every task in scope made in the period or still live, as a plain SELECT, median of 3).

The worker's upkeep (every 5 minutes) sums today up to 10 minutes before it runs, so a read
finds at most the last 15 minutes raw; the bench rolls up as the upkeep would at NOW
(`dashboards.roll_up`, today up to NOW - 10 minutes). The seeding dates nothing after NOW,
so that is the read a supervisor gets at NOW.

The live counts alone, also for a region's viewer: `live_counts` as the page reads them
(the counts the triggers keep, `held_counts`) beside the same from the tasks
(`rolled=False`) and, as the baseline, the same figures as a plain GROUP BY over the raw
tables written by hand here (tasks, overdue and distinct cases per step and per department,
median of 3); the three must give the same integers.

With `--countersign`, every tenth running case gets a second party at its step (another
department's live task) before the reads: cases whose live tasks are in several groups,
which the live counts correct for (`held_counts`).

Run `python bench/bottlenecks.py [--db sqlite|postgres] [--cases N] [--countersign]
[--keep NAME] [--raw-rounds N]` (with `nice`). `--keep NAME` (PostgreSQL) reads the database
NAME that `bench/dashboards.py --keep NAME` built and rolled up (building it when it has no
cases yet) and leaves it; it does not go with `--countersign`, which would change it.
`--raw-rounds N` reads each raw read and baseline N times (3 by default).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import dashboards  # noqa: E402  (bench/dashboards.py: the seeding)
from flows import NOW, kept, percentile, postgres_problem, scratch  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from runtime import access  # noqa: E402
from runtime.store import bottlenecks, held_counts, measures  # noqa: E402
from runtime.store.cases import Task  # noqa: E402
from runtime.store.db import session_factory  # noqa: E402

SCOPES = (("supervisor", dashboards.EVERYTHING, "1 = 1"),
          ("lead HEALTH", dashboards.LEAD,
           "(t.department = 'HEALTH' OR c.department_code = 'HEALTH')"))
# What the page read before: every task in scope made in the period or still live.
BEFORE = ("SELECT t.case_id, t.tracking_no, c.process_id, t.step, t.title_zh, t.title_en, "
          "t.department, t.role, t.user_id, t.status, t.round, t.created_at, t.claimed_at, "
          "t.claimed, t.completed_at, t.due_at FROM tasks t JOIN cases c ON c.id = t.case_id "
          "WHERE {scope} AND ((t.created_at >= :start AND t.created_at < :end) "
          "OR t.status IN ('open', 'waiting'))")


LIVE_SCOPES = (*SCOPES, ("region 110101", access.Visibility(region_prefixes=frozenset({"110101"})),
                          "(t.region_code LIKE '110101%' OR c.region_code LIKE '110101%')"))
# The live counts by hand: per step, and per department.
LIVE = ("SELECT {key}, count(*), sum(CASE WHEN t.due_at < :now THEN 1 ELSE 0 END), "
        "count(DISTINCT t.case_id) FROM tasks t JOIN cases c ON c.id = t.case_id "
        "WHERE t.status IN ('open', 'waiting') AND {scope} GROUP BY {key}")
LIVE_KEYS = ("c.process_id, t.step", "t.department")


def live_by_hand(session: Session, scope: str) -> list[tuple[object, ...]]:
    return [tuple(row) for key in LIVE_KEYS for row in session.execute(
        text(LIVE.format(key=key, scope=scope)), {"now": NOW})]


def countersign(db: dashboards.Database) -> str:
    """A second party for every tenth running case: a live task beside its own at its step,
    in another department (HEALTH, or POLICE beside HEALTH's), written through the triggers,
    then the counts summed as the worker's upkeep would."""
    columns = [c.name for c in Task.__table__.columns if c.name != "id"]
    chosen = {"no": "t.no + 10", "department":
              "CASE WHEN t.department = 'HEALTH' THEN 'POLICE' ELSE 'HEALTH' END"}
    start = time.perf_counter()
    with db.engine.begin() as connection:
        added = connection.execute(text(
            f"INSERT INTO tasks ({', '.join(columns)}) SELECT "
            + ", ".join(chosen.get(c, f"t.{c}") for c in columns)
            + " FROM tasks t WHERE t.status IN ('open', 'waiting') AND t.case_id % 10 = 0"
        )).rowcount
    with session_factory(db.engine)() as session:
        held_counts.compact(session, dashboards.TODAY)
        session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE"))
    return (f"    {db.name}: a second party for {added:,} live cases (countersign) added in "
            f"{time.perf_counter() - start:.1f} s")


def live(db: dashboards.Database, session: Session, raw_rounds: int) -> list[str]:
    """The live counts, kept and raw, beside the baseline; stops when they differ."""
    lines = []
    for who, seen, scope in LIVE_SCOPES:
        reads = {
            "live counts": (lambda s=seen: bottlenecks.live_counts(session, s, NOW)),
            "live, raw": (lambda s=seen: bottlenecks.live_counts(session, s, NOW,
                                                                 rolled=False)),
            "live, by hand": (lambda q=scope: live_by_hand(session, q)),
        }
        kept, raw = (bottlenecks.live_counts(session, seen, NOW, rolled=r) for r in (True, False))
        figures = sorted((c.key, c.tasks, c.overdue, c.cases) for c in [*kept[0], *kept[1]])
        assert figures == sorted((c.key, c.tasks, c.overdue, c.cases)
                                 for c in [*raw[0], *raw[1]]), who
        by_hand = sorted(row[-3:] for row in live_by_hand(session, scope))
        assert sorted(f[1:] for f in figures) == by_hand, who
        for name, read in reads.items():
            found = dashboards.times_of(
                read, dashboards.ROUNDS if name == "live counts" else raw_rounds)
            lines.append(f"    {db.name:<8} {who:<13} {name:<13} p50 "
                         f"{statistics.median(found):9.1f} ms  p95 "
                         f"{percentile(found, 0.95):9.1f} ms  ({len(figures):,} figures, "
                         f"{sum(c.tasks for c in kept[0]):,} live tasks)")
            session.rollback()
    return lines


FINISHED_SCOPES = (*((who, seen) for who, seen, _ in SCOPES),
                   ("region 110101", access.Visibility(region_prefixes=frozenset({"110101"}))))


def finished(db: dashboards.Database, session: Session, raw_rounds: int) -> list[str]:
    """The finished work with today rolled up as the upkeep would at NOW (ten minutes
    before it), beside the raw read; stops when they differ."""
    lines, first, last = [], dashboards.CARD.start, dashboards.CARD.end
    for who, seen in FINISHED_SCOPES:
        raw = sorted(bottlenecks.finished(session, seen, first, last, rolled=False), key=repr)
        reads = {"finished": (lambda s=seen: bottlenecks.finished(session, s, first, last)),
                 "finished, raw": (lambda s=seen: bottlenecks.finished(
                     session, s, first, last, rolled=False))}
        assert sorted(reads["finished"](), key=repr) == raw, who
        for name, read in reads.items():
            found = dashboards.times_of(
                read, raw_rounds if name.endswith("raw") else dashboards.ROUNDS)
            lines.append(f"    {db.name:<8} {who:<13} {name:<13} p50 "
                         f"{statistics.median(found):9.1f} ms  p95 "
                         f"{percentile(found, 0.95):9.1f} ms  "
                         f"({sum(f.tasks for f in raw):,} tasks)")
            session.rollback()
    return lines


def held_now(session: Session, seen: access.Visibility) -> list[object]:
    """The live part as the page reads it: the counts per step and department, and the
    first 201 live tasks."""
    steps, departments = bottlenecks.live_counts(session, seen, NOW)
    return [*steps, *departments, *bottlenecks.held(session, seen, limit=201)]


def bench(db: dashboards.Database, count: int, raw_rounds: int) -> list[str]:
    done = dashboards.built(db, count)
    rolled = dashboards.roll_up(db)
    if "--countersign" in sys.argv:
        added = countersign(db)
    lines = [f"    {db.name}: {done}; rolled up (measures and bottlenecks, today up to "
             f"NOW - 10 min) in {rolled:.1f} s"]
    start, end = measures.bounds(dashboards.CARD)
    with session_factory(db.engine)() as session:
        for who, seen, scope in SCOPES:
            before = BEFORE.format(scope=scope)
            reads = {
                "held now": (lambda s=seen: held_now(session, s)),
                "before (rows)": (lambda q=before: session.execute(
                    text(q), {"start": start, "end": end}).all()),
            }
            for name, read in reads.items():
                rounds = dashboards.ROUNDS if name == "held now" else raw_rounds
                found = dashboards.times_of(read, rounds)
                rows = len(read())
                lines.append(f"    {db.name:<8} {who:<12} {name:<14} p50 "
                             f"{statistics.median(found):9.1f} ms  p95 "
                             f"{percentile(found, 0.95):9.1f} ms  ({rows:,} rows)")
                session.rollback()
        lines += live(db, session, raw_rounds)
        lines += finished(db, session, raw_rounds)
    return lines[:1] + ([added] if "--countersign" in sys.argv else []) + lines[1:]


def main(databases: list[str], count: int, keep: str | None, raw_rounds: int) -> None:
    lines = []
    if "postgres" in databases and (problem := postgres_problem()):
        databases = [d for d in databases if d != "postgres"]
        lines.append(f"    postgres skipped: {problem}")
    with tempfile.TemporaryDirectory() as name:
        for kind in databases:
            where = kept(keep) if keep and kind == "postgres" else \
                scratch(kind, "bottlenecks", Path(name))
            with where as db:
                lines = bench(db, count, raw_rounds) + lines
    print(f"Bottleneck page's store read at {count:,} cases, the last 30 days (ms).")
    print("\n".join(lines))


if __name__ == "__main__":
    def option(flag: str, default: str) -> str:
        return sys.argv[sys.argv.index(flag) + 1] if flag in sys.argv else default

    if "--keep" in sys.argv and "--countersign" in sys.argv:
        sys.exit("--countersign would change the kept database: leave one of them out")
    main(option("--db", "sqlite").split(","), int(option("--cases", str(dashboards.CASES))),
         option("--keep", "") or None, int(option("--raw-rounds", "3")))

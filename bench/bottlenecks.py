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
finds at most the last 15 minutes raw. This seeding's tasks finish up to four days after its
NOW, so its today goes on after NOW: the finished work is read as at the end of that day,
the upkeep's last run 5 minutes before (`LATE`), and also with the upkeep at NOW (the raw
part then holds every task the seeding finishes later today, ~1,550).

Run `python bench/bottlenecks.py [--db sqlite|postgres] [--cases N]` (with `nice`).
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import dashboards  # noqa: E402  (bench/dashboards.py: the seeding)
from flows import NOW, percentile, postgres_problem, scratch  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from runtime import access, worker  # noqa: E402
from runtime.flows.deadlines import start_of  # noqa: E402
from runtime.store import bottlenecks, measures  # noqa: E402
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


FINISHED_SCOPES = (*((who, seen) for who, seen, _ in SCOPES),
                   ("region 110101", access.Visibility(region_prefixes=frozenset({"110101"}))))
# The upkeep's last run before a read at the end of the data's today, and one at NOW.
LATE = start_of(dashboards.TODAY + dt.timedelta(days=1)) - dt.timedelta(minutes=15)
UPKEEPS = (("", LATE), (", upkeep at NOW", NOW - worker.ROLLUP_MARGIN))


def finished(db: dashboards.Database, session: Session) -> list[str]:
    """The finished work with today rolled up so far, beside the raw read; stops when
    they differ."""
    lines, first, last = [], dashboards.CARD.start, dashboards.CARD.end
    raw = {who: sorted(bottlenecks.finished(session, seen, first, last, rolled=False), key=repr)
           for who, seen in FINISHED_SCOPES}
    for upkeep, until in UPKEEPS:
        start = time.perf_counter()
        measures.roll_up(session, until=until)
        session.commit()
        lines.append(f"    {db.name}: today rolled up to {until.astimezone(dt.UTC):%H:%M} UTC in "
                     f"{time.perf_counter() - start:.1f} s")
        for who, seen in FINISHED_SCOPES:
            reads = {f"finished{upkeep}": (
                lambda s=seen: bottlenecks.finished(session, s, first, last))}
            if not upkeep:
                reads["finished, raw"] = (lambda s=seen: bottlenecks.finished(
                    session, s, first, last, rolled=False))
            assert sorted(reads[f"finished{upkeep}"](), key=repr) == raw[who], (who, upkeep)
            for name, read in reads.items():
                found = dashboards.times_of(read, 3 if name.endswith("raw") else
                                            dashboards.ROUNDS)
                lines.append(f"    {db.name:<8} {who:<13} {name:<24} p50 "
                             f"{statistics.median(found):9.1f} ms  p95 "
                             f"{percentile(found, 0.95):9.1f} ms  "
                             f"({sum(f.tasks for f in raw[who]):,} tasks)")
                session.rollback()
    return lines


def held_now(session: Session, seen: access.Visibility) -> list[object]:
    """The live part as the page reads it: the counts per step and department, and the
    first 201 live tasks."""
    steps, departments = bottlenecks.live_counts(session, seen, NOW)
    return [*steps, *departments, *bottlenecks.held(session, seen, limit=201)]


def bench(db: dashboards.Database, count: int) -> list[str]:
    seconds = dashboards.build(db, count)
    rolled = dashboards.roll_up(db)
    lines = [f"    {db.name}: {count:,} cases built in {seconds:.0f} s; rolled up (measures "
             f"and bottlenecks) in {rolled:.1f} s"]
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
                rounds = dashboards.ROUNDS if name == "held now" else 3
                found = dashboards.times_of(read, rounds)
                rows = len(read())
                lines.append(f"    {db.name:<8} {who:<12} {name:<14} p50 "
                             f"{statistics.median(found):9.1f} ms  p95 "
                             f"{percentile(found, 0.95):9.1f} ms  ({rows:,} rows)")
                session.rollback()
        lines += finished(db, session)
    return lines


def main(databases: list[str], count: int) -> None:
    lines = []
    if "postgres" in databases and (problem := postgres_problem()):
        databases = [d for d in databases if d != "postgres"]
        lines.append(f"    postgres skipped: {problem}")
    with tempfile.TemporaryDirectory() as name:
        for kind in databases:
            with scratch(kind, "bottlenecks", Path(name)) as db:
                lines = bench(db, count) + lines
    print(f"Bottleneck page's store read at {count:,} cases, the last 30 days (ms).")
    print("\n".join(lines))


if __name__ == "__main__":
    def option(flag: str, default: str) -> str:
        return sys.argv[sys.argv.index(flag) + 1] if flag in sys.argv else default

    main(option("--db", "sqlite").split(","), int(option("--cases", str(dashboards.CASES))))

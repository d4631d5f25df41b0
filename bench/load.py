"""Load run: gunicorn with several workers on PostgreSQL under locust's mix of page views,
live updates, submissions and task actions (bench/locustfile.py).

It looks for the highest load this machine sustains with p95 under 200 ms and no failure:
short probes at rising numbers of users (each user about one task a second), then one run of
--seconds at the highest level that passed. It prints each probe and the final rate, p50 and
p95 latencies and failures. The database is a fresh one on the server of --postgres
(LOWCODE_TEST_POSTGRES_URL), dropped afterwards; the server listens on 127.0.0.1 and locust
targets only it; every run stops by itself (locust's -t).

    python bench/load.py [--workers 4] [--seconds 60] [--levels 2,4,8,16,32,64]
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

from killtest import HOST, ROOT, Service, database, free_port, prepare, wait_ready, write_pack

from runtime.packs import check_path
from runtime.store.db import make_engine, session_factory
from runtime.store.publish import publish_pack

BENCH = Path(__file__).resolve().parent
BIRTH = ROOT / "scenario_packs" / "birth_one_thing"
P95_LIMIT_MS = 200.0
WARM_UP_SECONDS = 10.0


def locust(base: str, users: int, seconds: float, folder: Path) -> dict[str, Any]:
    """One headless locust run; the aggregated figures and each request kind's."""
    prefix = folder / f"u{users}-{int(seconds)}"
    command = [sys.executable, "-m", "locust", "-f", str(BENCH / "locustfile.py"),
               "--headless", "-u", str(users), "-r", str(users), "-t", f"{int(seconds)}s",
               "--host", base, "--csv", str(prefix), "--only-summary", "--loglevel", "ERROR",
               "--stop-timeout", "5"]
    subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False,
                   timeout=seconds + 120)
    with open(f"{prefix}_stats.csv", encoding="utf-8") as file:
        rows = {row["Name"]: row for row in csv.DictReader(file)}
    with open(f"{prefix}_failures.csv", encoding="utf-8") as file:
        for row in csv.DictReader(file):  # what failed, so that a failure can be explained
            print(f"  failed {row['Occurrences']}x {row['Name']}: {row['Error']}", flush=True)
    return {name: _figures(row) for name, row in rows.items()}


def _figures(row: dict[str, str]) -> dict[str, float]:
    return {"requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
            "rate": round(float(row["Requests/s"]), 1), "p50": float(row["50%"]),
            "p95": float(row["95%"]), "p99": float(row["99%"])}


def passed(result: dict[str, Any]) -> bool:
    total = result["Aggregated"]
    return total["failures"] == 0 and total["p95"] < P95_LIMIT_MS


def show(label: str, result: dict[str, Any]) -> None:
    total = result["Aggregated"]
    print(f"{label}: {total['rate']} req/s, p50 {total['p50']:.0f} ms, p95 "
          f"{total['p95']:.0f} ms, p99 {total['p99']:.0f} ms, {total['requests']} requests, "
          f"{total['failures']} failed", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", default=os.environ.get("LOWCODE_TEST_POSTGRES_URL"))
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--probe-seconds", type=float, default=15.0)
    parser.add_argument("--levels", default="2,4,8,16,32,64")
    args = parser.parse_args()
    levels = [int(n) for n in args.levels.split(",")]
    with tempfile.TemporaryDirectory(prefix="lowcode-load-") as scratch, \
            database("postgres", Path(scratch), args.postgres) as url:
        folder = Path(scratch)
        prepare(url, write_pack(folder / "packs" / "kill_pack"))
        engine = make_engine(url)
        with session_factory(engine)() as session:
            publish_pack(session, check_path(BIRTH))
        engine.dispose()
        env = {**os.environ, "LOWCODE_DATABASE_URL": url, "LOWCODE_INSTANCE_PATH": scratch,
               "LOWCODE_SECRET_KEY": uuid.uuid4().hex, "LOWCODE_ENV": "development",
               # Every locust user signs in from 127.0.0.1 and every clerk as clerk_govsvc:
               # the sign-in limits per address (50) and per account (20 in 5 minutes) would
               # refuse the clerks of the later levels, and their claims would fail.
               "LOWCODE_LOGIN_RATE_PER_IP": "100000", "LOWCODE_LOGIN_RATE_PER_ACCOUNT": "100000",
               "PYTHONPATH": str(ROOT)}
        port = free_port()
        base = f"http://{HOST}:{port}"
        web = Service("web", [sys.executable, "-m", "gunicorn", "-w", str(args.workers),
                              "-b", f"{HOST}:{port}", "--preload", "runtime.web:create_app()"],
                      env, folder / "web.log")
        web.start()
        try:
            wait_ready(base)
            show("warm-up (templates compiled, pools filled; not counted)",
                 locust(base, levels[0], WARM_UP_SECONDS, folder))
            best = levels[0]
            for users in levels:
                result = locust(base, users, args.probe_seconds, folder)
                show(f"probe {users} users", result)
                if not passed(result):
                    break
                best = users
            final = locust(base, best, args.seconds, folder)
            show(f"final {best} users, {args.seconds:.0f} s, gunicorn -w {args.workers}",
                 final)
            for name, figures in sorted(final.items()):
                print(f"  {name}: {figures}")
        finally:
            web.stop()
    sys.exit(0 if passed(final) else 1)


if __name__ == "__main__":
    main()

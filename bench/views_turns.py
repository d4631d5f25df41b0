"""Two versions of the View pages over HTTP, in turn, on the same rows: the CPU a page costs
the web process before and after a change, measured so that the load of a shared machine
falls on both alike.

Run `python bench/views_turns.py --before REV [--after REV] [--db sqlite|postgres]
[--cases N] [--turns T] [--rounds R]`. The rows are built once (as `bench/views.py` builds
them: the birth pack's ledger with N applications, their cases and tasks, the demo
organisation), then each version (`git archive` of REV; the working tree for `--after`
unless given) runs the pages of `bench/views.urls_of` in a process of its own, T turns of
each version one after the other; each page R rounds of 3 reads through the Flask test
client, signed in as the lead of the service centre or the supervisor. Printed per page: the
median over the turns of the median CPU time of the process per read (and of the wall
clock), the load average at the end. The store's query is under a millisecond at any depth
(`bench/views.py`): 20,000 rows (the default) compare the page's own CPU as well as a
million would.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
READS = 3


def child(tree: str, url: str, rounds: int, instance: str) -> None:
    """In the version at `tree`: each page's CPU and wall clock per read, as JSON."""
    sys.path[:0] = [tree, f"{tree}/bench"]
    from views import signed_in, urls_of  # the version's own bench module

    from runtime.web.app import create_app
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True,
                      "LOWCODE_ENV": "development", "INSTANCE_PATH": instance,
                      "LOGIN_RATE_PER_ACCOUNT": 10**6, "LOGIN_RATE_PER_IP": 10**6})
    clients, found = {}, {}
    pages = [(label, who, path) for label, who, path in urls_of(int(os.environ["CASES"]))
             if "format=" not in path]
    for _, who, path in pages:
        client = clients.get(who) or clients.setdefault(who, signed_in(app, who))
        assert client.get(path).status_code == 200, path
    for label, who, path in pages:
        cpu, wall = [], []
        for _ in range(rounds * READS):
            start, used = time.perf_counter(), time.process_time()
            clients[who].get(path).get_data()
            wall.append((time.perf_counter() - start) * 1e3)
            cpu.append((time.process_time() - used) * 1e3)
        found[label] = (statistics.median(cpu), statistics.median(wall))
    print(json.dumps(found))


def version(rev: str | None, folder: Path) -> str:
    """A tree of `rev` (the working tree for None)."""
    if rev is None:
        return str(ROOT)
    tree = folder / rev.replace("/", "_")
    tree.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return str(tree)


def main(db: str, count: int, before: str, after: str | None, turns: int,
         rounds: int) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from flows import scratch
    from views import built

    from runtime.demo import seed_demo
    from runtime.web.app import create_app
    from runtime.web.database import store
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        with scratch(db, "turns", folder) as database:
            print(built(database, count))
            url = database.engine.url.render_as_string(hide_password=False)
            app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True,
                              "LOWCODE_ENV": "development", "INSTANCE_PATH": folder / "i"})
            with store(app).sessions() as session:
                seed_demo(session, env="development")
            store(app).engine.dispose()
            trees = {"before": version(before, folder), "after": version(after, folder)}
            runs: dict[str, dict[str, list[tuple[float, float]]]] = {t: {} for t in trees}
            for _ in range(turns):
                for which, tree in trees.items():
                    out = subprocess.run(
                        [sys.executable, __file__, "--child", tree, url, str(rounds),
                         str(folder / "i")], check=True, capture_output=True, text=True,
                        env={**os.environ, "CASES": str(count)}).stdout
                    for label, figures in json.loads(out.splitlines()[-1]).items():
                        runs[which].setdefault(label, []).append(figures)
    print(f"{db}, {count:,} applications: CPU (wall) ms of a page, median of {turns} turns "
          f"of the median of {rounds}x{READS} reads; before {before}, after "
          f"{after or 'the working tree'}; load average at the end "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for label in runs["before"]:
        cells = []
        for which in trees:
            cpu = statistics.median(f[0] for f in runs[which][label])
            wall = statistics.median(f[1] for f in runs[which][label])
            cells.append(f"{which} {cpu:5.2f} ({wall:6.2f})")
        print(f"    {label:<30} " + "   ".join(cells))


if __name__ == "__main__":
    def option(flag: str, default: str | None) -> str | None:
        return sys.argv[sys.argv.index(flag) + 1] if flag in sys.argv else default

    if "--child" in sys.argv:
        at = sys.argv.index("--child")
        child(sys.argv[at + 1], sys.argv[at + 2], int(sys.argv[at + 3]), sys.argv[at + 4])
        sys.exit()
    chosen = option("--before", None)
    if chosen is None:
        sys.exit("usage: bench/views_turns.py --before REV [--after REV] [--db sqlite|postgres]"
                 " [--cases N] [--turns T] [--rounds R]")
    main(option("--db", "sqlite") or "sqlite", int(option("--cases", "20000") or 20000),
         chosen, option("--after", None), int(option("--turns", "4") or 4),
         int(option("--rounds", "8") or 8))

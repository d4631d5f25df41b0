"""How long `lowcode check` takes on a pack with 200 fields and 50 expressions.

Prints medians of (a) the checker in-process and (b) the whole `lowcode check` command,
beside baselines measured in the same run: (a) parsing the same files with libyaml's C
loader, the fastest YAML reading there is; (b) starting a bare Python interpreter.
Goal: the whole command under 0.5 s.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from runtime.packs import check_path

FIELDS, EXPRESSIONS, REPEATS = 200, 50, 7


def write_pack(root: Path) -> None:
    (root / "forms").mkdir(parents=True)
    (root / "pack.yaml").write_text("kind: Pack\nid: bench\nversion: 1\nformat: 1\ntitle: 基准\n")
    lines = ["kind: Form", "id: big", "version: 1", "title: 大表单", "fields:"]
    for i in range(FIELDS):
        lines += [f"  - id: f{i}", "    type: integer", f"    label: 字段{i}", "    min: 0"]
        if i % (FIELDS // EXPRESSIONS) == 1:
            lines.append(f"    visible_when: \"f{i - 1} > 10 and f{i - 1} < 1000\"")
    (root / "forms" / "big.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def median_seconds(action: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "pack"
        write_pack(root)
        files = sorted(root.rglob("*.yaml"))
        assert check_path(root).ok
        checker = median_seconds(lambda: check_path(root))
        c_yaml = median_seconds(lambda: [yaml.load(f.read_text(), Loader=yaml.CSafeLoader)
                                         for f in files])
        lowcode = str(Path(sys.executable).with_name("lowcode"))
        command = median_seconds(lambda: subprocess.run([lowcode, "check", str(root)],
                                                        check=True, capture_output=True))
        bare = median_seconds(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True))
    print(f"pack: {FIELDS} fields, {EXPRESSIONS} expressions; medians of {REPEATS} runs")
    print(f"checker in-process   {checker * 1000:8.1f} ms   libyaml C parse only "
          f"{c_yaml * 1000:6.1f} ms   ratio {checker / c_yaml:5.1f}x")
    print(f"`lowcode check`      {command * 1000:8.1f} ms   bare python start  "
          f"{bare * 1000:6.1f} ms   ratio {command / bare:5.1f}x   goal < 500 ms: "
          f"{'met' if command < 0.5 else 'NOT met'}")


if __name__ == "__main__":
    main()

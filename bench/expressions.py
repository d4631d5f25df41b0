"""Benchmark of the expression engine against native eval and against re-parsing each time.

Run `python bench/expressions.py`. For each typical rule it measures, as the median of
several repeats, the time of one evaluation by (a) a cached compiled Expression, (b) CPython's
own eval of the same text pre-compiled to a code object (the physical limit), and (c)
compiling from scratch each time (parse + allow-list + evaluation, no cache). Goals: engine
within 20x of native, cached at least 4x faster than re-parsing.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from runtime.expressions import FUNCTIONS, compile_expression  # noqa: E402
from runtime.expressions.compiler import _compile  # noqa: E402

RULES: list[tuple[str, str]] = [
    ("comparison", "age >= 18"),
    ("boolean logic", "age >= 18 and income < 5000"),
    ("not / or", "not (age < 18 or age > 60)"),
    ("arithmetic", "income * 0.1 + bonus - 200"),
    ("membership", "region in ['110105', '110106', '110108']"),
    ("string method", "name.strip().upper() == 'ZHANG'"),
    ("function call", "len(name) > 2 and not is_empty(phone)"),
    ("conditional", "income * 0.1 if income < 5000 else 500"),
    ("subscript", "items[0]['amount'] > 100"),
    ("sub-table sum", "sum_rows(items, 'amount') > 1000"),
]

DATA: dict[str, Any] = {
    "age": 35, "income": 6000, "bonus": 300, "region": "110106", "name": " zhang ",
    "phone": "13812345678", "items": [{"amount": 600}, {"amount": 500.5}],
}

REPEATS = 7


def per_call(run: Callable[[], Any], number: int) -> float:
    """Median seconds per call over REPEATS timed loops of `number` calls."""
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        for _ in range(number):
            run()
        times.append((time.perf_counter() - start) / number)
    return statistics.median(times)


def measure(source: str) -> tuple[float, float, float]:
    expression = compile_expression(source)
    code = compile(source, "<rule>", "eval")
    scope = {"__builtins__": {}, **{name: f.call for name, f in FUNCTIONS.items()}}
    native_value = eval(code, scope, DATA)  # noqa: S307 - the reference being measured
    assert expression.evaluate(DATA) == native_value, source
    engine = per_call(lambda: expression.evaluate(DATA), 20_000)
    native = per_call(lambda: eval(code, scope, DATA), 100_000)  # noqa: S307
    reparse = per_call(lambda: _compile.__wrapped__(source).evaluate(DATA), 2_000)
    return engine, native, reparse


def main() -> None:
    print(f"{'rule':<15} {'engine µs':>10} {'native µs':>10} {'re-parse µs':>12} "
          f"{'eng/native':>11} {'reparse/eng':>12}")
    rows = []
    for label, source in RULES:
        engine, native, reparse = measure(source)
        rows.append((engine, native, reparse))
        print(f"{label:<15} {engine * 1e6:>10.2f} {native * 1e6:>10.3f} {reparse * 1e6:>12.1f} "
              f"{engine / native:>10.1f}x {reparse / engine:>11.1f}x")
    engine_all, native_all, reparse_all = (sum(column) for column in zip(*rows, strict=True))
    median_engine = statistics.median(row[0] for row in rows)
    print()
    print(f"evaluations per second (whole set, per rule): engine {len(rows) / engine_all:,.0f}, "
          f"native {len(rows) / native_all:,.0f}, re-parse {len(rows) / reparse_all:,.0f}")
    print(f"median µs per rule: engine {median_engine * 1e6:.2f}, "
          f"native {statistics.median(row[1] for row in rows) * 1e6:.3f}, "
          f"re-parse {statistics.median(row[2] for row in rows) * 1e6:.1f}")
    print(f"engine vs native: {engine_all / native_all:.1f}x (goal: within 20x)")
    print(f"cached vs re-parse: {reparse_all / engine_all:.1f}x faster (goal: at least 4x)")


if __name__ == "__main__":
    main()

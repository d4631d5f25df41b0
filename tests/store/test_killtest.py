"""The kill -9 harness (bench/killtest.py), short: a web server and a worker killed with
SIGKILL a few times under load lose nothing acknowledged, on SQLite and on PostgreSQL. The
bench runs it for longer; this keeps each database under a minute on a quiet machine."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

POSTGRES_ENV = "LOWCODE_TEST_POSTGRES_URL"
SKIP_REASON = "LOWCODE_TEST_POSTGRES_URL is not set; PostgreSQL tests skipped"


def harness() -> ModuleType:
    path = Path(__file__).parents[2] / "bench" / "killtest.py"
    spec = importlib.util.spec_from_file_location("killtest", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_nothing_acknowledged_is_lost_when_web_and_worker_are_killed(kind: str) -> None:
    postgres = os.environ.get(POSTGRES_ENV)
    if kind == "postgres" and not postgres:
        pytest.skip(SKIP_REASON)
    summary = harness().run(kind, seconds=12, kills=3, gap=(1.5, 3.0), submitters=2,
                            clerks=1, web_workers=1, postgres=postgres)
    assert summary["problems"] == [], summary
    print(summary)
    assert summary["kills"]["web"] >= 1 and summary["kills"]["worker"] >= 1
    assert summary["submissions_acknowledged"] > 0 and summary["actions_acknowledged"] > 0
    assert summary["timers_made_due"] > 0
    assert summary["audit_verify"].startswith("audit log intact")

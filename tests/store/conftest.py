"""Store fixtures: the `lowcode` command run on the test database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from runtime import cli


@pytest.fixture
def run(db_url: str, tmp_path: Path) -> Callable[..., Result]:
    """Invoke `lowcode` on the test database, with the instance folder in tmp_path."""
    env = {"LOWCODE_DATABASE_URL": db_url, "LOWCODE_INSTANCE_PATH": str(tmp_path / "inst"),
           "LOWCODE_SECRET_KEY": "test", "LOWCODE_PACKS_DIR": str(tmp_path / "packs")}

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli.main, list(args), env=env, catch_exceptions=False)

    return invoke

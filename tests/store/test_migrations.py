"""The migrations create the tables on every database, and agree with the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from runtime.store import db
from runtime.store.migrate import alembic_config, current_revision, head_revision, upgrade
from runtime.store.schema import metadata


def test_upgrade_creates_the_tables(db_url: str) -> None:
    upgrade(db_url)
    engine = db.make_engine(db_url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert {"packs", "definitions", "alembic_version"} <= tables
        assert current_revision(engine) == head_revision() is not None
    finally:
        engine.dispose()


def test_the_models_and_the_migrations_agree(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_upgrading_twice_changes_nothing(engine: Engine) -> None:
    upgrade(engine)
    assert current_revision(engine) == head_revision()


def test_definitions_have_a_format_column(engine: Engine) -> None:
    columns = {c["name"] for c in inspect(engine).get_columns("definitions")}
    assert {"kind", "def_id", "version", "format", "data", "sha256", "source_file"} <= columns


def test_the_migrations_live_in_the_package() -> None:
    location = Path(alembic_config().get_main_option("script_location") or "")
    assert (location / "env.py").is_file()
    assert (location / "versions" / "0001_definitions.py").is_file()


def test_env_refuses_to_run_without_a_connection() -> None:
    from alembic import command

    with pytest.raises(RuntimeError, match="runtime.store.migrate"):
        command.upgrade(alembic_config(), "head")

"""The migrations create the tables on every database, and agree with the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

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


def test_the_applicants_status_of_finished_cases_is_set_on_upgrade(db_url: str) -> None:
    """0010: a submission whose case is done or rejected gets that status."""
    upgrade(db_url, "0009")
    engine = db.make_engine(db_url)
    try:
        with engine.begin() as connection:
            for no, case_status in ((1, "done"), (2, "rejected"), (3, "running")):
                connection.execute(text(
                    "INSERT INTO submissions (id, tracking_no, verification_code, "
                    "idempotency_key, form_id, form_version, data, prefilled, status, "
                    "owner_kind, created_at, updated_at, row_version) VALUES "
                    f"({no}, 'T{no}', '000000', 'k{no}', 'f', 1, '{{}}', '{{}}', 'submitted', "
                    "'guest', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"))
                connection.execute(text(
                    "INSERT INTO cases (id, submission_id, tracking_no, process_id, "
                    "process_version, templates, status, steps, created_at, updated_at, "
                    f"row_version) VALUES ({no}, {no}, 'T{no}', 'p', 1, '{{}}', '{case_status}', "
                    "'{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"))
        upgrade(engine)
        with engine.connect() as connection:
            found = dict(connection.execute(text(
                "SELECT tracking_no, status FROM submissions ORDER BY id")).all())
        assert found == {"T1": "done", "T2": "not_approved", "T3": "submitted"}
    finally:
        engine.dispose()


def test_the_bottleneck_levels_are_summed_from_the_daily_rows_on_upgrade(db_url: str) -> None:
    """0028: the rows without regions, without the case's department, and without both add
    up what `bottleneck_days` holds; downgrading to 0025 drops them and (0027)
    `measure_rollups.until`."""
    upgrade(db_url, "0025")
    engine = db.make_engine(db_url)
    rows = [("HEALTH", "110101", "HEALTH", 1), ("HEALTH", "110102", "HEALTH", 2),
            ("HEALTH", "110101", "POLICE", 4), ("POLICE", None, "HEALTH", 8)]
    try:
        with engine.begin() as connection:
            for department, region, lead, tasks in rows:
                connection.execute(text(
                    "INSERT INTO bottleneck_days (day, process, step, title_zh, title_en, "
                    "department, region, lead_department, lead_region, tasks, claims, "
                    "wait_seconds, handle_seconds, with_due, overdue, returns, redos) VALUES "
                    "('2026-10-09', 'p', 's', '审核', NULL, :department, :region, :lead, "
                    ":region, :tasks, 0, :wait, 0, 0, 0, 0, 0)"),
                    {"department": department, "region": region, "lead": lead,
                     "tasks": tasks, "wait": 10 * tasks})
        upgrade(engine)
        with engine.connect() as connection:
            by_pair = connection.execute(text(
                "SELECT department, lead_department, tasks, wait_seconds "
                "FROM bottleneck_department_days ORDER BY tasks")).all()
            by_step = connection.execute(text(
                "SELECT department, tasks, wait_seconds, title_zh FROM bottleneck_step_days "
                "ORDER BY tasks")).all()
        assert [tuple(r) for r in by_pair] == [("HEALTH", "HEALTH", 3, 30),
                                               ("HEALTH", "POLICE", 4, 40),
                                               ("POLICE", "HEALTH", 8, 80)]
        assert [tuple(r) for r in by_step] == [("HEALTH", 7, 70, "审核"), ("POLICE", 8, 80, "审核")]
        with engine.connect() as connection:
            by_region = connection.execute(text(
                "SELECT department, region, lead_region, tasks FROM bottleneck_region_days "
                "ORDER BY tasks")).all()
        assert [tuple(r) for r in by_region] == [("HEALTH", "110102", "110102", 2),
                                                 ("HEALTH", "110101", "110101", 5),
                                                 ("POLICE", None, None, 8)]
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0025")
        tables = set(inspect(engine).get_table_names())
        assert "bottleneck_days" in tables
        assert not {"bottleneck_department_days", "bottleneck_region_days",
                    "bottleneck_step_days"} & tables
        assert "until" not in {c["name"] for c in inspect(engine).get_columns("measure_rollups")}
    finally:
        engine.dispose()

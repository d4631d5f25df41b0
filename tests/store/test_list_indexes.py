"""The to-do and pool lists read partial indexes of only the rows they show. Alembic does not
compare an index's condition, so these tests check that the migrations write the model's, and
that the statement `inbox.page` runs repeats it in a form SQLite can match (bound status
values would make it sort every live task of the user instead)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.schema import CreateIndex

from runtime import access
from runtime.store import inbox
from runtime.store.cases import Task
from runtime.store.db import make_engine, session_factory
from runtime.store.migrate import upgrade

PARTIAL = ("ix_tasks_pool", "ix_tasks_todo", "ix_tasks_overdue", "ix_tasks_watch")
CLERK = access.Principal(7, (access.Membership("GOVSVC", ("GOVSVC",), None, "clerk"),))
# A supervisor over everything: the overdue list has no scope filter to read beside the index.
OVERSEER = access.Principal(8, (access.Membership("CITY", ("CITY",), None, "supervisor",
                                                  access.ALL),))
# One over a department, and one over a region: the filter is read from the same index.
WATCHER = access.Principal(9, (access.Membership("HEALTH", ("CITY", "HEALTH"), None,
                                                 "supervisor", access.DEPARTMENT),))
REGIONAL = access.Principal(10, (access.Membership("CITY", ("CITY",), "1101", "supervisor",
                                                   access.REGION),))


def test_the_migration_writes_the_models_conditions(engine: Engine) -> None:
    indexes = {i.name: i for i in Task.__table__.indexes}
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            made = dict(connection.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE tbl_name = 'tasks' AND type = 'index'"
                " AND sql IS NOT NULL")).all())
            for name in PARTIAL:
                model = str(CreateIndex(indexes[name]).compile(dialect=engine.dialect)).strip()
                assert made[name] == model
        else:
            made = dict(connection.execute(text(
                "SELECT c.relname, pg_get_expr(i.indpred, i.indrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'tasks'::regclass"
            )).all())
            assert "'waiting'" in made["ix_tasks_todo"] and "'waiting'" in made["ix_tasks_overdue"]
            assert "user_id IS NULL" in made["ix_tasks_pool"]


@pytest.mark.parametrize(("name", "index", "who"), [("todo", "ix_tasks_todo", CLERK),
                                                     ("pool", "ix_tasks_pool", CLERK),
                                                     ("overdue", "ix_tasks_overdue", OVERSEER),
                                                     ("overdue", "ix_tasks_watch", WATCHER),
                                                     ("overdue", "ix_tasks_overdue", REGIONAL)])
@pytest.mark.parametrize("after", [None, "2026-12-01T08:00:00+00:00~41"])
def test_a_page_reads_its_partial_index_in_order(tmp_path: Path, name: str, index: str,
                                                 who: access.Principal,
                                                 after: str | None) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'lists.db'}")
    upgrade(engine)
    sent: list[tuple[str, Any]] = []
    event.listen(engine, "before_cursor_execute",
                 lambda _c, _cur, statement, parameters, *_: sent.append((statement, parameters)))
    try:
        with session_factory(engine)() as session:
            inbox.page(session, name, who, after=after)
            statement, parameters = sent[-1]
            plan = [row[-1] for row in session.connection().exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, parameters)]
    finally:
        engine.dispose()
    assert plan == [plan[0]] and f"USING INDEX {index}" in plan[0], plan  # no sort step

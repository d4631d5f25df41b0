"""The queries of a pack's life after import: what it published, which running cases and
saved drafts stand on which versions, and a session whose writes are all rolled back (the
dry run of an import runs the real import in it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, event, func, select
from sqlalchemy.orm import Session, sessionmaker

from runtime.flows.case import LIVE, RUNNING
from runtime.store.cases import CaseRow, Task
from runtime.store.db import make_engine
from runtime.store.models import Definition, Pack
from runtime.store.submissions import Draft, Submission


def pack_versions(session: Session, pack_id: str) -> list[Pack]:
    return list(session.scalars(select(Pack).where(Pack.pack_id == pack_id)
                                .order_by(Pack.version)))


def definition_counts(session: Session) -> dict[str, int]:
    """How many definitions (kind and id, any version) each pack has published."""
    rows = session.execute(select(Definition.pack_id,
                                  func.count(func.distinct(Definition.kind + ":" +
                                                           Definition.def_id)))
                           .group_by(Definition.pack_id))
    return {pack_id: count for pack_id, count in rows}


def published(session: Session, pack_id: str, pack_version: int | None = None
              ) -> list[Definition]:
    """The newest version of each definition of the pack as published up to `pack_version`
    (all of its versions when None), by kind and id."""
    query = select(Definition).where(Definition.pack_id == pack_id)
    if pack_version is not None:
        query = query.where(Definition.pack_version <= pack_version)
    newest: dict[tuple[str, str], Definition] = {}
    for row in session.scalars(query.order_by(Definition.version)):
        newest[(row.kind, row.def_id)] = row
    return [newest[key] for key in sorted(newest)]


def stored_versions(session: Session, kind: str, def_id: str) -> list[int]:
    return list(session.scalars(select(Definition.version).where(
        Definition.kind == kind, Definition.def_id == def_id).order_by(Definition.version)))


def running_cases(session: Session, process_id: str) -> dict[int, int]:
    """Running cases of a process, counted by the version they run on."""
    rows = session.execute(select(CaseRow.process_version, func.count())
                           .where(CaseRow.process_id == process_id, CaseRow.status == RUNNING)
                           .group_by(CaseRow.process_version))
    return {version: count for version, count in rows}


def running_on_form(session: Session, form_id: str) -> dict[int, int]:
    """Running cases started by a submission of a form, counted by the form version the
    submission was made on (they keep showing that version's fields)."""
    rows = session.execute(select(Submission.form_version, func.count())
                           .join(CaseRow, CaseRow.submission_id == Submission.id)
                           .where(Submission.form_id == form_id, CaseRow.status == RUNNING)
                           .group_by(Submission.form_version))
    return {version: count for version, count in rows}


def drafts(session: Session, form_id: str) -> dict[int, int]:
    """Saved drafts of a form, counted by the form version they were saved on."""
    rows = session.execute(select(Draft.form_version, func.count())
                           .where(Draft.form_id == form_id).group_by(Draft.form_version))
    return {version: count for version, count in rows}


def submissions(session: Session, form_id: str) -> dict[int, int]:
    """Submissions of a form, counted by the form version they were made on."""
    rows = session.execute(select(Submission.form_version, func.count())
                           .where(Submission.form_id == form_id)
                           .group_by(Submission.form_version))
    return {version: count for version, count in rows}


def running_at(session: Session, process_id: str) -> dict[str, int]:
    """Running cases of a process by the step they stand at (a case at two steps counts at
    each of them)."""
    rows = session.execute(select(Task.step, func.count(func.distinct(Task.case_id)))
                           .join(CaseRow, CaseRow.id == Task.case_id)
                           .where(CaseRow.process_id == process_id, CaseRow.status == RUNNING,
                                  Task.status.in_(sorted(LIVE)))
                           .group_by(Task.step))
    return {step: count for step, count in rows}


def definition_data(session: Session, kind: str, def_id: str, version: int) -> Any:
    """The data of one published version of a definition, or None."""
    return session.scalar(select(Definition.data).where(
        Definition.kind == kind, Definition.def_id == def_id, Definition.version == version))


@contextmanager
def rolled_back(engine: Engine, sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session like `sessions` makes, whose commits only release savepoints inside one
    outer transaction that is always rolled back: whatever runs in it writes nothing."""
    own = _transactional_sqlite(engine) if engine.dialect.name == "sqlite" else None
    try:
        with (own or engine).connect() as connection:
            outer = connection.begin()
            session = sessions(bind=connection, join_transaction_mode="create_savepoint")
            try:
                yield session
            finally:
                session.close()
                outer.rollback()
    finally:
        if own is not None:
            own.dispose()


def _transactional_sqlite(engine: Engine) -> Engine:
    """An engine on the same SQLite file whose BEGIN and SAVEPOINTs are real: the Python
    driver otherwise commits on its own, and a rollback would not undo the savepoints'
    work (SQLAlchemy's documented recipe for pysqlite)."""
    own = make_engine(engine.url.render_as_string(hide_password=False))

    @event.listens_for(own, "connect")
    def _no_driver_transactions(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(own, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")

    return own

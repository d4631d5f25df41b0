"""Live counts of tasks for the two measures a closed day cannot hold: live tasks by the day
of their deadline (overdue-now) and tasks made in a second round by the day they were made
(redo, counted for the department a transfer may still move them to). Per kind, China's
calendar day, department, region and process, the number of such tasks as they are now.

Kept by database triggers on `tasks`, so every write path (claim, complete, return,
transfer, timers, child cases, a hand-written UPDATE) keeps them exact in its own
transaction: a task entering a kind adds a row of +1, one leaving it a row of -1. The rows
are only ever inserted, so no two transactions wait on the same row; the worker's upkeep
(`compact`) sums them into one row per key. Read as `sum(count)`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, Date, Index, Integer, String, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from runtime.flows.case import LIVE
from runtime.store.models import Base

LIVE_SQL = ", ".join(f"'{status}'" for status in sorted(LIVE))
# kind -> (whether a task row {t} counts, the moment that dates it)
KINDS = {"due": (f"{{t}}.status IN ({LIVE_SQL}) AND {{t}}.due_at IS NOT NULL", "{t}.due_at"),
         "redo": ("{t}.round > 1 AND {t}.created_at IS NOT NULL", "{t}.created_at")}
# The columns whose change can move a task in or out of a kind, or to another key.
WATCHED = "status, due_at, created_at, round, department, region_code, case_id"
NAME = "task_counts_keep"


class TaskCount(Base):
    """A number of tasks of one kind, day, department, region and process (a change of +1 or
    -1 until the upkeep sums the rows of a key into one)."""

    __tablename__ = "task_counts"
    # Covering what a figure reads: the counts of the days asked for, without a table lookup.
    __table_args__ = (Index("ix_task_counts_kind_day", "kind", "day", "department", "region",
                            "process", "count"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    day: Mapped[dt.date] = mapped_column(Date)
    department: Mapped[str | None] = mapped_column(String(32))
    region: Mapped[str | None] = mapped_column(String(6))
    process: Mapped[str | None] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(Integer)


COUNTS = TaskCount.__table__
COLUMNS = "kind, day, department, region, process, count"


def day_of(dialect: str, moment: str) -> str:
    """China's calendar day of a UTC moment, as `measures.china_day` writes it."""
    if dialect == "sqlite":
        return f"date({moment}, '+8 hours')"
    return f"CAST(({moment}) AT TIME ZONE 'Asia/Shanghai' AS DATE)"


def _change(dialect: str, row: str, sign: int) -> str:
    """The statements adding `sign` for task `row` (NEW or OLD) to each kind it counts in."""
    process = f"(SELECT process_id FROM cases WHERE id = {row}.case_id)"
    return "".join(
        f"INSERT INTO task_counts ({COLUMNS}) SELECT '{kind}', "
        f"{day_of(dialect, moment.format(t=row))}, {row}.department, {row}.region_code, "
        f"{process}, {sign} WHERE {counts.format(t=row)};\n"
        for kind, (counts, moment) in KINDS.items())


def _triggers(dialect: str) -> list[str]:
    if dialect == "sqlite":
        return [f"CREATE TRIGGER {NAME}_insert AFTER INSERT ON tasks BEGIN\n"
                f"{_change(dialect, 'NEW', 1)}END",
                f"CREATE TRIGGER {NAME}_update AFTER UPDATE OF {WATCHED} ON tasks BEGIN\n"
                f"{_change(dialect, 'OLD', -1)}{_change(dialect, 'NEW', 1)}END",
                f"CREATE TRIGGER {NAME}_delete AFTER DELETE ON tasks BEGIN\n"
                f"{_change(dialect, 'OLD', -1)}END"]
    return [f"CREATE FUNCTION {NAME}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
            f"IF TG_OP IN ('UPDATE', 'DELETE') THEN\n{_change(dialect, 'OLD', -1)}END IF;\n"
            f"IF TG_OP IN ('INSERT', 'UPDATE') THEN\n{_change(dialect, 'NEW', 1)}END IF;\n"
            f"RETURN NULL;\nEND $$",
            f"CREATE TRIGGER {NAME} AFTER INSERT OR DELETE OR UPDATE OF {WATCHED} ON tasks "
            f"FOR EACH ROW EXECUTE FUNCTION {NAME}()"]


def install(connection: Connection) -> None:
    """Create the triggers that keep the counts (a migration; a bench after its bulk load)."""
    for statement in _triggers(connection.dialect.name):
        connection.execute(text(statement))


def uninstall(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        for event in ("insert", "update", "delete"):
            connection.execute(text(f"DROP TRIGGER IF EXISTS {NAME}_{event}"))
    else:
        connection.execute(text(f"DROP TRIGGER IF EXISTS {NAME} ON tasks"))
        connection.execute(text(f"DROP FUNCTION IF EXISTS {NAME}()"))


def rebuild(connection: Connection) -> None:
    """Count every task anew, one row per key (after a bulk load without the triggers)."""
    connection.execute(text("DELETE FROM task_counts"))
    for kind, (counts, moment) in KINDS.items():
        connection.execute(text(
            f"INSERT INTO task_counts ({COLUMNS}) SELECT '{kind}', "
            f"{day_of(connection.dialect.name, moment.format(t='t'))}, t.department, "
            f"t.region_code, c.process_id, count(*) FROM tasks t JOIN cases c ON "
            f"c.id = t.case_id WHERE {counts.format(t='t')} GROUP BY 2, 3, 4, 5"))


def compact(session: Session) -> None:
    """Sum the rows of each key into one (none when they cancel out)."""
    keys = "kind, day, department, region, process"
    sum_rows(session, "task_counts", COLUMNS, keys, "sum(count)", "sum(count) <> 0")


def sum_rows(session: Session, table: str, columns: str, keys: str, sums: str,
             kept: str) -> None:
    """Sum `table`'s rows of +1 and -1 per key (`keys`, then `sums`, as `columns` name
    them), keeping the sums where `kept`. On PostgreSQL in one statement, so a change
    committed meanwhile is either summed and deleted or neither; a SQLite database has one
    writer at a time."""
    last = session.execute(text(f"SELECT max(id) FROM {table}")).scalar()
    if last is None:
        return
    summed = f"SELECT {keys}, {sums} FROM {{rows}} GROUP BY {keys} HAVING {kept}"
    if session.get_bind().dialect.name == "sqlite":  # the new rows' ids come after `last`
        session.execute(text(f"INSERT INTO {table} ({columns}) "
                             + summed.format(rows=f"{table} WHERE id <= :last")),
                        {"last": last})
        session.execute(text(f"DELETE FROM {table} WHERE id <= :last"), {"last": last})
    else:
        session.execute(text(
            f"WITH gone AS (DELETE FROM {table} WHERE id <= :last RETURNING {columns}) "
            f"INSERT INTO {table} ({columns}) " + summed.format(rows="gone")),
            {"last": last})

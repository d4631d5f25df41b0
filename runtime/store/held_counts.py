"""Live counts of what is held up now (the bottleneck page's live figures): the live tasks
(open or waiting) per process, step, title, department and region of the task, department
and region of its case (the lead department), and China's day of its deadline (none when it
has none), with the number of cases they belong to.

Kept by database triggers on `tasks` and on the cases' department and region (a transfer of
the case), so every write path keeps them exact in its own transaction, as `task_counts`
does: rows of +1 and -1 only ever inserted, summed by the worker's upkeep (`compact`), which
also folds the days past into one (a deadline passed stays passed). Read as `sum(...)`.

Cases are counted per group, a group being the live tasks of one case at one step in one
department and region: a task opening a group adds a case, the last one leaving it takes it
away (those rows carry neither title nor day). A case counts once per group, so a case with
several groups (the parties of a countersign step, tasks at two steps in one department)
counts more than once in a sum over groups. For those, `held_cases` keeps each one's groups
written out (its spread, recomputed from its live tasks whenever they change) and
`held_spreads` the number of cases per process, lead department and region, and spread,
kept like the counts: a countersign's cases share a few spreads, so the reader reads a few
rows and takes off, per step and department, what a case's groups in scope count more than
once (`bottlenecks.live_counts`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, Date, Integer, String, Text, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from runtime.store.models import Base
from runtime.store.task_counts import LIVE_SQL, day_of, sum_rows

KEYS = ("process", "step", "title_zh", "title_en", "department", "region", "lead_department",
        "lead_region", "day")
COLUMNS = ", ".join((*KEYS, "tasks", "cases"))
# The task columns whose change can move a task in or out of the counts or to another key.
WATCHED = "status, due_at, department, region_code, case_id, step, title_zh, title_en"
NAME = "held_counts_keep"
SPREAD_KEYS = ("process", "lead_department", "lead_region", "groups")
SPREAD_COLUMNS = ", ".join((*SPREAD_KEYS, "cases"))
# A group written out in a spread; spreads are a case's groups sorted, joined by ";".
GROUP = "step || '|' || coalesce(department, '') || '|' || coalesce(region_code, '')"


class HeldCount(Base):
    """A change of live tasks (and of cases, in rows with neither title nor day) of one key,
    +1 or -1 until the upkeep sums the rows of a key into one."""

    __tablename__ = "held_counts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process: Mapped[str | None] = mapped_column(String(64))
    step: Mapped[str] = mapped_column(String(64))
    title_zh: Mapped[str | None] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    department: Mapped[str | None] = mapped_column(String(32))
    region: Mapped[str | None] = mapped_column(String(6))
    lead_department: Mapped[str | None] = mapped_column(String(32))
    lead_region: Mapped[str | None] = mapped_column(String(6))
    day: Mapped[dt.date | None] = mapped_column(Date)
    tasks: Mapped[int] = mapped_column(Integer)
    cases: Mapped[int] = mapped_column(Integer)


class HeldCase(Base):
    """A case whose live tasks are in more than one group, and those groups (its spread)."""

    __tablename__ = "held_cases"

    case_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    groups: Mapped[str] = mapped_column(Text)


class HeldSpread(Base):
    """A change of the number of cases of one process, lead department and region with one
    spread of live tasks, +1 or -1 until the upkeep sums the rows of a key into one."""

    __tablename__ = "held_spreads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process: Mapped[str | None] = mapped_column(String(64))
    lead_department: Mapped[str | None] = mapped_column(String(32))
    lead_region: Mapped[str | None] = mapped_column(String(6))
    groups: Mapped[str] = mapped_column(Text)
    cases: Mapped[int] = mapped_column(Integer)


COUNTS = HeldCount.__table__
CASES = HeldCase.__table__
SPREADS = HeldSpread.__table__


def _same(dialect: str, one: str, other: str) -> str:
    return f"{one} IS {other}" if dialect == "sqlite" else \
        f"{one} IS NOT DISTINCT FROM {other}"


def _alone(dialect: str, row: str) -> str:
    """Whether task `row` is the only live task of its group (itself excluded, so that the
    answer holds before and after the row changes)."""
    same = " AND ".join(_same(dialect, f"o.{c}", f"{row}.{c}")
                        for c in ("department", "region_code"))
    return (f"NOT EXISTS (SELECT 1 FROM tasks o WHERE o.case_id = {row}.case_id "
            f"AND o.id <> {row}.id AND o.status IN ({LIVE_SQL}) AND o.step = {row}.step "
            f"AND {same})")


def _change(dialect: str, row: str, sign: int) -> str:
    """The statements adding `sign` for task `row` (NEW or OLD) when it is live: its task,
    and its case when it opens or closes its group."""
    live = f"{row}.status IN ({LIVE_SQL})"
    alone = _alone(dialect, row)
    keys = (f"c.process_id, {row}.step, {{titles}}, {row}.department, {row}.region_code, "
            f"c.department_code, c.region_code, {{day}}")
    task = keys.format(titles=f"{row}.title_zh, {row}.title_en",
                       day=day_of(dialect, f"{row}.due_at"))
    group = keys.format(titles="NULL, NULL", day="NULL")
    found = f"FROM cases c WHERE c.id = {row}.case_id AND {live}"
    statements = [f"INSERT INTO held_counts ({COLUMNS}) SELECT {task}, {sign}, 0 {found}",
                  f"INSERT INTO held_counts ({COLUMNS}) SELECT {group}, 0, {sign} {found} "
                  f"AND {alone}"]
    return "".join(f"{s};\n" for s in statements)


def _spread(dialect: str, case: str) -> str:
    """The spread of case `case` (an expression of its id) as its live tasks are now: its
    groups written out and sorted, or NULL when it has fewer than two."""
    groups = (f"SELECT DISTINCT {GROUP} AS g FROM tasks WHERE case_id = {case} "
              f"AND status IN ({LIVE_SQL})")
    if dialect == "sqlite":  # group_concat keeps the order of the rows it is given
        return (f"(SELECT CASE WHEN count(*) > 1 THEN group_concat(g, ';') END "
                f"FROM ({groups} ORDER BY g))")
    return (f"(SELECT CASE WHEN count(*) > 1 THEN string_agg(g, ';' ORDER BY g) END "
            f"FROM ({groups}) s)")


def _respread(dialect: str, case: str) -> str:
    """The statements bringing case `case`'s spread up to date: -1 for the one it had, +1
    for the one it has, when they differ. Recomputed, not changed by a sign, so that it may
    run any number of times after a change (on PostgreSQL once per row of a statement,
    each seeing the whole statement's changes)."""
    now = _spread(dialect, case)
    differs = (f"h.groups IS NOT {now}" if dialect == "sqlite"
               else f"h.groups IS DISTINCT FROM {now}")
    lead = "c.process_id, c.department_code, c.region_code"
    return (f"INSERT INTO held_spreads ({SPREAD_COLUMNS}) SELECT {lead}, h.groups, -1 "
            f"FROM held_cases h JOIN cases c ON c.id = h.case_id WHERE h.case_id = {case} "
            f"AND {differs};\n"
            f"INSERT INTO held_spreads ({SPREAD_COLUMNS}) SELECT {lead}, {now}, 1 FROM cases c "
            f"WHERE c.id = {case} AND {now} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
            f"held_cases h WHERE h.case_id = {case} AND h.groups = {now});\n"
            f"DELETE FROM held_cases WHERE case_id = {case};\n"
            f"INSERT INTO held_cases (case_id, groups) SELECT {case}, {now} "
            f"WHERE {now} IS NOT NULL;\n")


def _moved(dialect: str, lead: str, sign: int) -> str:
    """The statements moving a case's live tasks, groups and spread from its department and
    region (`lead` OLD) or to them (NEW): a transfer of the case."""
    first = _alone(dialect, "t").replace("o.id <> t.id", "o.id < t.id")
    keys = (f"{lead}.process_id, t.step, {{titles}}, t.department, t.region_code, "
            f"{lead}.department_code, {lead}.region_code, {{day}}")
    found = f"FROM tasks t WHERE t.case_id = {lead}.id AND t.status IN ({LIVE_SQL})"
    task = keys.format(titles="t.title_zh, t.title_en", day=day_of(dialect, "t.due_at"))
    group = keys.format(titles="NULL, NULL", day="NULL")
    return (f"INSERT INTO held_counts ({COLUMNS}) SELECT {task}, {sign}, 0 {found};\n"
            f"INSERT INTO held_counts ({COLUMNS}) SELECT {group}, 0, {sign} {found} "
            f"AND {first};\n"
            f"INSERT INTO held_spreads ({SPREAD_COLUMNS}) SELECT {lead}.process_id, "
            f"{lead}.department_code, {lead}.region_code, h.groups, {sign} FROM held_cases h "
            f"WHERE h.case_id = {lead}.id;\n")


def _triggers(dialect: str) -> list[str]:
    moved = ("OLD.department_code IS NOT NEW.department_code "
             "OR OLD.region_code IS NOT NEW.region_code")
    if dialect == "sqlite":
        spread = {row: _respread(dialect, f"{row}.case_id") for row in ("OLD", "NEW")}
        return [f"CREATE TRIGGER {NAME}_insert AFTER INSERT ON tasks BEGIN\n"
                f"{_change(dialect, 'NEW', 1)}{spread['NEW']}END",
                f"CREATE TRIGGER {NAME}_update AFTER UPDATE OF {WATCHED} ON tasks BEGIN\n"
                f"{_change(dialect, 'OLD', -1)}{_change(dialect, 'NEW', 1)}"
                f"{spread['OLD']}{spread['NEW']}END",
                f"CREATE TRIGGER {NAME}_delete AFTER DELETE ON tasks BEGIN\n"
                f"{_change(dialect, 'OLD', -1)}{spread['OLD']}END",
                f"CREATE TRIGGER {NAME}_case AFTER UPDATE OF department_code, region_code "
                f"ON cases WHEN {moved} BEGIN\n"
                f"{_moved(dialect, 'OLD', -1)}{_moved(dialect, 'NEW', 1)}END"]
    # The counts BEFORE each row, not AFTER: a row trigger of PostgreSQL that fires after
    # sees every row its statement changed, so two tasks of one group closed by one UPDATE
    # would each find the other gone; before, each sees the rows changed so far, as on
    # SQLite. The spreads after, from the tasks as they are then.
    moved = moved.replace("IS NOT", "IS DISTINCT FROM")
    return [f"CREATE FUNCTION {NAME}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
            f"IF TG_OP IN ('UPDATE', 'DELETE') THEN\n{_change(dialect, 'OLD', -1)}END IF;\n"
            f"IF TG_OP IN ('INSERT', 'UPDATE') THEN\n{_change(dialect, 'NEW', 1)}"
            f"RETURN NEW;\nEND IF;\nRETURN OLD;\nEND $$",
            f"CREATE TRIGGER {NAME} BEFORE INSERT OR DELETE OR UPDATE OF {WATCHED} ON tasks "
            f"FOR EACH ROW EXECUTE FUNCTION {NAME}()",
            f"CREATE FUNCTION {NAME}_spread() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
            f"IF TG_OP IN ('UPDATE', 'DELETE') THEN\n{_respread(dialect, 'OLD.case_id')}"
            f"END IF;\nIF TG_OP IN ('INSERT', 'UPDATE') THEN\n"
            f"{_respread(dialect, 'NEW.case_id')}END IF;\nRETURN NULL;\nEND $$",
            f"CREATE TRIGGER {NAME}_spread AFTER INSERT OR DELETE OR UPDATE OF {WATCHED} "
            f"ON tasks FOR EACH ROW EXECUTE FUNCTION {NAME}_spread()",
            f"CREATE FUNCTION {NAME}_case() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
            f"{_moved(dialect, 'OLD', -1)}{_moved(dialect, 'NEW', 1)}RETURN NULL;\nEND $$",
            f"CREATE TRIGGER {NAME}_case AFTER UPDATE OF department_code, region_code "
            f"ON cases FOR EACH ROW WHEN ({moved}) EXECUTE FUNCTION {NAME}_case()"]


def install(connection: Connection) -> None:
    """Create the triggers that keep the counts (a migration; a bench after its bulk load)."""
    for statement in _triggers(connection.dialect.name):
        connection.execute(text(statement))


def uninstall(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        for event in ("insert", "update", "delete", "case"):
            connection.execute(text(f"DROP TRIGGER IF EXISTS {NAME}_{event}"))
    else:
        connection.execute(text(f"DROP TRIGGER IF EXISTS {NAME} ON tasks"))
        connection.execute(text(f"DROP TRIGGER IF EXISTS {NAME}_spread ON tasks"))
        connection.execute(text(f"DROP TRIGGER IF EXISTS {NAME}_case ON cases"))
        for function in (NAME, f"{NAME}_spread", f"{NAME}_case"):
            connection.execute(text(f"DROP FUNCTION IF EXISTS {function}()"))


def _folded(dialect: str, day: str, today: dt.date | None) -> str:
    """`day`, or the day before `today` for the days before it: a deadline passed stays
    passed, so the days past need not be told apart."""
    if today is None:
        return day
    before = (today - dt.timedelta(days=1)).isoformat()
    bound = f"'{before}'" if dialect == "sqlite" else f"DATE '{before}'"
    return f"CASE WHEN {day} < {bound} THEN {bound} ELSE {day} END"


def rebuild(connection: Connection, today: dt.date | None = None) -> None:
    """Count every live task anew, one row per key (after a bulk load without the
    triggers), the days before `today` folded into the day before it when given."""
    dialect = connection.dialect.name
    live = f"t.status IN ({LIVE_SQL})"
    connection.execute(text("DELETE FROM held_counts"))
    connection.execute(text("DELETE FROM held_cases"))
    connection.execute(text("DELETE FROM held_spreads"))
    day = _folded(dialect, day_of(dialect, "t.due_at"), today)
    connection.execute(text(
        f"INSERT INTO held_counts ({COLUMNS}) SELECT c.process_id, t.step, t.title_zh, "
        f"t.title_en, t.department, t.region_code, c.department_code, c.region_code, {day}, "
        f"count(*), 0 FROM tasks t JOIN cases c ON c.id = t.case_id WHERE {live} "
        f"GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9"))
    groups = (f"SELECT DISTINCT c.process_id AS process, t.step, t.department, "
              f"t.region_code AS region, c.department_code AS lead_department, "
              f"c.region_code AS lead_region, t.case_id FROM tasks t "
              f"JOIN cases c ON c.id = t.case_id WHERE {live}")
    connection.execute(text(
        f"INSERT INTO held_counts ({COLUMNS}) SELECT process, step, NULL, NULL, department, "
        f"region, lead_department, lead_region, NULL, 0, count(*) FROM ({groups}) g "
        f"GROUP BY process, step, department, region, lead_department, lead_region"))
    groups = f"SELECT DISTINCT case_id, {GROUP} AS g FROM tasks WHERE status IN ({LIVE_SQL})"
    joined = ("group_concat(g, ';')" if dialect == "sqlite"
              else "string_agg(g, ';' ORDER BY g)")
    connection.execute(text(
        f"INSERT INTO held_cases (case_id, groups) SELECT case_id, {joined} FROM "
        f"({groups} ORDER BY case_id, g) g GROUP BY case_id HAVING count(*) > 1"))
    connection.execute(text(
        f"INSERT INTO held_spreads ({SPREAD_COLUMNS}) SELECT c.process_id, c.department_code, "
        f"c.region_code, h.groups, count(*) FROM held_cases h JOIN cases c ON c.id = h.case_id "
        f"GROUP BY c.process_id, c.department_code, c.region_code, h.groups"))


def compact(session: Session, today: dt.date | None = None) -> None:
    """Sum the rows of each key into one (none when they cancel out), the days before
    `today` folded into the day before it when given (the worker's upkeep); the spreads
    alike."""
    dialect = session.get_bind().dialect.name
    day = _folded(dialect, "day", today)
    sum_rows(session, "held_counts", COLUMNS, f"{', '.join(KEYS[:-1])}, {day}",
             "sum(tasks), sum(cases)", "sum(tasks) <> 0 OR sum(cases) <> 0")
    sum_rows(session, "held_spreads", SPREAD_COLUMNS, ", ".join(SPREAD_KEYS), "sum(cases)",
             "sum(cases) <> 0")

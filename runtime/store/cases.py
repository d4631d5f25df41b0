"""Cases, their tasks, history, notifications and copies as tables, and the queries on them:
reading a case into the engine's state (`load`) and writing back what an action changed and
produced (`write`).

`write` sets only the changed columns, adds the new tasks, history, notifications, copies
and timers in one multi-row INSERT each, and always moves the case's `row_version`
(SQLAlchemy's version counter): a concurrent writer finds it moved. The use-cases that
run the engine in one transaction and retry on that conflict are in `runtime.casework`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Row,
    Select,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    insert,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from runtime.definitions import names
from runtime.definitions.spec import DecisionTableSpec, ProcessSpec, TaskTemplateSpec
from runtime.flows import stored
from runtime.flows.case import LIVE, OPEN, Case, Effects, RecordUpdate, TaskState
from runtime.flows.errors import FlowError
from runtime.flows.plan import Plan
from runtime.rulesets import with_rules
from runtime.store import audit, jobs
from runtime.store.models import Base, Definition, JSONData, aware, utcnow
from runtime.store.queries import definition_head, latest_versions, list_definitions
from runtime.store.submissions import Submission

NO_DEADLINE = datetime(9999, 12, 31, tzinfo=UTC)
# The rows of the to-do lists and of the pools: a small share of all tasks (most are done).
# Their partial indexes hold only these rows in list order, so that a page stops after its
# twenty rows at any depth. A query uses one only when its WHERE repeats the condition with
# the values written into the SQL, not bound (inbox does); migration 0005 spells the same.
LIVE_ROWS = "status IN (" + ", ".join(f"'{status}'" for status in sorted(LIVE)) + ")"
POOL_ROWS = f"status = '{OPEN}' AND user_id IS NULL"


class CaseRow(Base):
    """One running or finished case: which process version, its steps' state, its version."""

    __tablename__ = "cases"
    # The dashboards' measures read a period of cases by when they came (runtime.store.measures).
    __table_args__ = (Index("ix_cases_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), unique=True)
    tracking_no: Mapped[str] = mapped_column(String(20), index=True)
    process_id: Mapped[str] = mapped_column(String(64))
    process_version: Mapped[int] = mapped_column(Integer)
    process_pack: Mapped[str | None] = mapped_column(String(64))  # the pack owning the process
    templates: Mapped[dict[str, Any]]  # template name -> the version the case started on
    status: Mapped[str] = mapped_column(String(20), index=True)
    steps: Mapped[dict[str, Any]]  # the steps' state, in a format of runtime.flows.stored
    department_code: Mapped[str | None] = mapped_column(String(32), index=True)
    region_code: Mapped[str | None] = mapped_column(String(6))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    row_version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": row_version}


class Task(Base):
    """A task of a case: the engine's TaskState field by field, plus what lists show."""

    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("case_id", "no"),
        # The workbench lists, each read by keyset (due moment, then id) from its own index.
        Index("ix_tasks_todo", "user_id", "due_sort", "id", sqlite_where=text(LIVE_ROWS),
              postgresql_where=text(LIVE_ROWS)),
        Index("ix_tasks_pool", "department", "due_sort", "id", sqlite_where=text(POOL_ROWS),
              postgresql_where=text(POOL_ROWS)),
        Index("ix_tasks_done", "completed_by", "completed_at", "id"),
        # The overdue list over everything or over regions reads this one in order, filtering
        # as it goes (department and region ride along: no table read for a row outside)...
        Index("ix_tasks_overdue", "due_sort", "id", "department", "region_code",
              sqlite_where=text(LIVE_ROWS), postgresql_where=text(LIVE_ROWS)),
        # ...and over departments, each department's live tasks in order.
        Index("ix_tasks_watch", "department", "due_sort", "id", sqlite_where=text(LIVE_ROWS),
              postgresql_where=text(LIVE_ROWS)),
        # The bottleneck page counts the live tasks per department and step from this alone.
        Index("ix_tasks_live", "department", "step", "case_id", "due_at", "status", "title_zh",
              "title_en",
              sqlite_where=text(LIVE_ROWS), postgresql_where=text(LIVE_ROWS)),
        Index("ix_tasks_supervised", "supervised", "status", "due_sort", "id"),
        # The dashboards' measures read a period of tasks by when they were done or made.
        Index("ix_tasks_completed_at", "completed_at"),
        Index("ix_tasks_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    tracking_no: Mapped[str] = mapped_column(String(20))
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    region_code: Mapped[str | None] = mapped_column(String(6))
    no: Mapped[int] = mapped_column(Integer)
    step: Mapped[str] = mapped_column(String(64))
    round: Mapped[int] = mapped_column(Integer)
    department: Mapped[str | None] = mapped_column(String(32))
    role: Mapped[str | None] = mapped_column(String(32))
    user_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    parent: Mapped[int | None] = mapped_column(Integer)
    order_no: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    delegated_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claimed: Mapped[bool] = mapped_column(Boolean, default=False)  # taken from the pool
    clock_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # due_at, or NO_DEADLINE when none: lists sort the most urgent first by (due_sort, id)
    due_sort: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    yellow_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    warned: Mapped[str | None] = mapped_column(String(8))
    claim_late: Mapped[bool] = mapped_column(Boolean, default=False)
    suspended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    supervised: Mapped[bool] = mapped_column(Boolean, default=False)
    extension: Mapped[dict[str, Any] | None] = mapped_column(JSONData, nullable=True)
    after_signers: Mapped[dict[str, Any]] = mapped_column(JSONData)  # a JSON list
    outcome: Mapped[str | None] = mapped_column(String(16))
    opinion: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]]
    item: Mapped[Any] = mapped_column(JSONData, nullable=True)  # a per-item step's item
    completed_by: Mapped[int | None] = mapped_column(Integer)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CaseEvent(Base):
    """One line of a case's history (append only)."""

    __tablename__ = "case_events"
    # The dashboards' measures read a period of one kind of event (closings, returns).
    __table_args__ = (Index("ix_case_events_action_at", "action", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    action: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(200))
    step: Mapped[str | None] = mapped_column(String(64))
    task_no: Mapped[int | None] = mapped_column(Integer)
    opinion: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any]]


class Notification(Base):
    """An in-app message to a user, or to a department's pool (with a role) when no user."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user", "user_id", "id"),
                      Index("ix_notifications_pool", "department", "role", "id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    task_no: Mapped[int | None] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int | None] = mapped_column(Integer)
    department: Mapped[str | None] = mapped_column(String(32))
    role: Mapped[str | None] = mapped_column(String(32))
    params: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CopyRow(Base):
    """抄送: a case shown to a user or a department pool for information."""

    __tablename__ = "case_copies"
    __table_args__ = (Index("ix_case_copies_user", "user_id", "id"),
                      Index("ix_case_copies_pool", "department", "id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    task_no: Mapped[int] = mapped_column(Integer)
    by: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(Integer)
    department: Mapped[str | None] = mapped_column(String(32))
    role: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# --- plans: the process version a case runs on -----------------------------------------

def process_for_form(session: Session, form_id: str,
                     pack_id: str | None = None) -> Definition | None:
    """The newest published process that a submission of `form_id` starts, if any: of the
    form's pack `pack_id` when given (each pack owns its ids)."""
    found = [row for row in list_definitions(session, "Process")
             if isinstance(row.spec, ProcessSpec) and row.spec.start_form == form_id
             and pack_id in (None, row.pack_id)]
    return found[0] if found else None


def form_pack(session: Session, form_id: str, version: int) -> str | None:
    """The pack of the form version a submission was made on."""
    row = definition_head(session, "Form", form_id, version)
    return row.pack_id if row is not None else None


def plan_of(session: Session, process_id: str, version: int,
            templates: dict[str, Any], pack_id: str | None = None) -> Plan:
    """The plan of exactly the versions a case started on (published ones never change).

    Every action needs it. On one database the plan of a (process, version, pinned
    versions) is remembered, since a published version never changes there: nothing is
    read. Across databases plans are shared by the definitions' content hashes (a test's
    database may hold other content under the same ids); the content is read only for a
    plan not built yet."""
    pinned = (pack_id, process_id, version, tuple(sorted(templates.items())))
    known = _PINNED.setdefault(_engine_of(session), {})
    plan = known.get(pinned)
    if plan is None:
        pack = pack_id or _process_pack(session, process_id, version)
        plan = known[pinned] = _plan_by_content(session, pack, process_id, version, templates)
    return plan


def _process_pack(session: Session, process_id: str, version: int) -> str:
    """The pack of a case's process when the case does not say (ids were unique across
    packs then): the first that published it."""
    row = definition_head(session, "Process", process_id, version)
    if row is None:
        raise LookupError(f"Process {process_id} v{version}")
    return row.pack_id


def _engine_of(session: Session) -> Engine:
    bind = session.get_bind()
    return bind.engine if isinstance(bind, Connection) else bind


def _plan_by_content(session: Session, pack: str, process_id: str, version: int,
                     templates: dict[str, Any]) -> Plan:
    pinned = {name: _pinned_key(name, v, pack) for name, v in templates.items()}
    keys = [(pack, "Process", process_id, version), *pinned.values()]
    hashes = session.execute(_HASHES, {"keys": keys}).all()
    by_key = {(p, k, i, v): sha for p, k, i, v, sha in hashes}
    key = (by_key[keys[0]], tuple(sorted((name, by_key.get(k, "")) for name, k in
                                        pinned.items())),
           tuple(sorted((name, k[0]) for name, k in pinned.items())))
    plan = _PLANS.get(key)
    if plan is None:
        rows = session.scalars(select(Definition).where(_VERSIONS), {"keys": keys}).all()
        by_row = {(r.pack_id, r.kind, r.def_id, r.version): r.spec for r in rows}
        process = by_row[keys[0]]
        assert isinstance(process, ProcessSpec)
        found = {name: by_row.get(k) for name, k in pinned.items()}
        specs = {n: s for n, s in found.items() if isinstance(s, TaskTemplateSpec)}
        tables = {s.id: s for s in found.values() if isinstance(s, DecisionTableSpec)}
        packs = {name: pinned[name][0] for name in specs}
        if len(_PLANS) > 500:
            _PLANS.clear()
        plan = _PLANS[key] = Plan(process, specs, tables, packs)
    return plan


def _pinned_key(name: str, version: int, pack: str) -> tuple[str, str, str, int]:
    """A case pins its templates by the name its steps use (bare: the process's pack's;
    `pack:id`: a required pack's) and its decision tables as `DecisionTable:<id>`."""
    head, _, rest = name.partition(":")
    kind = head if head[:1].isupper() else "TaskTemplate"
    owner, def_id = names.owner(rest if kind != "TaskTemplate" else name, pack)
    return (owner or pack, kind, def_id, version)


# (process hash, template hashes) -> plan: content-addressed, so never stale on any database
_PLANS: dict[tuple[str, tuple[str, ...]], Plan] = {}
# database -> (process id, version, pinned versions) -> plan; forgotten with the engine
_PINNED: WeakKeyDictionary[Engine, dict[tuple[Any, ...], Plan]] = WeakKeyDictionary()
_VERSIONS = tuple_(Definition.pack_id, Definition.kind, Definition.def_id,
                   Definition.version).in_(bindparam("keys", expanding=True))
_HASHES = select(Definition.pack_id, Definition.kind, Definition.def_id, Definition.version,
                 Definition.sha256).where(_VERSIONS)  # built once


def template_versions(session: Session, process: ProcessSpec,
                      pack_id: str | None = None) -> dict[str, int]:
    """The newest version of each template the steps use (by the name they use, in the
    process's pack `pack_id` or the one they name) and of each decision table on the start
    form: the versions a new case keeps for good."""
    latest = latest_versions(session, "TaskTemplate", [step.task for step in process.steps],
                             pack_id)
    versions = {step.task: latest[step.task] for step in process.steps if step.task in latest}
    for table in list_definitions(session, "DecisionTable", pack_id):
        if isinstance(table.spec, DecisionTableSpec) and table.spec.form == process.start_form:
            versions[f"DecisionTable:{table.def_id}"] = table.version
    return versions


# --- a case as the engine's state, and back ---------------------------------------------

def new_row(session: Session, submission: Any, process: ProcessSpec, templates: dict[str, Any],
            case: Case, now: datetime, pack_id: str | None = None) -> CaseRow:
    """The row of a case just started for `submission`, added and flushed (it gets its id)."""
    row = CaseRow(submission_id=submission.id, tracking_no=submission.tracking_no,
                  process_id=process.id, process_version=process.version,
                  process_pack=pack_id, templates=templates,
                  status=case.status, steps=stored.dump(case), region_code=case.region_code,
                  department_code=submission.department_code, created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    return row


Loaded = tuple[CaseRow, Plan, Case, dict[int, Task]]


def load(session: Session, case_id: int) -> Loaded:
    """The case row, its plan, its state for the engine and its task rows by number."""
    found = session.execute(_CASE_AND_TASKS, {"case_id": case_id}).all()
    if not found:
        raise LookupError(case_id)
    return _loaded(session, found)


def load_by_tracking_no(session: Session, tracking_no: str) -> Loaded | None:
    """`load` for the case a tracking number names, in the same one round trip; None when
    no case has it."""
    found = session.execute(_TRACKED_AND_TASKS, {"tracking_no": tracking_no}).all()
    return _loaded(session, found) if found else None


def _loaded(session: Session, found: Sequence[Row[Any]]) -> Loaded:
    row, data, rules = found[0][0], found[0][1], found[0][2]
    tasks = {task.no: task for _, _, _, task in found if task is not None}
    plan = plan_of(session, row.process_id, row.process_version, row.templates,
                   row.process_pack)
    case = Case(row.process_id, row.process_version, with_rules(data or {}, rules),
                region_code=row.region_code, status=row.status,
                steps=stored.steps_of(row.steps),
                tasks=[_task_state(t) for t in tasks.values()],
                variables=stored.variables_of(row.steps), parent=stored.parent_of(row.steps))
    return row, plan, case, tasks


# One round trip for the case, its submission's data and its tasks (a case has a few),
# built once: every action starts with it.
_CASE_TASKS: Select[Any] = (
    select(CaseRow, Submission.data, Submission.rules, Task)
    .outerjoin(Submission, Submission.id == CaseRow.submission_id)
    .outerjoin(Task, Task.case_id == CaseRow.id).order_by(Task.no)
    .execution_options(populate_existing=True))
_CASE_AND_TASKS = _CASE_TASKS.where(CaseRow.id == bindparam("case_id"))
_TRACKED_AND_TASKS = _CASE_TASKS.where(CaseRow.tracking_no == bindparam("tracking_no"))


def write(session: Session, row: CaseRow, plan: Plan, case: Case, tasks: dict[int, Task],
           effects: Effects, *, fresh: bool = False) -> None:
    """Write the changed rows, the case row always (unless `fresh`: just inserted as it is):
    its version moves, so that a concurrent action on the case fails here (StaleDataError)
    and retries.

    Written as Core statements on the session's connection, not through the ORM's unit of
    work (which costs more than the rest of a completion's Python): the rows read are kept
    in step with what was written (`set_committed_value`), so the session's identity map
    still holds the case as it now is."""
    connection = session.connection()
    if not fresh:
        _write_case(connection, row, case)
    new = []
    for state in case.tasks:
        task = tasks.get(state.no)
        if task is None:
            new.append(_new_task(row, plan, state))
        elif changed := _changes(state, task):
            connection.execute(_UPDATE_TASK, {**changed, "b_id": task.id})
            for column, value in changed.items():
                set_committed_value(task, column, value)
    if new:  # one multi-row INSERT: nothing reads the new rows back in this transaction
        connection.execute(_INSERT[Task], new)
    _add_effects(connection, row, effects)
    for change in effects.updates:
        _write_back(session, row, change)


def _write_back(session: Session, row: CaseRow, change: RecordUpdate) -> None:
    """A record the case refers to takes its new values: a new version of the row (its
    row_version moves) and an audit entry with the values before and after."""
    record = session.scalar(select(Submission).where(
        Submission.tracking_no == change.tracking_no).with_for_update())
    if record is None:
        raise FlowError("no_record", step=change.step, field=change.tracking_no)
    values = {name: _json_value(value) for name, value in change.values.items()}
    before = {name: record.data.get(name) for name in values}
    record.data = {**record.data, **values}
    record.row_version += 1
    record.updated_at = utcnow()
    session.flush()
    audit.record(session, action="record.write_back", target=("submission", record.tracking_no),
                 before=before, after=values,
                 detail=f"{row.tracking_no} {change.step} v{record.row_version}")


def _json_value(value: Any) -> Any:
    """A computed date or moment is stored as its ISO text, as a form stores one."""
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def _write_case(connection: Connection, row: CaseRow, case: Case) -> None:
    """The case's state with its version moved, if the version is still the one read."""
    values: dict[str, Any] = {"status": case.status, "updated_at": utcnow(),
                              "row_version": row.row_version + 1}
    steps = stored.dump(case)
    if steps != row.steps:
        values["steps"] = steps
    done = connection.execute(_UPDATE_CASE, {**values, "b_id": row.id,
                                             "b_version": row.row_version})
    if done.rowcount != 1:
        raise StaleDataError(f"case {row.id} changed since it was read")
    for column, value in values.items():
        set_committed_value(row, column, value)


_CASES, _TASKS = CaseRow.__table__, Task.__table__
# Built once, their SET clauses taken from the parameters: a statement built per call costs
# its construction and its cache key on every completion, more than its execution.
_UPDATE_CASE = update(_CASES).where(_CASES.c.id == bindparam("b_id"),
                                    _CASES.c.row_version == bindparam("b_version"))
_UPDATE_TASK = update(_TASKS).where(_TASKS.c.id == bindparam("b_id"))


def _new_task(row: CaseRow, plan: Plan, state: TaskState) -> dict[str, Any]:
    title = plan.steps[state.step].title or plan.template(state.step).title
    values = {_COLUMN.get(name, name): _utc(value) for name, value in _fields(state).items()}
    return {**values, "case_id": row.id, "tracking_no": row.tracking_no, "title_zh": title.zh,
            "title_en": title.en, "region_code": row.region_code, "due_sort": _due_sort(state)}


def _due_sort(state: TaskState) -> datetime:
    return state.due_at.astimezone(UTC) if state.due_at else NO_DEADLINE


def _add_effects(connection: Connection, row: CaseRow, effects: Effects) -> None:
    """History, notifications and copies are only ever added, never read back here: one
    multi-row INSERT each instead of one ORM object (and INSERT ... RETURNING) per row."""
    events = [{**_plain(_fields(e)), "case_id": row.id, "at": e.at.astimezone(UTC)}
              for e in effects.events]
    for table, rows in ((CaseEvent, events),
                        (Notification, [{**_fields(m), "case_id": row.id}
                                        for m in effects.messages]),
                        (CopyRow, [{**_fields(c), "case_id": row.id} for c in effects.copies])):
        if rows:
            connection.execute(_INSERT[table], rows)
    jobs.schedule(connection, row.id, effects.jobs, effects.events)


# --- rows and engine state --------------------------------------------------------------

_FIELDS = [f.name for f in dataclasses.fields(TaskState)]
_COLUMN = {"order": "order_no"}


def _changes(state: TaskState, task: Task) -> dict[str, Any]:
    """The columns whose value changed, by column name: an untouched task is not written."""
    changed = {}
    for name in _FIELDS:
        value = _utc(getattr(state, name))
        column = _COLUMN.get(name, name)
        current = getattr(task, column)
        if isinstance(current, datetime):
            current = aware(current)  # naive from SQLite, and naive != aware, always
        if current != value:
            changed[column] = _copied(value)
    due_sort = _due_sort(state)
    if aware(task.due_sort) != due_sort:
        changed["due_sort"] = due_sort
    return changed


def _utc(value: Any) -> Any:
    """SQLite keeps no offset: datetimes are always stored in UTC."""
    return value.astimezone(UTC) if isinstance(value, datetime) else value


def _task_state(task: Task) -> TaskState:
    values = {name: getattr(task, _COLUMN.get(name, name)) for name in _FIELDS}
    for name, value in values.items():
        if isinstance(value, datetime):
            values[name] = aware(value)
    values["after_signers"] = list(values["after_signers"] or [])
    values["data"] = dict(values["data"] or {})
    return TaskState(**values)


def _fields(value: Any) -> dict[str, Any]:
    """A flat dataclass's fields, lists and dicts copied: `dataclasses.asdict` without its
    deep copy, which costs more than the rest of turning a case into rows. The names are
    looked up once per class: `dataclasses.fields` builds its tuple on every call."""
    names = _NAMES.get(type(value))
    if names is None:
        names = _NAMES[type(value)] = tuple(f.name for f in dataclasses.fields(value))
    return {name: _copied(getattr(value, name)) for name in names}


_NAMES: dict[type, tuple[str, ...]] = {}  # dataclass -> its field names, in order


def _copied(value: Any) -> Any:
    return list(value) if isinstance(value, list) else dict(value) if isinstance(
        value, dict) else value


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    """Datetimes in a JSON column as ISO text; top-level datetime columns stay datetimes."""
    return {k: (v.isoformat() if isinstance(v, datetime) and k != "at" else v)
            for k, v in values.items()}


_INSERT = {table: insert(table.__table__) for table in (Task, CaseEvent, Notification, CopyRow)}


def cases_of(session: Session, ids: Iterable[int]) -> list[CaseRow]:
    return list(session.scalars(select(CaseRow).where(CaseRow.id.in_(list(ids)))))


# --- reading a case back (the workbench, the overview, the citizen's tracking page) ------

def case_by_tracking_no(session: Session, tracking_no: str) -> CaseRow | None:
    return session.scalars(select(CaseRow).where(CaseRow.tracking_no == tracking_no)).first()


def history(session: Session, case_id: int) -> list[CaseEvent]:
    """The case's history, oldest first."""
    return list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id)
                                .order_by(CaseEvent.id)))


def copies_of(session: Session, case_id: int) -> list[CopyRow]:
    return list(session.scalars(select(CopyRow).where(CopyRow.case_id == case_id)
                                .order_by(CopyRow.id)))

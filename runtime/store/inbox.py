"""The workbench lists: my to-do, my department's pool, done by me, copied to me, overdue
and supervised in my scope. Each is keyset-paginated on (due moment, id) or (time, id) and
read from its own index, so a deep page costs what the first does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    literal,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.orm import Session

from runtime import access
from runtime.flows.actions import pool_memberships
from runtime.flows.case import LIVE, OPEN
from runtime.store.cases import CopyRow, Task
from runtime.store.models import MAX_ROW_ID, utcnow
from runtime.store.scoping import pool_filter, scope_filter, within

PAGE = 20
LISTS = ("todo", "pool", "done", "copied", "overdue", "supervised")


@dataclass(frozen=True)
class Filters:
    q: str | None = None  # a tracking number (prefix) or words of the task's title
    colour: str | None = None  # green, yellow, red


@dataclass(frozen=True)
class Page:
    tasks: Sequence[Task]
    after: str | None  # the keyset token of the next page, None on the last


def page(session: Session, name: str, principal: access.Principal, *,
         after: str | None = None, filters: Filters = Filters(), limit: int = PAGE,
         now: datetime | None = None) -> Page:
    """One page of list `name` for `principal`."""
    now = now or utcnow()
    if name == "copied":
        return _copied(session, principal, after, limit, _filters(filters, now))
    newest_first = name == "done"
    order = (Task.completed_at, Task.id) if newest_first else (Task.due_sort, Task.id)
    query = select(Task).where(_list(session, name, principal, now),
                               _filters(filters, now))
    if after:
        query = query.where(_after(order, after, newest_first))
    query = query.order_by(*(c.desc() for c in order) if newest_first else order)
    rows = session.scalars(query.limit(limit + 1)).all()
    return Page(rows[:limit], _token(rows[limit - 1], order) if len(rows) > limit else None)


def _list(session: Session, name: str, principal: access.Principal,
          now: datetime) -> ColumnElement[bool]:
    # The statuses are written into the SQL (literal_execute), not bound: only then can the
    # database match the condition of the partial index the list reads (cases.LIVE_ROWS,
    # cases.POOL_ROWS), PostgreSQL's generic plans of a prepared statement included.
    live = Task.status.in_(bindparam("live", sorted(LIVE), expanding=True,
                                     literal_execute=True))
    if name == "todo":
        return and_(Task.user_id == principal.user_id, live)
    if name == "pool":
        return and_(Task.status == literal(OPEN, literal_execute=True), Task.user_id.is_(None),
                    pool_filter(pool_memberships(principal), Task.department, Task.role))
    if name == "done":
        return Task.completed_by == principal.user_id
    seen = _scope(session, principal)
    if name == "overdue":
        return and_(live, Task.due_sort < now, seen)
    if name == "supervised":
        return and_(Task.supervised.is_(True), live, seen)
    raise ValueError(f"unknown list {name!r}; one of {', '.join(LISTS)}")


def _scope(session: Session, principal: access.Principal) -> ColumnElement[bool]:
    """Tasks a supervisor (tasks.supervise) or a lead (records.read) may watch, by plain
    department codes (trees looked up first), so that a list can read the department index
    range by range instead of testing every overdue task against a subquery."""
    seen = within(session, access.visibility(principal, "tasks.supervise", "records.read"))
    return scope_filter(seen, department=Task.department, region=Task.region_code)


def _filters(filters: Filters, now: datetime) -> ColumnElement[bool]:
    clauses: list[ColumnElement[bool]] = []
    if filters.q:
        text = filters.q.strip()
        clauses.append(or_(Task.tracking_no.startswith(text, autoescape=True),
                           Task.title_zh.contains(text, autoescape=True)))
    if filters.colour == "red":
        clauses.append(Task.due_sort < now)
    elif filters.colour == "yellow":
        clauses.append(and_(Task.yellow_at <= now, Task.due_sort >= now))
    elif filters.colour == "green":
        clauses.append(and_(Task.due_sort >= now,
                            or_(Task.yellow_at.is_(None), Task.yellow_at > now)))
    return and_(*clauses) if clauses else true()


def _after(order: tuple[Any, Any], token: str, newest_first: bool) -> ColumnElement[bool]:
    moment, _, last_id = token.rpartition("~")
    if not (last_id.isascii() and last_id.isdigit()) or int(last_id) > MAX_ROW_ID:
        raise ValueError(f"not a row id: {last_id!r}")
    key = tuple_(*order)
    value = tuple_(datetime.fromisoformat(moment), int(last_id))
    return key < value if newest_first else key > value


def _token(row: Any, order: tuple[Any, Any]) -> str:
    moment = getattr(row, order[0].key)
    return f"{moment.isoformat()}~{row.id}"


def _copied(session: Session, principal: access.Principal, after: str | None,
            limit: int, filtered: ColumnElement[bool]) -> Page:
    """Tasks whose case was copied to me or to one of my departments, newest first (with
    the list's filters, like every other list)."""
    mine = or_(CopyRow.user_id == principal.user_id,
               CopyRow.department.in_([m.department_code for m in principal.memberships]))
    query = select(CopyRow.id, Task).join(Task, and_(Task.case_id == CopyRow.case_id,
                                                     Task.no == CopyRow.task_no)).where(
        mine, filtered)
    if after:
        query = query.where(CopyRow.id < int(after))
    rows = session.execute(query.order_by(CopyRow.id.desc()).limit(limit + 1)).all()
    tasks = [task for _, task in rows[:limit]]
    return Page(tasks, str(rows[limit - 1][0]) if len(rows) > limit else None)

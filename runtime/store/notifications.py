"""A staff user's in-app messages: the notifications addressed to them and to the pools of
their departments (with the task each is about), how many are unread, and marking them read.

A pool's message is one row for the whole pool, so one member reading it reads it for all:
the pool's inbox, like a shared mailbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, false, func, or_, select, update
from sqlalchemy.orm import Session

from runtime import access
from runtime.kept import Kept
from runtime.store.cases import Notification, Task
from runtime.store.models import utcnow
from runtime.store.scoping import pool_filter

PAGE = 30


@dataclass(frozen=True)
class Item:
    notification: Notification
    task: Task | None  # the task it is about, for its title and link


def _mine(principal: access.Principal) -> ColumnElement[bool]:
    pooled = and_(Notification.user_id.is_(None), pool_filter(
        principal.memberships, Notification.department, Notification.role))
    return or_(Notification.user_id == principal.user_id, pooled)


def page(session: Session, principal: access.Principal, *, before: int | None = None,
         limit: int = PAGE) -> tuple[list[Item], int | None]:
    """One page of the user's messages, newest first, and the id to read on from."""
    query = (select(Notification, Task)
             .outerjoin(Task, and_(Task.case_id == Notification.case_id,
                                   Task.no == Notification.task_no))
             .where(_mine(principal)))
    if before is not None:
        query = query.where(Notification.id < before)
    rows = session.execute(query.order_by(Notification.id.desc()).limit(limit + 1)).all()
    items = [Item(n, t) for n, t in rows[:limit]]
    return items, (items[-1].notification.id if len(rows) > limit else None)


def unread(session: Session, principal: access.Principal) -> int:
    """How many of the user's messages are unread: every staff page's menu asks."""
    return session.scalar(unread_count(len(principal.memberships)),
                          unread_parameters(principal)) or 0


def unread_parameters(principal: access.Principal) -> dict[str, Any]:
    """The parameters of `unread_count` for this user (`user` is the user's id)."""
    params: dict[str, Any] = {"user": principal.user_id}
    for n, m in enumerate(principal.memberships):
        params |= {f"department_{n}": m.department_code, f"role_{n}": m.role}
    return params


_UNREAD: Kept[int, Select[Any]] = Kept(16)


def unread_count(pools: int) -> Select[Any]:
    """The count of `unread` for a user with this many pools, made once: building and keying
    a statement cost more than running it. The same test as `_mine`, with parameters."""
    found = _UNREAD.get(pools)
    if found is not None:
        return found
    role = Notification.role
    pooled = [and_(Notification.department == bindparam(f"department_{n}"),
                   or_(role.is_(None), role == bindparam(f"role_{n}"))) for n in range(pools)]
    mine = or_(Notification.user_id == bindparam("user"),
               and_(Notification.user_id.is_(None), or_(*pooled) if pooled else false()))
    return _UNREAD.keep(pools, select(func.count()).select_from(Notification).where(
        mine, Notification.read_at.is_(None)))


def mark_read(session: Session, principal: access.Principal, ids: list[int] | None = None,
              now: datetime | None = None) -> int:
    """Mark the user's messages read (only `ids` when given) and commit; returns how many."""
    query = update(Notification).where(_mine(principal), Notification.read_at.is_(None))
    if ids is not None:
        query = query.where(Notification.id.in_(ids))
    result = session.execute(query.values(read_at=now or utcnow())
                             .execution_options(synchronize_session=False))
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)

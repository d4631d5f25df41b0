"""The request's audit record: who acted (the signed-in staff user, the citizen, or a guest
by the name they typed) and from where: the address and the user agent of the request."""

from __future__ import annotations

from typing import Any

from flask import g, request

from runtime.store import accounts
from runtime.store.audit import SYSTEM, Actor, Origin, record
from runtime.web.database import db


def audit(action: str, *, actor: Any = None, target: tuple[str, object] | None = None,
          detail: str | None = None) -> None:
    """Add an audit row to the request's transaction (the caller commits)."""
    where = origin()
    record(db(), action=action, actor=actor or current_actor(), target=target,
           ip=where.ip, user_agent=where.user_agent, detail=detail)


def origin() -> Origin:
    """The request's address and user agent, for the audit rows a use-case writes."""
    return Origin(request.remote_addr, request.user_agent.string or None)


def current_actor(name: str | None = None) -> Actor:
    if g.get("user") is not None:
        return Actor(str(g.user.id), g.user.username, "staff")
    if g.get("citizen") is not None:
        return Actor(f"c{g.citizen.id}", g.citizen.mobile, "citizen")
    return Actor(None, (name or "anonymous")[:64], "guest") if request else SYSTEM


def account_target(account: Any) -> tuple[str, object]:
    """An account as the target of an audit row: a staff user or a citizen."""
    return ("user", account.id) if isinstance(account, accounts.User) else ("citizen",
                                                                            account.id)

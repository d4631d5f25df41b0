"""Administration pages: staff in the administrator's scope, and the auditor's search of the
audit log with keyset pagination (the "more" rows come as an htmx fragment)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from flask import Blueprint, g, render_template, request
from flask.typing import ResponseReturnValue

from runtime import access
from runtime.masking import mask
from runtime.store import accounts, audit
from runtime.store.models import utcnow
from runtime.web.auth import require
from runtime.web.database import db

bp = Blueprint("admin", __name__, url_prefix="/admin")

CHINA = timezone(timedelta(hours=8), "CST")  # China has one time zone and no daylight saving
PAGE_SIZE = 50


@bp.get("/users")
@require("users.manage")
def users() -> ResponseReturnValue:
    seen = access.visibility(g.principal, "users.manage")
    staff = accounts.visible_staff(db(), seen)
    return render_template("pages/admin_users.html", staff=staff, now=utcnow(),
                           mask=lambda value: mask(value, "mobile") if value else "",
                           locked=accounts.is_locked)


@bp.get("/audit")
@require("audit.read")
def audit_log() -> ResponseReturnValue:
    filters = audit_filters()
    return render_template("pages/admin_audit.html", filters=filters, **audit_page(filters))


@bp.get("/audit/rows")
@require("audit.read")
def audit_rows() -> ResponseReturnValue:
    """The next page of rows: the fragment the "more" button asks for."""
    filters = audit_filters()
    return render_template("_audit_rows.html", filters=filters, **audit_page(filters))


def audit_filters() -> dict[str, str]:
    return {name: request.args.get(name, "").strip()
            for name in ("actor", "action", "since", "until")}


def audit_page(filters: dict[str, str]) -> dict[str, Any]:
    """One page of rows newest first, and the id to continue before (None at the end)."""
    before = request.args.get("before", type=int)
    rows = audit.search(db(), actor=_actor_id(filters["actor"]),
                        action=filters["action"] or None,
                        since=_day(filters["since"]), until=_day(filters["until"], 1),
                        before_id=before, limit=PAGE_SIZE + 1)
    more = rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None
    return {"rows": rows[:PAGE_SIZE], "more": more, "local": local_time,
            "actions": audit.ACTIONS.codes()}


def local_time(moment: datetime) -> str:
    """A stored UTC moment as China time, to the second."""
    aware = accounts.aware(moment)
    assert aware is not None
    return aware.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")


def _actor_id(given: str) -> str | None:
    """An actor filter by username (staff) or by the stored actor id."""
    if not given:
        return None
    user = accounts.user_by_name(db(), given)
    return str(user.id) if user else given


def _day(given: str, plus_days: int = 0) -> datetime | None:
    """Midnight, China time, at the start of the day `given` (YYYY-MM-DD) + `plus_days`."""
    try:
        day = date.fromisoformat(given)
    except ValueError:
        return None
    return datetime.combine(day + timedelta(days=plus_days), time(), CHINA)

"""Administration pages: staff in the administrator's scope, the auditor's search of the
audit log with keyset pagination (the "more" rows come as an htmx fragment), and the
background jobs: counts by status and the dead letters, each with an audited retry."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, g, redirect, render_template, request
from flask.typing import ResponseReturnValue

from runtime import access
from runtime.casework import incidents as incident_cases
from runtime.i18n import Catalogue
from runtime.masking import mask
from runtime.store import accounts, audit, jobs
from runtime.store import incidents as incident_store
from runtime.store.cases import cases_of
from runtime.store.models import utcnow
from runtime.web import clock, paging
from runtime.web.auth.audit import current_actor, origin
from runtime.web.auth.guard import require
from runtime.web.database import db
from runtime.web.lang import current_lang, lang_url

bp = Blueprint("admin", __name__, url_prefix="/admin")

CHINA = timezone(timedelta(hours=8), "CST")  # China has one time zone and no daylight saving
PAGE_SIZE = 50
DEAD_LETTERS = 100

JOBS_TEXT = Catalogue({
    "title": ("后台任务", "Background jobs"),
    "counts": ("按状态统计", "By status"),
    "pending": ("等待执行", "pending"), "running": ("执行中", "running"),
    "done": ("已完成", "done"), "dead": ("失败（已停止重试）", "dead (no more retries)"),
    "dead_letters": ("失败的任务", "Dead letters"),
    "none_dead": ("没有失败的任务。", "No dead letters."),
    "id": ("编号", "Id"), "kind": ("类型", "Kind"), "name": ("名称", "Name"),
    "case": ("案件", "Case"), "target": ("接收系统", "Receiving system"),
    "attempts": ("尝试次数", "Attempts"), "last_error": ("最后的错误", "Last error"),
    "created": ("创建时间", "Created"), "retry": ("重新发送", "Retry"),
    "timer": ("计时器", "timer"), "webhook": ("推送", "webhook"),
    "retried": ("任务 {id} 已重新排队，将由后台任务进程执行。",
                "Job {id} is queued again; a worker will run it."),
    "not_dead": ("任务 {id} 不是失败状态，未作任何修改。",
                 "Job {id} is not dead; nothing was changed."),
})


@bp.get("/users")
@require("users.manage")
def users() -> ResponseReturnValue:
    seen = access.visibility(g.principal, "users.manage")
    staff = accounts.visible_staff(db(), seen)
    return render_template("pages/admin_users.html", staff=staff, now=utcnow(),
                           mask=lambda value: mask(value, "mobile") if value else "",
                           locked=accounts.is_locked)


@bp.get("/jobs")
@require("users.manage")
def jobs_page() -> ResponseReturnValue:
    """Counts of the background jobs by status, and the dead letters newest first: those of
    the cases in the administrator's scope."""
    session, seen = db(), access.visibility(g.principal, "users.manage")
    dead = jobs.dead_letters(session, seen, DEAD_LETTERS)
    # A receiving system by its name and host: a URL's path or query may hold its token.
    hooks = {i: f"{h.name} ({urlsplit(h.url).netloc})" for i, h in jobs.webhooks(
        session, {j.webhook_id for j in dead if j.webhook_id is not None}).items()}
    numbers = {c.id: c.tracking_no
               for c in cases_of(session, {j.case_id for j in dead if j.case_id is not None})}
    notice = _notice(request.args.get("retried", type=int), request.args.get("not_dead", type=int))
    return render_template("pages/admin_jobs.html", counts=jobs.counts(session, seen), dead=dead,
                           hooks=hooks, numbers=numbers, local=local_time, notice=notice,
                           jt=lambda key, **params: JOBS_TEXT.format(key, current_lang(),
                                                                     **params))


@bp.post("/jobs/<int:job_id>/retry")
@require("users.manage")
def retry_job(job_id: int) -> ResponseReturnValue:
    """Send a dead job again (audited as `job.retry`), then back to the list; a job outside
    the administrator's scope is not found."""
    session = db()
    if jobs.visible_job(session, job_id, access.visibility(g.principal, "users.manage")) is None:
        abort(404)
    retried = jobs.retry(session, job_id, actor=current_actor(), origin=origin())
    return redirect(lang_url("admin.jobs_page", **{"retried" if retried else "not_dead":
                                                   job_id}), 303)


def _notice(retried: int | None, not_dead: int | None) -> str | None:
    if retried is not None:
        return JOBS_TEXT.format("retried", current_lang(), id=retried)
    if not_dead is not None:
        return JOBS_TEXT.format("not_dead", current_lang(), id=not_dead)
    return None


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
    before = paging.row_id("before")
    rows = audit.search(db(), actor=_actor_id(filters["actor"]),
                        action=filters["action"] or None,
                        since=_day(filters["since"]), until=_day(filters["until"], 1),
                        before_id=before, limit=PAGE_SIZE + 1)
    more = rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None
    return {"rows": rows[:PAGE_SIZE], "more": more, "local": local_time,
            "actions": audit.ACTIONS.codes()}


def local_time(moment: datetime) -> str:
    """A stored UTC moment in the site's zone (China time), to the second."""
    return clock.shown(moment, clock.SECOND)


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


INCIDENTS_TEXT = Catalogue({
    "title": ("运行事件", "Incidents"),
    "intro": ("定义在这些数据上运行失败：申请已保存，但案件未能开始。"
              "修正并发布定义后，点击“重新启动案件”。",
              "A definition failed on this data: the submission is kept but its case did not "
              "start. Fix and publish the definition, then press “Start the case again”."),
    "none": ("没有未处理的运行事件。", "No open incidents."),
    "when": ("时间", "When"), "kind": ("类型", "Kind"), "definition": ("定义", "Definition"),
    "tracking_no": ("受理编号", "Tracking number"), "message": ("错误", "Message"),
    "case_not_started": ("案件未能开始", "case did not start"),
    "step_failed": ("办理中出错", "failed while running"),
    "retry": ("重新启动案件", "Start the case again"),
    "resolved": ("事件 {id} 已解决：案件已开始。", "Incident {id} is resolved: the case started."),
    "failed": ("事件 {id} 重试仍然失败：{message}", "Incident {id} failed again: {message}"),
})


@bp.get("/incidents")
@require("users.manage")
def incidents_page() -> ResponseReturnValue:
    """The open incidents in the administrator's scope, newest first, each with a retry."""
    lang = current_lang()
    found = incident_store.open_incidents(db(), access.visibility(g.principal, "users.manage"))
    return render_template("pages/admin_incidents.html", incidents=found, local=local_time,
                           notice=_incident_notice(lang), lang=lang,
                           it=lambda key, **params: INCIDENTS_TEXT.format(key, lang, **params))


@bp.post("/incidents/<int:incident_id>/retry")
@require("users.manage")
def retry_incident(incident_id: int) -> ResponseReturnValue:
    """Start the incident's case again on the newest published definition (audited as
    `incident.retry` when it starts); an incident outside the scope is not found."""
    session = db()
    incident = incident_store.visible_incident(
        session, incident_id, access.visibility(g.principal, "users.manage"))
    if incident is None:
        abort(404)
    failed = incident_cases.retry(session, incident, actor=current_actor(), origin=origin())
    return redirect(lang_url("admin.incidents_page",
                             **{"failed" if failed else "resolved": incident_id}), 303)


def _incident_notice(lang: str) -> str | None:
    resolved, failed = request.args.get("resolved", type=int), request.args.get("failed", type=int)
    if resolved is not None:
        return INCIDENTS_TEXT.format("resolved", lang, id=resolved)
    incident = None if failed is None else incident_store.visible_incident(
        db(), failed, access.visibility(g.principal, "users.manage"))
    if incident is None:
        return None
    message = incident.message_zh if lang == "zh" else incident.message_en
    return INCIDENTS_TEXT.format("failed", lang, id=failed, message=message)

"""The bottleneck page (堵点) for leaders and supervisors: per process step and per department,
the waiting before claim, the handling time, the overdue share, returns and redo rounds of
the tasks finished in a period, and what holds cases up now and by whom; a department's row
opens the cases it holds. In the viewer's data scope; downloadable as CSV (audited). Who may
open it: whoever holds the `export` permission (the built-in department leads and
supervisors), scoped by it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, Response, g, render_template, request
from flask.typing import ResponseReturnValue

from runtime import access
from runtime.definitions.spec import ProcessSpec
from runtime.flows.deadlines import CHINA
from runtime.i18n import Catalogue, Label
from runtime.masking import neutralise_cell
from runtime.store import bottlenecks
from runtime.store.models import utcnow
from runtime.store.queries import list_definitions
from runtime.views.bottlenecks import Figures, Report, TaskFact, aggregate
from runtime.web.auth.audit import audit
from runtime.web.auth.guard import require
from runtime.web.casepages import Names, china, due_text
from runtime.web.database import db
from runtime.web.lang import current_lang, text

bp = Blueprint("bottlenecks", __name__)
PERMISSION = "export"
DEFAULT_DAYS = 30
MAX_DAYS = 366
HELD_SHOWN = 200
TEXT = Catalogue({
    "title": ("堵点分析", "Bottlenecks"),
    "intro": ("按流程环节和部门统计：签收前等待、办理用时（工作日）、超期占比、退回和重办次数，"
              "以及当前卡在谁手里的件。",
              "By process step and by department: waiting before claim, handling time "
              "(working days), overdue share, returns and redo rounds, and what is held up "
              "now and by whom."),
    "finished_only": ("统计口径：所选期间内办结的任务（按办结日期计），退回按退回日期计；"
                      "在办任务和卡住的件为当前实时情况。",
                      "The figures count the tasks finished in the period (by the day they "
                      "were finished) and the returns made in it; live tasks and what is held "
                      "up are as of now."),
    "from": ("开始日期", "From"), "to": ("结束日期", "To"), "apply": ("查询", "Show"),
    "csv": ("下载 CSV", "Download CSV"), "by_step": ("按环节", "By step"),
    "by_department": ("按部门", "By department"), "process": ("流程", "Process"),
    "step": ("环节", "Step"), "department": ("部门", "Department"),
    "tasks": ("办结任务数", "Tasks finished"),
    "wait": ("平均签收等待（工作日）", "Avg. wait to claim (working days)"),
    "handling": ("平均办理用时（工作日）", "Avg. handling (working days)"),
    "overdue_share": ("超期占比", "Overdue share"), "returns": ("退回", "Returns"),
    "redos": ("重办", "Redo rounds"), "live": ("在办任务", "Live tasks"),
    "live_overdue": ("其中已超期", "Of which overdue"),
    "cases_held": ("卡住的案件", "Cases held up"),
    "held": ("当前卡住的件", "Held up now"),
    "held_in": ("{department} 手上的件", "Held by {department}"),
    "all_held": ("看全部", "Show all"), "tracking_no": ("受理编号", "Tracking number"),
    "holder": ("在谁手上", "Held by"),
    "pool": ("待签收（{department}）", "Unclaimed ({department})"),
    "since": ("生成时间", "Since"), "due": ("办理期限", "Due"),
    "late": ("已超期", "Overdue"), "in_time": ("未超期", "In time"),
    "no_due": ("无期限", "No deadline"), "none": ("范围内没有任务。", "No tasks in your scope."),
    "more_held": ("只列出前 {n} 件；下载 CSV 看全部。",
                  "Only the first {n} are listed; the CSV has all."),
    "bad_period": ("日期格式应为 YYYY-MM-DD，且开始不晚于结束、跨度不超过 366 天；"
                   "已显示最近 30 天。",
                   "Dates are YYYY-MM-DD, the start not after the end, at most 366 days apart; "
                   "the last 30 days are shown."),
    "section": ("类别", "Section"),
})


def bottleneck_text(key: str, /, **params: Any) -> str:
    return TEXT.format(key, current_lang(), **params)


bp.add_app_template_global(bottleneck_text, "bottleneck_text")


def period_of(args: Any, today: date) -> tuple[date, date, bool]:
    """The days asked for (`from`, `to`, both included, China days), or the last 30 days;
    whether what was asked for was refused."""
    default = (today - timedelta(days=DEFAULT_DAYS - 1), today)
    raw_from, raw_to = args.get("from", ""), args.get("to", "")
    if not raw_from and not raw_to:
        return (*default, False)
    try:
        first = date.fromisoformat(raw_from) if raw_from else default[0]
        last = date.fromisoformat(raw_to) if raw_to else today
    except ValueError:
        return (*default, True)
    if last < first or (last - first).days >= MAX_DAYS:
        return (*default, True)
    return first, last, False


@bp.get("/bottlenecks")
@require(PERMISSION)
def page() -> ResponseReturnValue:
    now = utcnow()
    first, last, refused = period_of(request.args, now.astimezone(CHINA).date())
    seen = access.visibility(g.principal, PERMISSION)
    department = request.args.get("department")
    csv_wanted = request.args.get("format") == "csv"
    held = bottlenecks.held(db(), seen, department, None if csv_wanted else HELD_SHOWN + 1)
    names = Names.read(db(), {t.user_id for t in held if t.user_id is not None})
    report = aggregate(bottlenecks.finished(db(), seen, first, last),
                       *bottlenecks.live_counts(db(), seen, now),
                       department_label=lambda code: _label(names, code))
    if csv_wanted:
        return _csv(report, held, names, first, last)
    return render_template(
        "pages/bottlenecks.html", report=report, held=held[:HELD_SHOWN],
        more_held=len(held) > HELD_SHOWN, first=first, last=last, refused=refused,
        department=department, names=names, processes=_process_titles(), now=now,
        holder=lambda t: _holder(t, names), china=china, due_text=due_text,
        percent=_percent, days=_days), 400 if refused else 200


def _label(names: Names, code: str | None) -> Label:
    found = names.departments.get(code or "")
    return Label(found.name_zh, found.name_en) if found else Label(code or "—")


def _holder(task: TaskFact, names: Names) -> str:
    if task.user_id is not None:
        return names.user(task.user_id)
    return bottleneck_text("pool", department=names.department(task.department))


def _process_titles() -> dict[str, str]:
    return {row.def_id: text(row.spec.title) for row in list_definitions(db(), "Process")
            if isinstance(row.spec, ProcessSpec)}


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _days(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


# --- CSV --------------------------------------------------------------------------------

FIGURE_KEYS = ("tasks", "wait", "handling", "overdue_share", "returns", "redos", "live",
               "live_overdue", "cases_held")


def _figures(f: Figures) -> list[Any]:
    return [f.tasks, _days(f.average_wait), _days(f.average_handling), _percent(f.overdue_share),
            f.returns, f.redos, f.live, f.live_overdue, f.cases_held]


def _csv(report: Report, held: list[TaskFact], names: Names, first: date,
         last: date) -> Response:
    audit("export", target=("bottlenecks", f"{first}..{last}"))
    db().commit()
    response = Response("\ufeff" + "".join(_csv_lines(report, held, names)),
                        mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=bottlenecks-{first}-{last}.csv")
    return response


def _csv_lines(report: Report, held: list[TaskFact], names: Names) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def write(cells: list[Any]) -> str:
        writer.writerow([neutralise_cell(cell) for cell in cells])
        line = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return line

    titles = _process_titles()
    yield write([bottleneck_text(k) for k in ("section", "process", "step")]
                + [bottleneck_text(k) for k in FIGURE_KEYS])
    for f in report.steps:
        yield write([bottleneck_text("by_step"), titles.get(f.key[0], f.key[0]), text(f.label)]
                    + _figures(f))
    for f in report.departments:
        yield write([bottleneck_text("by_department"), "", text(f.label)] + _figures(f))
    yield write([])
    yield write([bottleneck_text(k) for k in ("tracking_no", "process", "step", "department",
                                               "holder", "since", "due", "late")])
    now = utcnow()
    for t in held:
        late = t.due_at is not None and now > t.due_at
        yield write([t.tracking_no, titles.get(t.process_id, t.process_id), text(t.title),
                     names.department(t.department), _holder(t, names), china(t.created_at),
                     due_text(t.due_at),
                     bottleneck_text("late" if late else "in_time" if t.due_at else "no_due")])

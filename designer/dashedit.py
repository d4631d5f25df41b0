"""The dashboard editor: a Dashboard's widgets (indicator card, trend, ranking, distribution,
table), each with its title, measure (a registered one, or a count, sum or mean over a form's
submissions), grouping, target, process or view; added, reordered and removed. Every edit
writes the working copy's YAML, is checked with the runtime's checker (each problem beside
its widget) and redraws a preview of every widget: its figure computed by the dashboard
page's own code from the working copy, on the real cases the designer's data scope reaches.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, render_template
from flask.typing import ResponseReturnValue

from designer import listedit
from designer.tooling import PERMISSION, Working, save
from designer.toolweb import open_or_deny
from runtime import access
from runtime.definitions.spec import DashboardSpec
from runtime.i18n import Catalogue
from runtime.store.designs import CopyConflict
from runtime.views.figures import Figure
from runtime.views.measures import GROUPS, MEASURES
from runtime.web import dashboards
from runtime.web.auth.audit import current_actor
from runtime.web.auth.guard import require
from runtime.web.database import db
from runtime.web.fieldtypes import field_types
from runtime.web.htmx import request
from runtime.web.lang import current_lang

bp = Blueprint("designer_dashboards", __name__, url_prefix="/designer/dashboards",
               template_folder="templates")
TYPES = ("indicator", "trend", "ranking", "distribution", "table")
AGGS = ("count", "sum", "avg", "min", "max")
TEXT_KEYS = ("id", "type", "form", "view", "process", "group_by")
TEXT = Catalogue({
    "title": ("驾驶舱设计：{id}", "Dashboard editor: {id}"),
    "widgets": ("组件", "Widgets"), "widget": ("组件 {n}", "Widget {n}"),
    "id": ("标识", "Id"), "type": ("类型", "Type"),
    "type_indicator": ("指标卡", "Indicator card"), "type_trend": ("趋势", "Trend"),
    "type_ranking": ("排名", "Ranking"), "type_distribution": ("分布", "Distribution"),
    "type_table": ("表格", "Table"),
    "title_zh": ("标题（中文）", "Title (Chinese)"),
    "title_en": ("标题（英文）", "Title (English)"),
    "measure": ("度量", "Measure"), "agg": ("按表单统计", "Over the form"),
    "agg_none": ("—（用度量）", "— (use the measure)"), "form": ("表单", "Form"),
    "field": ("统计字段", "Field"), "group_by": ("分组", "Group by"),
    "target": ("目标值", "Target"), "view": ("视图（表格）", "View (table)"),
    "process": ("流程", "Process"), "none": ("—", "—"),
    "indicator": ("指标目录：{catalog} / {item}", "Indicator: {catalog} / {item}"),
    "add": ("添加组件", "Add widget"), "up": ("上移", "Up"), "down": ("下移", "Down"),
    "remove": ("删除", "Remove"),
    "move_up": ("上移“{name}”", "Move \u201c{name}\u201d up"),
    "move_down": ("下移“{name}”", "Move \u201c{name}\u201d down"),
    "remove_one": ("删除“{name}”", "Remove \u201c{name}\u201d"),
    "save": ("保存", "Save"),
    "problems": ("检查发现的问题", "Problems the checker found"),
    "clean": ("检查通过，没有问题", "Checked: no problems"),
    "preview": ("预览（真实数据，仅限你的数据范围，{start} – {end}）",
                "Preview (real data, within your data scope, {start} – {end})"),
    "no_scope": ("你的数据范围内没有可查看的案件，预览中的数字都是 0 或无数据。",
                 "Your data scope reaches no cases: every figure of the preview is 0 or "
                 "no data."),
    "fix_first": ("修正此组件的问题后显示预览。", "The preview shows once this widget's "
                  "problems are fixed."),
    "no_spec": ("定义有结构错误，修正后显示预览。",
                "The definition has schema errors: the preview shows once they are fixed."),
    "revision": ("工作副本修订 {n}，{who} 保存", "Working copy revision {n}, saved by {who}"),
    "yaml_error": ("YAML 有错误，请在 YAML 视图中修正后再用此编辑器",
                   "The YAML has an error: fix it in the YAML view to use this editor"),
})


def dash_edit_text(key: str, /, **params: Any) -> str:
    return TEXT.format(key, current_lang(), **params)


bp.add_app_template_global(dash_edit_text, "dash_edit_text")


@bp.get("/<def_id>")
@require(PERMISSION)
def page(def_id: str) -> ResponseReturnValue:
    working = open_or_deny("Dashboard", def_id)
    if request.htmx:
        return _render(working)
    return _render(working, template="designer_tools/dashboard.html")


@bp.post("/<def_id>")
@require(PERMISSION)
def edit(def_id: str) -> ResponseReturnValue:
    """The widgets as submitted, with the operation its button names (save, add, up:N,
    down:N, del:N), written to the working copy."""
    working = open_or_deny("Dashboard", def_id)
    if working.data is None:
        return _render(working, status=422, error=dash_edit_text("yaml_error"))
    op = request.form.get("op", "save")
    widgets = [_posted(i, w) for i, w in enumerate(listedit.entries(working.data, "widgets"))]
    if op == "add" and request.form.get("new_type") in TYPES:
        widgets.append(new_widget(request.form["new_type"], {str(w.get("id")) for w in widgets}))
    data = {**working.data, "widgets": listedit.moved(widgets, op) or widgets}
    try:
        saved = save(db(), working, data, request.form.get("revision", type=int) or 0,
                     current_actor(), field_types())
    except CopyConflict as conflict:
        return _render(working, status=409, error=conflict.message(current_lang()))
    return _render(saved)


def new_widget(kind: str, taken: set[str]) -> dict[str, Any]:
    """A widget of `kind` counting the cases received (by department, when it groups), with
    the first free id `widget_N`."""
    n = len(taken) + 1
    while f"widget_{n}" in taken:
        n += 1
    widget: dict[str, Any] = {"id": f"widget_{n}", "type": kind,
                              "title": {"zh": TEXT.format(f"type_{kind}", "zh"),
                                        "en": TEXT.format(f"type_{kind}", "en")},
                              "measure": {"name": "received"}}
    if kind in ("ranking", "distribution", "table"):
        widget["group_by"] = "department"
    return widget


def _posted(i: int, widget: dict[str, Any]) -> dict[str, Any]:
    """The widget with what was typed in its part of the form (a part not posted stays)."""
    form = request.form
    if f"w{i}.type" not in form:
        return widget
    for key in TEXT_KEYS:
        value = form.get(f"w{i}.{key}", "").strip()
        widget.pop(key, None)
        if value:
            widget[key] = value
    title = listedit.label_of(form.get(f"w{i}.zh", ""), form.get(f"w{i}.en", ""))
    if title:
        widget["title"] = title
    measure = {k: v for k in ("name", "agg", "field")
               if (v := form.get(f"w{i}.{k}", "").strip())}
    widget.pop("measure", None)
    if measure:
        widget["measure"] = measure
    widget.pop("target", None)
    if (target := form.get(f"w{i}.target", "").strip()):
        widget["target"] = _number(target)
    return widget


def _number(typed: str) -> Any:
    """A number as typed; text that is none stays text, for the checker to name."""
    try:
        value = float(typed)
    except ValueError:
        return typed
    return int(value) if value.is_integer() else value


def _render(working: Working, *, status: int = 200, error: str | None = None,
            template: str = "designer_tools/_dashboard_editor.html") -> ResponseReturnValue:
    data = working.data or {}
    at_widget = listedit.problems_at(working.problems, "widgets")
    chosen = dashboards.filters()
    return render_template(
        template, working=working, data=data, error=error,
        widgets=listedit.entries(data, "widgets"), types=TYPES, aggs=AGGS,
        measures=MEASURES, groups=GROUPS, forms=working.ids("Form"),
        views=working.ids("View"), processes=working.ids("Process"),
        label_parts=listedit.label_parts, problems=working.problems, at_widget=at_widget,
        previews=previews(working, at_widget, chosen), chosen=chosen,
        no_scope=access.visibility(g.principal, "records.read").nothing,
    ), status


def previews(working: Working, at_widget: dict[int, list[Any]],
             chosen: dashboards.Filters) -> dict[str, Figure] | None:
    """Each clean widget's figure as the dashboard page computes it, from the working copy,
    within the designer's data scope, by widget id; None when the copy does not build."""
    spec = working.checked.spec if working.checked is not None else None
    if not isinstance(spec, DashboardSpec):
        return None
    flawed = {str(w.get("id")) for i, w in enumerate(listedit.entries(working.data, "widgets"))
              if i in at_widget}
    labels = dashboards.Labels()
    return {w.id: dashboards.figure(w, chosen, labels, spec.processes)
            for w in spec.widgets if w.id not in flawed}

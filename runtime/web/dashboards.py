"""Dashboards (驾驶舱) and effectiveness scores (效能评估) for the staff who run the work.

`/dashboards/` lists the Dashboard definitions a user may open (they read records, and hold
one of its `roles` when it names any); `/dashboards/<id>` shows its widgets for the filters
(organisation, region, dates, granularity), every figure within the user's data scope;
each widget downloads as CSV or XLSX (PNG is drawn in the browser from the chart).
`/effectiveness` scores each department on the indicators of a Catalog. The figures come
from `runtime.store.measures`; what they mean is `runtime.views`'.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from flask import Blueprint, abort, g, render_template, request
from flask.typing import ResponseReturnValue

from runtime import access
from runtime.definitions.spec import CatalogSpec, DashboardSpec, WidgetSpec
from runtime.expressions.dates import current_date
from runtime.i18n import Catalogue
from runtime.store import measures as store
from runtime.store.queries import list_definitions
from runtime.views import effectiveness as scoring
from runtime.views.figures import Figure, Row, number, ranking
from runtime.views.measures import COUNT, HIGHER, LOWER, MEASURES, Measure, value
from runtime.views.periods import (
    DAY,
    GRANULARITIES,
    MONTH,
    WEEK,
    Period,
    bucket_label,
    buckets,
)
from runtime.web.auth.audit import audit
from runtime.web.auth.guard import require
from runtime.web.database import db
from runtime.web.database import store as app_store
from runtime.web.lang import current_lang, text
from runtime.web.sheets import download
from templates_lib.regions import full_name, regions

bp = Blueprint("dashboards", __name__)
TEXT = Catalogue({
    "dashboards": ("驾驶舱", "Dashboards"), "none": ("没有您可以查看的驾驶舱。",
                                                  "There is no dashboard you may open."),
    "department": ("部门", "Department"), "all_departments": ("全部部门", "All departments"),
    "region": ("区划", "Region"), "region_code": ("区划代码", "Region code"),
    "by": ("分解到", "Decomposed by"), "from": ("开始日期", "From"), "to": ("结束日期", "To"),
    "granularity": ("时间粒度", "Granularity"), "day": ("按日", "By day"),
    "week": ("按周", "By week"), "month": ("按月", "By month"), "apply": ("查询", "Apply"),
    "value": ("数值", "Value"), "previous": ("上期", "Previous period"),
    "target": ("目标", "Target"), "change": ("较上期", "Change"),
    "on_target": ("达标", "On target"), "off_target": ("未达标", "Below target"),
    "no_data": ("暂无数据", "No data"), "period": ("期间", "Period"),
    "item": ("项目", "Item"), "csv": ("下载 CSV", "Download CSV"),
    "xlsx": ("下载 XLSX", "Download XLSX"), "png": ("下载图片 PNG", "Download PNG"),
    "open_view": ("打开列表", "Open the list"), "bad_filter": (
        "筛选条件有误，已按默认显示：{reason}", "A filter was not understood and the default "
        "is shown: {reason}"),
    "effectiveness": ("效能评估", "Effectiveness"), "catalog": ("指标体系", "Indicators"),
    "score": ("得分", "Score"), "rank": ("排名", "Rank"), "indicator": ("指标", "Indicator"),
    "weight": ("权重", "Weight"), "points": ("达成度", "Attainment"),
    "direction": ("方向", "Direction"), "higher": ("越高越好", "higher is better"),
    "lower": ("越低越好", "lower is better"), "previous_score": ("上期得分", "Previous score"),
    "no_indicators": ("没有带度量的指标目录。", "No indicator catalog names a measure."),
    "explain": ("得分 = Σ(权重 × 达成度) ÷ Σ权重；无数据或无目标的指标不计入。",
                "Score = Σ(weight × attainment) ÷ Σ weight; indicators without data or "
                "target are left out."),
    "chart": ("图表：{title}（数据见下方数据表）", "Chart: {title} (the data table below holds "
              "its figures)"),
    "data_table": ("数据表", "Data table"),
    "as_of": ("统计时点", "Counted"), "now": ("此刻（不随期间变化）", "now (whatever the period)"),
})
MAX_DAYS = 366 * 3


def words(key: str, /, **params: Any) -> str:
    return TEXT.format(key, current_lang(), **params)


bp.add_app_template_global(words, "report_text")
bp.add_app_template_global(number, "report_number")


# --- who sees what --------------------------------------------------------------------

def may_open(spec: DashboardSpec) -> bool:
    """Staff who read records open a dashboard; one that names roles, only those roles."""
    principal = g.get("principal")
    if not access.allowed(principal, "records.read"):
        return False
    return not spec.roles or bool(principal.roles & set(spec.roles))


def visible_dashboards() -> list[DashboardSpec]:
    specs = [row.spec for row in list_definitions(db(), "Dashboard")]
    return [s for s in specs if isinstance(s, DashboardSpec) and may_open(s)]


def _dashboard(dashboard_id: str) -> DashboardSpec:
    head = app_store().heads.get(db, "Dashboard", dashboard_id)
    spec = head.spec if head is not None else None
    if not isinstance(spec, DashboardSpec) or not may_open(spec):
        abort(404)
    return spec


# --- filters --------------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    period: Period
    granularity: str
    department: str | None
    region: str | None
    problem: str | None = None

    def args(self) -> dict[str, str]:
        """The filters as query arguments, for the download links."""
        found = {"from": self.period.start.isoformat(), "to": self.period.end.isoformat(),
                 "granularity": self.granularity}
        found.update({k: v for k, v in (("department", self.department),
                                        ("region", self.region)) if v})
        return found


def filters() -> Filters:
    """The request's filters; what cannot be read falls back to the last 30 days, by day
    (by week past two months, by month past half a year), and says so."""
    today = current_date()
    problem = None
    try:
        start = _date("from") or today - dt.timedelta(days=29)
        end = _date("to") or today
        period = Period(start, end)
        if period.days > MAX_DAYS:
            raise ValueError(f"> {MAX_DAYS} days")
    except ValueError as error:
        period, problem = Period(today - dt.timedelta(days=29), today), str(error)
    granularity = request.args.get("granularity", "")
    if granularity not in GRANULARITIES:
        granularity = DAY if period.days <= 62 else WEEK if period.days <= 183 else MONTH
    region = request.args.get("region", "").strip()
    return Filters(period, granularity, request.args.get("department") or None,
                   region if region.isdigit() and len(region) == 6 else None, problem)


def _date(name: str) -> dt.date | None:
    raw = request.args.get(name, "").strip()
    return dt.date.fromisoformat(raw) if raw else None


def _where(chosen: Filters, period: Period | None = None) -> store.Where:
    seen = access.visibility(g.principal, "records.read")
    return store.Where(seen, period or chosen.period, chosen.department, chosen.region)


# --- figures --------------------------------------------------------------------------

class Labels:
    """Group keys as people read them: departments by name, regions by full name."""

    def __init__(self) -> None:
        self.units = {u.code: u.name for u in store.departments(db())}

    def __call__(self, group: str, key: str) -> str:
        if group == "department":
            name = self.units.get(key)
            return (name[0] if current_lang() == "zh" else name[1]) if name else key
        if group == "region":
            return full_name(key) if key != "-" else key
        return key


def figure(widget: WidgetSpec, chosen: Filters, labels: Labels,
           processes: tuple[str, ...] = ()) -> Figure:
    """What one widget shows for the filters, over the cases of its process, else of the
    dashboard's `processes`, else all."""
    title = text(widget.title)
    if widget.view and not widget.measure:
        return Figure(widget.id, widget.type, title, "", link=f"/views/{widget.view}")
    if widget.measure is not None and widget.measure.agg is not None and widget.form:
        return _form_figure(widget, chosen, labels, title)
    formula = _formula(widget)
    if formula is None:
        return Figure(widget.id, widget.type, title, "")
    name, of, process, target, better = formula
    where = replace(_where(chosen), process=process or widget.process, processes=processes)
    measure = MEASURES[name]
    unit = "%" if of else _lang(measure.unit)
    if widget.type == "indicator":
        previous = replace(where, period=chosen.period.previous())
        # A snapshot (overdue now) is the same whatever the period: "0 (previous 46)" misleads
        snapshot = measure.snapshot and (of is None or MEASURES[of].snapshot)
        return Figure(widget.id, "indicator", title, unit,
                      value=_value(measure, of, where),
                      previous=None if snapshot else _value(measure, of, previous),
                      target=widget.target if widget.target is not None else target,
                      better=better, snapshot=snapshot)
    group = chosen.granularity if widget.type == "trend" else widget.group_by or "department"
    tallies = _grouped(measure, of, where, group)
    if widget.type == "trend":
        rows = tuple(Row(day.isoformat(), bucket_label(day, group),
                         tallies.get(day.isoformat(), 0.0 if measure.form == COUNT and not of
                                     else None))
                     for day in buckets(chosen.period, group))
        return Figure(widget.id, "trend", title, unit, rows=rows, better=better)
    found = [Row(key, labels(group, key), amount) for key, amount in tallies.items()]
    if group == "region":
        found = _short_regions(found)
    return Figure(widget.id, widget.type, title, unit, rows=_ordered(widget, found, better),
                  better=better)


def _short_regions(rows: list[Row]) -> list[Row]:
    """Counties of one city named as people there say them (东城区, not 北京市 市辖区 东城区):
    a chart's labels stay readable. Regions of several cities keep their full names."""
    cities = {r.key[:4] for r in rows if r.key != "-"}
    if len(cities) != 1:
        return rows
    return [replace(r, label=found.name) if (found := regions().get(r.key)) is not None
            and len(r.key) == 6 else r for r in rows]


def _ordered(widget: WidgetSpec, rows: list[Row], better: str) -> tuple[Row, ...]:
    """A ranking best first; anything else by its labels."""
    if widget.type == "ranking":
        return ranking(rows, better)
    return tuple(sorted(rows, key=lambda r: r.label))


Formula = tuple[str, str | None, str | None, float | None, str]


def _formula(widget: WidgetSpec) -> Formula | None:
    """(measure, divided by, process, target, better) of a named measure or of the catalog
    indicator the widget shows."""
    name = widget.measure.name if widget.measure is not None else None
    if name is not None and name in MEASURES:
        measure = MEASURES[name]
        return measure.name, None, None, None, measure.better
    if widget.indicator is None:
        return None
    head = app_store().heads.get(db, "Catalog", widget.indicator.catalog)
    catalog = head.spec if head is not None else None
    if not isinstance(catalog, CatalogSpec):
        return None
    item = next((i for i in catalog.items if i.code == widget.indicator.item), None)
    if item is None or item.measure is None or item.measure not in MEASURES:
        return None
    return item.measure, item.of, item.process, item.target, item.direction


def _lang(pair: tuple[str, str]) -> str:
    return pair[0] if current_lang() == "zh" else pair[1]


def _value(measure: Measure, of: str | None, where: store.Where) -> float | None:
    found = value(measure, store.tally(db(), measure.name, where).get(""))
    if of is None:
        return found
    whole = MEASURES[of]
    return scoring.ratio(found, value(whole, store.tally(db(), of, where).get("")))


def _grouped(measure: Measure, of: str | None, where: store.Where,
             group: str) -> dict[str, float | None]:
    found = {key: value(measure, t) for key, t in store.tally(db(), measure.name, where,
                                                             group).items()}
    if of is None:
        return found
    whole = {key: value(MEASURES[of], t) for key, t in store.tally(db(), of, where,
                                                                  group).items()}
    nothing = 0.0 if measure.form == COUNT else None  # no row counted is a count of none
    return {key: scoring.ratio(found.get(key, nothing), whole.get(key)) for key in found | whole}


def _form_figure(widget: WidgetSpec, chosen: Filters, labels: Labels, title: str) -> Figure:
    assert widget.measure is not None and widget.measure.agg and widget.form
    agg, field, form = widget.measure.agg, widget.measure.field, widget.form
    where = _where(chosen)
    if widget.type == "indicator":
        now = store.form_tally(db(), where, form, agg, field).get("")
        before = store.form_tally(db(), replace(where, period=chosen.period.previous()), form,
                                  agg, field).get("")
        return Figure(widget.id, "indicator", title, "",
                      value=now if now is not None else (0.0 if agg == "count" else None),
                      previous=before if before is not None else
                      (0.0 if agg == "count" else None), target=widget.target)
    group = chosen.granularity if widget.type == "trend" else widget.group_by or "department"
    found = store.form_tally(db(), where, form, agg, field, group)
    if widget.type == "trend":
        rows = tuple(Row(day.isoformat(), bucket_label(day, group),
                         found.get(day.isoformat(), 0.0 if agg == "count" else None))
                     for day in buckets(chosen.period, group))
        return Figure(widget.id, "trend", title, "", rows=rows)
    grouped = [Row(key, labels(group, key), amount) for key, amount in found.items()]
    return Figure(widget.id, widget.type, title, "", rows=_ordered(widget, grouped, HIGHER))


def chart_data(item: Figure) -> str:
    """What static/js/dashboards.js draws, as a data attribute (no inline script)."""
    return json.dumps({"type": item.type, "title": item.title, "unit": item.unit,
                       "labels": [r.label for r in item.rows],
                       "values": [r.value for r in item.rows]}, ensure_ascii=False)


bp.add_app_template_global(chart_data, "chart_data")


def figure_table(item: Figure) -> tuple[list[str], list[list[Any]]]:
    """The heading and rows of the table that stands for a figure (and of its download)."""
    if item.type == "indicator":
        header = [words("item"), words("value")]
        return header, [[words(r.key), r.value] for r in item.table()]
    first = words("period") if item.type == "trend" else words("item")
    unit = f"（{item.unit}）" if item.unit else ""
    return [first, words("value") + unit], [[r.label, r.value] for r in item.rows]


bp.add_app_template_global(figure_table, "figure_table")


# --- pages ----------------------------------------------------------------------------

@bp.get("/dashboards/")
@require("records.read")
def index() -> ResponseReturnValue:
    return render_template("pages/dashboards.html", dashboards=visible_dashboards())


@bp.get("/dashboards/<dashboard_id>")
@require("records.read")
def page(dashboard_id: str) -> ResponseReturnValue:
    spec = _dashboard(dashboard_id)
    chosen = filters()
    labels = Labels()
    figures = [figure(w, chosen, labels, spec.processes) for w in spec.widgets]
    units = store.departments(db(), access.visibility(g.principal, "records.read"))
    return render_template("pages/dashboard.html", spec=spec, figures=figures, chosen=chosen,
                           units=units, granularities=GRANULARITIES, LOWER=LOWER)


@bp.get("/dashboards/<dashboard_id>/widgets/<widget_id>.<fmt>")
@require("records.read")
def widget_download(dashboard_id: str, widget_id: str, fmt: str) -> ResponseReturnValue:
    spec = _dashboard(dashboard_id)
    widget = next((w for w in spec.widgets if w.id == widget_id), None)
    if widget is None:
        abort(404)
    item = figure(widget, filters(), Labels(), spec.processes)
    header, rows = figure_table(item)
    audit("export", target=("dashboard", f"{dashboard_id}/{widget_id}"))
    db().commit()
    return download(fmt, f"{dashboard_id}-{widget_id}", header, rows)


# --- effectiveness --------------------------------------------------------------------

def indicator_catalogs() -> list[CatalogSpec]:
    specs = [row.spec for row in list_definitions(db(), "Catalog")]
    return [s for s in specs if isinstance(s, CatalogSpec) and s.type == "indicators"
            and scoring.indicators(s)]


SCORED = ("department", "region")  # what the indicators are decomposed by


def scores(catalog: CatalogSpec, chosen: Filters, period: Period,
           group: str = "department") -> list[scoring.Score]:
    """Each department's (or region's) score for `period` on the catalog's indicators."""
    indicators = scoring.indicators(catalog)
    by_department: dict[str, dict[str, float | None]] = {}
    base = _where(chosen, period)
    for indicator in indicators:
        where = replace(base, process=indicator.process)
        grouped = _grouped(MEASURES[indicator.measure], indicator.of, where, group)
        for department, amount in grouped.items():
            by_department.setdefault(department, {})[indicator.code] = amount
    for indicator in indicators:  # a department with nothing counted counts none
        if MEASURES[indicator.measure].form == COUNT and indicator.of is None:
            for values in by_department.values():
                values.setdefault(indicator.code, 0.0)
    return scoring.ranked(scoring.score(d, indicators, values)
                          for d, values in by_department.items() if d != "-")


@bp.get("/effectiveness")
@require("records.read")
def effectiveness() -> ResponseReturnValue:
    catalogs = indicator_catalogs()
    chosen = filters()
    if not request.args.get("from"):  # a period of its own by default: this month so far
        today = current_date()
        chosen = replace(chosen, period=Period(today.replace(day=1), today))
    catalog = next((c for c in catalogs if c.id == request.args.get("catalog")),
                   catalogs[0] if catalogs else None)
    asked = request.args.get("by", "")
    group = asked if asked in SCORED else "department"
    now = scores(catalog, chosen, chosen.period, group) if catalog else []
    before = {s.group: s.score for s in scores(catalog, chosen, chosen.period.previous(),
                                               group)} if catalog else {}
    labels = Labels()
    fmt = request.args.get("format")
    if fmt and catalog is not None:
        audit("export", target=("effectiveness", catalog.id))
        db().commit()
        return download(fmt, f"effectiveness-{catalog.id}-{group}",
                        *_score_table(now, before, labels, group))
    return render_template("pages/effectiveness.html", catalogs=catalogs, catalog=catalog,
                           scores=now, before=before, chosen=chosen, labels=labels,
                           group=group, groups=SCORED,
                           units=store.departments(db(), access.visibility(g.principal,
                                                                           "records.read")))


def _score_table(now: Sequence[scoring.Score], before: dict[str, float | None],
                 labels: Labels, group: str) -> tuple[list[str], list[list[Any]]]:
    """One row per department (or region) and indicator: the score with its reckoning."""
    header = [words("rank"), words(group), words("score"), words("previous_score"),
              words("indicator"), words("value"), words("target"), words("weight"),
              words("points")]
    rows = []
    for rank, item in enumerate(now, 1):
        for part in item.parts:
            rows.append([rank, labels(group, item.group), item.score,
                         before.get(item.group), _lang(part.indicator.label), part.value,
                         part.indicator.target, part.indicator.weight, part.points])
    return header, rows

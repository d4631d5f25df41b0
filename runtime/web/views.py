"""View pages (`/views/<id>`): a published View definition shown to the staff in whose data
scope its rows are, as a list, a board or cards; its filters, search, sort and keyset pages
from the query string; saved filters per user; downloads of the filtered rows as CSV or
XLSX, one row per application with the columns as shown (personal numbers masked, cells
neutralised). The queries live in `runtime.store.views`."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    abort,
    g,
    get_template_attribute,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from openpyxl import Workbook
from werkzeug.datastructures import MultiDict

from runtime import access
from runtime.definitions.spec import ColumnSpec, FieldSpec, FilterSpec, FormSpec, ViewSpec
from runtime.flows.applicant import STATUSES
from runtime.flows.case import OPEN
from runtime.i18n import Catalogue
from runtime.masking import mask_name, neutralise_cell
from runtime.store import accounts
from runtime.store import views as store_views
from runtime.store.models import MAX_ROW_ID, aware
from runtime.store.queries import list_definitions
from runtime.store.scoping import within_these
from runtime.views.ratings import level_label
from runtime.web import clock
from runtime.web.auth.audit import audit
from runtime.web.auth.guard import require
from runtime.web.casepages import Names, colour_of
from runtime.web.database import db, store
from runtime.web.fieldtypes import field_types
from runtime.web.lang import current_lang, lang_url, text
from runtime.web.records import shown_values
from runtime.web.workbench import works
from runtime.web.workwords import work_text

bp = Blueprint("views", __name__, url_prefix="/views")
EXPORT_LIMIT = 100_000
MAX_ARG = 200
TEXT = Catalogue({
    "views": ("受理台账", "Ledgers"), "none": ("范围内没有记录。", "No records in your scope."),
    "no_views": ("还没有发布视图。", "No views are published yet."),
    "more": ("下一页", "Next page"), "first": ("第一页", "First page"),
    "filter": ("筛选", "Filter"), "reset": ("清除", "Clear"), "search": ("搜索", "Search"),
    "search_hint": ("受理编号或关键字", "Tracking number or words"),
    "from": ("起", "from"), "to": ("止", "to"), "any": ("全部", "All"),
    "sort": ("排序", "Sort"), "asc": ("升序", "ascending"), "desc": ("降序", "descending"),
    "csv": ("下载 CSV", "Download CSV"), "xlsx": ("下载 Excel", "Download Excel"),
    "saved": ("我的筛选", "My filters"), "save": ("保存当前筛选", "Save this filter"),
    "name": ("名称", "Name"), "delete": ("删除", "Delete"),
    "actions": ("操作", "Actions"), "open": ("查看", "Open"), "claim": ("签收", "Claim"),
    "export": ("导出", "Export"),
    "c_status": ("状态", "Status"), "c_step": ("当前环节", "Current step"),
    "c_department": ("承办部门", "Department"), "c_holder": ("经办人", "Holder"),
    "c_deadline": ("办理期限", "Deadline"), "c_rating": ("评价", "Rating"),
    "c_submitted_at": ("提交时间", "Submitted"), "c_tracking_no": ("受理编号", "Tracking number"),
    "pool": ("待签收", "Not claimed"), "finished": ("—", "—"),
    "bad_filter": ("筛选条件无效：{name}", "invalid filter: {name}"),
})


def view_text(key: str, /, **params: Any) -> str:
    return TEXT.format(key, current_lang(), **params)


bp.add_app_template_global(view_text, "view_text")


# --- the definition -------------------------------------------------------------------------

@dataclass(frozen=True)
class Shown:
    """A published view with its form and the form's value fields by id."""

    view: ViewSpec
    form: FormSpec
    fields: dict[str, FieldSpec]


def _shown(view_id: str) -> Shown:
    head = store().heads.get(db, "View", view_id)
    if head is None or not isinstance(head.spec, ViewSpec):
        abort(404)
    shown = shown_of(head.spec)
    if shown is None:
        abort(404)
    return shown


def shown_of(view: ViewSpec) -> Shown | None:
    """`view` (published or a designer's working copy) with its published form; None when
    the form is not published."""
    form_head = store().heads.get(db, "Form", view.form)
    if form_head is None or not isinstance(form_head.spec, FormSpec):
        return None
    form = form_head.spec
    return Shown(view, form, {f.id: f for f in form.all_fields()})


def heading(shown: Shown, column: ColumnSpec | FilterSpec) -> str:
    if column.label is not None:
        return text(column.label)
    if column.field is not None:
        spec = shown.fields.get(column.field)
        return text(spec.label) if spec is not None else column.field
    return view_text(f"c_{column.case}")


# --- cells ----------------------------------------------------------------------------------

class Cell(NamedTuple):  # a tuple: a page makes hundreds of them
    text: str
    colour: str | None = None  # a deadline's warning colour
    link: bool = False  # the tracking number, linked to the record


# A page's rows: plain rows of `store_views.ROW_COLUMNS` (a submission) and of
# `store_views.TASK_COLUMNS` (its live task), not ORM objects.
RowOf = Any
TaskOf = Any


class Line(NamedTuple):
    row: RowOf
    task: TaskOf | None
    cells: list[Cell]
    claimable: bool
    href: str  # the record's page


# Stands for the tracking number in a link built once per page (url_for per row and link
# cost more than the page's query).
NUMBER = "__number__"


class Cells:
    """The words of each column of one page's rows. What repeats down a column (a status, a
    department, a region, a masked rule) is worded once a page: a page has hundreds of cells."""

    def __init__(self, shown: Shown, tasks: dict[int, TaskOf], rows: Sequence[RowOf]):
        self.shown = shown
        self.lang = current_lang()
        self.names = _names()
        self.now = datetime.now(UTC)
        self.zone = clock.site_zone()
        self.mine = {m.department_code for m in g.principal.memberships}
        self.record = lang_url("records.submission", tracking_no=NUMBER)
        self.said: dict[Any, str] = {}  # words by (column, value), made once a page
        self.makers = [self._maker(column) for column in shown.view.columns]

    def line(self, row: RowOf, task: TaskOf | None) -> Line:
        cells = [make(self, row, task) for make in self.makers]
        claimable = (task is not None and task.status == OPEN and task.user_id is None
                     and task.department in self.mine)
        return Line(row, task, cells, claimable, self.record.replace(NUMBER, row.tracking_no))

    def once(self, key: Any, make: Callable[[], str]) -> str:
        """The words for `key`, made the first time this page asks."""
        found = self.said.get(key)
        if found is None:
            found = self.said[key] = make()
        return found

    def moment(self, value: datetime) -> str:
        """A moment as `casepages.china` shows it, in the zone read once a page."""
        return aware(value).astimezone(self.zone).strftime(clock.MINUTE)

    def _maker(self, column: ColumnSpec) -> Callable[[Cells, RowOf, TaskOf | None], Cell]:
        """How this page makes the cells of one column (decided once for its rows)."""
        if column.field is None:
            return CASE_CELLS[column.case or ""]
        spec = self.shown.fields.get(column.field)
        if spec is None:
            return _blank
        field_type = field_types().get(spec.type)
        by_name = column.mask and (field_type is None or field_type.mask is None)
        said, key = shown_values(spec), column.field
        repeats = not (field_type is not None and field_type.mask is not None)

        def words(value: Any) -> str:
            shown = said(value)
            # a column marked masked whose type has no rule of its own: masked as a name
            return mask_name(shown) if by_name else str(shown)

        worded: dict[tuple[type, Any], str] = {}  # this page's words of this column's values

        def make(cells: Cells, row: RowOf, task: TaskOf | None) -> Cell:
            value = row.data.get(key)
            if value in (None, "", []):
                return BLANK
            if repeats and type(value) in (str, int, float):  # a repeat worded once
                found = worded.get((type(value), value))
                if found is None:
                    found = worded[type(value), value] = words(value)
                return Cell(found)
            return Cell(words(value))
        return make


def _names() -> Names:
    """The departments, read once a request: the cells and the filter's choices both name
    them (a holder's name comes with the page's tasks)."""
    if "view_departments" not in g:
        g.view_departments = {d.code: d for d in accounts.department_names(db())}
    return Names(g.view_departments)


BLANK = Cell("")


def _blank(cells: Cells, row: RowOf, task: TaskOf | None) -> Cell:
    return BLANK


def _status(cells: Cells, row: RowOf, task: TaskOf | None) -> Cell:
    return Cell(cells.once(("status", row.status), lambda: work_text("as_" + row.status)))


def _step(cells: Cells, row: RowOf, task: TaskOf | None) -> Cell:
    if task is None:
        return Cell(cells.once("finished", lambda: view_text("finished")))
    return Cell((task.title_en or task.title_zh) if cells.lang == "en" else task.title_zh)


def _department(cells: Cells, row: RowOf, task: TaskOf | None) -> Cell:
    code = task.department if task is not None and task.department else row.department_code
    return Cell(cells.once(("department", code), lambda: cells.names.department(code)))


def _holder(cells: Cells, row: RowOf, task: TaskOf | None) -> Cell:
    if task is None:
        return Cell(cells.once("finished", lambda: view_text("finished")))
    if task.user_id is None:
        return Cell(cells.once("pool", lambda: view_text("pool")))
    return Cell(task.holder if task.holder is not None else str(task.user_id))


def _deadline(cells: Cells, row: RowOf, task: TaskOf | None) -> Cell:
    if task is None or task.due_at is None:
        return Cell(cells.once("finished", lambda: view_text("finished")) if task is None
                    else cells.once("no_deadline", lambda: work_text("no_deadline")))
    return Cell(cells.moment(task.due_at - timedelta(minutes=1)),
                colour_of(cells.now, task.yellow_at, task.due_at))


def _rating(cells: Cells, row: RowOf, task: TaskOf | None) -> Cell:
    level = row.rating  # read with the row (`rated`)
    return Cell(text(level_label(level)) if level is not None else "")


def _submitted_at(cells: Cells, row: RowOf, task: TaskOf | None) -> Cell:
    return Cell(cells.moment(row.created_at))


def _tracking_no(cells: Cells, row: RowOf, task: TaskOf | None) -> Cell:
    return Cell(row.tracking_no, link=True)


CASE_CELLS: dict[str, Callable[[Cells, RowOf, TaskOf | None], Cell]] = {
    "status": _status, "step": _step, "department": _department, "holder": _holder,
    "deadline": _deadline, "rating": _rating, "submitted_at": _submitted_at,
    "tracking_no": _tracking_no,
}


# --- the query string -----------------------------------------------------------------------

def _arg(name: str, args: MultiDict[str, str] | None = None) -> str:
    value = (request.args if args is None else args).get(name, "").strip()
    if len(value) > MAX_ARG:
        abort(400)
    return value


def filter_key(spec: FilterSpec) -> str:
    return f"f_{spec.field or spec.case}"


def filter_args(view: ViewSpec) -> MultiDict[str, str]:
    """The query string, with the view's default filters in place when it sets no filter
    and no search (a page just opened): once the person sets or clears one, theirs hold."""
    if any(k.startswith("f_") or k == "q" for k in request.args):
        return request.args
    return MultiDict([*request.args.items(multi=True), *default_args(view)])


def default_args(view: ViewSpec) -> list[tuple[str, str]]:
    """The view's default filters as the query string would carry them."""
    found: list[tuple[str, str]] = []
    for spec in view.filters:
        key, default = filter_key(spec), spec.default
        if spec.op == "range" and isinstance(default, tuple) and len(default) == 2:
            found += [(key + "_from", default[0]), (key + "_to", default[1])]
        elif spec.op == "in" and isinstance(default, tuple):
            found += [(key, value) for value in default]
        elif isinstance(default, str):
            found.append((key, default))
    return found


def conditions(view: ViewSpec,
               args: MultiDict[str, str] | None = None) -> tuple[store_views.Condition, ...]:
    """The filters set in `args` (the query string with the view's defaults, by default),
    each as the view declares it; a malformed date of a range is a 400."""
    args = filter_args(view) if args is None else args
    found = []
    for spec in view.filters:
        key = filter_key(spec)
        if spec.op == "range":
            low, high = _arg(key + "_from", args), _arg(key + "_to", args)
            if spec.case == "submitted_at":
                _dates(low, high)
            found.append(store_views.Condition(spec.op, low or None, high or None,
                                               field=spec.field, case=spec.case))
        elif spec.op == "in":
            values = tuple(v for v in args.getlist(key) if v)
            if any(len(v) > MAX_ARG for v in values):
                abort(400)
            found.append(store_views.Condition("in", values=values, field=spec.field,
                                               case=spec.case))
        else:
            found.append(store_views.Condition(spec.op, _arg(key, args) or None,
                                               field=spec.field, case=spec.case))
    return tuple(found)


def _dates(*values: str) -> None:
    for value in values:
        if value:
            try:
                date.fromisoformat(value)
            except ValueError:
                abort(400)


def _sort(view: ViewSpec) -> tuple[str | None, bool]:
    """The sort field asked for (one the view sorts by, or submission order) and direction."""
    asked = _arg("sort")
    allowed = {s.field: s.order for s in view.sort if s.field}
    order = _arg("order")
    if asked in allowed:
        return asked, (order or allowed[asked]) != "asc"
    if asked in ("submitted_at", "tracking_no"):
        return None, order != "asc"
    return default_sort(view)


def default_sort(view: ViewSpec) -> tuple[str | None, bool]:
    """The view's own first order: (its data field or None for submission order, descending)."""
    first = view.sort[0] if view.sort else None
    if first is not None and first.field:
        return first.field, first.order != "asc"
    return None, (first.order if first else "desc") != "asc"


def _cursor() -> store_views.Cursor | None:
    raw = _arg("after")
    if not raw:
        return None
    try:
        key, row_id = json.loads(raw)
    except (ValueError, TypeError):
        abort(400)
    if not isinstance(row_id, int) or not isinstance(key, str | int | float) \
            or isinstance(key, bool) or not _bindable(row_id) \
            or (isinstance(key, int) and not _bindable(key)):
        abort(400)
    return store_views.Cursor(key, row_id)


def _bindable(number: int) -> bool:
    """Whether the drivers bind it: a number past a row id's range is a 400, not a 500."""
    return abs(number) <= MAX_ROW_ID


def query_of(shown: Shown, *, limit: int | None = None) -> store_views.Query:
    sort_field, descending = _sort(shown.view)
    return store_views.Query(
        form_id=shown.view.form, conditions=conditions(shown.view), search=_arg("q"),
        search_fields=shown.view.search, sort_field=sort_field, descending=descending,
        after=_cursor(), limit=limit or shown.view.page_size, rated=rated(shown.view))


def rated(view: ViewSpec) -> bool:
    """Whether the view shows a rating column (its rows are then read with their rating)."""
    return any(c.case == "rating" for c in view.columns)


def _seen() -> access.Visibility:
    """The records in the user's scope, its department trees as codes (from the departments
    the page reads anyway to name them)."""
    seen = access.visibility(g.principal, "records.read")
    return within_these(seen, ((d.code, d.path) for d in _names().departments.values()))


def page_url(view_id: str, **changes: Any) -> str:
    """This page's query string with `changes` (None removes a key)."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k not in changes]
    args += [(k, v) for k, v in changes.items() if v is not None]
    return f"{request.path}?{urlencode(args)}" if args else request.path


bp.add_app_template_global(page_url, "view_page_url")


def filter_query() -> str:
    """The query string of the filters alone (what a saved filter keeps)."""
    kept = [(k, v) for k, v in request.args.items(multi=True)
            if k not in ("after", "format", "lang", "csrf_token")]
    return urlencode(kept)


# --- pages ----------------------------------------------------------------------------------

@bp.get("")
@require("records.read")
def index() -> ResponseReturnValue:
    found = [d for d in list_definitions(db(), "View") if isinstance(d.spec, ViewSpec)]
    return render_template("pages/views.html", views=[d.spec for d in found])


@bp.get("/<view_id>")
@require("records.read")
def show(view_id: str) -> ResponseReturnValue:
    shown = _shown(view_id)
    fmt = request.args.get("format")
    if fmt in ("csv", "xlsx"):
        return _download(shown, fmt)
    if fmt:
        abort(400)
    if shown.view.type == "board":
        return _board(shown)
    query = query_of(shown)
    found = store_views.page(db(), _seen(), query)
    lines = lines_of(shown, found)
    after = json.dumps([found.next.key, found.next.id], ensure_ascii=False) \
        if found.next else None
    template = "_view_rows.html" if request.htmx else "pages/view.html"
    context = _context(shown)
    rows = table_rows_html(shown, lines, context["headings"], context) \
        if shown.view.type != "detail" else []
    return render_template(template, **context, lines=lines, rows=rows, after=after)


def lines_of(shown: Shown, found: store_views.Page) -> list[Line]:
    """The rows of one page as the view shows them, cell by cell."""
    cells = Cells(shown, found.tasks, found.rows)
    return [cells.line(row, found.tasks.get(row.id)) for row in found.rows]


def table_rows_html(shown: Shown, lines: Sequence[Line], headings: Sequence[str],
                    context: dict[str, Any]) -> list[Markup]:
    """Each line of a table as its <tr>, one piece of HTML a line. Written here, not by the
    rows' template: a page has hundreds of cells, and each one's few pieces cost more through
    Jinja than the page's query. What is the same on every row (a column's <td>, the colour
    badges of the template's own macro, the actions' words) is made once a page."""
    view = shown.view
    tds = [f'\n  <td data-label="{escape(h)}"' + (' class="masked">' if c.mask else ">")
           for h, c in zip(headings, view.columns, strict=True)]
    badge = get_template_attribute("_badges.html", "colour_badge")
    badges = {colour: str(badge(colour)) for colour in ("green", "yellow", "red")}
    number_td = f'\n  <td data-label="{escape(view_text("c_tracking_no"))}"><a href="'
    actions_td = f'\n  <td data-label="{escape(view_text("actions"))}" class="nowrap">'
    opens = f'">{escape(view_text("open"))}</a>' if "open" in view.actions else None
    claims, claim = "claim" in view.actions, ""
    exports = (f' <a class="link" href="{escape(context["export_url"])}&amp;q=',
               f'">{escape(view_text("export"))}</a>') \
        if "export" in view.actions and context["can_export"] else None
    found = []
    for line in lines:
        number, href = escape(line.row.tracking_no), escape(line.href)
        parts = [f'\n<tr id="row-{number}" class="view-row">{number_td}{href}">{number}</a></td>']
        for td, cell in zip(tds, line.cells, strict=True):
            if cell.link:
                inner = f'<a href="{href}">{escape(cell.text)}</a>'
            elif cell.colour:
                inner = f"{escape(cell.text)} {badges[cell.colour]}"
            else:
                inner = escape(cell.text)
            parts.append(f"{td}{inner}</td>")
        parts.append(actions_td)
        if opens is not None:
            parts.append(f'<a class="link" href="{href}{opens}')
        if claims and line.claimable:
            claim = claim or _claim_form()
            act = lang_url("workbench.act", tracking_no=line.row.tracking_no, no=line.task.no,
                           action="claim")
            parts.append(f'\n<form method="post" action="{escape(act)}{claim}')
        if exports is not None:
            parts.append(f"{exports[0]}{number}{exports[1]}")
        parts.append("</td>\n</tr>")
        found.append(Markup("".join(parts)))
    return found


def _claim_form() -> str:
    """The end of a row's claim form after its action (the CSRF token asked for only when a
    row can be claimed, as the template did)."""
    return (f'" class="inline">\n  <input type="hidden" name="csrf_token" value="'
            f'{escape(generate_csrf())}">\n  <button type="submit" class="link-button">'
            f'{escape(view_text("claim"))}</button>\n</form>')


def _context(shown: Shown) -> dict[str, Any]:
    if works():  # the menu shows the unread count: read with the saved filters
        saved, g.unread_count = store_views.saved_filters_and_unread(db(), g.principal,
                                                                     shown.view.id)
    else:
        saved = store_views.saved_filters(db(), g.user.id, shown.view.id)
    return {"shown": shown, "view": shown.view, "heading": lambda c: heading(shown, c),
            "args": filter_args(shown.view),
            "headings": [heading(shown, c) for c in shown.view.columns],
            "export_url": url_for("views.show", view_id=shown.view.id, format="csv"),
            "options": lambda f: _filter_options(shown, f), "filter_key": filter_key,
            "option_tags": option_tags,
            "can_export": access.allowed(g.principal, "export"),
            "saved": saved,
            "filter_query": filter_query(), "sorts": [s.field for s in shown.view.sort
                                                      if s.field],
            "sorted_by": _sort(shown.view)[0] or "submitted_at"}


def option_tags(choices: Sequence[tuple[str, str]], chosen: Sequence[str]) -> Markup:
    """A select's <option>s, those in `chosen` selected: written here, not by a loop of the
    template (a filter form has dozens of them on every page)."""
    return Markup("".join(
        f'\n    <option value="{escape(str(value))}"{" selected" if value in chosen else ""}>'
        f"{escape(str(label))}</option>" for value, label in choices))


def _filter_options(shown: Shown, spec: FilterSpec) -> list[tuple[str, str]]:
    """The choices of an eq/in filter: a choice field's options, the statuses, or the
    departments; [] for a free-text filter."""
    if spec.case == "status":
        return [(s, work_text("as_" + s)) for s in STATUSES]
    if spec.case == "department":
        return [(code, text(d.name())) for code, d in sorted(_names().departments.items())]
    field_spec = shown.fields.get(spec.field or "")
    if field_spec is None:
        return []
    if field_spec.options:
        return [(str(o.value), text(o.label)) for o in field_spec.options]
    if field_spec.options_from:
        head = store().heads.get(db, "Catalog", field_spec.options_from)
        items = getattr(head.spec, "items", ()) if head is not None else ()
        return [(i.code, text(i.label)) for i in items]
    return []


def _board(shown: Shown) -> ResponseReturnValue:
    """A board: one column per status (or per option of its group_by field), each the first
    rows of that group, with a link to the list filtered on it."""
    columns = board_columns(shown, query_of(shown), _seen())
    return render_template("pages/view_board.html", **_context(shown), columns=columns)


BoardColumn = tuple[str, str, list[Line], bool]  # value, label, its first rows, more of them


def board_columns(shown: Shown, base: store_views.Query,
                  seen: access.Visibility) -> list[BoardColumn]:
    """One column per status (or per option of the view's group_by field), each the first
    rows of that group in `seen`."""
    if shown.view.group_by:
        groups = _filter_options(shown, FilterSpec(op="eq", field=shown.view.group_by))
        make = lambda value: store_views.Condition("eq", value, field=shown.view.group_by)  # noqa: E731
    else:
        groups = [(s, work_text("as_" + s)) for s in STATUSES]
        make = lambda value: store_views.Condition("eq", value, case="status")  # noqa: E731
    columns = []
    for value, label in groups:
        found = store_views.board_column(db(), seen, base, make(value))
        columns.append((value, label, lines_of(shown, found), found.next is not None))
    return columns


# --- saved filters --------------------------------------------------------------------------

@bp.post("/<view_id>/filters")
@require("records.read")
def save_filter(view_id: str) -> ResponseReturnValue:
    shown = _shown(view_id)
    name = request.form.get("name", "").strip()[:100]
    query = request.form.get("query", "")[:2000]
    if not name:
        abort(400)
    store_views.save_filter(db(), g.user.id, shown.view.id, name, query)
    db().commit()
    target = lang_url("views.show", view_id=view_id)
    if query:
        target += ("&" if "?" in target else "?") + query
    return redirect(target, code=303)


@bp.post("/<view_id>/filters/<int:filter_id>/delete")
@require("records.read")
def delete_filter(view_id: str, filter_id: int) -> ResponseReturnValue:
    if not store_views.delete_filter(db(), g.user.id, filter_id):
        abort(404)
    db().commit()
    return redirect(lang_url("views.show", view_id=view_id), code=303)


# --- downloads ------------------------------------------------------------------------------

def _download(shown: Shown, fmt: str) -> ResponseReturnValue:
    """The filtered rows in scope, every page of them (up to EXPORT_LIMIT), one row per
    application with the columns as shown; the download is audited."""
    if not access.allowed(g.principal, "export"):
        abort(404)
    query = query_of(shown, limit=store_views.EXPORT_BATCH)
    audit("export", target=("view", shown.view.id))
    db().commit()
    name = f"{shown.view.id}-{datetime.now(UTC):%Y%m%d}.{fmt}"
    if fmt == "csv":
        response = Response(stream_with_context(_csv(shown, query)), mimetype="text/csv")
    else:
        response = Response(_xlsx(shown, query), mimetype="application/vnd.openxmlformats-"
                            "officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = f"attachment; filename={name}"
    return response


def table_rows(shown: Shown, query: store_views.Query) -> Iterator[list[Any]]:
    """The heading and then each row, as the page shows them, cells neutralised."""
    yield [neutralise_cell(c) for c in [view_text("c_tracking_no"),
                                        *(heading(shown, col) for col in shown.view.columns)]]
    for found in store_views.every_row(db(), _seen(), query, EXPORT_LIMIT):
        cells = Cells(shown, found.tasks, found.rows)
        for row in found.rows:
            line = cells.line(row, found.tasks.get(row.id))
            yield [neutralise_cell(v) for v in [row.tracking_no, *map(_cell_text, line.cells)]]


def _cell_text(cell: Cell) -> str:
    if cell.colour:
        return f"{cell.text}（{work_text('colour_' + cell.colour)}）"
    return cell.text


def _csv(shown: Shown, query: store_views.Query) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    for cells in table_rows(shown, query):
        writer.writerow(cells)
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _xlsx(shown: Shown, query: store_views.Query) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=text(shown.view.title)[:31] or shown.view.id)
    for cells in table_rows(shown, query):
        sheet.append([str(c) if c is not None else "" for c in cells])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

"""The view editor: a View's columns (the form's fields and the facts of the case), added,
reordered, removed and labelled; which fields people may filter on and how; the default
order; the layout (list, board and the field its columns group by, cards). Every edit writes
the working copy's YAML, is checked with the runtime's checker (each problem beside its
column, filter or order) and redraws a preview: the working copy rendered by the /views code
on the real rows the designer's own data scope reaches (never beyond it), first rows only.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, g, render_template
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from designer import listedit
from designer.tooling import PERMISSION, Working, save
from designer.toolweb import open_or_deny
from runtime import access
from runtime.definitions.checks.forms import form_fields
from runtime.definitions.spec import FieldSpec, FormSpec, ViewSpec
from runtime.i18n import Catalogue
from runtime.store import views as store_views
from runtime.store.designs import CopyConflict
from runtime.web import views as view_pages
from runtime.web.auth.audit import current_actor
from runtime.web.auth.guard import require
from runtime.web.database import db
from runtime.web.fieldtypes import field_types
from runtime.web.htmx import request
from runtime.web.lang import current_lang, text

bp = Blueprint("designer_views", __name__, url_prefix="/designer/views",
               template_folder="templates")
CASE_COLUMNS = ("status", "step", "department", "holder", "deadline", "rating",
                "submitted_at", "tracking_no")
CASE_FILTERS = ("status", "department", "submitted_at")
CASE_SORTS = ("submitted_at", "tracking_no")
FILTER_OPS = ("eq", "contains", "in", "range")
LAYOUTS = ("list", "board", "detail")
KEY = re.compile(r"^(field|case):([a-z][a-z0-9_]{0,63})$")
PREVIEW_ROWS = 20
TEXT = Catalogue({
    "title": ("视图设计：{id}", "View editor: {id}"),
    "columns": ("列", "Columns"), "add_column": ("添加列", "Add column"),
    "fields": ("表单字段", "Form fields"), "case_facts": ("办理情况", "Case facts"),
    "label_zh": ("列名（中文）", "Heading (Chinese)"), "label_en": ("列名（英文）",
                                                              "Heading (English)"),
    "mask": ("脱敏", "Masked"), "up": ("上移", "Up"), "down": ("下移", "Down"),
    "remove": ("删除", "Remove"),
    "move_up": ("上移“{name}”", "Move \u201c{name}\u201d up"),
    "move_down": ("下移“{name}”", "Move \u201c{name}\u201d down"),
    "remove_one": ("删除“{name}”", "Remove \u201c{name}\u201d"),
    "filters": ("筛选", "Filters"),
    "filters_help": ("选择可以按哪些字段筛选、怎样筛选；不选则不能筛选。",
                     "Choose which fields people may filter on, and how; none: no filter."),
    "not_filtered": ("不筛选", "not filterable"),
    "default": ("默认值", "Default"),
    "default_help": ("打开页面时预设的筛选值；多选其一用逗号分隔多个值，区间写“起,止”。"
                     "预览按默认值筛选。",
                     "Set when the page opens; for one of, values separated by commas; for a "
                     "range, \u201cfrom,to\u201d. The preview is filtered by the defaults."),
    "op_eq": ("等于", "equals"), "op_contains": ("包含", "contains"),
    "op_in": ("多选其一", "one of"), "op_range": ("区间", "range"),
    "sort": ("默认排序", "Default order"), "add_sort": ("添加排序", "Add order"),
    "asc": ("升序", "ascending"), "desc": ("降序", "descending"),
    "layout": ("布局", "Layout"), "form": ("数据表单", "Form shown"),
    "type_list": ("列表", "List"),
    "type_board": ("看板", "Board"), "type_detail": ("卡片", "Cards"),
    "group_by": ("看板分组字段", "Board grouped by"),
    "by_status": ("按办理状态", "By status"), "save": ("保存", "Save"),
    "problems": ("检查发现的问题", "Problems the checker found"),
    "clean": ("检查通过，没有问题", "Checked: no problems"),
    "preview": ("预览（真实数据，仅限你的数据范围，前 {n} 条）",
                "Preview (real data, within your data scope, first {n} rows)"),
    "no_scope": ("你的数据范围内没有可查看的申请，预览中没有数据。",
                 "Your data scope reaches no applications, so the preview has no rows."),
    "no_form": ("表单“{form}”尚未发布，无法预览。", "Form \u201c{form}\u201d is not "
                "published, so there is no preview."),
    "no_spec": ("定义有结构错误，修正后显示预览。",
                "The definition has schema errors: the preview shows once they are fixed."),
    "revision": ("工作副本修订 {n}，{who} 保存", "Working copy revision {n}, saved by {who}"),
    "yaml_error": ("YAML 有错误，请在 YAML 视图中修正后再用此编辑器",
                   "The YAML has an error: fix it in the YAML view to use this editor"),
    "bad_key": ("无法识别的列：{key}", "Not a column: {key}"),
})


def view_edit_text(key: str, /, **params: Any) -> str:
    return TEXT.format(key, current_lang(), **params)


bp.add_app_template_global(view_edit_text, "view_edit_text")


# --- what the editor offers ------------------------------------------------------------


def _fields(working: Working) -> list[FieldSpec]:
    """The form's fields that hold a value of the submission itself, in the form's order:
    those in sections and pages, not the columns inside a sub-table (a row's, not the
    submission's)."""
    form_id = (working.data or {}).get("form")
    if not isinstance(form_id, str):
        return []
    form = working.find("Form", form_id)
    names = form_fields(working.context, form_id) if isinstance(form, FormSpec) else None
    if not isinstance(form, FormSpec) or names is None:
        return []

    def walk(fields: tuple[FieldSpec, ...]) -> list[FieldSpec]:
        return [found for f in fields
                for found in ([f] if f.id in names else walk(f.fields))]

    return walk(form.fields)


def _choices(fields: list[FieldSpec]) -> list[FieldSpec]:
    """The fields a board may group by: those with options."""
    types = field_types()
    return [f for f in fields if (t := types.get(f.type)) is not None and t.choice]


def key_of(entry: dict[str, Any]) -> str:
    return f"field:{entry['field']}" if entry.get("field") else f"case:{entry.get('case')}"


def _entry(key: str) -> dict[str, str] | None:
    match = KEY.match(key)
    return {match.group(1): match.group(2)} if match else None


def name_of(fields: list[FieldSpec], key: str) -> str:
    """What a column, filter or order is called: the field's label, or the case fact's."""
    kind, _, name = key.partition(":")
    if kind == "case":
        return view_pages.view_text(f"c_{name}")
    spec = next((f for f in fields if f.id == name), None)
    return f"{text(spec.label)} ({name})" if spec is not None and spec.label else name


# --- pages -----------------------------------------------------------------------------


@bp.get("/<def_id>")
@require(PERMISSION)
def page(def_id: str) -> ResponseReturnValue:
    working = open_or_deny("View", def_id)
    if request.htmx:
        return _render(working)
    return _render(working, template="designer_tools/view.html")


@bp.post("/<def_id>")
@require(PERMISSION)
def edit(def_id: str) -> ResponseReturnValue:
    """The editor's form as submitted, with the operation its button names (save,
    add_column, up:N, down:N, del:N, add_sort, sort_del:N), written to the working copy."""
    working = open_or_deny("View", def_id)
    if working.data is None:
        return _render(working, status=422, error=view_edit_text("yaml_error"))
    form, op = request.form, request.form.get("op", "save")
    data = dict(working.data)
    columns = _posted_columns(listedit.entries(data, "columns"))
    if op == "add_column":
        entry = _entry(form.get("new_column", ""))
        if entry is None:
            return _render(working, status=422,
                           error=view_edit_text("bad_key", key=form.get("new_column", "")))
        columns.append(entry)
    data["columns"] = listedit.moved(columns, op) or columns
    _write(data, "filters", _posted_filters(working, listedit.entries(data, "filters")))
    _write(data, "sort", _posted_sort(listedit.entries(data, "sort"), op))
    _posted_layout(data)
    try:
        saved = save(db(), working, data, form.get("revision", type=int) or 0,
                     current_actor(), field_types())
    except CopyConflict as conflict:
        return _render(working, status=409, error=conflict.message(current_lang()))
    return _render(saved)


def _write(data: dict[str, Any], key: str, items: list[dict[str, Any]]) -> None:
    if items:
        data[key] = items
    else:
        data.pop(key, None)


def _posted_columns(columns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each column with the heading and masking typed in its row (a row not posted stays)."""
    form = request.form
    for i, column in enumerate(columns):
        if f"c{i}.zh" not in form:
            continue
        label = listedit.label_of(form.get(f"c{i}.zh", ""), form.get(f"c{i}.en", ""))
        column.pop("label", None)
        column.pop("mask", None)
        if label:
            column["label"] = label
        if form.get(f"c{i}.mask"):
            column["mask"] = True
    return columns


def _posted_filters(working: Working,
                    filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The filters as chosen per field (`filter.<key>`: an op, or none), those already there
    kept in their order and those newly chosen after them."""
    form = request.form
    if not form.get("filters_shown"):
        return filters
    kept = []
    for entry in filters:
        chosen = form.get(f"filter.{key_of(entry)}", entry.get("op"))
        if chosen in FILTER_OPS:
            kept.append(_with_default({**entry, "op": chosen}))
    had = {key_of(e) for e in filters}
    for key in filter_keys(_fields(working)):
        chosen = form.get(f"filter.{key}")
        if key not in had and chosen in FILTER_OPS and (new := _entry(key)) is not None:
            kept.append(_with_default({**new, "op": chosen}))
    return kept


def _with_default(entry: dict[str, Any]) -> dict[str, Any]:
    """The filter with the default typed beside it: one value, or for `in` and `range`
    values split at commas ("from,to" for a range; either end may be left empty)."""
    name = f"default.{key_of(entry)}"
    if name not in request.form:
        return entry
    typed = request.form[name].strip()
    entry.pop("default", None)
    if typed and entry["op"] in ("in", "range"):
        parts = [p.strip() for p in typed.split(",")]
        entry["default"] = [p for p in parts if p] if entry["op"] == "in" else parts
    elif typed:
        entry["default"] = typed
    return entry


def default_text(default: Any) -> str:
    """A filter's default as its input shows it."""
    if isinstance(default, list | tuple):
        return ",".join(str(v) for v in default)
    return "" if default is None else str(default)


def filter_keys(fields: list[FieldSpec]) -> list[str]:
    return [*(f"case:{c}" for c in CASE_FILTERS), *(f"field:{f.id}" for f in fields)]


def _posted_sort(orders: list[dict[str, Any]], op: str) -> list[dict[str, Any]]:
    form = request.form
    for i, order in enumerate(orders):
        entry = _entry(form.get(f"s{i}.key", ""))
        if entry is not None:
            order.clear()
            order.update(entry)
            order["order"] = "asc" if form.get(f"s{i}.order") == "asc" else "desc"
    if op == "add_sort" and (entry := _entry(form.get("new_sort", ""))) is not None:
        orders.append({**entry, "order": "desc"})
    return listedit.moved(orders, op, "sort_") or orders


def _posted_layout(data: dict[str, Any]) -> None:
    form = request.form
    if form.get("form"):
        data["form"] = form["form"]
    if form.get("type") in LAYOUTS:
        data["type"] = form["type"]
    if "group_by" in form:
        data.pop("group_by", None)
        if form["group_by"] and data.get("type") == "board":
            data["group_by"] = form["group_by"]


def _render(working: Working, *, status: int = 200, error: str | None = None,
            template: str = "designer_tools/_view_editor.html") -> ResponseReturnValue:
    data = working.data or {}
    problems = working.problems
    fields = _fields(working)
    placed = ("columns[", "filters[", "sort[", "group_by")
    return render_template(
        template, working=working, data=data, error=error,
        columns=listedit.entries(data, "columns"), orders=listedit.entries(data, "sort"),
        filters={key_of(f): f.get("op") for f in listedit.entries(data, "filters")},
        defaults={key_of(f): default_text(f.get("default"))
                  for f in listedit.entries(data, "filters")},
        fields=fields, choices=_choices(fields), case_columns=CASE_COLUMNS,
        case_sorts=CASE_SORTS, filter_keys=filter_keys(fields), filter_ops=FILTER_OPS,
        layouts=LAYOUTS, forms=working.ids("Form"), key_of=key_of,
        name_of=lambda k: name_of(fields, k),
        label_parts=listedit.label_parts, problems=problems,
        at_column=listedit.problems_at(problems, "columns"),
        at_filter=listedit.problems_at(problems, "filters"),
        at_sort=listedit.problems_at(problems, "sort"),
        at_group=[p for p in problems if p.path.startswith("group_by")],
        elsewhere=[p for p in problems if not p.path.startswith(placed)],
        preview=preview(working), preview_rows=PREVIEW_ROWS,
    ), status


# --- the preview -----------------------------------------------------------------------


def preview(working: Working) -> dict[str, Any]:
    """The working copy as /views/<id> would show it, on the first rows the designer's own
    data scope reaches: `message` when there is nothing to show, else `shown` with `lines`
    (a list or cards) or `board` (its columns)."""
    spec = working.checked.spec if working.checked is not None else None
    if not isinstance(spec, ViewSpec):
        return {"message": view_edit_text("no_spec")}
    shown = view_pages.shown_of(spec)
    if shown is None:
        return {"message": view_edit_text("no_form", form=spec.form)}
    seen = access.visibility(g.principal, "records.read")
    if seen.nothing:
        return {"message": view_edit_text("no_scope")}
    sort_field, descending = view_pages.default_sort(spec)
    clean = not any(p.path.startswith("filters[") for p in working.problems)
    defaults = MultiDict(view_pages.default_args(spec) if clean else [])
    query = store_views.Query(form_id=spec.form, search_fields=spec.search,
                              conditions=view_pages.conditions(spec, defaults),
                              sort_field=sort_field, descending=descending,
                              limit=PREVIEW_ROWS, rated=view_pages.rated(spec))
    found: dict[str, Any] = {"shown": shown, "view": spec,
                             "heading": lambda c: view_pages.heading(shown, c)}
    if spec.type == "board":
        found["board"] = view_pages.board_columns(shown, query, seen)
    else:
        found["lines"] = view_pages.lines_of(shown, store_views.page(db(), seen, query))
    return found

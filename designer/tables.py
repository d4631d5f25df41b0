"""The decision-table editor: the table as a grid of input columns (a test per cell: '-',
values, a range) and output columns under its hit policy; rows and columns added and removed;
overlapping rows, rows that never fire and uncovered inputs flagged by the core's analysis
(runtime.decisiongrid); the checker's own problems beside their rows; and a "test with input"
panel in which the runtime decides the table (runtime.decisions) and says which row fired and
why, cell by cell. Every edit writes the working copy's YAML.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import yaml
from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from designer.expressions import widget_args
from designer.tooling import PERMISSION, Working, save
from designer.toolweb import open_or_deny
from runtime.decisiongrid import (
    WILDCARD,
    CellError,
    Grid,
    GridRow,
    analyse,
    parse_cell,
    read_grid,
    trace,
)
from runtime.decisions import DecisionError, decide
from runtime.definitions.spec import DecisionTableSpec, FormSpec
from runtime.expressions import ExpressionError, compile_expression
from runtime.i18n import Catalogue
from runtime.store.designs import CopyConflict
from runtime.web.auth.audit import current_actor
from runtime.web.auth.guard import require
from runtime.web.database import db
from runtime.web.fieldtypes import field_types
from runtime.web.htmx import request
from runtime.web.lang import current_lang

bp = Blueprint("designer_tables", __name__, url_prefix="/designer/tables",
               template_folder="templates")
HIT_POLICIES = ("first", "unique", "collect")
OUTPUT_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
TEXT = Catalogue({
    "title": ("决策表设计：{id}", "Decision table editor: {id}"),
    "hit_policy": ("命中策略", "Hit policy"),
    "policy_first": ("first：按顺序取第一条命中的行", "first: the first row that matches"),
    "policy_unique": ("unique：只能有一行命中", "unique: exactly one row may match"),
    "policy_collect": ("collect：收集所有命中行的输出", "collect: the outputs of every match"),
    "form": ("数据来自表单", "Reads the form"),
    "inputs": ("输入", "Inputs"), "outputs": ("输出", "Outputs"), "note": ("说明", "Note"),
    "rest": ("其他条件", "Other condition"), "row": ("行", "Row"),
    "default": ("默认值（无行命中时）", "Default (when no row matches)"),
    "save": ("保存", "Save"), "add_row": ("添加行", "Add row"),
    "delete_row": ("删除第 {n} 行", "Delete row {n}"),
    "add_input": ("添加输入列", "Add input column"),
    "delete_input": ("删除输入列 {name}", "Delete input column {name}"),
    "add_output": ("添加输出列", "Add output column"),
    "delete_output": ("删除输出列 {name}", "Delete output column {name}"),
    "new_output": ("新输出标识", "New output id"),
    "cell_help": ("单元格写法：- 表示任意；'a', 'b' 表示取值之一；not 'a'；>= 18；< 60；"
                  "[18..60) 表示区间",
                  "Cells: - for any; 'a', 'b' for one of the values; not 'a'; >= 18; < 60; "
                  "[18..60) for a range"),
    "analysis": ("重叠与遗漏", "Overlaps and gaps"),
    "analysis_clean": ("没有发现重叠或遗漏", "No overlap or gap found"),
    "problems": ("检查发现的问题", "Problems the checker found"),
    "test": ("用输入测试", "Test with input"), "run": ("测试", "Test"),
    "fired": ("命中", "fired"), "held": ("成立", "holds"), "failed": ("不成立", "fails"),
    "result": ("结果", "Result"), "why": ("原因", "Why"),
    "not_decided": ("无法决策：{reason}", "Cannot decide: {reason}"),
    "not_checked": ("定义有结构错误，修正后才能测试", "The definition has schema errors: fix them "
                    "to test"),
    "bad_output": ("输出标识须以小写字母开头，只含小写字母、数字和下划线，且不能重复",
                   "An output id starts with a lower-case letter, holds only a-z, 0-9 and _, "
                   "and is not taken"),
    "revision": ("工作副本修订 {n}，{who} 保存", "Working copy revision {n}, saved by {who}"),
    "yaml_error": ("YAML 有错误，请在 YAML 视图中修正后再用此编辑器",
                   "The YAML has an error: fix it in the YAML view to use this editor"),
    "any": ("任意", "any"),
})


def table_text(key: str, /, **params: Any) -> str:
    return TEXT.format(key, current_lang(), **params)


bp.add_app_template_global(table_text, "table_text")


def _open(def_id: str) -> Working:
    return open_or_deny("DecisionTable", def_id)


def grid_of(working: Working) -> Grid:
    rows = (working.data or {}).get("rows")
    return read_grid([r for r in rows if isinstance(r, Mapping)] if isinstance(rows, list)
                     else [])


def outputs_of(working: Working) -> list[dict[str, Any]]:
    outputs = (working.data or {}).get("outputs")
    return [o for o in outputs if isinstance(o, dict) and isinstance(o.get("id"), str)] \
        if isinstance(outputs, list) else []


def domains(working: Working) -> dict[str, list[Any]]:
    """The closed sets of values of the form's yes/no and fixed-choice fields."""
    form = working.find("Form", working.form_id())
    if not isinstance(form, FormSpec):
        return {}
    found: dict[str, list[Any]] = {}
    for spec in form.all_fields():
        if spec.options and not spec.options_from:
            found[spec.id] = [o.value for o in spec.options]
        elif (working.names() or {}).get(spec.id) == "boolean":
            found[spec.id] = [True, False]
    return found


def _render(working: Working, *, grid: Grid | None = None, inputs: list[str] | None = None,
            status: int = 200, error: str | None = None, test: Any = None,
            template: str = "designer_tools/_table_editor.html") -> ResponseReturnValue:
    grid = grid or grid_of(working)
    shown = [*grid.inputs, *(n for n in inputs or () if n not in grid.inputs)]
    data = working.data or {}
    findings = analyse(grid, str(data.get("hit_policy", "first")), bool(data.get("default")),
                       domains(working))
    names = working.names() or {}
    return render_template(
        template, working=working, grid=grid, inputs=shown, outputs=outputs_of(working),
        findings=findings, problems=working.problems, error=error, test=test,
        fields=sorted(n for n in names if n not in ("decisions", "rules")),
        test_fields=_test_fields(working, grid, shown), hit_policies=HIT_POLICIES,
        default=data.get("default") or {}, widget_args=widget_args, wildcard=WILDCARD,
        row_problems=_row_problems(working), value_text=value_text,
    ), status


def _row_problems(working: Working) -> dict[int, list[Any]]:
    found: dict[int, list[Any]] = {}
    for p in working.problems:
        match = re.match(r"^rows\[(\d+)\]", p.path)
        if match:
            found.setdefault(int(match.group(1)), []).append(p)
    return found


def _test_fields(working: Working, grid: Grid, inputs: list[str]) -> list[str]:
    """The inputs a test needs: the columns, and the fields the other conditions read."""
    names = working.names() or {}
    read = list(inputs)
    for row in grid.rows:
        if row.rest:
            try:
                read += sorted(n for n in compile_expression(row.rest).names
                               if n in names and n not in read)
            except ExpressionError:
                continue
    return read


@bp.get("/<def_id>")
@require(PERMISSION)
def page(def_id: str) -> ResponseReturnValue:
    working = _open(def_id)
    if request.htmx:
        return _render(working)
    return _render(working, template="designer_tools/table.html")


@bp.post("/<def_id>")
@require(PERMISSION)
def edit(def_id: str) -> ResponseReturnValue:
    """The grid as submitted, with the operation its button names (save, add_row, del_row:N,
    add_input, del_input:NAME, add_output, del_output:ID), written to the working copy."""
    working = _open(def_id)
    if working.data is None:
        return _render(working, status=422, error=table_text("yaml_error"))
    form = request.form
    op = form.get("op", "save")
    inputs = [n for n in form.getlist("inputs") if n]
    outputs = [o["id"] for o in outputs_of(working)]
    try:
        rows = _read_rows(form, inputs, outputs)
    except CellError as error:
        return _render(working, inputs=inputs, status=422, error=error.message(current_lang()))
    data = dict(working.data)
    if op == "add_row":
        rows.append(GridRow({}, None, {}))
    elif op.startswith("del_row:") and op[8:].isdigit() and int(op[8:]) < len(rows):
        del rows[int(op[8:])]
    elif op == "add_input" and form.get("new_input") and form["new_input"] not in inputs:
        inputs.append(form["new_input"])
    elif op.startswith("del_input:"):
        inputs = [n for n in inputs if n != op[10:]]
        rows = [GridRow({k: c for k, c in r.cells.items() if k != op[10:]}, r.rest, r.then,
                        r.note) for r in rows]
    elif op == "add_output":
        new = form.get("new_output", "").strip()
        if not OUTPUT_ID.match(new) or new in outputs:
            return _render(working, inputs=inputs, status=422, error=table_text("bad_output"))
        data["outputs"] = [*outputs_of(working), {"id": new}]
    elif op.startswith("del_output:"):
        gone = op[11:]
        data["outputs"] = [o for o in outputs_of(working) if o["id"] != gone]
        rows = [GridRow(r.cells, r.rest, {k: v for k, v in r.then.items() if k != gone},
                        r.note) for r in rows]
        outputs = [o for o in outputs if o != gone]
    if form.get("hit_policy") in HIT_POLICIES:
        data["hit_policy"] = form["hit_policy"]
    default = {o: v for o in outputs if (v := _value(form.get(f"d.{o}", ""))) is not None}
    data.pop("default", None)
    if default:
        data["default"] = default
    data["rows"] = [_row_data(r, inputs) for r in rows]
    try:
        saved = save(db(), working, data, form.get("revision", type=int) or 0, current_actor(),
                     field_types())
    except CopyConflict as conflict:
        return _render(working, inputs=inputs, status=409,
                       error=conflict.message(current_lang()))
    return _render(saved, inputs=inputs)


def _read_rows(form: Any, inputs: list[str], outputs: list[str]) -> list[GridRow]:
    rows = []
    for r in range(form.get("row_count", type=int) or 0):
        cells = {n: c for n in inputs if not (c := parse_cell(form.get(f"c{r}.{n}", ""))).wildcard}
        then = {o: v for o in outputs if (v := _value(form.get(f"o{r}.{o}", ""))) is not None}
        note = form.get(f"n{r}", "").strip() or None
        rows.append(GridRow(cells, form.get(f"rest{r}", "").strip() or None, then, note))
    return rows


def _row_data(row: GridRow, inputs: list[str]) -> dict[str, Any]:
    data: dict[str, Any] = {"when": row.when(inputs), "then": dict(row.then)}
    if row.note:
        data["note"] = row.note
    return data


def _value(text: str) -> Any:
    """An output value as typed: a number, true/false, or text (quotes make a number text)."""
    text = text.strip()
    if not text:
        return None
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return value if isinstance(value, (str, int, float, bool)) else text


def value_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and _value(value) != value:
        return f"'{value}'"
    return str(value)


@bp.post("/<def_id>/test")
@require(PERMISSION)
def test(def_id: str) -> ResponseReturnValue:
    """Decide the working copy's table on the input given, the way the runtime does."""
    working = _open(def_id)
    spec = working.checked.spec if working.checked else None
    grid = grid_of(working)
    names = working.names() or {}
    data = {n: typed_input(request.form.get(f"t.{n}", ""), names.get(n, "any"))
            for n in _test_fields(working, grid, list(grid.inputs))}
    result: dict[str, Any] = {"data": data, "traces": trace(grid, data)}
    if not isinstance(spec, DecisionTableSpec):
        result["error"] = table_text("not_checked")
    else:
        try:
            decision = decide(spec, data)
            result["decision"] = decision
            result["explain"] = decision.explain(current_lang())
        except DecisionError as error:
            result["error"] = table_text("not_decided", reason=error.message(current_lang()))
    return render_template("designer_tools/_table_test.html", working=working, grid=grid,
                           test=result, test_fields=list(data), value_text=value_text)


def typed_input(text: str, kind: str) -> Any:
    """A test input as the form would hold it: by the field's value type."""
    text = text.strip()
    if not text:
        return None
    if kind == "number":
        try:
            return int(text) if re.fullmatch(r"-?\d+", text) else float(text)
        except ValueError:
            return text
    if kind == "boolean":
        return text.lower() in ("true", "1", "yes", "是")
    return text

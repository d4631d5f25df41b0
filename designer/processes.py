"""The process editor: steps added from the pack's task templates; each step's properties
(dependencies, join, condition, routes, per-item handling, assignees and signing mode, returns)
in a panel generated from the Process kind's JSON Schema; the diagram laid out by dependency
depth and drawn on the server as SVG, with the checker's problems and the graph's own (cycles,
steps that never start, unbounded loops) marked on it. Every edit writes the working copy's
YAML and redraws.

Deadlines and warnings belong to the task template a step uses (its coordination): the panel
shows the template's, and the template editor changes them.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, abort, render_template
from flask.typing import ResponseReturnValue

from designer.expressions import widget_args
from designer.formedit import EditError
from designer.schemaform import Prop, panel, read
from designer.tooling import PERMISSION, Working, save
from designer.toolweb import open_or_deny
from runtime.definitions.kinds import builtin_kinds
from runtime.definitions.spec import TaskTemplateSpec
from runtime.flows.diagram import BOX_HEIGHT, BOX_WIDTH, Diagram, draw
from runtime.flows.errors import limit_words
from runtime.i18n import Catalogue
from runtime.store.designs import CopyConflict
from runtime.web.auth.audit import current_actor
from runtime.web.auth.guard import require
from runtime.web.database import db
from runtime.web.fieldtypes import field_types
from runtime.web.htmx import request
from runtime.web.lang import current_lang

bp = Blueprint("designer_processes", __name__, url_prefix="/designer/processes",
               template_folder="templates")
STEP_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
ID_FIELDS = {"task": "task", "to": "step", "after": "steps", "can_return_to": "steps"}
# What the process panel sets; everything else at the top level is edited in the YAML view.
PROCESS_KEYS = ("title", "start_form")
TEXT = Catalogue({
    "title": ("流程设计：{id}", "Process editor: {id}"),
    "diagram": ("流程图", "Diagram"),
    "steps": ("步骤", "Steps"),
    "add": ("添加步骤", "Add a step"),
    "template": ("任务模板", "Task template"),
    "step_id": ("步骤标识", "Step id"),
    "after": ("接在哪个步骤之后", "After step"),
    "none": ("（无，立即开始）", "(none: starts at once)"),
    "save": ("保存步骤", "Save step"),
    "delete": ("删除步骤", "Delete step"),
    "edit": ("编辑", "Edit"),
    "problems": ("检查发现的问题", "Problems the checker found"),
    "clean": ("检查通过，没有问题", "The checker found no problem"),
    "revision": ("工作副本修订 {n}，{who} 保存", "Working copy revision {n}, saved by {who}"),
    "bad_id": ("步骤标识须以小写字母开头，只含小写字母、数字和下划线，且不能重复",
               "A step id starts with a lower-case letter, holds only a-z, 0-9 and _, "
               "and is not taken"),
    "no_template": ("请选择一个任务模板", "Choose a task template"),
    "deadline": ("办理时限（来自任务模板）：{value}；用去 {yellow}% 时黄色预警",
                 "Deadline (from the task template): {value}; yellow warning at {yellow}% of "
                 "it"),
    "box_deadline": ("时限 {value}", "Limit: {value}"),  # no clock glyph: CJK fonts lack it
    "no_deadline": ("任务模板未设办理时限", "The task template sets no deadline"),
    "yaml_error": ("YAML 有错误，请在 YAML 视图中修正后再用此编辑器",
                   "The YAML has an error: fix it in the YAML view to use this editor"),
    "process": ("流程属性", "Process properties"),
    "save_process": ("保存流程属性", "Save process properties"),
    "legend": ("实线：依赖；虚线：路由（退回重办）；点线：可退回", "Solid: depends on; dashed: "
               "route back; dotted: may return to"),
})


def process_text(key: str, /, **params: Any) -> str:
    return TEXT.format(key, current_lang(), **params)


bp.add_app_template_global(process_text, "process_text")


@bp.app_template_global()
def expression_path(name: str) -> str:
    """Where in the process an input of the step panel writes: `s2.routes.0.when` is
    `steps[2].routes[0].when`, the path the checker names."""
    parts = name.split(".")
    path = f"steps[{parts[0][1:]}]"
    for part in parts[1:]:
        path += f"[{part}]" if part.isdigit() else f".{part}"
    return path


def _open(def_id: str) -> Working:
    return open_or_deny("Process", def_id)


def step_schema() -> dict[str, Any]:
    schema = builtin_kinds()["Process"].schema
    return dict(schema["properties"]["steps"]["items"])


def diagram_of(working: Working) -> Diagram:
    steps = (working.data or {}).get("steps")
    problems = [(p.path, p.zh, p.en) for p in working.problems]
    return draw(steps if isinstance(steps, list) else [], problems)


def _steps(working: Working) -> list[dict[str, Any]]:
    steps = (working.data or {}).get("steps")
    return [s for s in steps if isinstance(s, dict)] if isinstance(steps, list) else []


def step_panel(working: Working, index: int) -> list[Prop]:
    steps = _steps(working)
    return panel(step_schema(), steps[index], f"s{index}.", ID_FIELDS) if index < len(
        steps) else []


def process_panel(working: Working) -> list[Prop]:
    """The process's own properties (its name, the form that starts it) from the schema."""
    schema = builtin_kinds()["Process"].schema
    own = {"properties": {k: schema["properties"][k] for k in PROCESS_KEYS},
           "required": [k for k in PROCESS_KEYS if k in schema.get("required", ())]}
    return panel(own, working.data or {}, "process.", {"start_form": "form"})


def _render(working: Working, selected: int | None, *, status: int = 200,
            error: str | None = None,
            template: str = "designer_tools/_process_editor.html") -> ResponseReturnValue:
    steps = _steps(working)
    if selected is not None and selected >= len(steps):
        selected = None
    return render_template(
        template, working=working, diagram=diagram_of(working),
        steps=steps, selected=selected, error=error, box_w=BOX_WIDTH, box_h=BOX_HEIGHT,
        props=step_panel(working, selected) if selected is not None else [],
        process_props=process_panel(working),
        templates=_templates(working), widget_args=widget_args,
        deadline=_deadline(working, steps[selected] if selected is not None else None),
        deadlines=_deadlines(working, steps),
    ), status


def _templates(working: Working) -> list[tuple[str, Any]]:
    return [(t, getattr(working.find("TaskTemplate", t), "title", t))
            for t in working.ids("TaskTemplate")]


def _deadline(working: Working, step: dict[str, Any] | None) -> str | None:
    """The deadline and warning of the step's task template, in words, for its panel."""
    template = _template(working, step or {})
    if template is None:
        return None
    return process_text("deadline", value=_limit(template),
                        yellow=round(template.coordination.warning.yellow_at * 100))


def _deadlines(working: Working, steps: list[dict[str, Any]]) -> dict[str, str]:
    """The deadline of each step that has one, in words, for its box on the diagram."""
    found = {}
    for step in steps:
        template = _template(working, step)
        if template is not None:
            found[str(step.get("id"))] = _limit(template)
    return found


def _template(working: Working, step: dict[str, Any]) -> TaskTemplateSpec | None:
    """The step's task template, when it sets a deadline."""
    template = working.find("TaskTemplate", step.get("task"))
    if not isinstance(template, TaskTemplateSpec) or template.coordination.deadline is None:
        return None
    return template


def _limit(template: TaskTemplateSpec) -> str:
    deadline = template.coordination.deadline
    assert deadline is not None  # _template keeps only templates with one
    words = [limit_words(unit, amount) for unit, amount in deadline.units]
    return "，".join(zh for zh, _ in words) if current_lang() != "en" else \
        ", ".join(en for _, en in words)


@bp.get("/<def_id>")
@require(PERMISSION)
def page(def_id: str) -> ResponseReturnValue:
    working = _open(def_id)
    selected = request.args.get("step", type=int)
    if request.htmx:
        return _render(working, selected)
    return _render(working, selected, template="designer_tools/process.html")


def _save(working: Working, data: dict[str, Any], selected: int | None) -> ResponseReturnValue:
    try:
        saved = save(db(), working, data, request.form.get("revision", type=int) or 0,
                     current_actor(), field_types())
    except CopyConflict as conflict:
        return _render(working, selected, status=409, error=conflict.message(current_lang()))
    return _render(saved, selected)


@bp.post("/<def_id>/process")
@require(PERMISSION)
def update_process(def_id: str) -> ResponseReturnValue:
    """The process panel as submitted: its name and start form set, or dropped when empty."""
    working = _open(def_id)
    if working.data is None:
        return _render(working, None, status=422, error=process_text("yaml_error"))
    value = read(process_panel(working), request.form)
    kept = {k: v for k, v in working.data.items() if k not in PROCESS_KEYS}
    return _save(working, {**kept, **value}, request.form.get("step", type=int))


@bp.post("/<def_id>/steps")
@require(PERMISSION)
def add_step(def_id: str) -> ResponseReturnValue:
    """A new step using a task template, after the step chosen (if any)."""
    working = _open(def_id)
    if working.data is None:
        return _render(working, None, status=422, error=process_text("yaml_error"))
    steps = _steps(working)
    step_id, task = request.form.get("id", "").strip(), request.form.get("task", "")
    if task not in working.ids("TaskTemplate"):
        return _render(working, None, status=422, error=process_text("no_template"))
    if not STEP_ID.match(step_id) or step_id in {s.get("id") for s in steps}:
        return _render(working, None, status=422, error=process_text("bad_id"))
    step: dict[str, Any] = {"id": step_id, "task": task}
    after = request.form.get("after", "")
    if after:
        step["after"] = [after]
    data = {**working.data, "steps": [*steps, step]}
    return _save(working, data, len(steps))


@bp.post("/<def_id>/steps/<int:index>")
@require(PERMISSION)
def update_step(def_id: str, index: int) -> ResponseReturnValue:
    """The step's panel as submitted, read back through the schema."""
    working = _open(def_id)
    steps = _steps(working)
    if working.data is None or index >= len(steps):
        abort(404)
    try:
        value = read(step_panel(working, index), request.form)
    except EditError as error:
        return _render(working, index, status=422, error=error.message(current_lang()))
    if not STEP_ID.match(str(value.get("id", ""))) or value["id"] in {
            s.get("id") for i, s in enumerate(steps) if i != index}:
        return _render(working, index, status=422, error=process_text("bad_id"))
    old_id = steps[index].get("id")
    changed = [value if i == index else _renamed(s, old_id, value["id"])
               for i, s in enumerate(steps)]
    return _save(working, {**working.data, "steps": changed}, index)


@bp.post("/<def_id>/steps/<int:index>/delete")
@require(PERMISSION)
def delete_step(def_id: str, index: int) -> ResponseReturnValue:
    """The step goes; the checker then marks whatever still waits on it."""
    working = _open(def_id)
    steps = _steps(working)
    if working.data is None or index >= len(steps):
        abort(404)
    kept = [s for i, s in enumerate(steps) if i != index]
    return _save(working, {**working.data, "steps": kept}, None)


def _renamed(step: dict[str, Any], old: Any, new: str) -> dict[str, Any]:
    """A step with references to a renamed step following the new name."""
    if old == new:
        return step
    step = dict(step)
    for key in ("after", "can_return_to"):
        if isinstance(step.get(key), list):
            step[key] = [new if s == old else s for s in step[key]]
    if isinstance(step.get("routes"), list):
        step["routes"] = [{**r, "to": new} if isinstance(r, dict) and r.get("to") == old else r
                          for r in step["routes"]]
    return step

"""The designer's pages: the apps a person may design, the YAML editor every kind has, and
the form designer (palette, canvas, properties, preview with a "try it" panel). Every change
is a save of the working copy (runtime.store.designs) on the revision the page was showing,
so two people editing never lose an edit; every save is checked with the runtime's checker
and every problem shown at its place; publishing goes through the runtime's publish API.
"""

from __future__ import annotations

import copy as copying
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import yaml
from flask import Blueprint, Response, abort, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from designer import editors, formedit, schemaform
from designer.expressions import widget_args
from designer.workspace import (
    PERMISSION,
    CopyCheck,
    Refused,
    check_copy,
    may_design,
    pack_of,
    pack_spec,
    packs_of,
    publish_copy,
    save_data,
)
from runtime.definitions.checker import Extensions
from runtime.definitions.compat import Report
from runtime.definitions.kinds import builtin_kinds
from runtime.definitions.loader import load_text
from runtime.definitions.problems import DefinitionError, Problem
from runtime.definitions.spec import FormSpec
from runtime.definitions.versions import compare_versions
from runtime.forms.state import form_state
from runtime.i18n import Catalogue
from runtime.lifecycle import compatibility_with_published, export_files
from runtime.store import audit, designs
from runtime.store.designs import Copy, CopyConflict, CopyMissing, NothingToMove
from runtime.store.models import Definition
from runtime.store.queries import latest_definition
from runtime.web.auth.audit import current_actor
from runtime.web.auth.guard import deny, require
from runtime.web.database import db
from runtime.web.fieldtypes import field_types
from runtime.web.formdata import posted_data
from runtime.web.formpage import catalogs_for, tables_for
from runtime.web.formviews import Views, plans
from runtime.web.htmx import request
from runtime.web.lang import current_lang, lang_url, text
from templates_lib import TASK_TEMPLATES

bp = Blueprint("designer", __name__, url_prefix="/designer", template_folder="templates",
               static_folder="static", static_url_path="/static")
ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
# The field properties people set most, shown first in this order; the rest fold under "more".
FIELD_FIRST = ("label", "help", "required", "default", "options", "options_from",
               "visible_when", "required_when", "readonly_when", "compute", "validations",
               "placeholder", "text", "id")
KINDS = ("Form", "Process", "RuleSet", "DecisionTable", "TaskTemplate", "Catalog", "View",
         "Dashboard")
NEW_KINDS = ("Form", "Process")  # what the list's "new" forms make; the editors do the rest

TEXT = Catalogue({
    "title": ("应用设计", "App designer"),
    "intro": ("选择要设计的应用定义。修改保存在工作副本中，发布后才对办事人员和群众生效。",
              "Choose a definition to design. Changes are kept in a working copy and take "
              "effect only once published."),
    "no_packs": ("你没有可以设计的场景包。", "There is no pack you may design."),
    "kind": ("种类", "Kind"), "id": ("标识", "Id"), "name": ("名称", "Name"),
    "published": ("已发布版本", "Published"), "copy": ("工作副本", "Working copy"),
    "none": ("—", "—"), "edit": ("设计", "Design"), "edit_yaml": ("YAML", "YAML"),
    "copy_state": ("修订 {revision}，{who} 保存", "revision {revision}, saved by {who}"),
    "new.Form": ("新建表单", "New form"), "new_id.Form": ("表单标识", "Form id"),
    "new_title.Form": ("表单名称", "Form title"),
    "new.Process": ("新建流程", "New process"), "new_id.Process": ("流程标识", "Process id"),
    "new_title.Process": ("流程名称", "Process title"),
    "create": ("新建", "Create"), "bad_id": ("标识只能用小写字母、数字和下划线，以字母开头",
                                           "an id is lower-case letters, digits and _, "
                                           "starting with a letter"),
    "save": ("保存", "Save"), "undo": ("撤销", "Undo"), "redo": ("重做", "Redo"),
    "publish": ("发布", "Publish"), "discard": ("放弃工作副本", "Discard the working copy"),
    "revision": ("修订 {revision} · {who} 于 {when} 保存",
                 "revision {revision} · saved by {who} at {when}"),
    "base": ("基于已发布的第 {version} 版", "based on published version {version}"),
    "new_def": ("尚未发布", "not published yet"),
    "problems": ("发现 {n} 个问题", "{n} problem(s) found"),
    "clean": ("检查通过，没有问题", "Checked: no problems"),
    "elsewhere": ("场景包中其他文件的问题", "Problems in the pack's other files"),
    "line": ("第 {line} 行", "line {line}"),
    "refused": ("未发布：请先解决以下全部问题", "Not published: fix every problem below first"),
    "done": ("已发布第 {version} 版", "Version {version} published"),
    "open_public": ("打开表单", "Open the form"),
    "conflict_reload": ("载入最新版本", "Load the newest version"),
    "your_text": ("你的修改（未保存）", "Your change (not saved)"),
    "palette": ("字段类型", "Field types"), "blocks": ("模板库区块", "Template blocks"),
    "add": ("添加", "Add"), "add_type": ("添加“{name}”", "Add \u201c{name}\u201d"),
    "canvas": ("表单画布", "Form canvas"), "empty_canvas": (
        "把左侧的字段类型拖到这里，或用“添加”按钮。", "Drag a field type here, or use Add."),
    "up": ("上移", "Up"), "down": ("下移", "Down"),
    "into": ("移入上方分组", "Into the group above"),
    "out": ("移出分组", "Out of the group"), "duplicate": ("复制", "Duplicate"),
    "delete": ("删除", "Delete"), "select": ("属性", "Properties"),
    "props": ("字段属性", "Field properties"), "no_selection": (
        "选择画布上的一个字段，在这里修改它的属性。", "Select a field on the canvas to change it."),
    "more": ("更多属性", "More properties"), "apply": ("应用", "Apply"),
    "field_type": ("类型", "Type"), "zh": ("中文", "Chinese"), "en": ("英文", "English"),
    "preview": ("预览", "Preview"), "no_preview": ("解决问题后显示预览。",
                                                 "The preview shows once the problems are fixed."),
    "try": ("试填：字段状态", "Try it: field states"), "path": ("字段", "Field"),
    "visible": ("显示", "Visible"), "required": ("必填", "Required"),
    "readonly": ("只读", "Read-only"), "value": ("值", "Value"),
    "yes": ("是", "yes"), "no": ("否", "no"), "yaml": ("YAML 视图", "YAML view"),
    "yaml_error": ("YAML 有错误，画布暂不能显示：请在 YAML 视图中修改。",
                   "The YAML has an error, so the canvas cannot show it: fix it in the YAML view."),
    "failures": ("无法计算的规则", "Rules that could not be evaluated"),
    "compat": ("发布前的兼容性检查（对比已发布的第 {version} 版）",
               "Compatibility before publishing (against published version {version})"),
    "compat_none": ("与已发布版本相比，没有影响已有数据的改动。",
                    "No change that affects existing data, compared with the published version."),
    "breaking": ("不兼容", "Breaking"), "warning": ("注意", "Warning"), "info": ("说明", "Info"),
    "versions": ("版本", "Versions"),
    "versions_title": ("{kind} {id} 的已发布版本", "Published versions of {kind} {id}"),
    "version": ("版本", "Version"), "who": ("发布人", "Published by"),
    "when": ("发布时间", "Published at"), "pack_version": ("场景包版本", "Pack version"),
    "compare": ("对比", "Compare"), "old": ("旧版本", "Older"), "new_side": ("新版本", "Newer"),
    "same": ("两个版本内容相同。", "The two versions are the same."),
    "restore": ("恢复为工作副本", "Restore as working copy"),
    "no_versions": ("尚未发布任何版本。", "No version has been published yet."),
    "export": ("导出场景包（zip）", "Export pack (zip)"),
})
# Palette groups by their code; a group an extension adds shows as its code.
GROUPS = Catalogue({
    "basic": ("基础字段", "Basic"), "dates": ("日期时间", "Dates and times"),
    "choices": ("选择", "Choices"), "uploads": ("上传", "Uploads"), "layout": ("布局", "Layout"),
    "references": ("人员与部门", "People and records"), "china": ("中国常用", "China"),
})


def group_name(code: str) -> str:
    return GROUPS.format(code, current_lang()) if code in GROUPS else code


bp.add_app_template_global(group_name, "designer_group")


def dt(key: str, /, **params: Any) -> str:
    return TEXT.format(key, current_lang(), **params)


bp.add_app_template_global(dt, "designer_text")


# --- the list of apps --------------------------------------------------------------------


@bp.get("/")
@require(PERMISSION)
def index() -> ResponseReturnValue:
    return render_template("designer/index.html", packs=packs_of(db(), g.principal),
                           editor_for=editors.editor_for, new_kinds=NEW_KINDS, error=None)


@bp.post("/new")
@require(PERMISSION)
def new() -> ResponseReturnValue:
    pack_id, def_id = request.form.get("pack", ""), request.form.get("id", "").strip()
    kind = request.form.get("kind", "Form")
    if kind not in KINDS:
        abort(400)
    if not may_design(g.principal, pack_spec(db(), pack_id)):
        deny(PERMISSION)
    if not ID.match(def_id):
        return render_template("designer/index.html", packs=packs_of(db(), g.principal),
                               editor_for=editors.editor_for, new_kinds=NEW_KINDS,
                               error=dt("bad_id")), 422
    if latest_definition(db(), kind, def_id) is None and \
            designs.get_copy(db(), kind, def_id) is None:
        copy = designs.open_copy(db(), kind, def_id, current_actor(), pack_id=pack_id)
        title = request.form.get("title", "").strip()
        if title:  # the skeleton's title is its id until the person names it
            named = {**load_text("new.yaml", copy.text).data, "title": {"zh": title[:200]}}
            save_data(db(), kind, def_id, named, copy.revision, current_actor())
    return redirect(_editor_url(kind, def_id), code=303)


def _editor_url(kind: str, def_id: str) -> str:
    endpoint = editors.editor_for(kind)
    return lang_url(endpoint, def_id=def_id) if endpoint != editors.YAML_EDITOR else \
        lang_url(endpoint, kind=kind, def_id=def_id)


def _guard(kind: str, def_id: str) -> None:
    """A 404 unless the definition exists (published or as a copy) in a pack the person may
    design."""
    if kind not in builtin_kinds():
        abort(404)
    pack_id = pack_of(db(), kind, def_id)
    if pack_id is None:
        abort(404)
    if not may_design(g.principal, pack_spec(db(), pack_id)):
        deny(PERMISSION)


def _extensions() -> Extensions:
    return Extensions(builtin_kinds(), field_types())


def _open(kind: str, def_id: str) -> Copy:
    _guard(kind, def_id)
    return designs.open_copy(db(), kind, def_id, current_actor())


def _compat(copy: Copy, data: dict[str, Any] | None) -> Report | None:
    """The compatibility report of the copy's `data` over the newest published version (None
    when nothing is published yet or the copy's YAML does not read as a mapping)."""
    if data is None:
        return None
    return compatibility_with_published(db(), copy.kind, copy.def_id, data)


def _revision() -> int:
    try:
        return int(request.form.get("revision", ""))
    except ValueError:
        abort(400)


# --- the YAML editor (every kind) --------------------------------------------------------


@bp.get("/<kind>/<def_id>")
@require(PERMISSION)
def edit(kind: str, def_id: str) -> ResponseReturnValue:
    copy = _open(kind, def_id)
    return _yaml_page(copy, check_copy(db(), copy, _extensions()))


def _yaml_page(copy: Copy, check: CopyCheck, *, status: int = 200, notice: str | None = None,
               conflict: CopyConflict | None = None, mine: str | None = None,
               refused: list[Problem] | None = None) -> ResponseReturnValue:
    context = {"copy": copy, "check": check, "notice": notice, "conflict": conflict,
               "mine": mine, "refused": refused, "editor_for": editors.editor_for,
               "compat": _compat(copy, _data(copy, check))}
    template = "designer/_yaml_editor.html" if request.htmx else "designer/edit.html"
    return render_template(template, **context), status


@bp.post("/<kind>/<def_id>/save")
@require(PERMISSION)
def save(kind: str, def_id: str) -> ResponseReturnValue:
    _guard(kind, def_id)
    text_ = request.form.get("text", "").replace("\r\n", "\n")
    try:
        copy = designs.save_copy(db(), kind, def_id, text_, _revision(), current_actor())
    except CopyConflict as conflict:
        return _answer(kind, conflict.current, status=409, conflict=conflict, mine=text_)
    except CopyMissing:
        abort(404)
    return _answer(kind, copy)


@bp.post("/<kind>/<def_id>/<move>")
@require(PERMISSION)
def history(kind: str, def_id: str, move: str) -> ResponseReturnValue:
    """Undo, redo or discard."""
    _guard(kind, def_id)
    if move not in ("undo", "redo", "discard"):
        abort(404)
    if move == "discard":
        designs.discard_copy(db(), kind, def_id, current_actor())
        if latest_definition(db(), kind, def_id) is None:
            return redirect(lang_url("designer.index"), code=303)
        return _answer(kind, designs.open_copy(db(), kind, def_id, current_actor()))
    step = designs.undo if move == "undo" else designs.redo
    try:
        copy = step(db(), kind, def_id, current_actor(), revision=_revision())
    except CopyConflict as conflict:
        return _answer(kind, conflict.current, status=409, conflict=conflict)
    except NothingToMove as nothing:
        current = designs.get_copy(db(), kind, def_id)
        assert current is not None
        return _answer(kind, current, status=409,
                       notice=nothing.message_en if current_lang() == "en" else
                       nothing.message_zh)
    return _answer(kind, copy)


@bp.post("/<kind>/<def_id>/publish")
@require(PERMISSION)
def publish(kind: str, def_id: str) -> ResponseReturnValue:
    _guard(kind, def_id)
    try:
        done = publish_copy(db(), kind, def_id, _revision(), _extensions(), current_actor())
    except CopyConflict as conflict:
        return _answer(kind, conflict.current, status=409, conflict=conflict)
    except CopyMissing:
        abort(404)
    except Refused as refused:
        current = designs.get_copy(db(), kind, def_id) or refused.copy
        return _answer(kind, current, status=422, refused=refused.problems)
    copy = designs.open_copy(db(), kind, def_id, current_actor())
    return _answer(kind, copy, notice=dt("done", version=done.version), published=True)


def _answer(kind: str, copy: Copy, *, status: int = 200, notice: str | None = None,
            conflict: CopyConflict | None = None, mine: str | None = None,
            refused: list[Problem] | None = None, published: bool = False
            ) -> ResponseReturnValue:
    """The page (or fragment) of the editor the request came from."""
    check = check_copy(db(), copy, _extensions())
    if request.form.get("editor") == "form" and kind == "Form":
        return _workspace(copy, check, status=status, notice=notice, conflict=conflict,
                          refused=refused, published=published,
                          selected=request.form.get("selected") or None)
    if conflict is not None and not notice:
        notice = conflict.message(current_lang())
    return _yaml_page(copy, check, status=status, notice=notice, conflict=conflict, mine=mine,
                      refused=refused)


@bp.get("/packs/<pack_id>/export.zip")
@require(PERMISSION)
def export_pack(pack_id: str) -> ResponseReturnValue:
    """The pack's published definitions as the zip `lowcode pack export` writes as a folder
    (one top folder named by the pack), which `lowcode pack import` accepts."""
    spec = pack_spec(db(), pack_id)
    if spec is None:
        abort(404)
    if not may_design(g.principal, spec):
        deny(PERMISSION)
    files = export_files(db(), pack_id)
    if not files:
        abort(404)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            archive.writestr(f"{pack_id}/{name}", data)
    return Response(buffer.getvalue(), mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{pack_id}.zip"'})


# --- published versions: list, compare two, restore one as the working copy -------------


@dataclass(frozen=True)
class PublishedVersion:
    version: int
    pack_version: int
    who: str
    when: datetime


def _published_versions(kind: str, def_id: str) -> list[Definition]:
    return list(db().scalars(select(Definition).where(
        Definition.kind == kind, Definition.def_id == def_id).order_by(Definition.version)))


def _who_published(row: Definition) -> str:
    """The person whose import published the row's pack version (its audit record), else the
    publisher the pack names."""
    found = audit.search(db(), action="definition.publish", target_kind="pack",
                         target_id=f"{row.pack_id}@{row.pack_version}", limit=1)
    return found[0].actor_name if found else (row.publisher or "—")


def _version_arg(name: str, known: dict[int, Definition], default: int) -> int:
    try:
        value = int(request.args.get(name, default))
    except ValueError:
        abort(400)
    if value not in known:
        abort(404)
    return value


@bp.get("/<kind>/<def_id>/versions")
@require(PERMISSION)
def versions(kind: str, def_id: str) -> ResponseReturnValue:
    _guard(kind, def_id)
    return _versions_page(kind, def_id)


def _versions_page(kind: str, def_id: str, *, status: int = 200,
                   notice: str | None = None) -> ResponseReturnValue:
    rows = _published_versions(kind, def_id)
    listed = [PublishedVersion(r.version, r.pack_version, _who_published(r), r.published_at)
              for r in rows]
    by_version = {r.version: r for r in rows}
    diff = None
    old = new = None
    if rows:
        new = _version_arg("new", by_version, rows[-1].version)
        old = _version_arg("old", by_version, rows[-2].version if len(rows) > 1 else new)
        diff = compare_versions(by_version[old].data, by_version[new].data, builtin_kinds())
    copy = designs.get_copy(db(), kind, def_id)
    return render_template("designer/versions.html", kind=kind, def_id=def_id,
                           listed=listed, diff=diff, old=old, new=new, copy=copy,
                           notice=notice, editor_for=editors.editor_for), status


@bp.post("/<kind>/<def_id>/restore")
@require(PERMISSION)
def restore(kind: str, def_id: str) -> ResponseReturnValue:
    """Write a published version's canonical YAML into the working copy (a new revision, so
    undo brings the copy's text back), on the copy's revision the page showed."""
    _guard(kind, def_id)
    try:
        version = int(request.form.get("version", ""))
    except ValueError:
        abort(400)
    row = next((r for r in _published_versions(kind, def_id) if r.version == version), None)
    if row is None:
        abort(404)
    copy = designs.open_copy(db(), kind, def_id, current_actor())
    revision = request.form.get("revision")
    try:
        copy = save_data(db(), kind, def_id, row.data,
                         int(revision) if revision else copy.revision, current_actor())
    except ValueError:
        abort(400)
    except CopyConflict as conflict:
        return _versions_page(kind, def_id, status=409,
                              notice=conflict.message(current_lang()))
    audit.record(db(), action="design.restore", actor=current_actor(), target=(kind, def_id),
                 after={"version": version, "revision": copy.revision})
    db().commit()
    return redirect(_editor_url(kind, def_id), code=303)


# --- the form designer -------------------------------------------------------------------


@bp.get("/forms/<def_id>")
@require(PERMISSION)
def form(def_id: str) -> ResponseReturnValue:
    copy = _open("Form", def_id)
    return _workspace(copy, check_copy(db(), copy, _extensions()),
                      selected=request.args.get("selected"))


@bp.post("/forms/<def_id>/edit")
@require(PERMISSION)
def form_edit(def_id: str) -> ResponseReturnValue:
    """One canvas or properties-panel edit, made on the YAML and saved as the new revision."""
    _guard("Form", def_id)
    revision, op = _revision(), request.form.get("op", "")
    current = designs.get_copy(db(), "Form", def_id)
    if current is None:
        abort(404)
    if current.revision != revision:
        conflict = CopyConflict(current, revision)
        return _workspace(current, check_copy(db(), current, _extensions()), status=409,
                          conflict=conflict, selected=request.form.get("selected"))
    data = _data(current, check_copy(db(), current, _extensions()))
    selected = request.form.get("selected") or None
    try:
        if data is None:
            raise formedit.EditError(TEXT.format("yaml_error", "zh"),
                                     TEXT.format("yaml_error", "en"))
        data, selected = _apply(op, data, selected)
    except formedit.EditError as error:
        return _workspace(current, check_copy(db(), current, _extensions()), status=422,
                          notice=error.message(current_lang()), selected=selected)
    try:
        copy = save_data(db(), "Form", def_id, data, revision, current_actor())
    except CopyConflict as conflict:
        return _workspace(conflict.current, check_copy(db(), conflict.current, _extensions()),
                          status=409, conflict=conflict, selected=selected)
    return _workspace(copy, check_copy(db(), copy, _extensions(), data), selected=selected)


def _apply(op: str, data: dict[str, Any], selected: str | None
           ) -> tuple[dict[str, Any], str | None]:
    form_ = request.form
    target = form_.get("field", "")
    index = form_.get("index", type=int)
    if op == "add":
        type_name = form_.get("type", "")
        types = field_types()
        if type_name not in types:
            raise formedit.EditError(f"没有字段类型 '{type_name}'",
                                     f"there is no field type '{type_name}'")
        new = formedit.new_field(types[type_name], formedit.ids(data))
        parent, index = _place(data, form_.get("parent", ""), index, selected)
        return formedit.add(data, [new], parent, index), new["id"]
    if op == "block":
        found = {b["id"]: b for b in blocks()}.get(form_.get("block", ""))
        if found is None:
            raise formedit.EditError("没有这个区块", "there is no such block")
        new = formedit.block(found["fields"], found["title"], formedit.ids(data))
        parent, index = _place(data, form_.get("parent", ""), index, selected)
        return formedit.add(data, [new], parent, index), new["id"]
    if op == "move":
        return formedit.move(data, target, form_.get("parent", ""), index or 0), target
    if op in ("up", "down", "into", "out"):
        return formedit.nudge(data, target, op), target
    if op == "duplicate":
        return formedit.duplicate(data, target)
    if op == "delete":
        return formedit.delete(data, target), None
    if op == "select":
        formedit.find(data, target)
        return data, target
    if op == "props":
        return _props(data, target)
    raise formedit.EditError(f"未知的操作 '{op}'", f"unknown edit '{op}'")


def _place(data: dict[str, Any], parent: str, index: int | None, selected: str | None
           ) -> tuple[str, int | None]:
    """Where an added field goes: where it was dropped, else right after the selected
    field, else at the end of the form."""
    if parent or index is not None or not selected:
        return parent, index
    try:
        _, parent, _, at = formedit.find(data, selected)
    except formedit.EditError:
        return "", None
    return parent, at + 1


def _props(data: dict[str, Any], field_id: str) -> tuple[dict[str, Any], str | None]:
    field, *_ = formedit.find(data, field_id)
    props = field_panel(field)
    changes = schemaform.read(props, request.form)
    removed = {p.key for p in props} - set(changes) - {"id"}
    new_id = changes.get("id", field_id)
    # A field whose id still is the one suggested from its label follows a new label.
    label = changes.get("label")
    if new_id == field_id and label and label != field.get("label"):
        others = formedit.ids(data) - {field_id}
        if _suggested(field_id, field.get("label"), others, str(field.get("type"))):
            changes["id"] = formedit.suggest_id(label, others, str(field.get("type")))
    data = formedit.set_properties(data, field_id, changes, removed)
    return data, changes.get("id", field_id)


def field_panel(field: dict[str, Any] | None) -> list[schemaform.Prop]:
    """The properties panel of a form field, from the Form kind's schema; the canvas shows
    the type and the children."""
    schema = builtin_kinds()["Form"].schema["$defs"]["field"]
    return schemaform.panel(schema, field or {}, "prop-", skip=("type", "fields"))


def _suggested(field_id: str, label: Any, others: set[str], fallback: str) -> bool:
    return field_id == formedit.suggest_id(label, others, fallback)


def _data(copy: Copy, check: CopyCheck) -> dict[str, Any] | None:
    """A copy of the copy's data (None when its YAML is no mapping): what its check loaded,
    else the text read again."""
    loaded = check.checked.doc.data if check.checked is not None else None
    if isinstance(loaded, dict):
        return copying.deepcopy(loaded)
    try:
        data = load_text("form.yaml", copy.text).data
    except DefinitionError:
        return None
    return data if isinstance(data, dict) else None


@cache
def blocks() -> tuple[dict[str, Any], ...]:
    """The templates_lib forms, each a block of fields the palette offers (read once; the
    edit that adds one copies its fields)."""
    found = []
    for path in sorted((TASK_TEMPLATES / "forms").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        found.append({"id": path.stem, "title": data.get("title", {"zh": path.stem}),
                      "fields": data.get("fields", [])})
    return tuple(found)


def _workspace(copy: Copy, check: CopyCheck, *, status: int = 200, notice: str | None = None,
               conflict: CopyConflict | None = None, refused: list[Problem] | None = None,
               published: bool = False, selected: str | None = None) -> ResponseReturnValue:
    data = _data(copy, check)
    if data is not None and selected and selected not in formedit.ids(data):
        selected = None
    at_field: dict[str, list[Problem]] = {}
    for problem in check.own:
        found = formedit.field_at_path(data or {}, problem.path)
        if found:
            at_field.setdefault(found, []).append(problem)
    chosen = formedit.find(data, selected)[0] if data is not None and selected else None
    common_props, more_props = schemaform.split(field_panel(chosen), FIELD_FIRST)
    types = field_types()
    context = {
        "copy": copy, "check": check, "data": data, "selected": selected, "chosen": chosen,
        "at_field": at_field, "notice": notice or (conflict.message(current_lang())
                                                   if conflict else None),
        "conflict": conflict, "refused": refused, "published": published,
        "palette": types.palette(), "types": types, "blocks": blocks(),
        "common_props": common_props, "more_props": more_props,
        "widget_args": widget_args, "preview": _preview(check, {}),
        "compat": _compat(copy, data),
    }
    template = "designer/_workspace.html" if request.htmx else "designer/form.html"
    return render_template(template, **context), status


@bp.post("/forms/<def_id>/try")
@require(PERMISSION)
def try_it(def_id: str) -> ResponseReturnValue:
    """The preview again on the data typed into it: which fields show, what computes."""
    _guard("Form", def_id)
    copy = designs.get_copy(db(), "Form", def_id)
    if copy is None:
        abort(404)
    check = check_copy(db(), copy, _extensions())
    spec = check.checked.spec if check.checked is not None else None
    data = posted_data(spec, request.form) if isinstance(spec, FormSpec) else {}
    return render_template("designer/_preview.html", preview=_preview(check, data),
                           copy=copy, oob=True)


def _preview(check: CopyCheck, data: dict[str, Any]) -> dict[str, Any] | None:
    """The runtime's own rendering of the form, on `data`, and the state of each field."""
    spec = check.checked.spec if check.checked is not None else None
    if not isinstance(spec, FormSpec) or any(p.file == check.file for p in check.problems):
        return None
    state = form_state(spec, data, tables_for(spec))
    views = Views(spec, state, {}, catalogs_for(check.result.pack.id if check.result and
                                                check.result.pack else "", spec),
                  lang=current_lang()).top()
    labels = {p.spec.id: text(p.spec.label) if p.spec.label else p.spec.id
              for p in plans(spec, current_lang(), field_types()).values()}
    rows = [{"path": path, "label": labels.get(path.split(".")[-1].split("]")[-1], path),
             "state": fstate, "value": state.data.get(path)}
            for path, fstate in state.fields.items()]
    return {"form": spec, "views": views, "rows": rows, "failures": state.failures,
            "live_url": url_for("designer.try_it", def_id=spec.id, lang=current_lang())}



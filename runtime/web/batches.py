"""批量发起: a member of staff uploads a CSV or XLSX list and starts one case per row of a
form a process starts from (免申即享: the enterprises a data match found eligible). Only a
form of a department the member may write records of is offered; every row is checked by
the form, and one bad row starts none, each error named by its row and field. The use-case
is runtime.casework.batches."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, render_template, request
from flask.typing import ResponseReturnValue

from runtime import access
from runtime.casework import batches
from runtime.definitions.spec import FormSpec, ProcessSpec
from runtime.i18n import Catalogue
from runtime.store import accounts
from runtime.store.queries import latest_definition, list_definitions
from runtime.store.references import StoreResolver
from runtime.store.submissions import Owner
from runtime.web.auth.guard import require
from runtime.web.database import db
from runtime.web.fieldtypes import field_types
from runtime.web.lang import current_lang, text

bp = Blueprint("batches", __name__, url_prefix="/work")
MAX_BYTES = 5 * 1024 * 1024
TEXT = Catalogue({
    "title": ("批量发起", "Start cases in a batch"),
    "intro": ("上传名单（.csv 或 .xlsx，第一行为开始表单的字段编号），每行发起一件。"
              "每行按表单校验；任何一行不合格时一件也不发起。同一名单再次上传不会重复发起。",
              "Upload a list (.csv or .xlsx, the first row naming the start form's fields): "
              "one case per row. Each row is checked by the form; one bad row starts none. "
              "Uploading the same list again starts nothing twice."),
    "form": ("事项（开始表单）", "Service (start form)"), "list": ("名单文件", "List file"),
    "submit": ("校验并发起", "Check and start"),
    "no_forms": ("您没有可以批量发起的事项。", "There is no service you may start in a batch."),
    "no_file": ("请选择名单文件", "Choose a list file"),
    "too_big": ("名单文件不能超过 5 MB", "A list file is at most 5 MB"),
    "bad_form": ("请选择事项", "Choose a service"),
    "refused": ("未发起任何案件：{count} 行不合格，请修改后重新上传。",
                "Nothing started: {count} row(s) refused; correct them and upload again."),
    "started": ("已发起 {started} 件（名单共 {rows} 行，{again} 行此前已发起）。",
                "Started {started} (the list has {rows} rows; {again} started before)."),
    "row": ("行", "Row"), "field": ("字段", "Field"), "message": ("问题", "Problem"),
    "tracking_no": ("受理编号", "Tracking number"), "result": ("结果", "Result"),
    "new": ("已发起", "started"), "before": ("此前已发起", "started before"),
    "header": ("第 1 行（表头）", "Row 1 (header)"),
})


def _text(key: str, /, **params: Any) -> str:
    return TEXT.format(key, current_lang(), **params)


bp.add_app_template_global(_text, "batch_text")  # the menu's link names the page


def startable() -> dict[str, FormSpec]:
    """The forms a process starts from, of a department the member may write records of."""
    session, found = db(), {}
    started = {row.spec.start_form for row in list_definitions(session, "Process")
               if isinstance(row.spec, ProcessSpec)}
    for form_id in sorted(started):
        row = latest_definition(session, "Form", form_id)
        if row is None or not isinstance(row.spec, FormSpec) or row.spec.department is None:
            continue
        department = accounts.department(session, row.spec.department)
        ref = access.RecordRef(department_code=row.spec.department,
                               department_path=department.codes() if department else ())
        if access.allowed(g.principal, "records.write", ref):
            found[form_id] = row.spec
    return found


@bp.get("/batches")
@require("records.write")
def batch_page() -> ResponseReturnValue:
    return render_template("pages/batches.html", forms=startable(), t=_text, label=text)


@bp.post("/batches")
@require("records.write")
def start_batch() -> ResponseReturnValue:
    forms, lang = startable(), current_lang()
    form = forms.get(request.form.get("form", ""))
    upload = request.files.get("list")
    problem = None
    if form is None:
        problem = _text("bad_form")
    elif upload is None or not upload.filename:
        problem = _text("no_file")
    content = upload.read(MAX_BYTES + 1) if upload is not None and problem is None else b""
    if problem is None and len(content) > MAX_BYTES:
        problem = _text("too_big")
    if problem is not None or form is None or upload is None:
        return _page(forms, form, problem=problem, status=422)
    try:
        rows = batches.read_rows(upload.filename or "", content)
    except batches.ListError as error:
        return _page(forms, form, problem=str(error), status=422)
    user = g.user
    batch = batches.start_batch(
        db(), form, rows, field_types(), owner=Owner("staff", user.id),
        list_id=batches.list_id(content), resolver=StoreResolver(db(), g.principal), lang=lang)
    return _page(forms, form, batch=batch, rows=len(rows), status=200 if batch.ok else 422)


def _page(forms: dict[str, FormSpec], form: FormSpec | None, *, status: int,
          problem: str | None = None, batch: batches.Batch | None = None,
          rows: int = 0) -> ResponseReturnValue:
    labels = {f.id: text(f.label) for f in form.all_fields()} if form is not None else {}
    errors = [(number, name, labels.get(name, name), message)
              for number, fields in sorted((batch.errors if batch else {}).items())
              for name, messages in fields.items() for message in messages]
    again = sum(not r.created for r in batch.receipts) if batch else 0
    return render_template("pages/batches.html", forms=forms, chosen=form.id if form else None,
                           problem=problem, batch=batch, errors=errors, rows=rows,
                           again=again, t=_text, label=text), status

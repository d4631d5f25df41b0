"""The staff's view of a submission: a record page with personal numbers masked, an audited
reveal and the record's files. Every access goes through `runtime.access`; a record out of
scope is a 404, as if it did not exist. The queries live in `runtime.store.records`. The list
of submissions and its download are View pages (`runtime.web.views`): the old addresses of
the fixed-column ledger lead to the birth pack's ledger View."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    abort,
    g,
    redirect,
    render_template,
)
from flask.typing import ResponseReturnValue

from runtime import access
from runtime.definitions.spec import CatalogSpec, FieldSpec, FormSpec
from runtime.forms.state import is_table, value_fields
from runtime.i18n import Catalogue
from runtime.store import records
from runtime.store.files import attachment
from runtime.store.queries import definition
from runtime.store.submissions import Submission
from runtime.web import attachments
from runtime.web.auth.audit import audit
from runtime.web.auth.guard import require
from runtime.web.database import db, store
from runtime.web.fieldtypes import field_types
from runtime.web.lang import current_lang, lang_url, mark, text
from runtime.web.pickers import words_of

bp = Blueprint("records", __name__, url_prefix="/work")
LEDGER = "birth_ledger"  # the birth pack's 受理台账, the View that replaced the fixed list
TEXT = Catalogue({
    "form": ("事项", "Service"), "submitted_at": ("提交时间", "Submitted"),
    "status": ("状态", "Status"), "reveal": ("查看完整", "Reveal"),
    "files": ("附件", "Files"), "field": ("项目", "Field"), "value": ("内容", "Value"),
    "yes": ("是", "Yes"), "no": ("否", "No"),
})


def record_text(key: str, /, **params: Any) -> str:
    return TEXT.format(key, current_lang(), **params)


bp.add_app_template_global(record_text, "record_text")


# --- records and their scope ------------------------------------------------------------

def _submission(tracking_no: str) -> Submission | None:
    return records.by_tracking_no(db(), tracking_no)


def _ref_of(tracking_no: str) -> access.RecordRef | None:
    row = _submission(tracking_no)
    return records.record_ref(db(), row) if row else None


def submission_form(row: Submission) -> FormSpec:
    found = definition(db(), "Form", row.form_id, row.form_version)
    if found is None or not isinstance(found.spec, FormSpec):
        abort(404)
    return found.spec


def _masked_fields(form: FormSpec) -> list[FieldSpec]:
    types = field_types()
    return [f for f in value_fields(form.fields) if f.type in types and types[f.type].mask]


EMPTY = (None, "", [])  # a value not filled in: no cell in a table's row


def shown_value(spec: FieldSpec, value: Any) -> Any:
    """A stored value as staff read it: personal numbers masked, choices by their labels,
    yes/no in words, regions, departments, staff and linked records by name, a table's rows
    cell by cell (each by its own field). Masking and a type's own words are its type's."""
    field_type = field_types().get(spec.type)
    if field_type is not None and field_type.mask is not None:
        return field_type.mask(value) if value is not None and value != "" else value
    if value and field_type is not None and field_type.refers_to:
        return words_of(spec, str(value))
    if is_table(spec):
        rows = value or []
        return mark("；").join(_shown_row(spec, row) for row in rows if isinstance(row, dict))
    if isinstance(value, list):
        return mark("、").join(str(shown_value(spec, item)) for item in value)
    labels = _option_labels(spec)
    if str(value) in labels:
        return labels[str(value)]
    if isinstance(value, bool):
        return record_text("yes") if value else record_text("no")
    if field_type is not None and field_type.shown is not None:
        return field_type.shown(value)
    if isinstance(value, dict):
        return " ".join(str(shown_value(spec, v)) for v in value.values() if v)
    return value


def shown_values(spec: FieldSpec) -> Callable[[Any], Any]:
    """`shown_value` for one field, decided once for a column of its values: a masked type's
    rule, or a text of a type with no words of its own kept as it is; the rest as
    `shown_value` says."""
    field_type = field_types().get(spec.type)
    if field_type is not None and field_type.mask is not None:
        rule = field_type.mask
        return lambda value: rule(value) if value is not None and value != "" else value
    plain = (field_type is not None and not field_type.refers_to and field_type.shown is None
             and not spec.options and not spec.options_from and not is_table(spec))
    if plain:
        return lambda value: value if isinstance(value, str) else shown_value(spec, value)
    return lambda value: shown_value(spec, value)


def _option_labels(spec: FieldSpec) -> dict[str, str]:
    """An option's label by its value: the field's own options, or its catalog's items (the
    published catalog, from the app's cache of published definitions)."""
    if not spec.options_from:
        return {str(o.value): text(o.label) for o in spec.options}
    head = store().heads.get(db, "Catalog", spec.options_from)
    items = head.spec.items if head is not None and isinstance(head.spec, CatalogSpec) else ()
    return {item.code: text(item.label) for item in items}


def _shown_row(table: FieldSpec, row: dict[str, Any]) -> str:
    """One row of a table: 'label：value' of each filled cell."""
    return "，".join(f"{text(cell.label)}：{shown_value(cell, row[cell.id])}"
                    for cell in value_fields(table.fields) if row.get(cell.id) not in EMPTY)


# --- pages ------------------------------------------------------------------------------

@bp.get("/submissions")
@require("records.read")
def submissions() -> ResponseReturnValue:
    """The old ledger's address: the ledger View (the list of views when it is not
    published)."""
    return redirect(_ledger_url(), code=302)


@bp.get("/submissions.csv")
@require("export")
def export() -> ResponseReturnValue:
    """The old ledger's download: the ledger View's CSV."""
    return redirect(_ledger_url(format="csv"), code=302)


def _ledger_url(**args: str) -> str:
    if store().heads.get(db, "View", LEDGER) is None:
        return lang_url("views.index")
    return lang_url("views.show", view_id=LEDGER, **args)


@bp.get("/submissions/<tracking_no>")
@require("records.read", lambda tracking_no: _ref_of(tracking_no))
def submission(tracking_no: str) -> ResponseReturnValue:
    row = _submission(tracking_no)
    assert row is not None  # the guard loaded it
    form = submission_form(row)
    files = records.files_of(db(), row)
    return render_template("pages/submission.html", row=row, form=form,
                           fields=list(value_fields(form.fields)), shown=shown_value, files=files,
                           masked={f.id for f in _masked_fields(form)},
                           can_reveal=access.allowed(g.principal, "pii.reveal",
                                                     records.record_ref(db(), row)))


@bp.post("/submissions/<tracking_no>/reveal/<field_id>")
@require("pii.reveal", lambda tracking_no, field_id: _ref_of(tracking_no))
def reveal(tracking_no: str, field_id: str) -> ResponseReturnValue:
    """Show one personal number in full, and record who saw it."""
    row = _submission(tracking_no)
    assert row is not None
    spec = next((f for f in _masked_fields(submission_form(row)) if f.id == field_id), None)
    if spec is None:
        abort(404)
    audit("pii.reveal", target=("submission", f"{tracking_no}:{field_id}"))
    db().commit()
    return render_template("_revealed.html", spec=spec, value=row.data.get(field_id))


@bp.get("/files/<key>")
@require("records.read", lambda key: _file_ref(key))
def file(key: str) -> ResponseReturnValue:
    row = attachment(db(), key)
    assert row is not None  # the guard found it
    return attachments.sent(row)


bp.add_app_template_global(attachments.preview_kind, "preview_kind")


@bp.get("/files/<key>/preview")
@require("records.read", lambda key: _file_ref(key))
def preview(key: str) -> ResponseReturnValue:
    """An image or a PDF shown inline on the record page (anything else downloads)."""
    row = attachment(db(), key)
    assert row is not None  # the guard found it
    return attachments.sent(row, inline=True)


def _file_ref(key: str) -> access.RecordRef | None:
    row = records.submission_of_file(db(), key)
    return records.record_ref(db(), row) if row else None

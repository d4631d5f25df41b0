"""POST /api/batches: the batch start (批量发起) as JSON, for staff signed in as the rest of the
API is (`records.write` on the form's department). The list comes as an upload (`list`: a
CSV or XLSX file, with `form` beside it, CSRF token as any form post) or as JSON
`{"form": id, "rows": [{field: value}, ...]}` (no token: the content type is the guard, as in
runtime.web.formapi). The answer is per row: 201 (or 200 when every row had been started
before) with each row's 受理编号, or 422 in the one error shape with every refused row's
errors by path (`rows[2].restaurant`) and the same per-row list; one bad row starts none."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue

from runtime import access
from runtime.casework import batches
from runtime.store.references import StoreResolver
from runtime.store.submissions import Owner
from runtime.web.auth.guard import deny
from runtime.web.batches import MAX_BYTES, startable
from runtime.web.database import db
from runtime.web.errors import AppError
from runtime.web.fieldtypes import field_types
from runtime.web.formapi import json_body
from runtime.web.lang import current_lang

bp = Blueprint("batch_api", __name__, url_prefix="/api/batches")
WRITE = "records.write"


@bp.post("")
def start() -> ResponseReturnValue:
    if g.get("user") is None or not access.allowed(g.get("principal"), WRITE):
        deny(WRITE)  # the error shape's 404, audited, as the rest of the API
    if request.is_json:
        form_id, rows, content = _json_rows()
    else:
        current_app.extensions["csrf"].protect()
        form_id, rows, content = _uploaded_rows()
    form = startable().get(form_id)
    if form is None:
        raise AppError(422, "batch_form", form=form_id)
    lang = current_lang()
    batch = batches.start_batch(
        db(), form, rows, field_types(), owner=Owner("staff", g.user.id),
        list_id=batches.list_id(content), resolver=StoreResolver(db(), g.principal), lang=lang)
    if not batch.ok:
        fields = {(f"rows[{n - 1}].{name}" if n > 1 else f"columns.{name}"): messages
                  for n, errors in sorted(batch.errors.items())
                  for name, messages in errors.items()}
        refused = [n for n in batch.errors if n > 1]
        raise AppError(422, "batch_refused", fields=fields, count=len(refused) or 1)
    results = [{"row": n, "tracking_no": r.tracking_no, "created": r.created}
               for n, r in enumerate(batch.receipts, start=1)]
    created = sum(r.created for r in batch.receipts)
    return jsonify({"form": form.id, "rows": results, "started": created}), (
        201 if created or not results else 200)


def _json_rows() -> tuple[str, list[dict[str, Any]], bytes]:
    body = json_body()
    rows = body.get("rows") if isinstance(body, dict) else None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise AppError(400, "batch_list")
    if len(rows) > batches.MAX_ROWS:
        raise AppError(422, "batch_bad_list", reason=f"名单最多 {batches.MAX_ROWS} 行 / "
                                                     f"at most {batches.MAX_ROWS} rows")
    content = json.dumps(rows, sort_keys=True, ensure_ascii=False).encode()
    return str(body.get("form") or ""), rows, content


def _uploaded_rows() -> tuple[str, list[dict[str, str]], bytes]:
    upload = request.files.get("list")
    content = upload.read(MAX_BYTES + 1) if upload is not None and upload.filename else b""
    if upload is None or not content or len(content) > MAX_BYTES:
        raise AppError(400, "batch_list")
    try:
        rows = batches.read_rows(upload.filename or "", content)
    except batches.ListError as error:
        raise AppError(422, "batch_bad_list", reason=str(error)) from None
    return request.form.get("form", ""), rows, content

"""Files on a form page: an upload answers with the field showing it (htmx swaps the field),
and only the browser session that uploaded a file may fetch it back here. Staff reach the
files of a submission through the workbench (runtime.web.records)."""

from __future__ import annotations

import os
from typing import IO

from flask import Blueprint, abort, render_template, request, session
from flask.typing import ResponseReturnValue

from runtime.forms.validation import state_of
from runtime.store.files import FILE_FIELD_TYPES, FileRefused, attachment, store_file
from runtime.store.submissions import GUEST
from runtime.web import attachments
from runtime.web.database import db, store
from runtime.web.fieldtypes import field_types
from runtime.web.formdata import posted_data
from runtime.web.formpage import (
    catalogs_for,
    file_names,
    form_of,
    form_text,
    live_url,
    open_form,
    parse_version,
)
from runtime.web.formviews import Views
from runtime.web.lang import current_lang
from runtime.web.limits import upload_refusal

bp = Blueprint("uploads", __name__)
UPLOADS = "uploads"  # the keys of files this browser session uploaded


def uploaded() -> frozenset[str]:
    """Keys of the files this browser session uploaded: the only ones its submit claims."""
    return frozenset(session.get(UPLOADS, []))


@bp.post("/forms/<form_id>/files/<field_id>")
def upload(form_id: str, field_id: str) -> ResponseReturnValue:
    """Keep an uploaded file and answer with the field showing it (htmx swaps the field).
    The file is counted against this session's and this address's limits first, then copied
    from the request's spooled part to its place a chunk at a time."""
    row = open_form(form_id, parse_version(request.form.get("_version")))
    form = form_of(row)
    spec = next((f for f in form.all_fields()
                 if f.id == field_id and f.type in FILE_FIELD_TYPES), None)
    sent = request.files.get("upload")
    if spec is None or sent is None:
        abort(400)
    keys = request.form.getlist(field_id)
    error = _keep(sent.stream, sent.filename or "", FILE_FIELD_TYPES[spec.type], keys)
    data = {**posted_data(form, request.form), field_id: keys}
    views = Views(form, state_of(form, data, field_types()), {field_id: [error]} if error else {},
                  catalogs_for(row.pack_id, form), file_names(keys), lang=current_lang(),
                  raw=data)
    return render_template("_field.html", fields=[views.at(field_id)], oob=False,
                           form_id=form.id, live_url=live_url(form))


def _keep(stream: IO[bytes], name: str, allowed: frozenset[str], keys: list[str]) -> str | None:
    """Keep the file for this session and add its key to `keys`; else the refusal's words."""
    stream.seek(0, os.SEEK_END)
    refusal = upload_refusal(stream.tell())
    db().commit()  # counted even when refused: a refusal costs the sender too
    if refusal is not None:
        return form_text(refusal)
    stream.seek(0)
    try:
        stored = store_file(db(), store().files, name=name, data=stream, owner=GUEST,
                            allowed=allowed)
    except FileRefused as refused:
        return form_text(refused.code)
    db().commit()
    session[UPLOADS] = [*session.get(UPLOADS, []), stored.key][-50:]
    keys.append(stored.key)
    return None


@bp.get("/files/<key>")
def download(key: str) -> ResponseReturnValue:
    """Only the session that uploaded a file may fetch it here (staff access to the files of
    a submission comes with the workbench); anyone else gets 404, as if it did not exist."""
    row = attachment(db(), key)
    if row is None or key not in session.get(UPLOADS, []):
        abort(404)
    return attachments.sent(row)

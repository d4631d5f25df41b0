"""The JSON API that submits to a form: another system posts `{"data": {...}}` and gets a
receipt (201, or 200 when the idempotency key had already made it with the same data), or
the one error shape of `runtime.web.errors`: the field errors by path under `error.fields`
(422), or 409 when the key was used before with other data (nothing is stored). A client's
keys are its own: an account's when the request is signed in, else its address's.

No CSRF token: a browser cannot send `application/json` to another site without a CORS
preflight this app never grants, so the content type is the guard, and anything else is
refused."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from runtime.casework.submissions import Application, KeyReused, submit
from runtime.web.auth.audit import origin
from runtime.web.database import db, store
from runtime.web.errors import AppError
from runtime.web.fieldtypes import field_types
from runtime.web.formpage import catalogs_for, form_of, open_form, resolver, submitter
from runtime.web.lang import current_lang

bp = Blueprint("forms_api", __name__, url_prefix="/api/forms")
MAX_JSON_DEPTH = 32  # a submission nests data, a table, a row, a value: far less than this


@bp.post("/<form_id>/submissions")
def api_submit(form_id: str) -> ResponseReturnValue:
    if not request.is_json:
        raise AppError(415, "json_required")
    body = json_body()
    if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
        raise AppError(400, "bad_submission")
    version = body.get("version")
    row = open_form(form_id, version if isinstance(version, int) else None)
    form = form_of(row)
    key = str(body.get("idempotency_key") or secrets.token_urlsafe(18))[:64]
    application = Application(form, body["data"], key, origin=origin(),
                              submitter=submitter(f"api:{request.remote_addr}"))
    try:
        done = submit(db(), application, field_types(), catalogs=catalogs_for(row.pack_id, form),
                      resolver=resolver(), heads=store().heads)
    except KeyReused:
        raise AppError(409, "key_reused") from None
    if done.receipt is None:
        errors = done.validation.as_dict(current_lang())
        raise AppError(422, "invalid_submission", fields=errors, n=len(errors))
    receipt = done.receipt
    answer = {"tracking_no": receipt.tracking_no, "verification_code": receipt.verification_code,
              "form": receipt.form_id, "version": receipt.form_version}
    return jsonify(answer), 201 if receipt.created else 200


def json_body() -> Any:
    """The request's JSON; 400 when it nests deeper than MAX_JSON_DEPTH (the parser's own
    limit is the interpreter's recursion limit, past which it raises: a 500 before)."""
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        raise AppError(400, "too_deep", limit=MAX_JSON_DEPTH) from None
    if not _within(body, MAX_JSON_DEPTH):
        raise AppError(400, "too_deep", limit=MAX_JSON_DEPTH)
    return body


def _within(value: Any, depth: int) -> bool:
    """Whether `value` nests lists and objects at most `depth` deep (without recursion)."""
    level = [value]
    for _ in range(depth):
        level = [child for item in level if isinstance(item, (list, dict))
                 for child in (item.values() if isinstance(item, dict) else item)]
    return not any(isinstance(item, (list, dict)) for item in level)

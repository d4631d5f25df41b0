"""The JSON API over published definitions, for staff who may read them (`definitions.read`):
anyone else gets the error shape's 404, audited, as if there were nothing here."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, request
from flask.typing import ResponseReturnValue

from runtime import access
from runtime.definitions import names
from runtime.store.models import Definition
from runtime.store.queries import (
    definition,
    definition_versions,
    latest_definition,
    list_definitions,
)
from runtime.web.auth.guard import deny
from runtime.web.database import db
from runtime.web.errors import AppError
from runtime.web.lang import text

bp = Blueprint("api", __name__, url_prefix="/api")


READ = "definitions.read"


@bp.before_request
def staff_only() -> None:
    if not access.allowed(g.get("principal"), READ):
        deny(READ)


@bp.get("/definitions")
def definitions() -> ResponseReturnValue:
    rows = list_definitions(db(), kind=request.args.get("kind"))
    return jsonify([_summary(row) for row in rows])


@bp.get("/definitions/<kind>/<def_id>")
def one_definition(kind: str, def_id: str) -> ResponseReturnValue:
    version = _version_arg()
    if version is None:
        row = latest_definition(db(), kind, def_id)
    else:
        row = definition(db(), kind, def_id, version)
    if row is None:
        code = "definition_not_found" if version is None else "version_not_found"
        raise AppError(404, code, kind=kind, id=def_id, version=version)
    return jsonify(_detail(row))


def _version_arg() -> int | None:
    value = request.args.get("version")
    if value is None:
        return None
    if not value.isdigit() or int(value) < 1:
        raise AppError(400, "bad_version", value=value)
    return int(value)


def _summary(row: Definition) -> dict[str, Any]:
    """`name` is the qualified `pack:id`, which finds it whichever packs share its id."""
    return {"kind": row.kind, "id": row.def_id, "version": row.version,
            "title": text(row.title), "pack": row.pack_id,
            "name": names.qualified(row.pack_id, row.def_id)}


def _detail(row: Definition) -> dict[str, Any]:
    return {**_summary(row), "format": row.format, "pack_version": row.pack_version,
            "source_file": row.source_file, "sha256": row.sha256,
            "published_at": row.published_at.isoformat(),
            "publisher": row.publisher,
            "versions": definition_versions(db(), row.kind, row.def_id, row.pack_id),
            "data": row.data}

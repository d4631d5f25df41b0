"""`/healthz`: answers ok only after a round trip to the database."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue

from runtime.store.db import ping
from runtime.web.database import db
from runtime.web.errors import AppError

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    if not ping(db()):
        raise AppError(503, "database_unavailable")
    return {"status": "ok"}

"""The one way the designer tools' views open a working copy for a request: the person may
design the definition's pack (the designer's department scope, designer.workspace), else a
404 as if it did not exist; a definition neither published nor copied is a 404 too."""

from __future__ import annotations

from flask import abort, g

from designer.tooling import PERMISSION, Working, open_working
from designer.workspace import may_design, pack_of, pack_spec
from runtime.web.auth.audit import current_actor
from runtime.web.auth.guard import deny
from runtime.web.database import db
from runtime.web.fieldtypes import field_types


def open_or_deny(kind: str, def_id: str) -> Working:
    pack_id = pack_of(db(), kind, def_id)
    if pack_id is None:
        abort(404)
    if not may_design(g.principal, pack_spec(db(), pack_id)):
        deny(PERMISSION)
    found = open_working(db(), kind, def_id, current_actor(), field_types())
    if found is None:
        abort(404)
    return found

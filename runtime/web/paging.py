"""Where a paged list continues, read from the query string: after (or before) a row id that
one of our pages wrote. Anything else is a 400, never a database error: a number past what a
row id can be would otherwise reach the driver, which refuses to bind it."""

from __future__ import annotations

from flask import abort, request

from runtime.store.models import MAX_ROW_ID


def row_id(name: str) -> int | None:
    """The row id in query argument `name`; None when it is absent or empty."""
    value = request.args.get(name, "")
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_ROW_ID:
        abort(400)
    return int(value)

"""Sending a stored file back: as a download under its own name, or shown inline (a preview
of an image or a PDF on the record and task pages) with headers that keep it inert: its type
as sniffed at upload and never guessed again (nosniff), no script, and framed only by our own
pages. Who may fetch which file is the caller's to decide (the routes of records, workbench
and uploads); this module only sends."""

from __future__ import annotations

from flask import Response, send_file

from runtime.store.files import Attachment, display_name
from runtime.web.database import store

# What a browser shows safely inline. Anything else is only ever downloaded.
PREVIEWS = {"image/png": "image", "image/jpeg": "image", "application/pdf": "pdf"}
# A preview may be framed by our own pages only; an image may not even run a style; a PDF
# keeps its viewer (a sandbox would block it) and loads nothing from elsewhere.
PREVIEW_CSP = {
    "image": "default-src 'none'; img-src 'self'; frame-ancestors 'self'; sandbox",
    "pdf": "default-src 'none'; object-src 'self'; frame-ancestors 'self'",
}


def preview_kind(row: Attachment) -> str | None:
    """'image' or 'pdf' for a file a page may show inline; None for one only downloaded."""
    return PREVIEWS.get(row.content_type)


def sent(row: Attachment, *, inline: bool = False) -> Response:
    """`row`'s bytes: inline when asked and its type allows, else as a download."""
    kind = preview_kind(row) if inline else None
    response = send_file(store().files.open(row.key), mimetype=row.content_type,
                         as_attachment=kind is None, download_name=display_name(row.original_name))
    if kind is not None:
        response.headers["Content-Security-Policy"] = PREVIEW_CSP[kind]
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response

"""What one request may cost. Every body is capped (413 before any of it is read when its
Content-Length says more, and while reading when it does not say); an upload's cap is larger.
Uploads are also counted: files a minute and megabytes a day, per browser session and per
address (`upload_refusal`).

Each limit is a setting: `create_app({...})`, else `LOWCODE_<NAME>` in the environment.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from typing import Any

from flask import Flask, abort, current_app, g, request, session

from runtime.store import ratelimit
from runtime.store.files import MAX_FILE_BYTES
from runtime.store.models import utcnow
from runtime.web.database import db

UPLOAD_ENDPOINT = "uploads.upload"
DEFAULTS: dict[str, int] = {
    "MAX_REQUEST_BYTES": 1 << 20,            # the body of any request but an upload
    "MAX_UPLOAD_REQUEST_BYTES": MAX_FILE_BYTES + (1 << 20),  # one file and its form
    "UPLOADS_PER_MINUTE_SESSION": 10,        # files one browser session may send a minute
    "UPLOADS_PER_MINUTE_IP": 60,             # ... and one address
    "UPLOAD_MB_PER_DAY_SESSION": 200,        # megabytes one browser session may send a day
    "UPLOAD_MB_PER_DAY_IP": 2000,            # ... and one address
    "UPLOAD_KEEP_HOURS": 24,                 # an upload no submission claimed goes after this
}
_SESSION_ID = "_uploader"  # a random id in the signed session cookie: whose uploads these are
_MINUTE, _DAY = timedelta(minutes=1), timedelta(days=1)


def init_app(app: Flask) -> None:
    """Settings first, then the cap, before any other hook reads the body (CSRF does)."""
    for key, value in DEFAULTS.items():
        env = os.environ.get(f"LOWCODE_{key}")
        app.config.setdefault(key, int(env) if env else value)
    app.config["MAX_CONTENT_LENGTH"] = max(app.config["MAX_REQUEST_BYTES"],
                                           app.config["MAX_UPLOAD_REQUEST_BYTES"])
    app.before_request(cap_request)


def cap_request() -> None:
    """This request's body cap; a declared length above it is refused unread."""
    config = current_app.config
    upload = request.endpoint == UPLOAD_ENDPOINT
    limit = config["MAX_UPLOAD_REQUEST_BYTES" if upload else "MAX_REQUEST_BYTES"]
    request.max_content_length = limit  # also enforced while reading a body of no stated size
    if request.content_length is not None and request.content_length > limit:
        abort(413)


def upload_refusal(size: int) -> str | None:
    """Count one upload of `size` bytes for this browser session and this address; the
    message code of the first limit it passes, or None. Flushes; the caller commits."""
    config, now, mb = current_app.config, utcnow(), -(-size // (1 << 20))
    counts: list[tuple[str, int, timedelta, int]] = [
        (f"upload-session:{uploader()}", config["UPLOADS_PER_MINUTE_SESSION"], _MINUTE, 1),
        (f"upload-ip:{request.remote_addr}", config["UPLOADS_PER_MINUTE_IP"], _MINUTE, 1),
        (f"upload-mb-session:{uploader()}", config["UPLOAD_MB_PER_DAY_SESSION"], _DAY, mb),
        (f"upload-mb-ip:{request.remote_addr}", config["UPLOAD_MB_PER_DAY_IP"], _DAY, mb),
    ]
    over = [ratelimit.hit(db(), key, period=period, now=now, amount=amount) > limit
            for key, limit, period, amount in counts]  # every count, even past the first
    return "upload_rate" if any(over[:2]) else "upload_quota" if any(over[2:]) else None


def uploader() -> str:
    """Who uploads: the signed-in citizen, else a random id kept in the session cookie."""
    citizen: Any = g.get("citizen")
    if citizen is not None:
        return f"citizen:{citizen.id}"
    if _SESSION_ID not in session:
        session[_SESSION_ID] = secrets.token_urlsafe(12)
    return str(session[_SESSION_ID])

"""The store as the app sees it: one engine per app, one session per request."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from runtime.providers import FIELD_TYPES_INFO
from runtime.store.audit import KEY_INFO
from runtime.store.db import make_engine, session_factory
from runtime.store.files import FileStore, LocalFileStore
from runtime.store.queries import LATEST_TTL, Heads
from runtime.web.fieldtypes import field_types

EXTENSION = "lowcode"


@dataclass(frozen=True)
class Store:
    engine: Engine
    sessions: sessionmaker[Session]
    heads: Heads  # published definitions, remembered (see Heads for how fresh)
    files: FileStore  # uploaded files: the instance folder's uploads/


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"],
                         busy_timeout_ms=app.config["SQLITE_BUSY_MS"])
    # How long a page may serve a form's latest version without asking again: a version
    # another process publishes shows within this many seconds (0: ask on every page).
    ttl = float(app.config.get("LATEST_DEFINITION_SECONDS", LATEST_TTL))
    sessions = session_factory(engine, **{KEY_INFO: app.config["AUDIT_KEY"]})
    app.extensions[EXTENSION] = Store(engine, sessions, Heads(ttl),
                                      LocalFileStore(Path(app.instance_path, "uploads")))
    app.teardown_appcontext(_close)


def store(app: Flask | None = None) -> Store:
    return (app or current_app).extensions[EXTENSION]


def db() -> Session:
    """The session of the current request, opened on first use."""
    if "db" not in g:
        g.db = store().sessions(info={FIELD_TYPES_INFO: field_types()})
    return g.db


def _close(_error: BaseException | None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()

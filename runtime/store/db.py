"""Engines and sessions: SQLite by default (WAL, foreign keys on), PostgreSQL by URL."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

URL_ENV = "LOWCODE_DATABASE_URL"
# How long a SQLite write waits for another's write lock, SQLite retrying all the while,
# before it gives up with "database is locked" (which a page answers with 503 Retry-After).
BUSY_TIMEOUT_MS = 5000
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
)
# What SQLite says when the busy timeout ran out (OperationalError's text).
BUSY_MESSAGES = ("database is locked", "database is busy", "database table is locked")


def database_url(instance_path: str | os.PathLike[str]) -> str:
    """`LOWCODE_DATABASE_URL`, or a SQLite file in the instance folder (created if missing)."""
    configured = os.environ.get(URL_ENV)
    if configured:
        return configured
    folder = Path(instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'lowcode.db'}"


def normalize_url(url: str) -> str:
    """Name the psycopg 3 driver for plain `postgresql://` (and `postgres://`) URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def is_postgres(url: str) -> bool:
    return make_url(normalize_url(url)).get_backend_name() == "postgresql"


def make_engine(url: str, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS, **options: Any) -> Engine:
    """An engine for `url`; SQLite connections get WAL, NORMAL sync, foreign keys, and wait
    up to `busy_timeout_ms` for another connection's write lock."""
    url = normalize_url(url)
    if is_postgres(url):
        return create_engine(url, pool_pre_ping=True, **options)
    engine = create_engine(url, **options)
    pragmas = (*SQLITE_PRAGMAS, f"PRAGMA busy_timeout={int(busy_timeout_ms)}")

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            for pragma in pragmas:
                cursor.execute(pragma)
        finally:
            cursor.close()

    event.listen(engine, "connect", on_connect)
    return engine


def is_busy(error: BaseException) -> bool:
    """Whether `error` is SQLite giving up on a write lock after its busy timeout."""
    return isinstance(error, OperationalError) and any(
        message in str(error.orig) for message in BUSY_MESSAGES)


def session_factory(engine: Engine, **info: Any) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit (pages render after the commit),
    carrying `info` (the app's audit key: `runtime.store.audit.key_of`)."""
    return sessionmaker(bind=engine, expire_on_commit=False, info=info)


def ping(session: Session) -> bool:
    """True when the database answers a trivial query through `session`."""
    try:
        session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        session.rollback()
        return False
    return True

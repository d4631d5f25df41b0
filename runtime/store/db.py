"""Engines and sessions: SQLite by default (WAL, foreign keys on), PostgreSQL by URL."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

URL_ENV = "LOWCODE_DATABASE_URL"
BUSY_TIMEOUT_MS = 5000
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
)


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


def make_engine(url: str, **options: Any) -> Engine:
    """An engine for `url`; SQLite connections get WAL, NORMAL sync, foreign keys, a timeout."""
    url = normalize_url(url)
    if is_postgres(url):
        return create_engine(url, pool_pre_ping=True, **options)
    engine = create_engine(url, **options)
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


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

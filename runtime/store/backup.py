"""Backups: the database and the uploads folder in one directory (or .tar.gz) with a manifest.

SQLite is copied with its online backup API, so a running server and workers may keep
writing; PostgreSQL with `pg_dump --format=custom` (one consistent snapshot) and restored with
`pg_restore`. The manifest lists every file with its SHA-256, and a restore checks them all
before it touches anything. A restore refuses a database or uploads folder that holds data
unless forced, because it replaces them.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData, func, select
from sqlalchemy.engine import URL

from runtime.store.db import is_postgres
from runtime.store.migrate import current_revision

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.pgdump"
UPLOADS = "uploads"
ARCHIVE_SUFFIX = ".tar.gz"
KEEP_OUT_OF_COUNTS = frozenset({"alembic_version"})


class BackupError(Exception):
    """Why a backup or restore did not happen; `code` names it for the CLI's words:
    exists | missing_tool | tool_failed | bad_backup | other_database | not_empty."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(code, detail)
        self.code, self.detail = code, detail


def backup(engine: Engine, uploads: Path, target: Path) -> dict[str, Any]:
    """Write the database behind `engine` and the `uploads` folder to `target` (a new
    directory, or a .tar.gz archive when the name ends so); return the manifest."""
    if target.exists():
        raise BackupError("exists", str(target))
    with _staging(target) as folder:
        url = engine.url
        if is_postgres(str(url)):
            _run(["pg_dump", "--format=custom", "--no-owner", "--file",
                  str(folder / POSTGRES_FILE), _libpq(url)], url)
            database = POSTGRES_FILE
        else:
            _sqlite_backup(_sqlite_path(url), folder / SQLITE_FILE)
            database = SQLITE_FILE
        if uploads.is_dir():
            shutil.copytree(uploads, folder / UPLOADS)
        manifest = {"format": FORMAT, "created_at": datetime.now(UTC).isoformat(),
                    "database": "postgresql" if database == POSTGRES_FILE else "sqlite",
                    "revision": current_revision(engine), "database_file": database,
                    "rows": table_counts(engine), "files": _digests(folder)}
        (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2),
                                       encoding="utf-8")
    return manifest


def restore(engine: Engine, uploads: Path, source: Path, *, force: bool = False) -> dict[str, Any]:
    """Put the backup at `source` back: the database behind `engine` and the `uploads`
    folder are replaced. Refused when either holds data, unless `force`."""
    with _unpacked(source) as folder:
        manifest = _checked_manifest(folder)
        postgres = is_postgres(str(engine.url))
        if (manifest["database"] == "postgresql") != postgres:
            raise BackupError("other_database", manifest["database"])
        if not force and (any(table_counts(engine).values()) or _has_files(uploads)):
            raise BackupError("not_empty")
        database = folder / manifest["database_file"]
        engine.dispose()  # no pooled connection holds the old database open
        if postgres:
            _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                  "--dbname", _libpq(engine.url), str(database)], engine.url)
        else:
            _sqlite_backup(database, _sqlite_path(engine.url))
        _replace_folder(folder / UPLOADS, uploads)
    return manifest


def table_counts(engine: Engine) -> dict[str, int]:
    """Rows in every table of the database (reflected, so it needs no model imported)."""
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        return {name: connection.scalar(select(func.count()).select_from(table)) or 0
                for name, table in sorted(metadata.tables.items())
                if name not in KEEP_OUT_OF_COUNTS}


# --- the pieces ---------------------------------------------------------------------------

def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("bad_backup", "an in-memory database has nothing to back up")
    return Path(url.database)


def _sqlite_backup(source: Path, target: Path) -> None:
    """Copy page by page through SQLite's online backup API: writers may go on meanwhile,
    and the copy is one consistent moment."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with _closing(sqlite3.connect(source)) as reader, _closing(sqlite3.connect(target)) as writer:
        reader.backup(writer)


@contextmanager
def _closing(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    try:
        yield connection
    finally:
        connection.close()


def _libpq(url: URL) -> str:
    """The URL as libpq's tools read it: no SQLAlchemy driver name, and no password (that goes
    in PGPASSWORD, so that it never shows in the process list)."""
    return url.set(drivername="postgresql", password=None).render_as_string()


def _run(command: list[str], url: URL) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError("missing_tool", command[0])
    env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError("tool_failed", f"{command[0]}: {done.stderr.strip()}")


def _digests(folder: Path) -> dict[str, str]:
    return {path.relative_to(folder).as_posix(): _sha256(path)
            for path in sorted(folder.rglob("*")) if path.is_file() and path.name != MANIFEST}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _checked_manifest(folder: Path) -> dict[str, Any]:
    """The manifest, once every file it lists is there with its digest and nothing else is."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError("bad_backup", f"{MANIFEST}: {error}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError("bad_backup", f"format {manifest.get('format')!r}")
    found = _digests(folder)
    if found != manifest.get("files"):
        differing = sorted(set(found.items()) ^ set(manifest.get("files", {}).items()))
        raise BackupError("bad_backup", ", ".join(sorted({name for name, _ in differing})))
    return manifest


def _has_files(folder: Path) -> bool:
    return folder.is_dir() and any(p.is_file() for p in folder.rglob("*"))


def _replace_folder(source: Path, target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    if source.is_dir():
        shutil.copytree(source, target)
        for path in target.rglob("*"):
            path.chmod(0o700 if path.is_dir() else 0o600)  # the service's own, as uploads are
        target.chmod(0o700)


@contextmanager
def _staging(target: Path) -> Iterator[Path]:
    """A folder to fill; it becomes `target` (renamed, or packed as .tar.gz) only when whole."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".backup-") as scratch:
        folder = Path(scratch, "backup")
        folder.mkdir(mode=0o700)
        yield folder
        if target.name.endswith(ARCHIVE_SUFFIX):
            with tarfile.open(target, "w:gz") as archive:
                archive.add(folder, arcname=".")
            target.chmod(0o600)
        else:
            folder.rename(target)


@contextmanager
def _unpacked(source: Path) -> Iterator[Path]:
    if source.is_dir():
        yield source
        return
    if not source.is_file():
        raise BackupError("bad_backup", f"{source}: not found")
    with tempfile.TemporaryDirectory(prefix="lowcode-restore-") as scratch:
        try:
            with tarfile.open(source, "r:gz") as archive:
                archive.extractall(scratch, filter="data")  # no links out, no absolute paths
        except (tarfile.TarError, OSError) as error:
            raise BackupError("bad_backup", f"{source}: {error}") from None
        yield Path(scratch)

"""Attachments: bytes kept outside the web root under random keys, rows that say whose they are.

`FileStore` is the small storage interface (a local folder today; an object store can be added
behind the same three methods). A file's type is sniffed from its content, never its name;
the original Chinese file name is kept only for display.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Protocol

import filetype
from sqlalchemy import DateTime, ForeignKey, Integer, String, delete, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from runtime.store.models import Base, utcnow
from runtime.store.submissions import Owner

MAX_FILE_BYTES = 20 << 20
DEFAULT_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})
# The field types that hold uploaded files, and the content types each accepts.
FILE_FIELD_TYPES = {"file": DEFAULT_TYPES, "image": frozenset({"image/jpeg", "image/png"})}
SNIFF_BYTES = 8192  # what the type is told from
_CHUNK = 1 << 16
# Characters a name shows wrongly or not at all: controls (a line break in a header),
# format characters (U+202E turns "gpj.exe" around), line and paragraph separators.
_UNSHOWN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


@dataclass(frozen=True)
class Written:
    """What `FileStore.write` kept: its size, its SHA-256 and its first bytes."""

    size: int
    sha256: str
    head: bytes


class FileStore(Protocol):
    def write(self, key: str, stream: BinaryIO, limit: int) -> Written: ...
    def open(self, key: str) -> BinaryIO: ...
    def delete(self, key: str) -> None: ...


class LocalFileStore:
    """Files in a folder outside the web root, fanned out by the key's first two characters,
    readable by the service's own user only (folders 0700, files 0600)."""

    def __init__(self, root: Path):
        self.root = root

    def _path(self, key: str) -> Path:
        if not key.replace("-", "").replace("_", "").isalnum():
            raise ValueError("bad file key")  # keys are ours: anything else is an attack
        return self.root / key[:2] / key

    def write(self, key: str, stream: BinaryIO, limit: int) -> Written:
        """Copy `stream` to the file `key` a chunk at a time; past `limit` bytes the copy
        stops, the part written is removed and FileRefused("file_too_large") is raised."""
        path = self._path(key)
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.parent.mkdir(mode=0o700, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as file:
                return _copy(stream, file, limit)
        except BaseException:
            path.unlink(missing_ok=True)
            raise

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def _copy(stream: BinaryIO, file: BinaryIO, limit: int) -> Written:
    digest, size, head = hashlib.sha256(), 0, b""
    while chunk := stream.read(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise FileRefused("file_too_large")
        if len(head) < SNIFF_BYTES:
            head += chunk[:SNIFF_BYTES - len(head)]
        digest.update(chunk)
        file.write(chunk)
    return Written(size, digest.hexdigest(), head)


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    owner_kind: Mapped[str] = mapped_column(String(10))
    owner_id: Mapped[int | None] = mapped_column(Integer, index=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


@dataclass(frozen=True)
class FileRefused(Exception):
    code: str  # file_too_large | file_type | file_empty


def sniff(data: bytes) -> str | None:
    """The MIME type the content shows, or None when it shows none we know."""
    kind = filetype.guess(data[:SNIFF_BYTES])
    return kind.mime if kind else None


def display_name(name: str) -> str:
    """A file's name as a person gave it, for display only: its last path part, without the
    characters that show wrongly or not at all; "file" when nothing is left."""
    last = re.split(r"[\\/]", name)[-1]
    shown = "".join(c for c in last if unicodedata.category(c) not in _UNSHOWN).strip()
    return shown[:255] or "file"


def store_file(session: Session, files: FileStore, *, name: str, data: BinaryIO, owner: Owner,
               allowed: frozenset[str] = DEFAULT_TYPES) -> Attachment:
    """Check and keep an uploaded file, read from `data` a chunk at a time (never whole in
    memory); the row is added to the session, not committed. A refused file leaves nothing."""
    key = secrets.token_urlsafe(24)
    written = files.write(key, data, MAX_FILE_BYTES)
    content_type = sniff(written.head)
    problem = ("file_empty" if not written.size else
               "file_type" if content_type not in allowed else None)
    if problem is not None:
        files.delete(key)
        raise FileRefused(problem)
    row = Attachment(key=key, original_name=display_name(name), content_type=content_type,
                     size=written.size, sha256=written.sha256, owner_kind=owner.kind,
                     owner_id=owner.id)
    session.add(row)
    return row


def attachment(session: Session, key: str) -> Attachment | None:
    return session.scalars(select(Attachment).where(Attachment.key == key)).first()


def claim_files(session: Session, submission_id: int, keys: list[str]) -> None:
    """The files `keys` become the submission's, unless another submission claimed them."""
    if keys:
        session.execute(update(Attachment).where(Attachment.key.in_(keys),
                                                 Attachment.submission_id.is_(None))
                        .values(submission_id=submission_id))


def remove_unclaimed(session: Session, files: FileStore, *, before: datetime,
                     batch: int = 500) -> int:
    """Remove uploads that no submission claimed and that were made before `before`: rows,
    then bytes (a row that a submit claims meanwhile is kept). How many went. Commits."""
    found = select(Attachment.id).where(Attachment.submission_id.is_(None),
                                        Attachment.created_at < before).limit(batch)
    keys = session.scalars(delete(Attachment).where(Attachment.id.in_(found),
                                                    Attachment.submission_id.is_(None))
                           .returning(Attachment.key)).all()
    session.commit()
    for key in keys:
        files.delete(key)
    return len(keys)

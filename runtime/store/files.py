"""Attachments: bytes kept outside the web root under random keys, rows that say whose they are.

`FileStore` is the small storage interface (a local folder today; an object store can be added
behind the same three methods). A file's type is sniffed from its content, never its name;
the original Chinese file name is kept only for display.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

import filetype
from sqlalchemy import DateTime, ForeignKey, Integer, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from runtime.store.models import Base, utcnow
from runtime.store.submissions import Owner

MAX_FILE_BYTES = 20 << 20
DEFAULT_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})
# The field types that hold uploaded files, and the content types each accepts.
FILE_FIELD_TYPES = {"file": DEFAULT_TYPES, "image": frozenset({"image/jpeg", "image/png"})}


class FileStore(Protocol):
    def put(self, key: str, data: bytes) -> None: ...
    def get(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...


class LocalFileStore:
    """Files in a folder outside the web root, fanned out by the key's first two characters."""

    def __init__(self, root: Path):
        self.root = root

    def _path(self, key: str) -> Path:
        if not key.replace("-", "").replace("_", "").isalnum():
            raise ValueError("bad file key")  # keys are ours: anything else is an attack
        return self.root / key[:2] / key

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


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


def clean_name(name: str) -> str:
    """A file name safe to show and to put in a header: the last path part, without control
    characters (a CR/LF would break the download's Content-Disposition) or invisible format
    characters (a right-to-left override makes `exe.pdf` read as `fdp.exe`)."""
    kept = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf"))
    return Path(kept.replace("\\", "/")).name.strip()[:255] or "file"


def sniff(data: bytes) -> str | None:
    """The MIME type the content shows, or None when it shows none we know."""
    kind = filetype.guess(data[:8192])
    return kind.mime if kind else None


def store_file(session: Session, files: FileStore, *, name: str, data: bytes, owner: Owner,
               allowed: frozenset[str] = DEFAULT_TYPES) -> Attachment:
    """Check and keep an uploaded file; the row is added to the session, not committed."""
    if not data:
        raise FileRefused("file_empty")
    if len(data) > MAX_FILE_BYTES:
        raise FileRefused("file_too_large")
    content_type = sniff(data)
    if content_type not in allowed:
        raise FileRefused("file_type")
    key = secrets.token_urlsafe(24)
    files.put(key, data)
    row = Attachment(key=key, original_name=clean_name(name),
                     content_type=content_type, size=len(data),
                     sha256=hashlib.sha256(data).hexdigest(), owner_kind=owner.kind,
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

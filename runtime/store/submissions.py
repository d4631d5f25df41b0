"""The tables and queries of submissions and drafts of generated forms.

A submission keeps the form id and the version it was filled on, so a later version never
changes how it reads; its idempotency key is unique, so the same key makes one submission
(the use-case that submits is `runtime.casework.submissions`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, Integer, String, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from runtime.definitions.spec import FormSpec
from runtime.store.models import Base, JSONData, aware, utcnow

DRAFT_DAYS = 30
TRACKING_TRIES = 5


@dataclass(frozen=True)
class Owner:
    """Who a submission, draft or file belongs to: a guest, a citizen or enterprise account,
    or a staff user filling a staff form."""

    kind: str  # guest | citizen | staff
    id: int | None = None


GUEST = Owner("guest")


class Submission(Base):
    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tracking_no: Mapped[str] = mapped_column(String(20), unique=True)
    verification_code: Mapped[str] = mapped_column(String(6))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    form_id: Mapped[str] = mapped_column(String(64), index=True)
    form_version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]]
    prefilled: Mapped[dict[str, Any]] = mapped_column(default=dict)  # field id -> its source
    # The rule sets' results on the submitted data (runtime.rulesets.Outcome.stored), if any.
    rules: Mapped[dict[str, Any] | None] = mapped_column(JSONData, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    owner_kind: Mapped[str] = mapped_column(String(10))
    owner_id: Mapped[int | None] = mapped_column(Integer, index=True)
    department_code: Mapped[str | None] = mapped_column(String(32), index=True)
    region_code: Mapped[str | None] = mapped_column(String(6))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    row_version: Mapped[int] = mapped_column(Integer, default=1)


class Draft(Base):
    """A form saved to finish later; a guest resumes it by a secret link whose hash is kept."""

    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    form_id: Mapped[str] = mapped_column(String(64))
    form_version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]]
    owner_kind: Mapped[str] = mapped_column(String(10))
    owner_id: Mapped[int | None] = mapped_column(Integer, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class Receipt:
    tracking_no: str
    verification_code: str
    form_id: str
    form_version: int
    created_at: datetime
    created: bool  # False when this idempotency key had already made the submission


def insert_submission(session: Session, form: FormSpec, data: dict[str, Any], *,
                      idempotency_key: str, owner: Owner, region_code: str | None,
                      prefilled: dict[str, str],
                      rules: dict[str, Any] | None = None) -> Submission:
    """Insert a submission of `form` with a freshly drawn tracking number and code, in the
    caller's transaction, and return it (detached: written once, it needs no unit of work,
    so it is one plain INSERT). A repeated key or a number already taken raises
    IntegrityError here."""
    now = utcnow()
    values = {"tracking_no": _tracking_no(), "verification_code": _code(),
              "idempotency_key": idempotency_key, "form_id": form.id,
              "form_version": form.version, "data": data, "prefilled": prefilled,
              "rules": rules, "status": "submitted", "owner_kind": owner.kind, "owner_id": owner.id,
              "department_code": form.department, "region_code": region_code,
              "created_at": now, "updated_at": now, "row_version": 1}
    found = session.connection().execute(_INSERT, values)
    return Submission(id=found.inserted_primary_key[0], **values)


_INSERT = insert(Submission.__table__)  # built once


def by_key(session: Session, key: str) -> Submission | None:
    return session.scalars(select(Submission).where(Submission.idempotency_key == key)).first()


def receipt_of(row: Submission, *, created: bool) -> Receipt:
    return Receipt(row.tracking_no, row.verification_code, row.form_id, row.form_version,
                   row.created_at, created)


def _tracking_no() -> str:
    """受理编号: the date in China and eight random digits, e.g. 2026112204718352."""
    today = datetime.now(UTC) + timedelta(hours=8)
    return today.strftime("%Y%m%d") + f"{secrets.randbelow(10**8):08d}"


def _code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def find_for_tracking(session: Session, tracking_no: str, code: str) -> Submission | None:
    """The submission a guest may follow: the tracking number and its verification code must
    both match (compared in constant time); callers rate-limit the attempts."""
    row = session.scalars(select(Submission)
                          .where(Submission.tracking_no == tracking_no.strip())).first()
    if row is None or not hmac.compare_digest(row.verification_code, code.strip()):
        return None
    return row


def save_draft(session: Session, *, form: FormSpec, data: dict[str, Any], owner: Owner = GUEST,
               token: str | None = None) -> str:
    """Save (or update, given its token) a draft and commit; returns the resume token."""
    draft = load_draft(session, token) if token else None
    if draft is None:
        token = secrets.token_urlsafe(24)
        draft = Draft(token_hash=_token_hash(token), owner_kind=owner.kind, owner_id=owner.id)
        session.add(draft)
    draft.form_id, draft.form_version, draft.data = form.id, form.version, data
    draft.updated_at = utcnow()
    draft.expires_at = draft.updated_at + timedelta(days=DRAFT_DAYS)
    session.commit()
    assert token is not None
    return token


def load_draft(session: Session, token: str) -> Draft | None:
    draft = session.scalars(select(Draft)
                            .where(Draft.token_hash == _token_hash(token))).first()
    if draft is None or aware(draft.expires_at) < utcnow():
        return None
    return draft


def _token_hash(token: str) -> str:
    # The link is the secret: only its hash is kept, so a copy of the database opens no draft.
    return hashlib.sha256(token.encode()).hexdigest()


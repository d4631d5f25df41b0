"""The tables and queries of submissions and drafts of generated forms.

A submission keeps the form id and the version it was filled on, so a later version never
changes how it reads. Its idempotency key is kept as a hash of the form, the submitter and
the key the client sent (`scoped_key`), unique, beside a hash of the canonical body
(`body_hash`): the same key from the same submitter on the same form makes one submission,
and a key never reaches another submitter's receipt (the use-case that submits is
`runtime.casework.submissions`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, Integer, String, bindparam, insert, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.orm.exc import StaleDataError

from runtime.definitions.spec import FormSpec
from runtime.store.models import Base, JSONData, aware, utcnow

DRAFT_DAYS = 30
TRACKING_TRIES = 5
# Verification codes: letters and digits a person cannot misread (no 0/O, 1/I/L), 10 of
# them (31^10, about 8e14); rows from before keep their 6-digit codes, which still work.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10


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
    verification_code: Mapped[str] = mapped_column(String(12))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)  # see scoped_key
    body_hash: Mapped[str | None] = mapped_column(String(64))  # None: stored before 0007
    form_id: Mapped[str] = mapped_column(String(64), index=True)
    form_version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]]
    prefilled: Mapped[dict[str, Any]] = mapped_column(default=dict)  # field id -> its source
    # The rule sets' results on the submitted data (runtime.rulesets.Outcome.stored), if any.
    rules: Mapped[dict[str, Any] | None] = mapped_column(JSONData, nullable=True)
    # The applicant's status (runtime.flows.applicant), kept in step with the case in the
    # transaction of each of its changes; `notice` is what they are told with it: the
    # reason written for them and the fields a correction asks for.
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    notice: Mapped[dict[str, Any] | None] = mapped_column(JSONData, nullable=True)
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


def scoped_key(form_id: str, submitter: str, key: str) -> str:
    """The stored idempotency key: the client's `key` as one `submitter` (an account, a
    browser session, an API client) sent it to one form, hashed to a fixed length."""
    return hashlib.sha256("\x00".join((form_id, submitter, key)).encode()).hexdigest()


def body_hash(form: FormSpec, data: dict[str, Any]) -> str:
    """A hash of what was submitted: the form's version and the canonical JSON of the data
    (sorted keys, no spaces), so a repeat with other data is told from a retry."""
    canonical = json.dumps({"version": form.version, "data": data}, sort_keys=True,
                           ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def insert_submission(session: Session, form: FormSpec, data: dict[str, Any], *,
                      idempotency_key: str, owner: Owner, region_code: str | None,
                      prefilled: dict[str, str], body: str | None = None,
                      rules: dict[str, Any] | None = None,
                      now: datetime | None = None) -> Submission:
    """Insert a submission of `form` with a freshly drawn tracking number and code, in the
    caller's transaction, and return it (detached: written once, it needs no unit of work,
    so it is one plain INSERT). A repeated key or a number already taken raises
    IntegrityError here. `now`: when it arrived (else the clock)."""
    now = now or utcnow()
    values = {"tracking_no": _tracking_no(), "verification_code": _code(),
              "idempotency_key": idempotency_key, "body_hash": body, "form_id": form.id,
              "form_version": form.version, "data": data, "prefilled": prefilled,
              "rules": rules, "status": "submitted", "notice": None, "owner_kind": owner.kind,
              "owner_id": owner.id,
              "department_code": form.department, "region_code": region_code,
              "created_at": now, "updated_at": now, "row_version": 1}
    found = session.connection().execute(_INSERT, values)
    return Submission(id=found.inserted_primary_key[0], **values)


_INSERT = insert(Submission.__table__)  # built once


def set_status(session: Session, submission_id: int, status: str,
               notice: dict[str, Any] | None) -> None:
    """The applicant's status and what they are told with it, in the caller's transaction."""
    session.connection().execute(_STATUS, {"b_id": submission_id, "status": status,
                                           "notice": notice, "updated_at": utcnow()})


def correct(session: Session, row: Submission, data: dict[str, Any]) -> None:
    """The applicant's corrected data, in the caller's transaction; its version moves, so a
    second resubmission of the same correction at the same moment fails here."""
    done = session.connection().execute(_CORRECT, {
        "b_id": row.id, "b_version": row.row_version, "data": data,
        "row_version": row.row_version + 1, "updated_at": utcnow()})
    if done.rowcount != 1:
        raise StaleDataError(f"submission {row.id} changed since it was read")


_TABLE = Submission.__table__
_STATUS = update(_TABLE).where(_TABLE.c.id == bindparam("b_id"))
_CORRECT = update(_TABLE).where(_TABLE.c.id == bindparam("b_id"),
                                _TABLE.c.row_version == bindparam("b_version"))


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
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _typed_code(code: str) -> str:
    """A code as a person may type it: any case, with spaces or hyphens between groups."""
    return "".join(code.split()).replace("-", "").upper()


def of_owner(session: Session, owner: Owner, limit: int = 100) -> list[Submission]:
    """An account's submissions, the newest first (我的办件)."""
    return list(session.scalars(select(Submission).where(
        Submission.owner_kind == owner.kind, Submission.owner_id == owner.id)
        .order_by(Submission.id.desc()).limit(limit)))


def find_for_tracking(session: Session, tracking_no: str, code: str) -> Submission | None:
    """The submission a guest may follow: the tracking number and its verification code must
    both match (compared in constant time); callers rate-limit the attempts."""
    row = session.scalars(select(Submission)
                          .where(Submission.tracking_no == tracking_no.strip())).first()
    if row is None or not hmac.compare_digest(row.verification_code.encode(),
                                              _typed_code(code).encode()):
        return None
    return row


def owner_of(session: Session, tracking_no: str) -> Owner | None:
    """Who submitted `tracking_no`; None if no submission has it."""
    found = session.execute(select(Submission.owner_kind, Submission.owner_id)
                            .where(Submission.tracking_no == tracking_no)).first()
    return None if found is None else Owner(found[0], found[1])


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


"""Submitting an application: validate it, store the submission, let it claim the files its
browser session uploaded, start the case its form starts and audit it, in one transaction
with one commit. The page and the JSON API call `submit`; a caller that validated already
(a test, a bench, the demo) calls `submit_validated`.

Each rendered form carries an idempotency key: the same key submitted twice by the same
submitter to the same form with the same data, even at the same moment, makes one submission
and gives back the same receipt; with other data it is refused (`KeyReused`) and stores
nothing. Another submitter's key never meets this one. The key is not looked up first: the
insert finds a repeat by the unique key, so a new submission costs no read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from runtime.casework import cases, incidents
from runtime.definitions.spec import CatalogSpec, FormSpec
from runtime.flows import applicant
from runtime.flows.case import Actor
from runtime.flows.engine import Flow
from runtime.flows.errors import FlowError
from runtime.forms.checks import CUSTOM, FieldError
from runtime.forms.fieldtypes import FieldTypes
from runtime.forms.plans import PerForm
from runtime.forms.references import Resolver
from runtime.forms.sizes import size_errors
from runtime.forms.validation import Validation, validate
from runtime.i18n import Label
from runtime.rulesets import Masks, Outcome, RuleBook
from runtime.store import audit, submissions
from runtime.store.cases import case_by_tracking_no
from runtime.store.files import FILE_FIELD_TYPES, claim_files
from runtime.store.queries import Heads, rule_book
from runtime.store.submissions import (
    GUEST,
    TRACKING_TRIES,
    Owner,
    Receipt,
    Submission,
    body_hash,
    by_key,
    insert_submission,
    receipt_of,
    scoped_key,
)

RULES_PATH = "_form"  # where the refusals of rule sets are listed: with the form's own rules


@dataclass(frozen=True)
class Application:
    """A submit as the web parsed it: the posted data (an account's own values already laid
    over it), the form it was filled on, and who sent it from where."""

    form: FormSpec
    data: Mapping[str, Any]
    idempotency_key: str
    owner: Owner = GUEST
    uploads: frozenset[str] = frozenset()  # keys of files this browser session uploaded
    prefilled: Mapping[str, str] = field(default_factory=dict)  # field id -> its source
    origin: audit.Origin = audit.NOWHERE
    submitter: str = ""  # whose keys these are: "citizen:7", "session:…", "api:<address>"


class KeyReused(Exception):
    """The idempotency key was used before by this submitter on this form, with other data."""


@dataclass(frozen=True)
class Submitted:
    """What came of a submit: the validation, and the receipt unless it found errors."""

    validation: Validation
    receipt: Receipt | None


def submit(session: Session, application: Application, types: FieldTypes, *,
           catalogs: Mapping[str, CatalogSpec] | None = None,
           resolver: Resolver | None = None, heads: Heads | None = None,
           now: datetime | None = None) -> Submitted:
    """Validate the application (its fields' types from `types`, the app's registry;
    references asked of `resolver`); when it holds, store it,
    start its case and commit once. `heads`, the app's remembered definitions, tells a form
    that starts no process without a read (without it, the store is asked). `now`: when it
    arrived (the demo's histories in the past; else the clock)."""
    form = application.form
    book = heads.rule_book(lambda: session, form.id) if heads else rule_book(session, form.id)
    result = validate(form, application.data, types, catalogs=catalogs, resolver=resolver,
                      tables=book.tables, rules=book)
    if result.ok:
        result.errors.update(size_errors(form, result.data))  # what is stored, computed too
    if not result.ok:
        return Submitted(result, None)
    outcome = _decide_rules(book, result, masks_of(form, types))
    if not result.ok:
        return Submitted(result, None)
    starts = heads is None or heads.process_started_by(lambda: session, form.id) is not None
    receipt = submit_validated(
        session, form=form, data=result.data, idempotency_key=application.idempotency_key,
        owner=application.owner, region_code=region_of(form, result.data),
        attachments=own_files(form, result.data, application.uploads),
        origin=application.origin, submitter=application.submitter,
        prefilled=dict(application.prefilled), starts_case=starts,
        rules=outcome.stored() if outcome else None, now=now)
    return Submitted(result, receipt)


def masks_of(form: FormSpec, types: FieldTypes) -> Masks:
    """How each personal number of the form is shown where results cite the values used."""
    return {f.id: mask for f in form.all_fields()
            if f.type in types and (mask := types[f.type].mask) is not None}


def _decide_rules(book: RuleBook, result: Validation, masks: Masks) -> Outcome | None:
    """The rule sets on the form decided on the valid data; every failing gate of a set
    that gates submissions is added to `result`'s errors at once (一次性告知), in the
    applicant's words, each citing its clauses. None when no rule set reads the form."""
    if not book.rulesets:
        return None
    outcome = book.decide(result.data, masks)
    for refused in book.refusals(outcome):
        result.errors.setdefault(RULES_PATH, []).append(FieldError(
            CUSTOM, Label(refused.notice("zh"), refused.notice("en"))))
    return outcome


def submit_validated(session: Session, *, form: FormSpec, data: dict[str, Any],
                     idempotency_key: str, owner: Owner = GUEST,
                     region_code: str | None = None, attachments: Iterable[str] = (),
                     origin: audit.Origin = audit.NOWHERE,
                     prefilled: dict[str, str] | None = None,
                     starts_case: bool = True, submitter: str = "",
                     rules: dict[str, Any] | None = None,
                     started_by: Owner | None = None, now: datetime | None = None) -> Receipt:
    """Store a validated submission once per idempotency key of `submitter` (by default
    the owner's account) on this form, claim the uploaded files it names (`attachments`:
    keys the caller checked are the submitter's), start its case (unless the caller knows
    its form starts none: `starts_case`), audit it, and commit. The key used before with
    other data raises KeyReused, and nothing is written. `rules`: the rule sets' results on
    the data, kept with it (and so with its case). `started_by`: who is audited as
    submitting it when that is not its owner (staff starting an enterprise's case from a
    list)."""
    keys, body = list(attachments), body_hash(form, data)
    scoped = scoped_key(form.id, submitter or _account(owner), idempotency_key)
    for _ in range(TRACKING_TRIES):
        try:
            # A repeated key or a drawn number already taken fails the insert.
            row = insert_submission(session, form, data, idempotency_key=scoped,
                                    owner=owner, region_code=region_code,
                                    prefilled=prefilled or {}, body=body, rules=rules,
                                    now=now)
            claim_files(session, row.id, keys)
            if starts_case:
                incidents.start_or_record(session, row, now)
            audit.record(session, action="submission.create",
                         actor=_actor(started_by or owner),
                         ip=origin.ip, user_agent=origin.user_agent,
                         target=("submission", row.tracking_no),
                         after={"form": form.id, "version": form.version})
            session.commit()
            return receipt_of(row, created=True)
        except IntegrityError as error:
            session.rollback()
            existing = by_key(session, scoped)
            if existing is not None and existing.body_hash != body:
                raise KeyReused(idempotency_key) from error
            if existing is not None:  # the key was used before, or won a race: one receipt
                return receipt_of(existing, created=False)
            if "tracking_no" not in str(error.orig):
                raise  # not a drawn number taken: a real fault, shown as it is
    raise RuntimeError("could not find a free tracking number")  # 10^8 a day: never in practice


@dataclass(frozen=True)
class Correction:
    """A resubmission after a correction request, as the web parsed it: the submission (the
    caller has checked it is the person's own), the form version it was filled on, the
    posted values and who sent them from where."""

    submission: Submission
    form: FormSpec
    data: Mapping[str, Any]
    owner: Owner = GUEST
    uploads: frozenset[str] = frozenset()
    ip: str | None = None


def asked_fields(row: Submission) -> list[str]:
    """The fields a correction asks the applicant for; none unless one is pending."""
    if row.status != applicant.CORRECTION or not row.notice:
        return []
    return [str(f) for f in row.notice.get("fields", [])]


def resubmit(session: Session, correction: Correction, types: FieldTypes, *,
             catalogs: Mapping[str, CatalogSpec] | None = None,
             resolver: Resolver | None = None) -> Validation:
    """Take the asked fields from the posted values (the others stay as they were), validate
    the whole application by the same form validation as a submit, and when it holds store
    it, let the waiting step go on, audit and commit once. A submission with no pending
    correction raises FlowError("no_correction")."""
    row, form = correction.submission, correction.form
    asked = asked_fields(row)
    case = case_by_tracking_no(session, row.tracking_no)
    if not asked or case is None:
        raise FlowError("no_correction")
    merged = {**row.data, **{f: correction.data.get(f) for f in asked}}
    result = validate(form, merged, types, catalogs=catalogs, resolver=resolver)
    if not result.ok:
        return result
    changes = {f: (row.data.get(f), result.data.get(f)) for f in asked
               if row.data.get(f) != result.data.get(f)}
    files = own_files(form, result.data, correction.uploads)

    def corrected(flow: Flow) -> None:  # run again, whole, if the case moved meanwhile
        submissions.correct(session, row, result.data)
        claim_files(session, row.id, files)
        flow.case.data = dict(result.data)
        applicant.resubmitted(flow, changes)
        audit.record(session, action="submission.correct", actor=_actor(correction.owner),
                     ip=correction.ip, target=("submission", row.tracking_no),
                     after={"fields": sorted(changes)})

    cases.run(session, case.id, corrected, actor=APPLICANT)
    return result


APPLICANT = Actor(None, "applicant")  # the history's actor of a resubmission


def answer(session: Session, row: Submission, confirm: bool, *, owner: Owner = GUEST,
           note: str | None = None, ip: str | None = None) -> None:
    """The applicant confirms or declines the step that waits for them (免申即享: the
    enterprise confirms a case started from data), audited, in one transaction. A case with
    nothing waiting for them raises FlowError("no_confirmation")."""
    case = case_by_tracking_no(session, row.tracking_no)
    if case is None:
        raise FlowError("no_confirmation")

    def answered(flow: Flow) -> None:
        applicant.answered(flow, confirm, note)
        audit.record(session, action="submission.confirm" if confirm else "submission.decline",
                     actor=_actor(owner), ip=ip, target=("submission", row.tracking_no))

    cases.run(session, case.id, answered, actor=APPLICANT)


def _fields_of_type(form: FormSpec) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The ids of the form's region fields and of its file fields, in form order."""
    fields = form.all_fields()
    return (tuple(f.id for f in fields if f.type == "region"),
            tuple(f.id for f in fields if f.type in FILE_FIELD_TYPES))


_typed_fields = PerForm(_fields_of_type)  # the form is walked once, not on every submit


def region_of(form: FormSpec, data: Mapping[str, Any]) -> str | None:
    """The region a submission is about (the field its form's `region:` names, else its first
    region field): region scopes reach it."""
    if form.region:
        return str(data[form.region]) if data.get(form.region) else None
    return next((data[f] for f in _typed_fields(form)[0] if data.get(f)), None)


def own_files(form: FormSpec, data: Mapping[str, Any], uploads: frozenset[str]) -> list[str]:
    """Keys of files a submission may claim: those its file fields name that this browser
    session uploaded (a key copied from someone else's page claims nothing)."""
    if not uploads:
        return []
    return [k for f in _typed_fields(form)[1] for k in data.get(f) or [] if k in uploads]


def _account(owner: Owner) -> str:
    return "" if owner.id is None else f"{owner.kind}:{owner.id}"


def _actor(owner: Owner) -> audit.Actor:
    name = owner.kind if owner.id is None else f"{owner.kind}:{owner.id}"
    return audit.Actor(None if owner.id is None else str(owner.id), name, owner.kind)

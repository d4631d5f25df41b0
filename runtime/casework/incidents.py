"""Incidents as use-cases: a submission whose case cannot start is kept and an incident
recorded with it (the definition, the message in zh and en); an administrator retries it once
the definition is fixed, and a case that then starts resolves the incident."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime.casework import cases
from runtime.flows.errors import FlowError
from runtime.store import audit
from runtime.store.cases import case_by_tracking_no, form_pack, process_for_form
from runtime.store.incidents import CASE_NOT_STARTED, Incident
from runtime.store.models import utcnow
from runtime.store.submissions import Submission

log = logging.getLogger(__name__)


def start_or_record(session: Session, submission: Any, now: datetime | None = None) -> None:
    """Start the submission's case in the caller's transaction; a FlowError (a rule, table or
    limit that fails on this data) keeps the submission and records an incident instead.
    The start is one unit: child cases it started before the failure (a child whose own first
    step fails, a chain too deep) are undone with it, so there are all children or none."""
    savepoint = session.begin_nested()
    try:
        cases.start_for(session, submission, now)
        savepoint.commit()
    except FlowError as error:
        savepoint.rollback()
        log.error("submission %s started no case: %s", submission.tracking_no, error.message())
        definition = process_for_form(session, submission.form_id, form_pack(
            session, submission.form_id, submission.form_version))
        session.add(Incident(
            kind=CASE_NOT_STARTED, tracking_no=submission.tracking_no,
            definition_id=definition.spec.id if definition else None,
            definition_version=definition.spec.version if definition else None,
            department_code=submission.department_code, region_code=submission.region_code,
            message_zh=error.message("zh"), message_en=error.message("en")))


def retry(session: Session, incident: Incident, *, actor: audit.Actor,
          origin: audit.Origin = audit.NOWHERE) -> FlowError | None:
    """Start the incident's case again on the newest published definition; commits. None when
    it started (or had started already): the incident is resolved, audited. The error when it
    fails again: the incident stays open with the new message."""
    if incident.resolved_at is None and case_by_tracking_no(session, incident.tracking_no
                                                            or "") is None:
        submission = session.scalars(select(Submission).where(
            Submission.tracking_no == incident.tracking_no)).one()
        try:
            cases.start_for(session, submission)
        except FlowError as error:
            session.rollback()
            incident.message_zh, incident.message_en = error.message("zh"), error.message("en")
            session.commit()
            return error
    incident.resolved_at = incident.resolved_at or utcnow()
    audit.record(session, action="incident.retry", actor=actor, target=("incident", incident.id),
                 ip=origin.ip, user_agent=origin.user_agent)
    session.commit()
    return None

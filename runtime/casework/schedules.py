"""Scheduled starts (定期发起): each poll of a worker starts the processes whose schedule has
a period due (runtime.flows.periods), one case per period, with the start-form data the
schedule gives. Of several workers due to start one period, only the one whose row in
`scheduled_starts` holds (the unique key) starts its case, in that row's transaction; the
others start nothing. Periods missed while no worker ran are caught up, up to the
schedule's `catch_up`; a process's first run starts only the current period.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from runtime.casework.submissions import region_of, submit_validated
from runtime.definitions.spec import FormSpec, ProcessSpec
from runtime.expressions.errors import ExpressionError
from runtime.flows.deadlines import CHINA
from runtime.flows.periods import CronPeriod, Period, due_moments, due_periods, start_data
from runtime.forms.fieldtypes import FieldTypes
from runtime.forms.validation import validate
from runtime.store import schedules
from runtime.store.models import utcnow
from runtime.store.queries import latest_definition, list_definitions
from runtime.store.submissions import Owner, Receipt

log = logging.getLogger(__name__)
SCHEDULER = Owner("system")  # whose submissions scheduled starts are


def start_due(session: Session, types: FieldTypes, now: datetime | None = None
              ) -> list[Receipt]:
    """Start every period due now of every scheduled process; the receipts of the cases
    this call started (none for a period another worker started). Commits each."""
    moment = (now or utcnow()).astimezone(CHINA)
    started: list[Receipt] = []
    for row in list_definitions(session, "Process"):
        process = row.spec
        if not isinstance(process, ProcessSpec) or process.schedule is None:
            continue
        try:
            started += _start_process(session, process, types, moment, row.pack_id)
        except SQLAlchemyError:
            raise  # the database: the worker waits for it
        except Exception:  # one failing schedule must not stop the others, nor the worker
            session.rollback()
            log.exception("schedule of %s failed; trying again at the next poll", process.id)
    session.commit()  # end the read, so the next poll sees what others started
    return started


def _start_process(session: Session, process: ProcessSpec, types: FieldTypes,
                   moment: datetime, pack_id: str) -> list[Receipt]:
    schedule = process.schedule
    assert schedule is not None
    last = schedules.last_period(session, process.id)
    due: list[Period | CronPeriod] = []
    if schedule.cron is not None:
        due += due_moments(schedule.cron, last, moment, schedule.catch_up)
    elif schedule.every is not None:
        due += due_periods(schedule.every, last, moment.date(), schedule.catch_up)
    form = latest_definition(session, "Form", process.start_form, pack_id) if due else None
    if form is None or not isinstance(form.spec, FormSpec):
        return []  # nothing due (the usual poll), or a start form not published
    started = []
    for period in due:
        receipt = _start_period(session, process, form.spec, period, types)
        if receipt is not None:
            started.append(receipt)
    return started


def _start_period(session: Session, process: ProcessSpec, form: FormSpec,
                  period: Period | CronPeriod, types: FieldTypes) -> Receipt | None:
    """Record the period and start its case in one transaction; None when another worker
    recorded it first, or when the schedule's data does not pass the start form."""
    assert process.schedule is not None
    try:
        data = start_data(process.schedule.data, period)
    except ExpressionError as error:
        log.error("schedule of %s, period %s: %s", process.id, period.label,
                  error.message("en"))
        return None
    result = validate(form, _as_typed(data), types)
    if not result.ok:
        log.error("schedule of %s, period %s: the start form refuses the data: %s",
                  process.id, period.label, result.as_dict("en"))
        return None
    try:
        schedules.record(session, process.id, period.label)
    except IntegrityError:
        session.rollback()
        return None
    receipt = submit_validated(
        session, form=form, data=result.data, owner=SCHEDULER, submitter="system",
        idempotency_key=f"schedule:{process.id}:{period.label}",
        region_code=region_of(form, result.data))
    schedules.started(session, process.id, period.label, receipt.tracking_no)
    log.info("schedule of %s started %s for period %s", process.id, receipt.tracking_no,
             period.label)
    return receipt


def _as_typed(data: dict[str, Any]) -> dict[str, Any]:
    """The values as a person would type them: a date as 2026-12-01."""
    return {name: value.isoformat() if hasattr(value, "isoformat") else value
            for name, value in data.items()}

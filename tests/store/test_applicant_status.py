"""The applicant's status in the database: written on the submission in the transaction of
each case change (and not when the change is refused), with the reason for the applicant;
a resubmission stores the corrected data and lets the waiting step go on, once."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from runtime.casework import cases as use_cases
from runtime.casework.submissions import Correction, resubmit
from runtime.definitions.spec import FormSpec
from runtime.flows import actions
from runtime.flows.case import SYSTEM
from runtime.flows.errors import FlowError
from runtime.providers import default_field_types
from runtime.store.migrate import alembic_config, upgrade
from runtime.store.queries import latest_definition
from runtime.store.submissions import Submission

from .casework import act, publish, staff, start, tasks

CLERK = staff(1, "GOVSVC")
DATA = {"child_name": "王小明", "child_gender": "M", "birth_date": "2026-11-01",
        "hospital": "市妇幼保健院", "mother_name": "李丽", "mother_id": "11010519491231002X",
        "contact_mobile": "13912345678", "enrol_insurance": True, "need_ss_card": True,
        "bank_account": "6222020200112233445", "residence": "110105"}


@pytest.fixture
def birth(session: Session) -> Session:
    publish(session)
    return session


def submission(session: Session, case_submission_id: int) -> Submission:
    row = session.get(Submission, case_submission_id, populate_existing=True)
    assert row is not None
    return row


def form(session: Session) -> FormSpec:
    found = latest_definition(session, "Form", "birth_apply")
    assert found is not None and isinstance(found.spec, FormSpec)
    return found.spec


def test_each_case_change_keeps_the_status_and_a_refusal_writes_none(birth: Session) -> None:
    case = start(birth, data=DATA)
    assert submission(birth, case.submission_id).status == "submitted"
    with pytest.raises(FlowError):
        act(birth, case.id, CLERK, actions.complete, 1, outcome="reject", opinion="x",
            notice="y")  # not claimed: refused, nothing written
    assert (submission(birth, case.submission_id).status,
            submission(birth, case.submission_id).notice) == ("submitted", None)
    act(birth, case.id, CLERK, actions.claim, 1)
    act(birth, case.id, CLERK, actions.complete, 1, outcome="reject", opinion="内部意见",
        notice="材料不符合受理条件")
    row = submission(birth, case.submission_id)
    assert (row.status, row.notice) == ("not_approved",
                                        {"reason": "材料不符合受理条件", "fields": []})


def test_a_resubmission_is_validated_stored_and_resumes_the_step(birth: Session) -> None:
    case = start(birth, data=DATA)
    act(birth, case.id, CLERK, actions.claim, 1)
    act(birth, case.id, CLERK, actions.ask_correction, 1, ("hospital",), "请填写医院全称")
    row = submission(birth, case.submission_id)
    assert (row.status, row.notice) == ("correction", {"reason": "请填写医院全称",
                                                       "fields": ["hospital"]})
    types = default_field_types()
    failed = resubmit(birth, Correction(row, form(birth), {"hospital": ""}), types)
    assert not failed.ok and "hospital" in failed.as_dict("zh")
    assert submission(birth, case.submission_id).status == "correction"
    done = resubmit(birth, Correction(row, form(birth), {"hospital": "市第一医院"}), types)
    assert done.ok
    row = submission(birth, case.submission_id)
    assert (row.status, row.data["hospital"], row.row_version) == ("submitted", "市第一医院", 2)
    assert [(t.no, t.status, t.user_id) for t in tasks(birth, case.id)] == [
        (1, "corrected", CLERK.user_id), (2, "open", None)]
    with pytest.raises(FlowError) as again:  # the same correction sent twice: once only
        resubmit(birth, Correction(row, form(birth), {"hospital": "又改"}), types)
    assert again.value.code == "no_correction"
    assert submission(birth, case.submission_id).data["hospital"] == "市第一医院"


def test_the_migration_gives_existing_cases_submissions_their_status(
        birth: Session, engine: Engine) -> None:
    """0010, run on cases made before it: accepted, in progress, done, not approved;
    a case nobody has acted on stays submitted."""
    health = staff(2, "HEALTH")
    made = [start(birth, key=f"k{i}", data=DATA) for i in range(5)]
    for case in made[1:]:
        act(birth, case.id, CLERK, actions.claim, 1)
        act(birth, case.id, CLERK, actions.complete, 1)
    act(birth, made[2].id, health, actions.claim, 2)
    use_cases.act(birth, made[3].id, lambda flow: flow.close_rejected(flow.case.steps["accept"]),
                  actor=SYSTEM)
    use_cases.act(birth, made[4].id, lambda flow: setattr(flow.case, "status", "done"),
                  actor=SYSTEM)
    expected = ["submitted", "accepted", "in_progress", "not_approved", "done"]
    assert [submission(birth, c.submission_id).status for c in made] == expected
    birth.close()
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0009")
    with engine.connect() as connection:
        assert {s for (s,) in connection.execute(text("SELECT status FROM submissions"))} == {
            "submitted"}
    upgrade(engine)
    with engine.connect() as connection:
        found = dict(connection.execute(text("SELECT id, status FROM submissions")).all())
    assert [found[c.submission_id] for c in made] == expected

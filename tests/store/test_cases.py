"""Cases in the database: a submission starts its form's process, a case keeps the process
version it started on, and `act` retries on a concurrent change, refusing with the engine's
own message what the change no longer allows."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, select, update
from sqlalchemy.exc import NoResultFound
from sqlalchemy.orm import Session

from runtime.casework import cases as use_cases
from runtime.flows import actions, stored
from runtime.flows.case import SYSTEM
from runtime.flows.engine import Flow
from runtime.flows.errors import Conflict, FlowError
from runtime.store import cases, jobs
from runtime.store.cases import CaseRow
from runtime.store.db import session_factory
from runtime.store.submissions import Submission

from .casework import (
    BIRTH,
    act,
    claim_and_complete,
    events,
    notifications,
    publish,
    staff,
    start,
    tasks,
)

CLERK, OTHER = staff(1, "GOVSVC"), staff(2, "GOVSVC")


@pytest.fixture
def birth(session: Session) -> Session:
    publish(session)
    return session


def test_a_submission_starts_a_case_with_the_accept_task_in_the_pool(birth: Session) -> None:
    case = start(birth)
    submission = birth.get(Submission, case.submission_id)
    assert submission is not None and submission.tracking_no == case.tracking_no
    assert (case.process_id, case.status) == ("birth_joint", "running")
    assert stored.steps_of(case.steps)["accept"].status == "active"
    [task] = tasks(birth, case.id)
    assert (task.no, task.step, task.department, task.role, task.user_id, task.status) == (
        1, "accept", "GOVSVC", "clerk", None, "open")
    assert task.due_at is not None and task.yellow_at is not None
    due, yellow = cases.aware(task.due_at), cases.aware(task.yellow_at)
    assert cases.aware(task.created_at) < yellow < due  # type: ignore[arg-type]
    assert cases.aware(task.due_sort) == due
    timers = birth.scalars(select(jobs.Job).where(jobs.Job.case_id == case.id)
                           .order_by(jobs.Job.run_at)).all()
    assert [(j.kind, j.name, j.task_no, j.status) for j in timers] == [
        ("timer", "yellow", 1, "pending"), ("timer", "overdue", 1, "pending")]
    assert [cases.aware(j.run_at) for j in timers] == [yellow, due]
    assert {datetime.fromisoformat(j.stamp or "") for j in timers} == {due}
    [note] = notifications(birth, "task.new", case.id)
    assert (note.user_id, note.department, note.role) == (None, "GOVSVC", "clerk")
    assert events(birth, "case.start", case.id) == 1


def test_a_case_keeps_the_decision_tables_of_its_start_form_it_started_with(
        birth: Session) -> None:
    case = start(birth)
    assert case.templates["DecisionTable:card_channel"] == 1
    plan = cases.plan_of(birth, case.process_id, case.process_version, case.templates)
    assert set(plan.tables) == {"card_channel"}
    assert plan.decisions({"delivery_address": "北京市朝阳区某路 1 号", "residence": "110105"})[
        "card_channel"] == {"channel": "post", "days": 7}


def test_a_form_no_process_starts_from_makes_no_case(session: Session, make_pack: Any) -> None:
    publish(session, make_pack())
    with pytest.raises(NoResultFound):
        start(session, "demo_apply", data={"applicant": "张三"})
    assert session.scalars(select(Submission)).one().form_id == "demo_apply"
    assert session.scalars(select(CaseRow)).all() == []


def new_process_version(tmp_path: Path) -> tuple[Path, int, set[str]]:
    """A copy of the birth pack whose process has one more version, in which acceptance is
    followed by one step only, `fast_close`; with the new version and the steps that follow
    acceptance in the shipped one."""
    copy = tmp_path / "birth_v_next"
    shutil.copytree(BIRTH, copy)
    pack_file = copy / "pack.yaml"
    pack = yaml.safe_load(pack_file.read_text(encoding="utf-8"))
    pack["version"] += 1
    pack_file.write_text(yaml.safe_dump(pack, allow_unicode=True), encoding="utf-8")
    [process_file] = (copy / "processes").glob("*.yaml")
    process = yaml.safe_load(process_file.read_text(encoding="utf-8"))
    after_accept = {s["id"] for s in process["steps"] if s.get("after") == ["accept"]}
    process["version"] += 1
    process["steps"] = [{"id": "accept", "task": "accept"},
                        {"id": "fast_close", "task": "accept", "after": ["accept"]}]
    process_file.write_text(yaml.safe_dump(process, allow_unicode=True), encoding="utf-8")
    return copy, process["version"], after_accept


def test_a_case_stays_on_its_process_version_after_a_new_one_is_published(
        birth: Session, tmp_path: Path) -> None:
    old = start(birth, key="old")
    copy, version, after_accept = new_process_version(tmp_path)
    publish(birth, copy)
    new = start(birth, key="new")
    assert (old.process_version, new.process_version) == (version - 1, version)
    claim_and_complete(birth, old.id, CLERK, 1)
    claim_and_complete(birth, new.id, CLERK, 1)
    assert {t.step for t in tasks(birth, old.id)} - {"accept"} == after_accept
    assert {t.step for t in tasks(birth, new.id)} == {"accept", "fast_close"}
    assert set(stored.steps_of(birth.get(CaseRow, old.id).steps)) >= after_accept  # type: ignore[union-attr]


def test_acting_on_a_stale_case_reads_it_again_and_succeeds_for_another_task(
        birth: Session, engine: Engine) -> None:
    case = start(birth)
    claim_and_complete(birth, case.id, CLERK, 1)
    first, second = (t.no for t in tasks(birth, case.id) if t.status == "open")
    health = {t.no: staff(10 + t.no, t.department or "") for t in tasks(birth, case.id)}
    attempts = []

    def claim_while_another_clerk_acts(flow: Flow) -> None:
        attempts.append(flow.case.task(second).user_id)  # type: ignore[union-attr]
        if len(attempts) == 1:  # between our read and our write, the other task is claimed
            with session_factory(engine)() as other:
                act(other, case.id, health[second], actions.claim, second)
        actions.claim(flow, health[first], first)

    row_version = birth.get(CaseRow, case.id).row_version  # type: ignore[union-attr]
    use_cases.act(birth, case.id, claim_while_another_clerk_acts,
              actor=SYSTEM)
    assert attempts == [None, health[second].user_id]  # read again after the conflict
    held = {t.no: t.user_id for t in tasks(birth, case.id)}
    assert held[first] == health[first].user_id and held[second] == health[second].user_id
    assert birth.get(CaseRow, case.id).row_version == row_version + 2  # type: ignore[union-attr]
    assert events(birth, "claim", case.id) == 3


def test_two_clerks_claiming_one_task_the_second_gets_the_engines_message(
        birth: Session, engine: Engine) -> None:
    case = start(birth)
    tries = []

    def claim_while_the_other_clerk_claims(flow: Flow) -> None:
        tries.append(1)
        if len(tries) == 1:
            with session_factory(engine)() as other:
                act(other, case.id, OTHER, actions.claim, 1)
        actions.claim(flow, CLERK, 1)

    with pytest.raises(FlowError) as refused:
        use_cases.act(birth, case.id, claim_while_the_other_clerk_claims, actor=SYSTEM)
    assert len(tries) == 2 and refused.value.code == "not_pool"
    assert refused.value.message() == "此任务已由他人签收"
    assert refused.value.message("en") == "someone else has already claimed this task"
    [task] = tasks(birth, case.id)
    assert task.user_id == OTHER.user_id and events(birth, "claim", case.id) == 1


def test_a_case_changed_at_every_try_gives_a_conflict(birth: Session, engine: Engine) -> None:
    case = start(birth)
    tries = []

    def always_overtaken(flow: Flow) -> None:
        tries.append(1)
        with session_factory(engine)() as other:  # any change moves the case's version
            use_cases.act(other, case.id, lambda f: f.event("note"), actor=SYSTEM)
        actions.claim(flow, CLERK, 1)

    with pytest.raises(Conflict) as conflict:
        use_cases.act(birth, case.id, always_overtaken, actor=SYSTEM)
    assert len(tries) == use_cases.TRIES
    assert conflict.value.message() == "此案件刚刚被他人处理过，请刷新后重试"
    assert tasks(birth, case.id)[0].user_id is None


def test_a_refused_action_writes_nothing(birth: Session) -> None:
    case = start(birth)
    before = birth.get(CaseRow, case.id).row_version  # type: ignore[union-attr]
    with pytest.raises(FlowError) as refused:
        act(birth, case.id, CLERK, actions.complete, 1)
    assert refused.value.code == "claim_first"
    assert birth.get(CaseRow, case.id).row_version == before  # type: ignore[union-attr]
    assert events(birth, "task.complete", case.id) == 0


def test_acting_on_a_case_that_does_not_exist(birth: Session) -> None:
    with pytest.raises(LookupError):
        act(birth, 999, CLERK, actions.claim, 1)


def test_a_case_stored_in_format_1_is_read_upgraded_and_written_in_the_newest(
        birth: Session) -> None:
    case = start(birth)
    assert case.steps["format"] == stored.FORMAT
    old = dict(case.steps["steps"])  # format 1: the steps by id and nothing else
    birth.execute(update(CaseRow).where(CaseRow.id == case.id).values(steps=old))
    birth.commit()
    _, _, state, _ = cases.load(birth, case.id)
    assert state.steps["accept"].status == "active"
    act(birth, case.id, CLERK, actions.claim, 1)
    row = birth.get(CaseRow, case.id, populate_existing=True)
    assert row is not None and row.steps["format"] == stored.FORMAT
    assert stored.steps_of(row.steps) == state.steps

"""The applicant's time to answer (confirm_within) run by the worker: the reminder and the
end are timers of the case like any other, the applicant's status follows (已放弃 when the
time runs out unanswered), and the history says why."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from web.test_pickers import token

from runtime import worker
from runtime.store import cases
from runtime.store.cases import CaseRow
from runtime.store.submissions import Submission
from runtime.web.applications import TRACKED
from runtime.web.casepages import china
from runtime.web.database import store

from .casework import events, publish, start, tasks

PACK = {
    "pack.yaml": """\
kind: Pack
id: confirm_time
version: 1
format: 1
title: 确认时限测试
departments: [{code: GOVSVC, name: 政务服务中心}]
roles: [{code: clerk, name: 办事员}]
""",
    "forms/offer.yaml": """\
kind: Form
id: offer
version: 1
title: 免申即享兑付
department: GOVSVC
fields: [{id: company, type: text, label: 企业名称}]
""",
    "tasks/work.yaml": """\
kind: TaskTemplate
id: work
version: 1
title: 办理
content: {instructions: 办理}
coordination: {assignee: {department: GOVSVC, role: clerk}}
""",
    "processes/offer_flow.yaml": """\
kind: Process
id: offer_flow
version: 1
title: 兑付
start_form: offer
steps:
  - {id: confirm, task: work, by: applicant, confirm_within: {working_days: 10}}
  - {id: review, task: work, after: [confirm]}
""",
}


def write(root: Path) -> Path:
    for name, text in PACK.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def publish_folder(app: Flask, publish: Callable[[Path], object], tmp_path: Path) -> None:
    publish(write(tmp_path / "pack"))


def test_the_worker_reminds_then_ends_an_unanswered_case_as_declined(
        session: Session, tmp_path: Path) -> None:
    publish(session, write(tmp_path / "pack"))
    case = start(session, "offer", data={"company": "星河智能"})
    [task] = tasks(session, case.id, "confirm")
    assert task.yellow_at is not None and task.due_at is not None
    remind, due = cases.aware(task.yellow_at), cases.aware(task.due_at)
    assert worker.run_once(session, "w1", now=remind + timedelta(seconds=1)) == 1
    assert events(session, "confirm.remind", case.id) == 1
    status = select(Submission.status).where(Submission.tracking_no == case.tracking_no)
    assert session.scalar(status.execution_options(populate_existing=True)) == "confirm"
    assert worker.run_once(session, "w1", now=due + timedelta(seconds=1)) == 1
    assert events(session, "confirm.expired", case.id) == 1
    assert session.scalar(status.execution_options(populate_existing=True)) == "declined"
    row = session.get(CaseRow, case.id, populate_existing=True)
    assert row is not None and row.status == "rejected"
    assert tasks(session, case.id, "review") == []


def test_the_applicants_page_shows_the_time_to_answer_and_then_the_reminder(
        app: Flask, publish_folder: None) -> None:
    client = app.test_client()
    csrf = token(client, "/forms/offer")
    posted = client.post("/forms/offer", data={"csrf_token": csrf, "_version": "1",
                                               "_key": "o1", "_action": "submit",
                                               "company": "星河智能"})
    assert posted.status_code == 303
    with store(app).sessions() as session:
        number = session.scalars(select(Submission.tracking_no)).one()
        case = session.scalars(select(CaseRow).where(CaseRow.tracking_no == number)).one()
        [task] = tasks(session, case.id, "confirm")
        assert task.yellow_at is not None and task.due_at is not None
        due = china(cases.aware(task.due_at))
        worker.run_once(session, "w1", now=cases.aware(task.yellow_at) + timedelta(seconds=1))
    with client.session_transaction() as browser:  # looked up on the tracking page
        browser[TRACKED] = [number]
    response = client.get(f"/applications/{number}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[-1500:]
    assert f'<p id="confirm-by">请于 {due} 前确认，逾期未答复将按规定处理。</p>' in page
    assert f"请于 {due} 前确认</" in page  # the reminder, in the messages told to them

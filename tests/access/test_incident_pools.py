"""A dispatch rule that gives, from the application's data, a code that is no department of
the organisation (found by the pack-mutation fuzz test: a rule reading the address) does not
open a task in a pool nobody belongs to: the submission is kept and becomes an incident the
administrator sees, retried once the rule is fixed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from runtime.casework import cases as use_cases
from runtime.flows import actions
from runtime.flows.actions import Staff
from runtime.flows.case import Actor
from runtime.flows.errors import FlowError
from runtime.packs import check_path
from runtime.store.accounts import principal_of, user_by_name
from runtime.store.cases import CaseEvent, Task, case_by_tracking_no
from runtime.store.incidents import Incident
from runtime.store.publish import publish_pack
from runtime.web.database import store

from .conftest import SignIn, csrf_from
from .test_admin_incidents import FORM, PACK, TASK, publish, submit


def test_a_rule_giving_no_known_department_is_an_incident(
        demo: Flask, tmp_path: Path, client: FlaskClient, sign_in: SignIn) -> None:
    publish(demo, tmp_path / "v1", 1, "place")  # the place, not a department code
    tracking = submit(demo, "东湖路 1 号")
    with store(demo).sessions() as session:
        assert case_by_tracking_no(session, tracking) is None
        assert session.scalars(select(Task)).all() == []
        [incident] = session.scalars(select(Incident)).all()
        assert incident.tracking_no == tracking
        assert "'东湖路 1 号' 不是本单位的部门" in incident.message_zh
        assert "which is no department of the organisation" in incident.message_en
        incident_id = incident.id
    sign_in(client, "admin")
    page = client.get("/admin/incidents").get_data(as_text=True)
    assert f'id="incident-{incident_id}"' in page and "无人能签收" in page

    publish(demo, tmp_path / "v2", 2, "'GOVSVC'")
    fixed = client.post(f"/admin/incidents/{incident_id}/retry",
                        data={"csrf_token": csrf_from(page)})
    assert fixed.headers["Location"] == f"/admin/incidents?resolved={incident_id}"
    with store(demo).sessions() as session:
        case = case_by_tracking_no(session, tracking)
        assert case is not None
        assert [t.department for t in session.scalars(select(Task))] == ["GOVSVC"]


LATER = """\
kind: Process
id: reporting
version: 1
title: 线索流程
start_form: report
steps:
  - {id: handle, task: handle_report}
  - {id: followup, task: followup_report, after: [handle]}
"""
FOLLOWUP = """\
kind: TaskTemplate
id: followup_report
version: 1
title: 跟进线索
content: {instructions: 跟进}
coordination:
  assignee: {role: clerk, rule: "place"}
"""


def test_a_later_steps_rule_failing_on_data_is_an_incident_and_marks_the_case(
        demo: Flask, tmp_path: Path, client: FlaskClient, sign_in: SignIn) -> None:
    folder = tmp_path / "later"
    files = {"pack.yaml": PACK.format(version=1), "forms/report.yaml": FORM,
             "tasks/handle.yaml": TASK.format(version=1, rule="'GOVSVC'"),
             "tasks/followup.yaml": FOLLOWUP, "processes/reporting.yaml": LATER}
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    result = check_path(folder)
    assert result.ok, [p.render() for p in result.problems]
    with store(demo).sessions() as session:
        publish_pack(session, result)
    tracking = submit(demo, "东湖路 1 号")
    with store(demo).sessions() as session:
        case = case_by_tracking_no(session, tracking)
        assert case is not None
        clerk = Staff(principal_of(user_by_name(session, "clerk_govsvc")), "clerk_govsvc")
        case_id = case.id

        def act(action: Any, *args: Any, **kw: Any) -> Any:
            return use_cases.act(session, case_id, lambda flow: action(flow, clerk, *args, **kw),
                                 actor=Actor(clerk.user_id, clerk.name))

        act(actions.claim, 1)
        with pytest.raises(FlowError) as refused:
            act(actions.complete, 1, outcome="approve", opinion="已核实")
        assert refused.value.code == "rule_unknown_department"
        [incident] = session.scalars(select(Incident)).all()
        assert (incident.kind, incident.tracking_no, incident.definition_id) == (
            "step_failed", tracking, "reporting")
        marks = session.scalars(select(CaseEvent).where(
            CaseEvent.case_id == case_id, CaseEvent.action == "incident")).all()
        assert [m.step for m in marks] == ["followup"]
        assert [t.status for t in session.scalars(select(Task))] == ["open"]  # not done
        with pytest.raises(FlowError):  # tried again: still one incident, one mark
            act(actions.complete, 1, outcome="approve", opinion="已核实")
        assert len(session.scalars(select(Incident)).all()) == 1
    sign_in(client, "admin")
    page = client.get("/admin/incidents").get_data(as_text=True)
    assert f'id="incident-{incident.id}"' in page and "办理中出错" in page

"""/admin/incidents: a submission whose case cannot start (a dispatch rule that fails on its
data) is kept and listed as an incident for the administrators whose scope reaches it; after
a fixed version is published, a retry starts the case and resolves the incident."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from runtime.packs import check_path
from runtime.store import audit
from runtime.store.cases import case_by_tracking_no
from runtime.store.incidents import Incident
from runtime.store.publish import publish_pack
from runtime.store.submissions import Submission
from runtime.web.database import store

from .conftest import SignIn, csrf_from

PACK = """\
kind: Pack
id: reports
version: {version}
format: 1
title: 线索
departments:
  - {{code: GOVSVC, name: 政务服务中心}}
"""
FORM = """\
kind: Form
id: report
version: 1
title: 线索举报
department: GOVSVC
fields:
  - {id: place, type: text, label: 地点, required: true}
"""
# Version 1 sends a report about "无" to no department: the rule gives an empty code.
TASK = """\
kind: TaskTemplate
id: handle_report
version: {version}
title: 处理线索
content: {{instructions: 处理}}
coordination:
  assignee: {{role: clerk, rule: "{rule}"}}
"""
BROKEN = "'' if place == '无' else 'GOVSVC'"
PROCESS = """\
kind: Process
id: reporting
version: 1
title: 线索流程
start_form: report
steps:
  - {id: handle, task: handle_report}
"""


def publish(app: Flask, folder: Path, version: int, rule: str) -> None:
    files = {"pack.yaml": PACK.format(version=version), "forms/report.yaml": FORM,
             "tasks/handle.yaml": TASK.format(version=version, rule=rule),
             "processes/reporting.yaml": PROCESS}
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    result = check_path(folder)
    assert result.ok, [p.render() for p in result.problems]
    with store(app).sessions() as session:
        publish_pack(session, result)


def submit(app: Flask, place: str) -> str:
    answer = app.test_client().post("/api/forms/report/submissions",
                                    json={"data": {"place": place}})
    assert answer.status_code == 201, answer.get_data(as_text=True)
    return str(answer.get_json()["tracking_no"])


def incident_rows(page: str) -> list[str]:
    return re.findall(r'<tr id="incident-(\d+)" class="open-incident">', page)


def test_a_case_that_cannot_start_is_an_incident_retried_after_the_fix(
        demo: Flask, tmp_path: Path, client: FlaskClient, sign_in: SignIn) -> None:
    publish(demo, tmp_path / "v1", 1, BROKEN)
    fine, broken = submit(demo, "东湖路 1 号"), submit(demo, "无")
    with store(demo).sessions() as session:
        assert case_by_tracking_no(session, fine) is not None
        assert case_by_tracking_no(session, broken) is None
        assert session.scalars(select(Submission).where(
            Submission.tracking_no == broken)).one() is not None  # the submission is kept
        [incident] = session.scalars(select(Incident)).all()
        assert (incident.tracking_no, incident.definition_id, incident.definition_version,
                incident.kind, incident.resolved_at) == (
            broken, "reporting", 1, "case_not_started", None)
        incident_id = incident.id

    sign_in(client, "admin")
    page = client.get("/admin/incidents").get_data(as_text=True)
    assert incident_rows(page) == [str(incident_id)]
    row = page[page.index(f'id="incident-{incident_id}"'):]
    assert broken in row and "reporting v1" in row
    assert "步骤 &#39;handle&#39; 的派单规则" in row and "没有得出部门编码" in row
    english = client.get("/admin/incidents?lang=en").get_data(as_text=True)
    assert "<h1>Incidents</h1>" in english and "gave no department code" in english
    client.get("/admin/incidents?lang=zh")  # the chosen language is kept: back to Chinese
    token = csrf_from(page)

    again = client.post(f"/admin/incidents/{incident_id}/retry", data={"csrf_token": token})
    assert again.status_code == 303
    assert again.headers["Location"] == f"/admin/incidents?failed={incident_id}"
    assert "重试仍然失败" in client.get(again.headers["Location"]).get_data(as_text=True)

    publish(demo, tmp_path / "v2", 2, "'GOVSVC'")
    fixed = client.post(f"/admin/incidents/{incident_id}/retry", data={"csrf_token": token})
    assert fixed.headers["Location"] == f"/admin/incidents?resolved={incident_id}"
    page = client.get(fixed.headers["Location"]).get_data(as_text=True)
    assert f"事件 {incident_id} 已解决" in page and incident_rows(page) == []
    with store(demo).sessions() as session:
        case = case_by_tracking_no(session, broken)
        assert case is not None and case.status == "running"
        resolved = session.get(Incident, incident_id)
        assert resolved is not None and resolved.resolved_at is not None
        retried = session.scalars(select(audit.AuditEntry.target_id).where(
            audit.AuditEntry.action == "incident.retry")).all()
    assert retried == [str(incident_id)]
    clerk = demo.test_client()
    sign_in(clerk, "clerk_govsvc")
    assert f'id="task-{broken}-1"' in clerk.get("/work/tasks?list=pool").get_data(as_text=True)


def test_only_administrators_whose_scope_reaches_it_see_or_retry_it(
        demo: Flask, tmp_path: Path, client: FlaskClient, sign_in: SignIn) -> None:
    publish(demo, tmp_path / "v1", 1, BROKEN)
    submit(demo, "无")
    with store(demo).sessions() as session:
        [incident_id] = session.scalars(select(Incident.id)).all()
    sign_in(client, "admin_district")
    page = client.get("/admin/incidents").get_data(as_text=True)
    assert incident_rows(page) == [] and "没有未处理的运行事件" in page
    refused = client.post(f"/admin/incidents/{incident_id}/retry",
                          data={"csrf_token": csrf_from(page)})
    assert refused.status_code == 404
    clerk = demo.test_client()
    sign_in(clerk, "clerk_govsvc")
    assert clerk.get("/admin/incidents").status_code == 404

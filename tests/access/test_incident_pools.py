"""A dispatch rule that gives, from the application's data, a code that is no department of
the organisation (found by the pack-mutation fuzz test: a rule reading the address) does not
open a task in a pool nobody belongs to: the submission is kept and becomes an incident the
administrator sees, retried once the rule is fixed."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from runtime.store.cases import Task, case_by_tracking_no
from runtime.store.incidents import Incident
from runtime.web.database import store

from .conftest import SignIn, csrf_from
from .test_admin_incidents import publish, submit


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

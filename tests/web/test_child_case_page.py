"""A plan's case page lists the child cases its step started, each with its 受理编号 and
status."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Flask
from sqlalchemy import select
from store.casework import claim_and_complete, staff, tasks
from store.test_child_cases import PACK

from runtime.demo import seed_demo
from runtime.store.cases import CaseRow
from runtime.web.database import store
from web.test_pickers import sign_in


def test_the_plan_page_lists_its_child_cases(app: Flask, make_pack: Callable[..., Path],
                                             publish: Callable[[Path], object]) -> None:
    with store(app).sessions() as session:
        seed_demo(session, env="testing")
    files = {name: text.replace("SAMR", "GOVSVC") for name, text in PACK.items()}
    publish(make_pack(extra=files))
    client = app.test_client()
    response = client.post("/api/forms/plan/submissions",
                           json={"data": {"targets": "老街面馆,新华饭店"}})
    assert response.status_code == 201, response.get_json()
    tracking_no = response.get_json()["tracking_no"]
    with store(app).sessions() as session:
        plan = session.scalars(select(CaseRow).where(CaseRow.tracking_no == tracking_no)).one()
        [prepare] = tasks(session, plan.id, "prepare")
        claim_and_complete(session, plan.id, staff(1, "GOVSVC"), prepare.no)
        children = session.scalars(select(CaseRow.tracking_no).where(
            CaseRow.process_id == "inspection").order_by(CaseRow.id)).all()
    assert len(children) == 2
    sign_in(client, "clerk_govsvc")
    page = client.get(f"/work/cases/{tracking_no}").get_data(as_text=True)
    for child in children:
        assert f"{child}（办理中）" in page

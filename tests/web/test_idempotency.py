"""Idempotency keys over HTTP: a key is its submitter's own on one form, a repeat with other
data is a 409 that stores nothing, and a receipt goes to no one but the one who submitted."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from runtime.store.submissions import Submission
from runtime.web.database import store

from .test_forms import EXAMPLE, GOOD, page_fields, post

API = "/api/forms/{form}/submissions"
JSON_GOOD = {**GOOD, "contact_mobile": "13812345678", "enrol_insurance": True,
             "need_ss_card": False}


@pytest.fixture
def two_forms(app: Flask, publish: Callable[[Path], object],
              make_pack: Callable[..., Path]) -> Flask:
    publish(EXAMPLE)
    publish(make_pack())  # demo_apply
    return app


def send(app: Flask, data: dict[str, object], key: str, *, ip: str = "10.0.0.1",
         form: str = "birth_apply"):
    return app.test_client().post(API.format(form=form), json={"data": data,
                                                               "idempotency_key": key},
                                  environ_base={"REMOTE_ADDR": ip})


def stored(app: Flask) -> list[tuple[str, dict[str, object]]]:
    with store(app).sessions() as session:
        return [(r.tracking_no, r.data) for r in
                session.scalars(select(Submission).order_by(Submission.id))]


def count(app: Flask) -> int:
    with store(app).sessions() as session:
        return session.scalar(select(func.count()).select_from(Submission)) or 0


def test_a_key_chosen_first_by_someone_else_takes_nothing_from_the_real_application(
        two_forms: Flask) -> None:
    junk = send(two_forms, {**JSON_GOOD, "child_name": "垃圾"}, "key-1", ip="10.6.6.6")
    real = send(two_forms, JSON_GOOD, "key-1", ip="10.0.0.1")
    assert (junk.status_code, real.status_code) == (201, 201)
    assert real.get_json()["tracking_no"] != junk.get_json()["tracking_no"]
    assert real.get_json()["verification_code"] != junk.get_json()["verification_code"]
    assert [data["child_name"] for _, data in stored(two_forms)] == ["垃圾", "王小明"]


def test_the_same_key_on_another_form_is_another_submission(two_forms: Flask) -> None:
    first = send(two_forms, JSON_GOOD, "key-2")
    other = send(two_forms, {"applicant": "张三"}, "key-2", form="demo_apply")
    assert (first.status_code, other.status_code) == (201, 201)
    assert other.get_json()["tracking_no"] != first.get_json()["tracking_no"]
    assert other.get_json()["form"] == "demo_apply" and count(two_forms) == 2


def test_a_retry_gets_its_own_receipt_and_other_data_is_a_409_that_stores_nothing(
        two_forms: Flask) -> None:
    first = send(two_forms, JSON_GOOD, "key-3")
    retry = send(two_forms, JSON_GOOD, "key-3")
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.get_json() == first.get_json()
    changed = send(two_forms, {**JSON_GOOD, "child_name": "王小红"}, "key-3")
    assert changed.status_code == 409
    assert changed.get_json()["error"]["code"] == "key_reused"
    assert "verification_code" not in changed.get_data(as_text=True)
    assert [data["child_name"] for _, data in stored(two_forms)] == ["王小明"]


def test_a_browser_key_is_its_own_session_s(two_forms: Flask, client: FlaskClient) -> None:
    hidden = page_fields(client)
    assert post(client, GOOD, hidden, "submit").status_code == 303
    mine = client.get("/receipt").get_data(as_text=True)
    stranger = two_forms.test_client()
    stolen = {**page_fields(stranger), "_key": hidden["_key"]}  # the key copied from the page
    assert post(stranger, GOOD, stolen, "submit").status_code == 303
    theirs = stranger.get("/receipt").get_data(as_text=True)
    number = re.compile(r'id="tracking-no" class="big">([0-9]+)<')
    assert number.findall(mine) != number.findall(theirs) and count(two_forms) == 2


def test_a_changed_page_submitted_again_is_a_409_with_a_fresh_key(two_forms: Flask,
                                                                   client: FlaskClient) -> None:
    hidden = page_fields(client)
    assert post(client, GOOD, hidden, "submit").status_code == 303
    again = post(client, {**GOOD, "child_name": "王小红"}, hidden, "submit")
    assert again.status_code == 409
    page = again.get_data(as_text=True)
    assert "此页面已提交过不同的内容，本次未提交" in page and 'value="王小红"' in page
    fresh = re.search(r'name="_key" value="([^"]+)"', page)
    assert fresh and fresh.group(1) != hidden["_key"]
    assert count(two_forms) == 1
    confirmed = post(client, {**GOOD, "child_name": "王小红"}, {**hidden, "_key": fresh.group(1)},
                     "submit")
    assert confirmed.status_code == 303 and count(two_forms) == 2

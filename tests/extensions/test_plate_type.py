"""A field type defined outside the runtime package (tests/extensions/plates.py) used end to
end by an app that lists its provider: the pack checks, the page renders the type's own
widget, a live update and a submit read its two posted parts through its parser, its errors
speak its own words, and staff see it masked on the record page and in the export. An app
without the provider knows no such type, and the default registry is left as it was."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine, select

from runtime.definitions.checker import Extensions
from runtime.definitions.kinds import builtin_kinds
from runtime.definitions.spec import FormSpec
from runtime.demo import DEMO_PASSWORD, seed_demo
from runtime.forms.fieldtypes import field_types_from
from runtime.forms.validation import validate
from runtime.packs import check_path
from runtime.providers import FIELD_TYPE_PROVIDERS, default_field_types
from runtime.store.incidents import Incident
from runtime.store.publish import publish_pack
from runtime.store.submissions import Submission
from runtime.web import create_app
from runtime.web.database import store
from runtime.web.fieldtypes import field_types

from . import plates

PROVIDERS = (*FIELD_TYPE_PROVIDERS, plates.register)
FORM = """\
kind: Form
id: car
version: 1
title: 车辆登记
department: GOVSVC
fields:
  - {id: owner, type: text, label: 车主, required: true}
  - {id: plate, type: plate, label: {zh: 车牌号, en: Plate}, required: true}
  - {id: plate_length, type: integer, label: 车牌位数, compute: "len(plate)"}
"""
CARS = """\
kind: View
id: cars
version: 1
title: 车辆台账
type: list
form: car
columns: [{field: owner}, {field: plate}]
"""
GOOD = {"owner": "王五", "plate.province": "京", "plate.number": "a12345"}


def csrf_from(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


@pytest.fixture
def pack(make_pack: Callable[..., Path]) -> Path:
    return make_pack(extra={"forms/car.yaml": FORM, "views/cars.yaml": CARS})


@pytest.fixture
def car_app(engine: Engine, db_url: str, tmp_path: Path, pack: Path) -> Iterator[Flask]:
    """An app whose field types include the plate, with the demo staff and the pack."""
    app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "test", "TESTING": True,
                      "LOWCODE_ENV": "development", "INSTANCE_PATH": tmp_path / "instance"},
                     field_types=PROVIDERS)
    checked = check_path(pack, extensions=Extensions(builtin_kinds(), field_types(app)))
    assert checked.ok, [p.render() for p in checked.problems]
    with store(app).sessions() as session:
        seed_demo(session, env="testing")
        publish_pack(session, checked)
    yield app
    store(app).engine.dispose()


def test_the_pack_checks_only_against_a_registry_with_the_type(pack: Path) -> None:
    without = check_path(pack, extensions=Extensions(builtin_kinds(), default_field_types()))
    assert "unknown_field_type" in [p.code for p in without.problems]
    registry = field_types_from(PROVIDERS)
    assert check_path(pack, extensions=Extensions(builtin_kinds(), registry)).ok
    assert "plate" not in default_field_types()  # registering touched no other registry


def test_the_page_renders_the_types_own_widget(car_app: Flask) -> None:
    page = car_app.test_client().get("/forms/car").get_data(as_text=True)
    widget = page[page.index('<div id="f-plate"'):page.index('<div id="f-plate_length"')]
    assert '<fieldset aria-describedby="">' in widget  # a group may not be aria-required
    assert 'class="plate" data-field-type="plate"' in widget
    assert 'id="in-plate" class="plate-province" name="plate.province"' in widget
    assert 'name="plate.number" value="" maxlength="7"' in widget
    assert 'hx-post="/forms/car/state' in widget  # it takes part in live updates


def test_a_live_update_reads_the_posted_parts(car_app: Flask) -> None:
    client = car_app.test_client()
    token = csrf_from(client.get("/forms/car").get_data(as_text=True))
    response = client.post("/forms/car/state", data={"csrf_token": token, **GOOD},
                           headers={"HX-Request": "true", "HX-Trigger-Name": "plate.number"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="f-plate_length"' in html and 'value="7"' in html  # computed from it


def test_a_submit_stores_the_parsed_value_and_a_bad_one_gets_the_types_words(
        car_app: Flask) -> None:
    client = car_app.test_client()
    token = csrf_from(client.get("/forms/car").get_data(as_text=True))
    form = {"csrf_token": token, "_version": "1", "_action": "submit"}
    bad = client.post("/forms/car", data={**form, "_key": "k1", **GOOD,
                                          "plate.number": "I1"}).get_data(as_text=True)
    assert '<p id="err-plate" class="error">「车牌号」不是有效的车牌号</p>' in bad
    response = client.post("/forms/car", data={**form, "_key": "k2", **GOOD})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    with store(car_app).sessions() as session:
        row = session.scalars(select(Submission)).one()
    assert row.data["plate"] == "京A12345" and row.data["plate_length"] == 7


def test_its_errors_speak_its_own_words_in_both_languages(pack: Path) -> None:
    registry = field_types_from(PROVIDERS)
    checked = check_path(pack, extensions=Extensions(builtin_kinds(), registry))
    form = next(d.spec for d in checked.definitions if d.spec.id == "car")
    assert isinstance(form, FormSpec)
    result = validate(form, {"owner": "x", "plate": "京A1"}, registry)
    assert result.as_dict("zh") == {"plate": ["「车牌号」不是有效的车牌号"]}
    assert result.as_dict("en") == {"plate": ["Plate is not a valid licence plate"]}
    assert validate(form, {"owner": "x", "plate": " 京a 12345"}, registry).data["plate"] \
        == "京A12345"  # the API posts it as one text


def test_staff_see_it_masked_on_the_record_and_in_the_export(car_app: Flask) -> None:
    client = car_app.test_client()
    token = csrf_from(client.get("/forms/car").get_data(as_text=True))
    client.post("/forms/car", data={"csrf_token": token, "_version": "1", "_key": "k",
                                    "_action": "submit", **GOOD})
    login = csrf_from(client.get("/auth/login").get_data(as_text=True))
    client.post("/auth/login", data={"username": "lead_govsvc", "password": DEMO_PASSWORD,
                                     "csrf_token": login})
    with store(car_app).sessions() as session:
        number = session.scalars(select(Submission.tracking_no)).one()
    record = client.get(f"/work/submissions/{number}").get_data(as_text=True)
    assert '<span id="value-plate">京A****5' in record and "京A12345" not in record
    export = client.get("/views/cars?format=csv").get_data(as_text=True)
    cells = [c for row in csv.reader(io.StringIO(export)) for c in row]
    assert "京A****5" in cells and not any(re.search("京A12345", c) for c in cells)


FLEET = {
    "forms/fleet.yaml": """\
kind: Form
id: fleet
version: 1
title: 车队年检
department: GOVSVC
fields:
  - {id: plates, type: text, label: 车牌号（逗号分隔）, required: true}
""",
    "tasks/check_car.yaml": """\
kind: TaskTemplate
id: check_car
version: 1
title: 查验车辆
content: {instructions: 查验}
coordination: {assignee: {department: GOVSVC}}
""",
    "processes/car_check.yaml": """\
kind: Process
id: car_check
version: 1
title: 车辆查验
start_form: car
steps: [{id: check, task: check_car}]
""",
    "processes/fleet_check.yaml": """\
kind: Process
id: fleet_check
version: 1
title: 车队年检
start_form: fleet
steps:
  - id: each_car
    task: check_car
    children: {process: car_check, items: "plates.split(',')", data: {owner: "'车队'", plate: item}}
""",
}


def test_child_cases_are_checked_with_the_apps_field_types(
        engine: Engine, db_url: str, tmp_path: Path, make_pack: Callable[..., Path]) -> None:
    """A fleet's case starts one car check per plate: the children's start form has the
    app's own plate type, which the default registry does not know. The child data is read
    by the app's registry: the plates are parsed by the type (upper-cased) and a bad one is
    refused in the type's own words, as on the form page."""
    pack = make_pack(extra={"forms/car.yaml": FORM, **FLEET})
    app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "test", "TESTING": True,
                      "LOWCODE_ENV": "development", "INSTANCE_PATH": tmp_path / "instance"},
                     field_types=PROVIDERS)
    checked = check_path(pack, extensions=Extensions(builtin_kinds(), field_types(app)))
    assert checked.ok, [p.render() for p in checked.problems]
    with store(app).sessions() as session:
        seed_demo(session, env="testing")
        publish_pack(session, checked)
    client = app.test_client()
    token = csrf_from(client.get("/forms/fleet").get_data(as_text=True))
    form = {"csrf_token": token, "_version": "1", "_action": "submit"}
    response = client.post("/forms/fleet", data={**form, "_key": "f1",
                                                 "plates": "京a12345,沪b54321"})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    with store(app).sessions() as session:
        cars = session.scalars(select(Submission.data).where(Submission.form_id == "car")
                               .order_by(Submission.id)).all()
        assert [c["plate"] for c in cars] == ["京A12345", "沪B54321"]
        assert session.scalars(select(Incident)).all() == []
    client.post("/forms/fleet", data={**form, "_key": "f2", "plates": "京a12345,I1"})
    with store(app).sessions() as session:
        [incident] = session.scalars(select(Incident)).all()
        assert "「车牌号」不是有效的车牌号" in incident.message_zh
        assert len(session.scalars(select(Submission.id).where(
            Submission.form_id == "car")).all()) == 2  # none of the second fleet's
    store(app).engine.dispose()

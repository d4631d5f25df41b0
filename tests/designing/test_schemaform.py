"""Panels generated from a kind's JSON Schema: the Process step's inputs chosen by their
schemas, and a submitted panel read back with empty inputs left out."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from designer.processes import ID_FIELDS, expression_path, step_schema
from designer.schemaform import panel, read

STEP = {"id": "check", "task": "joint_check", "after": ["accept"],
        "assignees": {"mode": "all", "parties": [{"department": "HEALTH"}]},
        "routes": [{"to": "accept", "when": "x", "max": 2}]}


def _widgets(props):
    return {p.key: p.widget for p in props}


def test_each_step_property_gets_the_input_its_schema_calls_for():
    props = panel(step_schema(), STEP, "s1.", ID_FIELDS)
    assert _widgets(props) == {
        "id": "text", "task": "task", "title": "label", "after": "steps", "join": "join",
        "when": "expression", "assignees": "group", "can_return_to": "steps",
        "for_each": "group", "write_back": "group", "routes": "list", "after_return": "select",
        "by": "select", "children": "group", "set": "yaml",
        "confirm_within": "group"}
    assert next(p for p in props if p.key == "by").options == ("staff", "applicant")
    children = next(p for p in props if p.key == "children")
    assert _widgets(children.children) == {"process": "text", "items": "expression",
                                           "data": "yaml", "join": "join"}
    assignees = next(p for p in props if p.key == "assignees")
    assert _widgets(assignees.children) == {"mode": "select", "count": "integer",
                                            "ratio": "number", "parties": "list"}
    (party, blank) = next(p for p in assignees.children if p.key == "parties").rows
    assert [(p.name, p.widget, p.value) for p in party] == [
        ("s1.assignees.parties.0.department", "text", "HEALTH"),
        ("s1.assignees.parties.0.role", "text", None)]
    routes = next(p for p in props if p.key == "routes")
    assert len(routes.rows) == 2  # the route and a blank one to add
    assert _widgets(routes.rows[0]) == {"when": "expression", "to": "step", "max": "integer"}
    assert [p.label("zh") for p in props][:4] == ["id", "任务模板", "步骤名称", "前置步骤"]
    assert [p.label("zh") for p in assignees.children] == ["mode", "至少通过数", "通过比例", "办理人"]
    assert next(p for p in props if p.key == "for_each").label("zh") == "逐项办理"


def test_a_task_of_a_required_pack_gets_the_task_picker_and_reads_back():
    props = panel(step_schema(), {**STEP, "task": "civil:joint_check"}, "s1.", ID_FIELDS)
    (task,) = [p for p in props if p.key == "task"]
    assert (task.widget, task.value) == ("task", "civil:joint_check")
    form = MultiDict([("s1.id", "check"), ("s1.task", "civil:joint_check")])
    assert read(props, form)["task"] == "civil:joint_check"


def test_a_submitted_panel_reads_back_as_the_file_holds_it():
    props = panel(step_schema(), STEP, "s1.", ID_FIELDS)
    form = MultiDict([("s1.id", "check"), ("s1.task", "joint_check"), ("s1.after", "accept"),
                      ("s1.after", "hukou"), ("s1.join", "at_least"),
                      ("s1.join.at_least", "1"), ("s1.when", ""), ("s1.title.zh", "核验"),
                      ("s1.title.en", ""), ("s1.assignees.mode", "ratio"),
                      ("s1.assignees.ratio", "0.5"),
                      ("s1.assignees.parties.0.department", "HEALTH"),
                      ("s1.assignees.parties.1.department", "POLICE"),
                      ("s1.assignees.parties.1.role", "clerk"), ("s1.routes.0.to", "accept"),
                      ("s1.routes.0.when", "x"), ("s1.routes.0.max", "3"),
                      ("s1.routes.1.to", ""), ("s1.after_return", "")])
    assert read(props, form) == {
        "id": "check", "task": "joint_check", "title": "核验", "after": ["accept", "hukou"],
        "join": {"at_least": 1},
        "assignees": {"mode": "ratio", "ratio": 0.5, "parties": [
            {"department": "HEALTH"}, {"department": "POLICE", "role": "clerk"}]},
        "routes": [{"to": "accept", "when": "x", "max": 3}]}


def test_a_number_that_is_no_number_is_kept_for_the_checker_to_name():
    props = panel(step_schema(), STEP, "s1.", ID_FIELDS)
    form = MultiDict([("s1.id", "check"), ("s1.task", "t"), ("s1.routes.0.max", "many"),
                      ("s1.routes.0.to", "accept"), ("s1.routes.0.when", ""),
                      ("s1.join", "all")])
    value = read(props, form)
    assert value["routes"] == [{"to": "accept", "max": "many"}] and "join" not in value


def test_an_input_name_maps_to_the_path_the_checker_names():
    assert expression_path("s2.routes.0.when") == "steps[2].routes[0].when"
    assert expression_path("s0.for_each.items") == "steps[0].for_each.items"

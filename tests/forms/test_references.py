"""References are resolved inside validate(): a picker's value is asked of the resolver the
caller passes, in rows too, and only while the field is visible."""

from runtime.forms.references import FOUND, MISSING, OUTSIDE
from runtime.forms.validation import validate

from .build import TYPES, build_form

FORM = build_form("""\
fields:
  - {id: dept, type: department, label: 转办部门, department: HEALTH}
  - {id: show_handler, type: yes_no, label: 指定经办人}
  - {id: handler, type: user, label: 经办人, visible_when: "show_handler"}
  - id: items
    type: table
    label: 明细
    fields:
      - {id: owner_dept, type: department, label: 部门}
""")


class Answers:
    """A resolver from fixed answers; it remembers what it was asked."""

    def __init__(self, **answers: str):
        self.answers, self.asked = answers, []

    def department(self, code: str, within: str | None) -> str:
        self.asked.append(("department", code, within))
        return self.answers.get(code, MISSING)

    def user(self, username: str, department: str | None) -> str:
        self.asked.append(("user", username, department))
        return self.answers.get(username, MISSING)

    def record(self, form_id: str, tracking_no: str) -> str:
        return MISSING


def test_every_path_that_passes_a_resolver_gets_the_reference_errors() -> None:
    resolver = Answers(HEALTH=FOUND, POLICE=OUTSIDE)
    data = {"dept": "POLICE", "items": [{"owner_dept": "HEALTH"}, {"owner_dept": "NOPE"}]}
    result = validate(FORM, data, TYPES, resolver=resolver)
    assert {path: [e.code for e in found] for path, found in result.errors.items()} == {
        "dept": ["department_outside"], "items[1].owner_dept": ["unknown_department"]}
    assert ("department", "POLICE", "HEALTH") in resolver.asked


def test_without_a_resolver_only_the_shape_is_checked() -> None:
    assert validate(FORM, {"dept": "NOPE"}, TYPES).ok


def test_a_hidden_picker_is_not_asked_about() -> None:
    resolver = Answers()
    assert validate(FORM, {"handler": "ghost"}, TYPES, resolver=resolver).ok
    assert resolver.asked == []
    shown = validate(FORM, {"show_handler": True, "handler": "ghost"}, TYPES,
                     resolver=resolver)
    assert [e.code for e in shown.errors["handler"]] == ["unknown_user"]

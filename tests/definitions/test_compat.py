"""The compatibility report of a new version over the published one (pure: counts given)."""

from runtime.definitions.compat import BREAKING, INFO, WARNING, Usage, compatibility

FORM_V1 = {
    "kind": "Form", "id": "apply", "version": 1, "title": "申请",
    "fields": [
        {"id": "name", "type": "text"},
        {"id": "mobile", "type": "text"},
        {"id": "age", "type": "text"},
        {"id": "page", "type": "page", "fields": [
            {"id": "sex", "type": "radio", "options": [{"value": "M"}, {"value": "F"}]},
            {"id": "note", "type": "text"}]},
    ],
}


def _v2(**changes: object) -> dict:
    return {**FORM_V1, "version": 2, **changes}


def codes(report) -> list[tuple[str, str, str]]:
    return [(f.code, f.severity, f.path) for f in report.findings]


def test_an_unchanged_definition_meets_nothing() -> None:
    report = compatibility(FORM_V1, _v2(), Usage(drafts={1: 3}))
    assert report.findings == ()
    assert not report.breaking


def test_form_changes_each_with_severity_and_both_languages() -> None:
    new = _v2(fields=[
        {"id": "applicant_name", "renamed_from": "name", "type": "text"},
        {"id": "age", "type": "integer", "required": True},
        {"id": "page", "type": "page", "fields": [
            {"id": "sex", "type": "radio", "options": [{"value": "M"}]},
            {"id": "note", "type": "text", "required_when": "age > 60"},
            {"id": "email", "type": "email"}]},
    ])
    report = compatibility(FORM_V1, new, Usage(submissions={1: 5}, drafts={1: 2}))
    assert codes(report) == [
        ("field_removed", BREAKING, "fields.mobile"),
        ("field_type_changed", BREAKING, "fields.age"),
        ("field_required", WARNING, "fields.age"),
        ("options_removed", WARNING, "fields.sex"),
        ("field_required", WARNING, "fields.note"),
        ("field_renamed", INFO, "fields.applicant_name"),
        ("field_added", INFO, "fields.email"),
        ("stay_on_version", INFO, ""),
    ]
    assert report.breaking
    removed = report.findings[0]
    assert removed.message("zh").startswith("删除了字段 'mobile'")
    assert removed.message("en").startswith("field 'mobile' removed")
    renamed = report.by_severity(INFO)[0]
    assert "'name' 改名为 'applicant_name'" in renamed.message()
    assert "existing values carry over" in renamed.message("en")
    assert report.findings[3].params["options"] == "F"
    staying = report.findings[-1].as_dict("en")
    assert staying["en"] == ("5 submission(s), 2 draft(s) and 0 running case(s) stay on the "
                             "old version(s) (1)")
    assert staying["zh"].startswith("5 份申请、2 份草稿")


def test_a_rename_to_an_id_that_existed_is_not_taken_as_a_rename() -> None:
    new = _v2(fields=[{"id": "mobile", "renamed_from": "name", "type": "text"},
                      {"id": "age", "type": "text"},
                      {"id": "page", "type": "page", "fields": FORM_V1["fields"][3]["fields"]}])
    assert codes(compatibility(FORM_V1, new))[0] == ("field_removed", BREAKING, "fields.name")


PROCESS_V1 = {"kind": "Process", "id": "p", "version": 1, "start_form": "apply",
              "steps": [{"id": "accept", "task": "accept"}, {"id": "check", "task": "check",
                                                             "after": ["accept"]},
                        {"id": "close", "task": "close", "after": ["check"]}]}


def test_process_steps_gone_with_the_running_cases_standing_at_them() -> None:
    new = {**PROCESS_V1, "version": 2, "start_form": "apply2",
           "steps": [{"id": "accept", "task": "accept_v2"},
                     {"id": "review", "task": "review", "after": ["accept"]}]}
    usage = Usage(running={1: 4}, running_at={"check": 3, "accept": 1})
    report = compatibility(PROCESS_V1, new, usage)
    assert codes(report) == [
        ("start_form_changed", WARNING, "start_form"),
        ("step_removed", WARNING, "steps.check"),
        ("step_task_changed", WARNING, "steps.accept"),
        ("step_removed", INFO, "steps.close"),
        ("step_added", INFO, "steps.review"),
        ("stay_on_version", INFO, ""),
    ]
    assert report.findings[1].message("en") == (
        "step 'check' removed: 3 running case(s) stand at it and finish on the old version")


def test_templates_and_other_kinds_name_what_changed() -> None:
    old = {"kind": "TaskTemplate", "id": "t", "version": 1, "title": "甲",
           "coordination": {"assignee": {"department": "A", "role": "clerk"}}}
    new = {**old, "version": 2, "coordination": {"assignee": {"department": "B",
                                                               "role": "clerk"}}}
    report = compatibility(old, new)
    assert codes(report) == [("template_changed", WARNING, "")]
    assert "coordination" in report.findings[0].message("en")
    view = compatibility({"kind": "View", "id": "v", "version": 1, "title": "a"},
                         {"kind": "View", "id": "v", "version": 2, "title": "b"})
    assert [f.as_dict()["zh"] for f in view.findings] == ["title 有改动"]
    assert view.as_dict("en")["findings"][0]["message"] == "title changed"

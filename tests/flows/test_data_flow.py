"""What a clerk records steers the case: a later step's `when` and a template's assignee
rule read an earlier step's handler-form data, outcome, holder and department."""

from runtime.definitions.spec import Party
from runtime.flows import actions
from runtime.flows.case import ACTIVE, DONE, SKIPPED

from .build import Run, build_plan, person, refused

HOTLINE, SAMR, POLICE = person(1, "HOTLINE"), person(2, "SAMR"), person(3, "POLICE")
TASKS = {
    "handle": "assignee: {department: SAMR, role: clerk}",
    "revisit": "assignee: {department: HOTLINE, role: clerk}",
    "redo": "assignee: {rule: \"steps['handle']['department']\", role: clerk}",
}
FORMS = {"revisit": """
- {id: reached, type: yes_no, label: 已联系}
- {id: satisfaction, type: radio, label: 满意度, options: [{value: yes, label: 满意}, {value: no, label: 不满意}]}
"""}
STEPS = """
- {id: handle, task: handle}
- {id: revisit, task: revisit, after: [handle]}
- id: redo
  task: redo
  after: [revisit]
  when: "steps['revisit']['data']['satisfaction'] == 'no' and steps['revisit']['holder'] == 1"
"""


def revisited(satisfaction: str | None, *, transfer: bool = False) -> Run:
    run = Run.start(build_plan(STEPS, TASKS, forms=FORMS))
    if transfer:  # the work order goes to the department that really handles it
        no = run.act(actions.claim, SAMR, run.only("handle").no).no
        run.act(actions.transfer, SAMR, no, Party(department="POLICE", role="clerk"), "属公安")
        run.handle(POLICE, "handle")
    else:
        run.handle(SAMR, "handle")
    # As the handler form gives it: every field, None where left empty.
    run.handle(HOTLINE, "revisit", data={"reached": True, "satisfaction": satisfaction})
    return run


def test_an_unsatisfied_revisit_starts_the_redo_with_whoever_handled_it():
    run = revisited("no", transfer=True)
    assert run.steps() == {"handle": DONE, "revisit": DONE, "redo": ACTIVE}
    assert run.only("redo").department == "POLICE"  # where the order was transferred to


def test_a_satisfied_revisit_skips_the_redo():
    run = revisited("yes")
    assert run.steps()["redo"] == SKIPPED and run.case.status == "done"


def test_a_field_left_empty_reads_as_none():
    run = revisited(None)  # satisfaction not recorded
    assert run.steps()["redo"] == SKIPPED


def test_a_rule_reading_a_skipped_steps_data_fails_closed_naming_itself():
    steps = STEPS.replace("- {id: revisit, task: revisit, after: [handle]}",
                          "- {id: revisit, task: revisit, after: [handle], when: 'false'}")
    run = Run.start(build_plan(steps, TASKS, forms=FORMS))
    run.act(actions.claim, SAMR, run.only("handle").no)
    with refused("rule_failed"):
        run.act(actions.complete, SAMR, run.only("handle").no)
    guarded = steps.replace('when: "steps', 'when: "steps[\'revisit\'][\'status\'] == \'done\' and steps')
    run = Run.start(build_plan(guarded, TASKS, forms=FORMS))
    run.handle(SAMR, "handle")
    assert run.steps() == {"handle": DONE, "revisit": SKIPPED, "redo": SKIPPED}

"""Routes (流转): when a step ends, a route whose condition holds sends the case back to an
earlier step (or the same one) to run again — not approved → correction, dissatisfied → redo —
at most `max` times; then the step ends as it would have without the route."""

from runtime.flows.case import ACTIVE, CASE_DONE, REJECTED, RUNNING, SKIPPED

from .build import Run, build_plan, person

CLERK, HEALTH = person(1, "GOVSVC"), person(2, "HEALTH")
PROCESS = """
- {id: correct, task: accept}
- id: review
  task: review
  after: [correct]
  routes: [{when: "steps['review']['outcome'] == 'reject'", to: correct, max: 2}]
- id: revisit
  task: accept
  after: [review]
  routes: [{when: "steps['revisit']['outcome'] == 'reject'", to: review, max: 1}]
- {id: supervise, task: accept, after: [revisit], when: "steps['revisit']['outcome'] == 'reject'"}
"""
TASKS = {"review": "assignee: {department: HEALTH, role: clerk}"}


def started() -> Run:
    run = Run.start(build_plan(PROCESS, TASKS))
    run.handle(CLERK, "correct")
    return run


def test_not_approved_goes_back_to_correction_instead_of_ending_the_case():
    run = started()
    run.handle(HEALTH, "review", outcome="reject", opinion="材料不全，请补正")
    assert run.case.status == RUNNING
    assert run.steps()["correct"] == ACTIVE and run.case.steps["correct"].round == 2
    assert run.case.steps["review"].loops == {"correct": 1}
    loop = [e for e in run.effects.events if e.action == "loop"]
    assert loop[0].detail == {"target": "correct", "count": 1, "limit": 2}
    # The correction goes back to whoever handled it before.
    assert run.only("correct").user_id == CLERK.user_id


def test_the_loop_ends_after_max_and_the_step_ends_as_usual():
    run = started()
    for _ in range(2):
        run.handle(HEALTH, "review", outcome="reject", opinion="仍不全")
        run.handle(CLERK, "correct")
    run.handle(HEALTH, "review", outcome="reject", opinion="第三次仍不全")
    assert run.case.status == REJECTED  # the route is used up: a reject ends the case
    assert run.case.steps["review"].loops == {"correct": 2}


def test_a_dissatisfied_revisit_is_redone_once_then_its_reject_ends_the_case():
    run = started()
    run.handle(HEALTH, "review")
    run.handle(CLERK, "revisit", outcome="reject", opinion="群众不满意")
    assert run.steps()["review"] == ACTIVE  # redone by the department
    run.handle(HEALTH, "review")
    run.handle(CLERK, "revisit", outcome="reject", opinion="仍不满意")
    assert run.case.status == REJECTED  # the redo is used up: the reject ends the case
    assert run.steps()["supervise"] != ACTIVE


def test_an_approved_step_with_no_route_holding_moves_on():
    run = started()
    run.handle(HEALTH, "review")
    run.handle(CLERK, "revisit")
    assert run.steps()["supervise"] == SKIPPED and run.case.status == CASE_DONE

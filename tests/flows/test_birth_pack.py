"""The shipped birth pack's process: its countersign by health and police, a return from it to
acceptance, and the escalation of an overdue joint check."""

from pathlib import Path

from runtime.definitions.spec import ProcessSpec, TaskTemplateSpec
from runtime.flows import actions
from runtime.flows.case import ACTIVE, CANCELLED, CASE_DONE, DONE, TASK_DONE, WAITING
from runtime.flows.plan import Plan
from runtime.packs import check_path

from .build import Run, person

PACK = Path(__file__).parents[2] / "scenario_packs" / "birth_one_thing"
CLERK, HEALTH, POLICE = person(1, "GOVSVC"), person(2, "HEALTH"), person(3, "POLICE")
STAFF = {"GOVSVC": CLERK, "HEALTH": HEALTH, "POLICE": POLICE, "MEDINS": person(4, "MEDINS"),
         "HRSS": person(5, "HRSS")}


def birth_case() -> Run:
    result = check_path(PACK)
    assert result.ok, [p.render() for p in result.problems]
    specs = [d.spec for d in result.definitions]
    [process] = [s for s in specs if isinstance(s, ProcessSpec)]
    plan = Plan(process, {s.id: s for s in specs if isinstance(s, TaskTemplateSpec)})
    return Run.start(plan, {"enrol_insurance": False, "need_ss_card": False})


def sign(run: Run, department: str) -> None:
    """The one live task of `department`, claimed if need be and approved."""
    [task] = [t for t in run.live() if t.department == department]
    if task.user_id is None:
        run.act(actions.claim, STAFF[department], task.no)
    run.act(actions.complete, STAFF[department], task.no)


def test_the_joint_check_needs_both_health_and_police() -> None:
    run = birth_case()
    sign(run, "GOVSVC")
    assert sorted(t.department for t in run.live("joint_check")) == ["HEALTH", "POLICE"]
    sign(run, "HEALTH")
    assert run.steps()["joint_check"] == ACTIVE and run.steps()["certificate"] == WAITING
    sign(run, "POLICE")
    assert run.steps()["joint_check"] == DONE and run.steps()["certificate"] == ACTIVE


def test_police_return_the_joint_check_to_acceptance() -> None:
    run = birth_case()
    sign(run, "GOVSVC")
    sign(run, "HEALTH")
    [police] = run.live("joint_check")
    run.act(actions.claim, POLICE, police.no)
    run.act(actions.return_to, POLICE, police.no, "accept", "父亲身份证号与户籍信息不一致")
    assert run.task(police.no).status == CANCELLED
    assert run.steps()["joint_check"] == WAITING
    again = run.only("accept")
    assert again.user_id == CLERK.user_id and again.due_at is not None  # back to its handler
    sign(run, "GOVSVC")
    assert sorted(t.department for t in run.live("joint_check")) == ["HEALTH", "POLICE"]
    for department in ("HEALTH", "POLICE", "HEALTH", "POLICE", "GOVSVC"):
        sign(run, department)  # joint check, certificate, hukou, close
    assert run.case.status == CASE_DONE
    assert [t.status for t in run.case.tasks if t.step == "joint_check"].count(TASK_DONE) == 3


def test_an_overdue_joint_check_is_escalated_to_the_service_centre_lead() -> None:
    run = birth_case()
    sign(run, "GOVSVC")
    health = next(t for t in run.live("joint_check") if t.department == "HEALTH")
    [overdue] = run.jobs(health.no, "overdue")
    effects = run.fire(overdue)
    assert [e.detail for e in effects.events if e.action == "escalate"] == [
        {"department": "GOVSVC"}]
    assert [(m.key, m.department, m.role) for m in effects.messages
            if m.key == "task.escalated"] == [("task.escalated", "GOVSVC", "lead")]
    assert run.task(health.no).live  # escalation tells the lead; the task stays with HEALTH

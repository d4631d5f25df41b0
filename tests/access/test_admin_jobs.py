"""/admin/jobs: counts of the background jobs by status and the dead letters, each with a
retry button (a POST with the CSRF token, audited), for users.manage only."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime.demo import CITY_REGION, DISTRICT_REGION
from runtime.store import audit, jobs
from runtime.store.cases import CaseRow
from runtime.store.models import utcnow
from runtime.store.submissions import Submission
from runtime.web.database import store

from .conftest import SignIn, csrf_from


def a_case(session: Session, number: int, department: str, region: str) -> int:
    """A case (and its submission) of `department` in `region`; its id."""
    tracking_no = f"2025{number:08d}"
    submission = Submission(tracking_no=tracking_no, verification_code="123456",
                            idempotency_key=f"jobs-{number}", form_id="f", form_version=1,
                            data={}, owner_kind="guest", department_code=department,
                            region_code=region)
    session.add(submission)
    session.flush()
    case = CaseRow(submission_id=submission.id, tracking_no=tracking_no, process_id="p",
                   process_version=1, templates={}, status="running", steps={},
                   department_code=department, region_code=region)
    session.add(case)
    session.flush()
    return case.id


@pytest.fixture
def queued(demo: Flask) -> dict[str, int]:
    """A dead delivery and a pending one of a city case, and a dead timer of a case of a
    street office in the district."""
    with store(demo).sessions() as session:
        hook = jobs.subscribe(session, "出生登记系统", "https://registry.example:8443/hook?token=t0ps3cret",
                              "secret")
        city = a_case(session, 1, "GOVSVC", CITY_REGION)
        district = a_case(session, 2, "STREET_EAST", DISTRICT_REGION)
        made = {
            "dead_hook": jobs.Job(kind="webhook", name="case.start", webhook_id=hook.id,
                                  case_id=city, payload={}, run_at=utcnow(),
                                  status=jobs.DEAD, attempts=6,
                                  last_error="DeliveryError: HTTPError: HTTP Error 500"),
            "dead_timer": jobs.Job(kind="timer", name="overdue", case_id=district, task_no=2,
                                   payload={}, run_at=utcnow(), status=jobs.DEAD, attempts=6,
                                   last_error="LookupError: 7"),
            "pending": jobs.Job(kind="webhook", name="claim", webhook_id=hook.id,
                                case_id=city, payload={}, run_at=utcnow()),
        }
        session.add_all(made.values())
        session.commit()
        return {name: job.id for name, job in made.items()}


def status_of(app: Flask, job_id: int) -> str:
    with store(app).sessions() as session:
        job = session.get(jobs.Job, job_id)
        assert job is not None
        return job.status


def retries(app: Flask) -> list[tuple[str, str | None]]:
    with store(app).sessions() as session:
        rows = session.scalars(select(audit.AuditEntry).where(
            audit.AuditEntry.action == "job.retry")).all()
        return [(r.actor_name, r.target_id) for r in rows]


def test_the_administrator_sees_counts_and_dead_letters(
        queued: dict[str, int], client: FlaskClient, sign_in: SignIn) -> None:
    sign_in(client, "admin")
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "<h1>后台任务</h1>" in page
    assert counts_on(page) == {"pending": "1", "running": "0", "done": "0", "dead": "2"}
    assert re.findall(r'<tr id="job-(\d+)" class="dead-job">', page) == [
        str(queued["dead_timer"]), str(queued["dead_hook"])]  # newest first
    row = page[page.index(f'id="job-{queued["dead_hook"]}"'):]
    assert "HTTP Error 500" in row and "出生登记系统 (registry.example:8443)" in row
    assert "t0ps3cret" not in page  # a URL's query may carry the receiver's token
    assert page.count('name="csrf_token"') >= 2
    assert f'action="/admin/jobs/{queued["dead_hook"]}/retry"' in page
    english = client.get("/admin/jobs?lang=en").get_data(as_text=True)
    assert "<h1>Background jobs</h1>" in english
    assert f'action="/admin/jobs/{queued["dead_hook"]}/retry?lang=en"' in english


def test_a_retry_queues_the_job_again_and_is_audited(
        demo: Flask, queued: dict[str, int], client: FlaskClient, sign_in: SignIn) -> None:
    sign_in(client, "admin")
    token = csrf_from(client.get("/admin/jobs").get_data(as_text=True))
    job_id = queued["dead_hook"]
    response = client.post(f"/admin/jobs/{job_id}/retry", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/jobs?retried={job_id}"
    assert status_of(demo, job_id) == jobs.PENDING
    assert retries(demo) == [("admin", str(job_id))]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"任务 {job_id} 已重新排队" in page
    assert f'id="job-{job_id}"' not in page
    again = client.post(f"/admin/jobs/{job_id}/retry", data={"csrf_token": token})
    assert again.headers["Location"] == f"/admin/jobs?not_dead={job_id}"
    assert f"任务 {job_id} 不是失败状态" in client.get(again.headers["Location"]).get_data(
        as_text=True)
    assert retries(demo) == [("admin", str(job_id))]  # nothing done, nothing audited


def test_a_retry_without_the_csrf_token_is_refused(
        demo: Flask, queued: dict[str, int], client: FlaskClient, sign_in: SignIn) -> None:
    sign_in(client, "admin")
    response = client.post(f"/admin/jobs/{queued['dead_hook']}/retry",
                           headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "csrf_failed"
    assert status_of(demo, queued["dead_hook"]) == jobs.DEAD and retries(demo) == []


def test_an_unknown_job_is_not_found(queued: dict[str, int], client: FlaskClient,
                                     sign_in: SignIn) -> None:
    sign_in(client, "admin")
    token = csrf_from(client.get("/admin/jobs").get_data(as_text=True))
    assert client.post("/admin/jobs/99999/retry", data={"csrf_token": token}).status_code == 404


@pytest.mark.parametrize("username", ["clerk_govsvc", "lead_govsvc", "supervisor", "auditor",
                                      "designer"])
def test_only_users_manage_reaches_the_jobs(
        demo: Flask, queued: dict[str, int], client: FlaskClient, sign_in: SignIn,
        username: str) -> None:
    sign_in(client, username)
    assert client.get("/admin/jobs").status_code == 404
    token = csrf_from(client.get("/auth/login").get_data(as_text=True))
    response = client.post(f"/admin/jobs/{queued['dead_hook']}/retry",
                           data={"csrf_token": token})
    assert response.status_code == 404
    assert status_of(demo, queued["dead_hook"]) == jobs.DEAD and retries(demo) == []
    with store(demo).sessions() as session:
        denied = session.scalars(select(audit.AuditEntry.target_id).where(
            audit.AuditEntry.action == "access.denied")).all()
    assert denied == ["/admin/jobs", f"/admin/jobs/{queued['dead_hook']}/retry"]


def test_signed_out_visitors_are_sent_to_sign_in(queued: dict[str, int],
                                                 client: FlaskClient) -> None:
    assert client.get("/admin/jobs").headers["Location"] == "/auth/login?next=/admin/jobs"


def counts_on(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-status="(\w+)"><dt>[^<]+</dt><dd>(\d+)</dd>', page))


def test_a_district_administrator_sees_and_retries_only_the_district_s_jobs(
        demo: Flask, queued: dict[str, int], client: FlaskClient, sign_in: SignIn) -> None:
    sign_in(client, "admin_district")
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert re.findall(r'<tr id="job-(\d+)" class="dead-job">', page) == [
        str(queued["dead_timer"])]
    assert counts_on(page) == {"pending": "0", "running": "0", "done": "0", "dead": "1"}
    assert "出生登记系统" not in page and "HTTP Error 500" not in page
    token = csrf_from(page)
    city_job = client.post(f"/admin/jobs/{queued['dead_hook']}/retry",
                           data={"csrf_token": token})
    assert city_job.status_code == 404
    assert status_of(demo, queued["dead_hook"]) == jobs.DEAD and retries(demo) == []
    own = client.post(f"/admin/jobs/{queued['dead_timer']}/retry", data={"csrf_token": token})
    assert own.status_code == 303 and status_of(demo, queued["dead_timer"]) == jobs.PENDING
    assert retries(demo) == [("admin_district", str(queued["dead_timer"]))]


def test_the_city_administrator_sees_the_jobs_of_the_whole_city(
        queued: dict[str, int], client: FlaskClient, sign_in: SignIn) -> None:
    sign_in(client, "admin")
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert counts_on(page) == {"pending": "1", "running": "0", "done": "0", "dead": "2"}
    assert set(re.findall(r'<tr id="job-(\d+)" class="dead-job">', page)) == {
        str(queued["dead_hook"]), str(queued["dead_timer"])}

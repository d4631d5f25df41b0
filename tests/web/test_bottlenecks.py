"""The bottleneck page over HTTP with the birth pack: a case accepted by GOVSVC and waiting in
the HEALTH and POLICE pools for the joint check, its tasks' moments set by hand; the
figures in the period asked for, the department a lead of the case's own department sees
holding it up with the case one click away, a HEALTH lead who sees only HEALTH, the CSV, and
who may not open it."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone

import pytest
from flask import Flask
from sqlalchemy import select, update

from runtime.store.cases import CaseRow, Task
from runtime.web.database import store

from .test_workbench import Person, accepted, apply, world  # noqa: F401

# Their queries (a scope, a period, a unique constraint, JSON) run on both databases.
pytestmark = pytest.mark.postgres
__all__ = ["world"]
CN = timezone(timedelta(hours=8))
PERIOD = "from=2025-09-26&to=2025-10-10"


def at(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=CN)


@pytest.fixture
def held(world: Flask) -> str:
    """A case whose acceptance took 2 working days to claim and 6 hours to finish, and
    whose joint check has waited in two pools past its deadline since 29 September."""
    number = apply(world)
    accepted(world, number)
    with store(world).sessions() as session:
        case_id = session.scalar(select(CaseRow.id).where(CaseRow.tracking_no == number))
        session.execute(update(Task).where(Task.case_id == case_id, Task.no == 1).values(
            created_at=at(9, 26, 9), claimed_at=at(9, 29, 9), claimed=True,
            completed_at=at(9, 29, 15), due_at=at(9, 30), due_sort=at(9, 30)))
        session.execute(update(Task).where(Task.case_id == case_id, Task.no > 1).values(
            created_at=at(9, 29, 15), due_at=at(10, 9), due_sort=at(10, 9)))
        session.commit()
    return number


def cells(page: str, row_id: str) -> list[str]:
    row = re.search(f'<tr id="{row_id}">(.*?)</tr>', page, re.S)
    assert row is not None, row_id
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>",
                                                                    row.group(1), re.S)]


def test_the_figures_of_the_period(world: Flask, held: str) -> None:
    page = Person(world, "lead_govsvc").page(f"/bottlenecks?{PERIOD}")
    # department, tasks, wait, handling, overdue share, returns, redos, live, overdue, cases
    assert cells(page, "department-GOVSVC")[1:] == ["1", "2.00", "0.25", "0.0%", "0", "0",
                                                     "0", "0", "0"]
    # The joint check finished nothing in the period: it is only held up (live, overdue).
    for code in ("HEALTH", "POLICE"):
        assert cells(page, f"department-{code}")[1:] == ["0", "—", "—", "—", "0", "0",
                                                         "1", "1", "1"]
    assert cells(page, "step-birth_joint-accept")[2:5] == ["1", "2.00", "0.25"]
    assert 'id="basis"' in page and "所选期间内办结的任务" in page
    # Acceptance was finished on 29 September: a period ending the day before has none.
    before = Person(world, "lead_govsvc").page("/bottlenecks?from=2025-09-20&to=2025-09-28")
    assert 'id="department-GOVSVC"' not in before
    later = Person(world, "lead_govsvc").page("/bottlenecks?from=2025-11-01&to=2025-11-30")
    assert 'id="department-GOVSVC"' not in later  # nothing of GOVSVC then, nothing held
    assert cells(later, "department-HEALTH")[1:] == ["0", "—", "—", "—", "0", "0", "1", "1",
                                                     "1"]


def test_a_lead_sees_who_holds_their_joint_case_up_and_opens_it(world: Flask,
                                                                 held: str) -> None:
    lead = Person(world, "lead_govsvc")
    page = lead.page(f"/bottlenecks?{PERIOD}")
    link = re.search(r'<tr id="department-POLICE"><td><a href="([^"]+)"', page)
    assert link is not None
    police = lead.page(link.group(1).replace("&amp;", "&"))
    rows = re.findall(r'<tr class="held-row">(.*?)</tr>', police, re.S)
    assert len(rows) == 1 and f'href="/work/cases/{held}"' in rows[0]
    assert "待签收（公安局）" in rows[0] and "已超期" in rows[0]
    assert lead.get(f"/work/cases/{held}").status_code == 200


def test_scope_hides_other_departments(world: Flask, held: str) -> None:
    page = Person(world, "lead_health").page(f"/bottlenecks?{PERIOD}")
    assert 'id="department-HEALTH"' in page
    assert 'id="department-POLICE"' not in page and 'id="department-GOVSVC"' not in page
    assert "公安局" not in page
    assert Person(world, "clerk_health").get("/bottlenecks").status_code == 404
    assert world.test_client().get("/bottlenecks").status_code == 302  # sign in first


def test_csv_download(world: Flask, held: str) -> None:
    answer = Person(world, "lead_govsvc").get(f"/bottlenecks?{PERIOD}&format=csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["类别", "流程", "环节"]
    departments = {r[2]: r[3:] for r in rows if r and r[0] == "按部门"}
    assert departments["政务服务中心"][:3] == ["1", "2.00", "0.25"]
    held_rows = [r for r in rows if r and r[0] == held]
    assert len(held_rows) == 2 and all(r[-1] == "已超期" for r in held_rows)


def test_a_bad_period_says_so_and_shows_the_last_30_days(world: Flask) -> None:
    answer = Person(world, "lead_govsvc").get("/bottlenecks?from=2025-13-01")
    assert answer.status_code == 400
    assert 'id="period-error"' in answer.get_data(as_text=True)


def test_a_return_and_the_redo_it_causes(world: Flask) -> None:
    """HEALTH returns the joint check to acceptance: one return out of the joint check (by
    HEALTH); acceptance, made again in a second round, is a redo once GOVSVC finishes it."""
    number = apply(world)
    govsvc = accepted(world, number)
    health = Person(world, "clerk_health")
    health.done(number, 2, "claim")
    health.done(number, 2, "return", target="accept", reason="母亲身份证号有误")
    tasks, returns, redos = 1, 5, 6  # the columns after the department's name
    page = Person(world, "lead_govsvc").page("/bottlenecks")
    assert cells(page, "department-HEALTH")[returns] == "1"
    assert cells(page, "step-birth_joint-joint_check")[returns + 1] == "1"
    # POLICE's share of the joint check was called off by the return: neither finished nor
    # live, it is not counted.
    assert 'id="department-POLICE"' not in page
    assert [cells(page, "department-GOVSVC")[i] for i in (tasks, redos)] == ["1", "0"]
    with store(world).sessions() as session:
        again = session.scalar(select(Task.no).join(CaseRow, CaseRow.id == Task.case_id).where(
            CaseRow.tracking_no == number, Task.step == "accept", Task.round == 2))
    assert again is not None
    # The redo goes back to the clerk who accepted: no claim, so no wait to claim.
    govsvc.done(number, again, "complete", outcome="approve", opinion="已更正")
    page = Person(world, "lead_govsvc").page("/bottlenecks")
    assert [cells(page, "department-GOVSVC")[i] for i in (tasks, redos)] == ["2", "1"]
    assert cells(page, "step-birth_joint-accept")[redos + 1] == "1"


def test_the_menu_offers_it_to_leads_and_supervisors_only(world: Flask) -> None:
    for username, shown in (("lead_govsvc", True), ("supervisor", True),
                            ("clerk_govsvc", False), ("admin", False)):
        page = Person(world, username).page("/auth/me")
        assert ('id="menu-bottlenecks"' in page) is shown, username
    english = Person(world, "supervisor").page("/bottlenecks?lang=en")
    assert "<h1>Bottlenecks</h1>" in english and "No tasks in your scope." in english


def test_a_supervisor_sees_their_region_only(world: Flask, held: str) -> None:
    elsewhere = apply(world, region="120101")  # Tianjin: outside the demo city 110100
    accepted(world, elsewhere)
    page = Person(world, "supervisor").page("/bottlenecks")
    held_numbers = set(re.findall(r'href="/work/cases/(\d+)"', page))
    assert held in held_numbers and elsewhere not in held_numbers
    everywhere = Person(world, "lead_govsvc").page("/bottlenecks")
    assert {held, elsewhere} <= set(re.findall(r'href="/work/cases/(\d+)"', everywhere))

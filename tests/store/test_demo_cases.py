"""`lowcode demo cases N`: cases in every shipped pack with their histories in the past (ended,
open, overdue, returned and rated ones), the birth dashboard's figures equal to direct counts,
the same seed giving the same cases, and production refused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from runtime.access import Visibility
from runtime.democases import DemoCasesRefused, make_cases
from runtime.store import measures
from runtime.store.cases import CaseEvent, CaseRow, Task
from runtime.store.models import utcnow
from runtime.store.ratings import RatingRow
from runtime.views.measures import MEASURES, value
from runtime.views.periods import Period
from store.casework import BIRTH, publish
from templates_lib import TASK_TEMPLATES

SHIPPED = ("birth_joint", "pr_rd_redeem", "hl_order_web")
PACKS = Path(__file__).parents[2] / "scenario_packs"
NOW = utcnow()  # the birth rules read today: the histories end now


@pytest.fixture
def demo_cases(session: Session) -> Session:
    publish(session, TASK_TEMPLATES)
    for folder in (BIRTH, PACKS / "hotline_12345", PACKS / "policy_redemption",
                   PACKS / "service_ratings"):
        publish(session, folder)
    made = make_cases(session, 60, seed=7, days=60, env="testing", now=NOW)
    assert made.total == 60 and made.failed == 0
    return session


def count(session: Session, query: object) -> int:
    return session.scalar(query) or 0  # type: ignore[call-overload]


def test_demo_cases_cover_every_pack_and_every_kind_of_history(demo_cases: Session) -> None:
    session = demo_cases
    processes = dict(session.execute(select(CaseRow.process_id, func.count())
                                     .group_by(CaseRow.process_id)).all())
    assert processes.get("birth_joint", 0) > 0
    assert processes.get("pr_rd_redeem", 0) > 0
    assert processes.get("hl_order_web", 0) > 0
    statuses = dict(session.execute(select(CaseRow.status, func.count())
                                    .group_by(CaseRow.status)).all())
    assert statuses.get("done", 0) > 0 and statuses.get("running", 0) > 0
    first, last = session.execute(select(func.min(CaseRow.created_at),
                                         func.max(CaseRow.created_at)).where(
        CaseRow.process_id.in_(SHIPPED))).one()  # a poor rating's rectification starts now
    assert NOW - dt.timedelta(days=61) <= first.replace(tzinfo=dt.UTC) < NOW - dt.timedelta(30)
    assert last.replace(tzinfo=dt.UTC) <= NOW
    overdue = count(session, select(func.count()).select_from(Task).where(
        Task.status.in_(("open", "claimed")), Task.due_at < NOW))
    assert overdue > 0
    assert count(session, select(func.count()).select_from(CaseEvent)
                 .where(CaseEvent.action == "return")) > 0
    assert count(session, select(func.count()).select_from(RatingRow)) > 0
    assert count(session, select(func.count()).select_from(RatingRow)
                 .where(RatingRow.level <= 2)) > 0  # some poor ones


def test_no_timer_fires_and_nothing_happens_after_now(demo_cases: Session) -> None:
    """A step that would fall after now is not done, and neither are the warnings and
    escalations that would have fallen due by then (of any case): a case's record shows no
    event later than now and no task is escalated before its deadline."""
    session = demo_cases
    later = utcnow() + dt.timedelta(minutes=1)  # a rectification starts at the real now
    assert count(session, select(func.count()).select_from(CaseEvent)
                 .where(CaseEvent.at > later)) == 0


def test_no_case_arrives_after_now_on_a_morning(session: Session) -> None:
    """Arrivals are moved into office hours; on the morning of the last day those would
    mostly lie later than now: no case is received in the future."""
    publish(session, TASK_TEMPLATES)
    publish(session, BIRTH)
    morning = (NOW - dt.timedelta(days=1)).replace(hour=1, minute=0)  # 09:00 in Beijing
    make_cases(session, 8, seed=3, days=1, env="testing", now=morning)
    latest = session.scalar(select(func.max(CaseRow.created_at)))
    assert latest is not None and latest.replace(tzinfo=dt.UTC) <= morning


def test_the_birth_dashboards_figures_equal_direct_counts(demo_cases: Session) -> None:
    session = demo_cases
    today = measures.china_date(NOW)  # the figures count China's days
    period = Period(today - dt.timedelta(days=61), today)
    where = measures.Where(Visibility(everything=True), period, process="birth_joint", now=NOW)
    received = value(MEASURES["received"], measures.tally(session, "received", where).get(""))
    births = count(session, select(func.count()).select_from(CaseRow)
                   .where(CaseRow.process_id == "birth_joint"))
    assert received == births > 0
    closed = value(MEASURES["closed"], measures.tally(session, "closed", where).get(""))
    ended = count(session, select(func.count()).select_from(CaseEvent).join(
        CaseRow, CaseRow.id == CaseEvent.case_id).where(
        CaseRow.process_id == "birth_joint", CaseEvent.action == "case.done"))
    assert closed == ended > 0
    on_time = value(MEASURES["on_time_rate"], measures.tally(session, "on_time_rate",
                                                             where).get(""))
    assert on_time is not None and 0 < on_time <= 100
    working_days = value(MEASURES["avg_working_days"],
                         measures.tally(session, "avg_working_days", where).get(""))
    assert working_days is not None and working_days > 0


def test_the_same_seed_makes_the_same_cases_and_a_second_run_adds(session: Session) -> None:
    publish(session, TASK_TEMPLATES)
    publish(session, BIRTH)
    first = make_cases(session, 5, seed=1, days=30, env="testing", now=NOW)
    dates = sorted(session.scalars(select(CaseRow.created_at)))
    second = make_cases(session, 5, seed=1, days=30, env="testing", now=NOW)
    assert first.per_pack == second.per_pack == {"birth_one_thing": 5}
    assert second.before == 5
    again = sorted(session.scalars(select(CaseRow.created_at)))
    assert len(again) == 10 and sorted(set(again)) == sorted(set(dates))


def test_production_is_refused_unless_forced(session: Session) -> None:
    with pytest.raises(DemoCasesRefused):
        make_cases(session, 1, env="production")
    assert count(session, select(func.count()).select_from(CaseRow)) == 0


def test_the_command_refuses_production_and_says_a_second_run_adds(
        run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch) -> None:
    assert run("db", "upgrade").exit_code == 0
    assert run("import", str(BIRTH)).exit_code == 0
    refused = run("demo", "cases", "2")  # LOWCODE_ENV unset: production
    assert refused.exit_code == 1 and "生产环境" in refused.output
    monkeypatch.setenv("LOWCODE_ENV", "development")
    first = run("demo", "cases", "2", "--seed", "1", "--days", "20")
    assert first.exit_code == 0, first.output
    assert "已创建 2 个演示办件（birth_one_thing 2）" in first.output
    second = run("demo", "cases", "2", "--seed", "1", "--lang", "en")
    assert second.exit_code == 0, second.output
    assert "added to the 2 cases already there" in second.output

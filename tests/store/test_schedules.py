"""Scheduled starts (定期发起): a monthly joint inspection starts one case per month, with its
start data computed from the period; two workers racing for one period start it once, and
after a downtime the missed months are caught up once, not doubled."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from runtime.casework import schedules as schedules_use_case
from runtime.casework.schedules import start_due
from runtime.flows.deadlines import CHINA
from runtime.providers import default_field_types
from runtime.store import schedules
from runtime.store.cases import CaseRow
from runtime.store.db import session_factory
from runtime.store.schedules import ScheduledStart
from runtime.store.submissions import Submission

from .casework import publish

PACK = {
    "pack.yaml": """\
kind: Pack
id: schedule_test
version: 1
format: 1
title: 定期联合检查测试
departments: [{code: MARKET, name: 市场监督管理局}]
roles: [{code: clerk, name: 办事员}]
""",
    "forms/plan.yaml": """\
kind: Form
id: plan
version: 1
title: 月度联合检查计划
department: MARKET
audience: staff
fields:
  - {id: title, type: text, label: 计划名称, required: true}
  - {id: month_start, type: date, label: 检查月份, required: true}
""",
    "tasks/inspect.yaml": """\
kind: TaskTemplate
id: inspect
version: 1
title: 联合检查
content: {instructions: 按计划检查}
coordination: {assignee: {department: MARKET, role: clerk}}
""",
    "processes/monthly.yaml": """\
kind: Process
id: monthly
version: 1
title: 每月联合检查
start_form: plan
schedule:
  every: month
  data: {title: "'联合检查 ' + period", month_start: period_start}
steps: [{id: inspect, task: inspect}]
""",
}
SEPTEMBER = datetime(2026, 9, 10, 2, tzinfo=UTC)
DECEMBER = datetime(2026, 12, 5, 2, tzinfo=UTC)


def _publish(session: Session, tmp_path: Path, pack: dict[str, str]) -> None:
    for name, text in pack.items():
        (tmp_path / "pack" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "pack" / name).write_text(text, encoding="utf-8")
    publish(session, tmp_path / "pack")
    session.commit()


@pytest.fixture
def published(session: Session, tmp_path: Path) -> Session:
    _publish(session, tmp_path, PACK)
    return session


def _started(session: Session) -> list[tuple[str, str | None, str]]:
    """Each scheduled period, the title its submission got, and whether a case runs it."""
    rows = session.execute(
        select(ScheduledStart.period, Submission.data, CaseRow.status)
        .join(Submission, Submission.tracking_no == ScheduledStart.tracking_no)
        .join(CaseRow, CaseRow.tracking_no == Submission.tracking_no)
        .order_by(ScheduledStart.period))
    return [(period, data["title"], status) for period, data, status in rows]


def test_the_first_run_starts_the_current_month_with_its_data(published: Session) -> None:
    receipts = start_due(published, default_field_types(), now=DECEMBER)
    assert len(receipts) == 1
    assert _started(published) == [("2026-12", "联合检查 2026-12", "running")]
    data = published.scalars(select(Submission.data)).one()
    assert data["month_start"] == "2026-12-01"
    assert start_due(published, default_field_types(), now=DECEMBER) == []


def test_the_month_is_china_time(published: Session) -> None:
    start_due(published, default_field_types(), now=datetime(2026, 11, 30, 16, 30, tzinfo=UTC))
    assert [p for p, _, _ in _started(published)] == ["2026-12"]


def test_missed_months_are_caught_up_once(published: Session) -> None:
    start_due(published, default_field_types(), now=SEPTEMBER)
    caught_up = start_due(published, default_field_types(), now=DECEMBER)
    assert len(caught_up) == 3
    assert [p for p, _, _ in _started(published)] == ["2026-09", "2026-10", "2026-11",
                                                       "2026-12"]
    assert start_due(published, default_field_types(), now=DECEMBER) == []
    assert len(published.scalars(select(CaseRow.id)).all()) == 4


def test_lowcode_worker_starts_the_month_once(run: Callable[..., Result], tmp_path: Path,
                                             session: Session) -> None:
    for name, text in PACK.items():
        (tmp_path / "pack" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "pack" / name).write_text(text, encoding="utf-8")
    assert run("db", "upgrade").exit_code == 0
    assert run("import", str(tmp_path / "pack")).exit_code == 0
    for _ in range(2):
        assert run("worker", "--once").exit_code == 0
    month = datetime.now(CHINA).strftime("%Y-%m")
    assert _started(session) == [(month, f"联合检查 {month}", "running")]


def _racing(monkeypatch: pytest.MonkeyPatch, racers: int) -> None:
    """Every worker waits for the others just before recording a period: all have read the
    same last period and all insert the same row at once."""
    barrier, record = threading.Barrier(racers), schedules.record

    def record_together(*args: Any, **kwargs: Any) -> int:
        barrier.wait(10)
        return record(*args, **kwargs)

    monkeypatch.setattr(schedules, "record", record_together)


def _race(engine: Engine, now: datetime, racers: int = 2) -> list[int]:
    """`racers` workers, each on its own session, start what is due at `now` together;
    how many cases each started."""
    counts: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with session_factory(engine)() as session:
                counts.append(len(start_due(session, default_field_types(), now=now)))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    return sorted(counts)


def test_two_workers_racing_start_the_period_once(
        published: Session, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    _racing(monkeypatch, 2)
    assert _race(engine, DECEMBER) == [0, 1]
    assert [p for p, _, _ in _started(published)] == ["2026-12"]
    assert len(published.scalars(select(Submission.id)).all()) == 1


def test_two_workers_racing_after_a_downtime_catch_up_once(
        published: Session, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    start_due(published, default_field_types(), now=SEPTEMBER)
    published.commit()
    _racing(monkeypatch, 2)
    counts = _race(engine, DECEMBER)
    assert sum(counts) == 3
    assert [p for p, _, _ in _started(published)] == ["2026-09", "2026-10", "2026-11",
                                                       "2026-12"]
    assert len(published.scalars(select(CaseRow.id)).all()) == 4


def test_data_that_fails_to_compute_starts_nothing_and_says_why(
        session: Session, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    _publish(session, tmp_path, {**PACK, "processes/monthly.yaml": PACK[
        "processes/monthly.yaml"].replace("month_start: period_start",
                                          "month_start: \"to_date(period + '-32')\"")})
    assert start_due(session, default_field_types(), now=DECEMBER) == []
    assert "schedule of monthly, period 2026-12" in caplog.text
    assert session.scalars(select(ScheduledStart.id)).all() == []


def test_data_the_start_form_refuses_starts_nothing_and_says_why(
        session: Session, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    _publish(session, tmp_path, {**PACK, "processes/monthly.yaml": PACK[
        "processes/monthly.yaml"].replace("title: \"'联合检查 ' + period\", ", "")})
    assert start_due(session, default_field_types(), now=DECEMBER) == []
    assert "the start form refuses the data" in caplog.text
    assert session.scalars(select(Submission.id)).all() == []


def test_a_failing_schedule_is_logged_and_tried_again(
        published: Session, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("the submit broke")

    monkeypatch.setattr(schedules_use_case, "submit_validated", fail)
    assert start_due(published, default_field_types(), now=DECEMBER) == []
    assert "schedule of monthly failed" in caplog.text
    assert published.scalars(select(ScheduledStart.id)).all() == []
    monkeypatch.undo()
    assert len(start_due(published, default_field_types(), now=DECEMBER)) == 1


# --- a cron expression: each moment it names is a period ---------------------------------

WEEKLY = {**PACK, "processes/monthly.yaml": PACK["processes/monthly.yaml"].replace(
    "  every: month\n", "  cron: \"0 9 * * 1\"\n  catch_up: 2\n")}
MONDAY_AFTER_NINE = datetime(2026, 12, 7, 1, 30, tzinfo=UTC)  # 9:30 in China


def test_a_cron_schedule_starts_its_moment_once(session: Session, tmp_path: Path) -> None:
    _publish(session, tmp_path, WEEKLY)
    start_due(session, default_field_types(), now=MONDAY_AFTER_NINE)
    assert _started(session) == [("2026-12-07 09:00", "联合检查 2026-12-07 09:00", "running")]
    data = session.scalars(select(Submission.data)).one()
    assert data["month_start"] == "2026-12-07"
    later = datetime(2026, 12, 10, 2, tzinfo=UTC)  # Thursday: no new moment yet
    assert start_due(session, default_field_types(), now=later) == []


def test_two_workers_racing_catch_up_missed_cron_moments_once(
        session: Session, tmp_path: Path, engine: Engine,
        monkeypatch: pytest.MonkeyPatch) -> None:
    _publish(session, tmp_path, WEEKLY)
    start_due(session, default_field_types(), now=datetime(2026, 11, 2, 2, tzinfo=UTC))
    session.commit()
    _racing(monkeypatch, 2)
    counts = _race(engine, MONDAY_AFTER_NINE)  # five Mondays later: two caught up, one now
    assert sum(counts) == 3
    assert [p for p, _, _ in _started(session)] == [
        "2026-11-02 09:00", "2026-11-23 09:00", "2026-11-30 09:00", "2026-12-07 09:00"]
    assert len(session.scalars(select(CaseRow.id)).all()) == 4

"""The periods of scheduled starts: their labels and first days, and which are due on a day
after the last one started (the current one, and missed ones up to catch_up)."""

from __future__ import annotations

import datetime as dt

import pytest

from runtime.flows.periods import (
    CronPeriod,
    cron_valid,
    due_moments,
    due_periods,
    parse_period,
    period_of,
    start_data,
)

DAY = dt.date(2026, 12, 5)


@pytest.mark.parametrize(("every", "day", "label", "start"), [
    ("month", DAY, "2026-12", dt.date(2026, 12, 1)),
    ("month", dt.date(2027, 1, 1), "2027-01", dt.date(2027, 1, 1)),
    ("quarter", DAY, "2026-Q4", dt.date(2026, 10, 1)),
    ("quarter", dt.date(2026, 3, 31), "2026-Q1", dt.date(2026, 1, 1)),
    ("quarter", dt.date(2026, 4, 1), "2026-Q2", dt.date(2026, 4, 1)),
    ("year", DAY, "2026", dt.date(2026, 1, 1)),
])
def test_a_day_falls_in_one_period(every: str, day: dt.date, label: str,
                                   start: dt.date) -> None:
    period = period_of(every, day)
    assert (period.label, period.start) == (label, start)
    assert parse_period(every, label) == period


@pytest.mark.parametrize(("every", "label"), [
    ("month", "2026-Q4"), ("quarter", "2026-12"), ("year", "2026-12"), ("month", "2026-13"),
    ("month", "junk"),
])
def test_a_label_of_another_kind_is_no_period(every: str, label: str) -> None:
    assert parse_period(every, label) is None


def _due(every: str, last: str | None, catch_up: int = 3, day: dt.date = DAY) -> list[str]:
    return [p.label for p in due_periods(every, last, day, catch_up)]


def test_the_first_run_starts_only_the_current_period() -> None:
    assert _due("month", None) == ["2026-12"]


def test_a_period_already_started_is_not_due_again() -> None:
    assert _due("month", "2026-12") == []
    assert _due("quarter", "2026-Q4") == []


def test_missed_periods_are_caught_up_oldest_first() -> None:
    assert _due("month", "2026-09") == ["2026-10", "2026-11", "2026-12"]
    assert _due("month", "2025-12", day=dt.date(2026, 2, 1)) == ["2026-01", "2026-02"]
    assert _due("year", "2024") == ["2025", "2026"]


def test_catch_up_caps_the_missed_periods_to_the_newest() -> None:
    assert _due("month", "2026-01", catch_up=3) == ["2026-09", "2026-10", "2026-11", "2026-12"]
    assert _due("month", "2026-01", catch_up=0) == ["2026-12"]


def test_a_schedule_whose_kind_changed_starts_the_current_period() -> None:
    assert _due("quarter", "2026-11") == ["2026-Q4"]


def test_start_data_reads_the_period_and_keeps_plain_values() -> None:
    data = start_data({"title": "'联合检查 ' + period", "month": "period_start", "count": 3,
                       "urgent": False}, period_of("quarter", DAY))
    assert data == {"title": "联合检查 2026-Q4", "month": dt.date(2026, 10, 1), "count": 3,
                    "urgent": False}


# --- cron expressions: each moment named is a period ------------------------------------

MONDAY_NINE = "0 9 * * 1"  # every Monday at 9:00, China time


def _moments(last: str | None, now: dt.datetime, catch_up: int = 3,
             expression: str = MONDAY_NINE) -> list[str]:
    return [p.label for p in due_moments(expression, last, now, catch_up)]


def _china(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def test_a_cron_schedule_starts_the_newest_moment_not_after_now() -> None:
    assert _moments(None, _china(2026, 12, 9, 15)) == ["2026-12-07 09:00"]
    assert _moments(None, _china(2026, 12, 7, 9, 0)) == ["2026-12-07 09:00"]  # on the dot
    assert _moments(None, _china(2026, 12, 7, 8, 59)) == ["2026-11-30 09:00"]


def test_a_cron_moment_started_is_not_due_again_and_missed_ones_are_caught_up() -> None:
    now = _china(2026, 12, 9, 15)
    assert _moments("2026-12-07 09:00", now) == []
    assert _moments("2026-11-23 09:00", now) == ["2026-11-30 09:00", "2026-12-07 09:00"]
    # A long downtime: at most catch_up missed moments besides the newest, oldest first.
    assert _moments("2026-01-05 09:00", now, catch_up=2) == [
        "2026-11-23 09:00", "2026-11-30 09:00", "2026-12-07 09:00"]
    assert _moments("2026-01-05 09:00", now, catch_up=0) == ["2026-12-07 09:00"]


def test_an_every_minute_schedule_after_a_year_down_reads_only_what_it_starts() -> None:
    now = _china(2026, 12, 9, 15, 30)
    assert _moments("2025-12-09 15:30", now, catch_up=1, expression="* * * * *") == [
        "2026-12-09 15:29", "2026-12-09 15:30"]


def test_a_month_label_left_by_an_earlier_schedule_counts_as_a_first_run() -> None:
    assert _moments("2026-12", _china(2026, 12, 9, 15)) == ["2026-12-07 09:00"]


def test_a_cron_moments_data_reads_its_label_and_day() -> None:
    period = CronPeriod(_china(2026, 12, 7, 9))
    assert start_data({"title": "'检查 ' + period", "day": "period_start"}, period) == {
        "title": "检查 2026-12-07 09:00", "day": dt.date(2026, 12, 7)}


@pytest.mark.parametrize(("expression", "valid"), [
    ("0 9 * * 1", True), ("@daily", True), ("*/15 8-17 * * 1-5", True),
    ("0 25 * * *", False), ("0 9 * *", False), ("0 0 9 * * 1", False), ("junk", False)])
def test_which_cron_expressions_are_valid(expression: str, valid: bool) -> None:
    assert cron_valid(expression) is valid

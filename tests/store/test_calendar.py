"""`lowcode calendar load`: next year's official holiday arrangement, which the calendar
package does not ship yet, loaded from a file; working days and deadlines follow it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy.orm import Session

from runtime.expressions import dates
from runtime.flows import deadlines
from runtime.store import calendar

# A National Day week in 2027 as the State Council might publish it, with a working Saturday.
HOLIDAY_FILE = """\
year: 2027
holidays: ["2027-10-01..2027-10-07"]
workdays: ["2027-10-09"]
"""


@pytest.fixture(autouse=True)
def package_calendar() -> Iterator[None]:
    """Every test leaves the process counting by the package's calendar alone."""
    yield
    dates.use_arrangement({})
    calendar._checked[0] = 0.0


def test_a_loaded_arrangement_is_what_working_days_and_deadlines_count(
        run: Callable[..., Result], tmp_path: Path, session: Session) -> None:
    # Provisionally (the package knows 2026 at most) 1-7 October 2027 are Friday to Thursday.
    assert dates.add_workdays(dt.date(2027, 9, 30), 1) == dt.date(2027, 10, 1)
    (tmp_path / "2027.yaml").write_text(HOLIDAY_FILE, encoding="utf-8")
    loaded = run("calendar", "load", str(tmp_path / "2027.yaml"))
    assert loaded.exit_code == 0, loaded.output
    assert "已载入 8 天（放假 7 天，调休上班 1 天）" in loaded.output
    calendar.ensure(session)
    assert dates.add_workdays(dt.date(2027, 9, 30), 1) == dt.date(2027, 10, 8)
    assert dates.is_workday(dt.date(2027, 10, 9))  # the adjusted Saturday
    given = dt.datetime(2027, 9, 30, 10, tzinfo=deadlines.CHINA)
    assert deadlines.due_by(given, "working_days", 2) == dt.datetime(
        2027, 10, 10, tzinfo=deadlines.CHINA)  # 8 and 9 October
    assert "2027-10-09 上班 workday" in run("calendar", "show", "2027").output


def test_loading_a_year_again_replaces_it(run: Callable[..., Result], tmp_path: Path,
                                          session: Session) -> None:
    path = tmp_path / "2027.yaml"
    path.write_text(HOLIDAY_FILE, encoding="utf-8")
    assert run("calendar", "load", str(path)).exit_code == 0
    path.write_text("year: 2027\nholidays: ['2027-10-01..2027-10-03']\n", encoding="utf-8")
    assert run("calendar", "load", str(path)).exit_code == 0
    assert sorted(calendar.arrangement(session)) == [dt.date(2027, 10, d) for d in (1, 2, 3)]


@pytest.mark.parametrize(("text", "message"), [
    ("holidays: [2027-10-01]", "须给出 year（年份）"),
    ("year: 2027\nholidays: ['2027-13-01']", "holidays[0]: '2027-13-01' 不是日期"),
    ("year: 2027\nworkdays: ['2028-01-02']", "workdays[0]: 2028-01-02 不在 2027 年"),
    ("year: 2027\nholidays: ['2027-10-07..2027-10-01']", "区间不合理"),
])
def test_a_wrong_file_is_refused_naming_the_entry_and_nothing_is_loaded(
        run: Callable[..., Result], tmp_path: Path, session: Session, text: str,
        message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    result = run("calendar", "load", str(path))
    assert result.exit_code == 1 and message in result.output and "bad.yaml" in result.output
    assert calendar.arrangement(session) == {}

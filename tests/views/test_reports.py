"""The pure part of reports: the measures registry (each documented), periods and their
buckets, effectiveness scores that explain themselves, and a widget's figure."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from runtime.definitions.spec import CatalogItemSpec, CatalogSpec
from runtime.i18n import Label
from runtime.views import effectiveness
from runtime.views.figures import Figure, Row, number, ranking
from runtime.views.measures import LOWER, MEASURES, Measure, Tally, registry, value
from runtime.views.periods import Period, bucket, bucket_label, buckets

DOCS = Path(__file__).parents[2] / "docs" / "definitions.md"
D = dt.date


def test_every_measure_is_documented_with_its_chinese_name() -> None:
    documented = dict(re.findall(r"^\| `([a-z_]+)` \| ([^|]+) \|", DOCS.read_text("utf-8"),
                                 re.M))
    for name, measure in MEASURES.items():
        assert documented.get(name, "").strip() == measure.label[0], name


def test_a_measure_registered_twice_fails() -> None:
    with pytest.raises(ValueError, match="received"):
        registry((Measure("received", ("x", "x"), ("件", "cases"), "count"),))


def test_values_of_counts_rates_and_averages() -> None:
    assert value(MEASURES["received"], None) == 0.0
    assert value(MEASURES["on_time_rate"], None) is None
    assert value(MEASURES["on_time_rate"], Tally(2, 3)) == 66.7
    assert value(MEASURES["avg_working_days"], Tally(3, 2)) == 1.5
    assert value(MEASURES["avg_working_days"], Tally(0, 0)) is None


def test_the_previous_period_and_buckets() -> None:
    assert Period(D(2026, 10, 1), D(2026, 10, 31)).previous() == Period(D(2026, 9, 1),
                                                                        D(2026, 9, 30))
    assert Period(D(2026, 3, 1), D(2026, 3, 31)).previous() == Period(D(2026, 2, 1),
                                                                      D(2026, 2, 28))
    assert Period(D(2026, 10, 5), D(2026, 10, 11)).previous() == Period(D(2026, 9, 28),
                                                                        D(2026, 10, 4))
    with pytest.raises(ValueError):
        Period(D(2026, 10, 2), D(2026, 10, 1))
    assert bucket(D(2026, 10, 1), "week") == D(2026, 9, 28)  # a Thursday's Monday
    assert bucket(D(2026, 10, 17), "month") == D(2026, 10, 1)
    period = Period(D(2026, 9, 28), D(2026, 10, 11))
    assert len(buckets(period, "day")) == 14
    assert buckets(period, "week") == [D(2026, 9, 28), D(2026, 10, 5)]
    assert buckets(period, "month") == [D(2026, 9, 1), D(2026, 10, 1)]
    assert bucket_label(D(2026, 9, 28), "week") == "2026-W40"
    assert bucket_label(D(2026, 9, 1), "month") == "2026-09"


def item(code: str, measure: str, target: float, weight: float,
         direction: str = "higher", of: str | None = None) -> CatalogItemSpec:
    return CatalogItemSpec(code=code, label=Label(code), measure=measure, target=target, weight=weight,
                           direction=direction, of=of)


def test_a_score_weighs_attainments_and_explains_itself() -> None:
    catalog = CatalogSpec(kind="Catalog", id="c", version=1, title=Label("c"),
                          type="indicators", items=(
        item("on_time", "on_time_rate", 95, 3), item("days", "avg_working_days", 5, 2, LOWER),
        item("closed", "closed", 90, 1, of="received"),
        CatalogItemSpec(code="named_only", label=Label("只是名称"))))
    indicators = effectiveness.indicators(catalog)
    assert [i.code for i in indicators] == ["on_time", "days", "closed"]
    assert indicators[2].unit == "%"
    score = effectiveness.score("GOVSVC", indicators,
                                {"on_time": 76.0, "days": 10.0, "closed": None})
    # 76 of 95 attains 0.8 (weight 3), 10 days against 5 attains 0.5 (2), closed has no data
    assert score.score == round((3 * 0.8 + 2 * 0.5) / 5 * 100, 1) == 68.0
    assert [(p.indicator.code, p.value, p.points) for p in score.parts] == [
        ("on_time", 76.0, 80.0), ("days", 10.0, 50.0), ("closed", None, None)]
    nothing = effectiveness.score("POLICE", indicators, {})
    assert nothing.score is None
    assert [s.group for s in effectiveness.ranked([nothing, score])] == ["GOVSVC", "POLICE"]


@pytest.mark.parametrize(("value", "target", "direction", "expected"), [
    (100, 95, "higher", 1.0), (47.5, 95, "higher", 0.5), (0, 0, "higher", 1.0),
    (3, 5, "lower", 1.0), (10, 5, "lower", 0.5), (None, 5, "lower", None), (3, None, "higher", None),
])
def test_attainment(value: float | None, target: float | None, direction: str,
                    expected: float | None) -> None:
    assert effectiveness.attainment(value, target, direction) == expected


def test_ratio_of_two_measures() -> None:
    assert effectiveness.ratio(1, 3) == 33.3
    assert effectiveness.ratio(1, 0) is None
    assert effectiveness.ratio(None, 3) is None


def test_an_indicator_card_compares_with_the_previous_period_and_the_target() -> None:
    card = Figure("d", "indicator", "天数", "工作日", value=4.0, previous=6.0, target=5.0,
                  better=LOWER)
    assert card.change == -2.0 and card.improved is True and card.on_target is True
    assert [r.value for r in card.table()] == [4.0, 6.0, 5.0]
    rows = [Row("a", "甲", 2.0), Row("b", "乙", None), Row("c", "丙", 1.0)]
    assert [r.key for r in ranking(rows, LOWER)] == ["c", "a", "b"]
    assert [r.key for r in ranking(rows, "higher")] == ["a", "c", "b"]
    assert (number(3.0), number(1.25), number(None)) == ("3", "1.25", "—")

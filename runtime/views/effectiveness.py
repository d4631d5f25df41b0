"""Effectiveness scores (效能评估): indicators as definitions (items of a Catalog of type
`indicators` that name a measure), each held against its target, combined by weight into one
score per department for a period, with the reckoning that explains it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from runtime.definitions.spec import CatalogItemSpec, CatalogSpec
from runtime.views.measures import HIGHER, MEASURES


@dataclass(frozen=True)
class Indicator:
    """One indicator's formula: `measure`, or `measure` / `of` as a percentage."""

    code: str
    label: tuple[str, str]
    unit: str
    measure: str
    of: str | None
    process: str | None
    target: float | None
    direction: str
    weight: float


def indicators(catalog: CatalogSpec) -> list[Indicator]:
    """The indicators of a catalog that have a formula (items without a measure are names
    only, kept for task templates' goals)."""
    return [_indicator(item) for item in catalog.items if item.measure]


def _indicator(item: CatalogItemSpec) -> Indicator:
    assert item.measure is not None
    measure = MEASURES[item.measure]
    unit = "%" if item.of else (item.unit or measure.unit[0])
    return Indicator(item.code, (item.label.zh, item.label.en or item.label.zh), unit,
                     item.measure, item.of, item.process, item.target, item.direction,
                     item.weight)


def ratio(value: float | None, of: float | None) -> float | None:
    """`value` as a percentage of `of`; no data when there is nothing to divide by."""
    if value is None or not of:
        return None
    return round(value / of * 100, 1)


def attainment(value: float | None, target: float | None, direction: str) -> float | None:
    """How far `value` reaches `target`, from 0 to 1: value / target when higher is better,
    target / value when lower is; None without a value or a target."""
    if value is None or target is None:
        return None
    if direction == HIGHER:
        return 1.0 if target <= 0 else max(0.0, min(value / target, 1.0))
    if value <= target:
        return 1.0
    return max(0.0, target / value) if value > 0 else 1.0


@dataclass(frozen=True)
class Part:
    """One indicator's share of a score: its value against its target, and its weight."""

    indicator: Indicator
    value: float | None
    attainment: float | None

    @property
    def points(self) -> float | None:
        return None if self.attainment is None else round(self.attainment * 100, 1)


@dataclass(frozen=True)
class Score:
    """A department's score for a period: 0 to 100, None when no indicator has data."""

    group: str
    score: float | None
    parts: tuple[Part, ...]


def score(group: str, indicators: Iterable[Indicator],
          values: Mapping[str, float | None]) -> Score:
    """The weighted mean of the attainments of the indicators with data, out of 100; an
    indicator without data (or without a target) is shown and left out of the weights."""
    parts = tuple(Part(i, values.get(i.code), attainment(values.get(i.code), i.target,
                                                          i.direction)) for i in indicators)
    counted = [p for p in parts if p.attainment is not None]
    weights = sum(p.indicator.weight for p in counted)
    if not counted or weights <= 0:
        return Score(group, None, parts)
    total = sum(p.indicator.weight * (p.attainment or 0.0) for p in counted)
    return Score(group, round(total / weights * 100, 1), parts)


def ranked(scores: Iterable[Score]) -> list[Score]:
    """Best first; departments without a score last, by code."""
    return sorted(scores, key=lambda s: (s.score is None, -(s.score or 0.0), s.group))

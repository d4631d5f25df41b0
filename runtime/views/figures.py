"""What a dashboard widget shows, as plain values: the rows of its chart and of the table
that stands for it, and for an indicator card its value, target and change against the
previous period. Built from the store's tallies by `runtime.web.dashboards`."""

from __future__ import annotations

from dataclasses import dataclass

from runtime.views.measures import HIGHER


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    value: float | None


@dataclass(frozen=True)
class Figure:
    id: str
    type: str  # indicator, trend, ranking, distribution, table
    title: str
    unit: str
    rows: tuple[Row, ...] = ()
    value: float | None = None
    previous: float | None = None
    target: float | None = None
    better: str = HIGHER
    link: str | None = None  # a table widget that shows a View opens it
    snapshot: bool = False  # counted now whatever the period: no previous period to compare

    @property
    def change(self) -> float | None:
        """Against the previous period, in the widget's unit."""
        if self.value is None or self.previous is None:
            return None
        return round(self.value - self.previous, 2)

    @property
    def improved(self) -> bool | None:
        change = self.change
        if not change:
            return None
        return (change > 0) == (self.better == HIGHER)

    @property
    def on_target(self) -> bool | None:
        if self.value is None or self.target is None:
            return None
        return (self.value >= self.target if self.better == HIGHER
                else self.value <= self.target)

    def table(self) -> list[Row]:
        """The rows as the accessible table and the downloads show them; an indicator card
        is one row per figure."""
        if self.type != "indicator":
            return list(self.rows)
        if self.snapshot:
            return [Row("value", "value", self.value), Row("target", "target", self.target)]
        return [Row("value", "value", self.value), Row("previous", "previous", self.previous),
                Row("target", "target", self.target)]


def ranking(rows: list[Row], better: str) -> tuple[Row, ...]:
    """Best first; rows without data last."""
    sign = -1 if better == HIGHER else 1
    return tuple(sorted(rows, key=lambda r: (r.value is None, sign * (r.value or 0.0),
                                             r.label)))


def number(value: float | None) -> str:
    """A figure as people read it: whole numbers without decimals, none as a dash."""
    if value is None:
        return "—"
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}".rstrip("0")

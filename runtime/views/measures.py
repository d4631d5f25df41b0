"""The measures a Dashboard widget or an indicator names: one entry per measure, holding
every fact about it but its query (words, unit, how its tally becomes a value, which way is
better). `runtime.store.measures` holds one query per entry; a test holds the two together."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

COUNT, RATE, AVERAGE = "count", "rate", "average"
HIGHER, LOWER = "higher", "lower"


@dataclass(frozen=True)
class Measure:
    name: str
    label: tuple[str, str]  # zh, en
    unit: tuple[str, str]
    form: str  # COUNT: a number of things; RATE: a share in %; AVERAGE: a mean
    better: str = HIGHER
    snapshot: bool = False  # counted now, whatever the period (overdue now)
    help: tuple[str, str] = ("", "")


@dataclass
class Tally:
    """What a measure adds up within one group: a count or sum over a count."""

    amount: float = 0.0
    of: int = 0

    def add(self, amount: float, of: int = 1) -> None:
        self.amount += amount
        self.of += of

    def merge(self, other: Tally) -> None:
        self.add(other.amount, other.of)


def value(measure: Measure, tally: Tally | None) -> float | None:
    """The figure a tally stands for; None when there is nothing to divide ("no data")."""
    if measure.form == COUNT:
        return tally.amount if tally is not None else 0.0
    if tally is None or tally.of == 0:
        return None
    share = tally.amount / tally.of
    return round(share * 100, 1) if measure.form == RATE else round(share, 2)


_PIECES, _DAYS, _PCT = ("件", "cases"), ("工作日", "working days"), ("%", "%")
_TASKS = ("件", "tasks")

BUILTIN: tuple[Measure, ...] = (
    Measure("received", ("受理申请数", "Received"), _PIECES, COUNT,
            help=("期间内提交并立案的申请", "cases started in the period")),
    Measure("accepted", ("受理数", "Accepted"), _PIECES, COUNT,
            help=("期间内首次有环节办结（已受理）的案件", "cases whose first task was done in the "
                  "period")),
    Measure("closed", ("办结数", "Closed"), _PIECES, COUNT,
            help=("期间内办结或不予批准的案件", "cases finished or refused in the period")),
    Measure("on_time_rate", ("按时办结率", "On-time rate"), _PCT, RATE,
            help=("期间内办完的有时限任务中按时办完的比例", "share of the tasks with a deadline "
                  "done in the period that were done in time")),
    Measure("avg_working_days", ("平均办理工作日", "Average working days"), _DAYS, AVERAGE,
            better=LOWER,
            help=("期间内办完的任务从生成到办完的平均工作日（按法定节假日和调休）",
                  "mean working days from creation to completion of the tasks done in the "
                  "period (statutory holidays and adjusted days counted)")),
    Measure("overdue_now", ("当前超期", "Overdue now"), _TASKS, COUNT, better=LOWER,
            snapshot=True,
            help=("此刻已过时限仍未办完的任务", "tasks past their deadline and not done now")),
    Measure("returns", ("退回次数", "Returns"), ("次", "times"), COUNT, better=LOWER,
            help=("期间内的退回次数", "returns to an earlier step in the period")),
    Measure("redo", ("重办任务数", "Redone tasks"), _TASKS, COUNT, better=LOWER,
            help=("期间内因退回或补正而重新办理的任务", "tasks created in the period to redo a "
                  "step after a return or a correction")),
    Measure("satisfaction_rate", ("满意率", "Satisfaction rate"), _PCT, RATE,
            help=("期间内评价为满意（4、5 级）的比例", "share of the ratings in the period at "
                  "level 4 or 5")),
)


def registry(extra: tuple[Measure, ...] = ()) -> dict[str, Measure]:
    """The measures by name: the built-ins and `extra`; a duplicate name fails."""
    found: dict[str, Measure] = {}
    for measure in (*BUILTIN, *extra):
        if measure.name in found:
            raise ValueError(f"measure {measure.name!r} is registered twice")
        found[measure.name] = measure
    return found


MEASURES: Mapping[str, Measure] = registry()
GROUPS = ("department", "region")

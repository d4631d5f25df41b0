"""The five levels of a service rating (好差评) and the reasons an applicant may tick at each,
in Chinese and English; which levels are poor (they open a rectification); and the parsing
of a posted rating into a checked value or the errors to show beside each input. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from runtime.i18n import Label

COMMENT_MAX = 500
POOR = 2  # 不满意 and 非常不满意 (levels 2 and 1) open a rectification


@dataclass(frozen=True)
class Level:
    value: int  # 5 best
    label: Label
    reasons: tuple[tuple[str, Label], ...]


_GOOD_REASONS = (
    ("fast", Label("办理快捷", "Fast")),
    ("clear", Label("告知清楚", "Clearly explained")),
    ("polite", Label("态度热情", "Courteous staff")),
    ("easy", Label("材料精简、少跑腿", "Few papers, few trips")),
    ("online", Label("网上办理方便", "Easy online")),
)
_POOR_REASONS = (
    ("slow", Label("办理超时或拖延", "Too slow or delayed")),
    ("unclear", Label("告知不清、多次补正", "Unclear notices, repeated corrections")),
    ("attitude", Label("态度不好", "Discourteous staff")),
    ("runaround", Label("多头跑、重复提交材料", "Sent from desk to desk, papers asked twice")),
    ("unsolved", Label("问题没有解决", "Problem not solved")),
    ("unfair", Label("办理结果不公正", "Unfair outcome")),
)
LEVELS: tuple[Level, ...] = (
    Level(5, Label("非常满意", "Very satisfied"), _GOOD_REASONS),
    Level(4, Label("满意", "Satisfied"), _GOOD_REASONS),
    Level(3, Label("基本满意", "Fairly satisfied"),
          (("fast", _GOOD_REASONS[0][1]), ("slow", _POOR_REASONS[0][1]),
           ("unclear", _POOR_REASONS[1][1]), ("other", Label("其他", "Other")))),
    Level(2, Label("不满意", "Unsatisfied"), _POOR_REASONS),
    Level(1, Label("非常不满意", "Very unsatisfied"), _POOR_REASONS),
)
BY_VALUE = {level.value: level for level in LEVELS}


def is_poor(level: int) -> bool:
    return level <= POOR


def level_label(level: int) -> Label:
    return BY_VALUE[level].label


def reason_label(level: int, code: str) -> Label:
    return dict(BY_VALUE[level].reasons).get(code, Label(code, code))


@dataclass(frozen=True)
class Posted:
    """A rating as posted, checked: its level, ticked reasons (of that level) and comment;
    or the errors by input name."""

    level: int = 0
    reasons: tuple[str, ...] = ()
    comment: str = ""
    errors: dict[str, Label] = field(default_factory=dict)


def parse(form: Mapping[str, str], reasons: Sequence[str]) -> Posted:
    """Check a posted rating: a level of the five, reasons only of that level (unknown ones
    refused, not dropped: the applicant sees what was wrong), a comment within bounds (kept
    as text; pages escape it). A poor rating needs a reason or a comment: the department
    must know what to fix."""
    errors: dict[str, Label] = {}
    raw = form.get("level", "").strip()
    level = int(raw) if raw.isdigit() and int(raw) in BY_VALUE else 0
    if not level:
        errors["level"] = Label("请选择一个评价等级", "Choose a rating level")
    comment = form.get("comment", "").replace("\r\n", "\n").strip()
    if len(comment) > COMMENT_MAX:
        errors["comment"] = Label(f"意见不能超过 {COMMENT_MAX} 个字",
                                  f"The comment is longer than {COMMENT_MAX} characters")
    ticked = tuple(dict.fromkeys(r for r in reasons if r))
    if level:
        known = dict(BY_VALUE[level].reasons)
        if any(code not in known for code in ticked):
            errors["reasons"] = Label("所选理由不属于该评价等级",
                                      "A reason does not fit this level")
        elif is_poor(level) and not ticked and not comment:
            errors["reasons"] = Label("不满意时请勾选理由或写明意见，便于部门整改",
                                      "Tick a reason or write a comment, so the department "
                                      "knows what to fix")
    if errors:
        return Posted(errors=errors)
    return Posted(level, ticked, comment)

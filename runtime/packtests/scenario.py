"""The format of a pack test: one YAML file under a pack's `tests/` folder, read strictly
(the definitions' loader) into a frozen `Scenario`, every mistake in it reported with its
file and path before anything runs. Pure: no store, no clock.

    description: 网上投诉按期办结 / A web complaint closed in time
    start:
      form: hl_web_intake
      data: {category: complaint, topic: housing, ...}
    steps:
      - {as: dispatcher@HOTLINE, task: dispatch, action: complete}
      - after: 2 working days
        as: clerk@HOUSING
        task: handle
        action: return
        to: dispatch
        reason: 不属本单位职责
        error: {code: return_window, message: "2 个工作日"}
    expect:
      open: [handle]
      tasks: {handle: {department: HOUSING, due: 13 working days}}
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from runtime.definitions.loader import load_text
from runtime.definitions.problems import DefinitionError
from runtime.expressions.dates import today as china_today

ACTIONS = ("claim", "complete", "approve", "reject", "return", "ask_correction", "resubmit",
           "request_extension", "decide_extension", "suspend", "resume", "remind",
           "supervise", "withdraw")
# What each action may say besides as/task/action/data/after/expect/error.
ACTION_PARAMS: Mapping[str, frozenset[str]] = {
    "claim": frozenset(),
    "complete": frozenset({"outcome", "opinion", "notice"}),
    "approve": frozenset({"opinion", "notice"}),
    "reject": frozenset({"opinion", "notice"}),
    "return": frozenset({"to", "reason"}),
    "ask_correction": frozenset({"fields", "notice"}),
    "resubmit": frozenset(),
    "request_extension": frozenset({"days", "reason"}),
    "decide_extension": frozenset({"approve", "note"}),
    "suspend": frozenset({"reason"}),
    "resume": frozenset({"note"}),
    "remind": frozenset({"note"}),
    "supervise": frozenset({"note"}),
    "withdraw": frozenset({"reason"}),
}
EXPECTATIONS = frozenset({"status", "submission", "notice", "steps", "open", "tasks", "values",
                          "explanations", "events", "refused"})
TASK_EXPECTATIONS = frozenset({"department", "role", "holder", "round", "due", "escalated",
                               "status"})
STEP_KEYS = frozenset({"as", "task", "action", "data", "after", "expect", "error"})
TOP_KEYS = frozenset({"description", "start", "steps", "expect"})
START_KEYS = frozenset({"form", "data", "as", "key"})
ERROR_KEYS = frozenset({"code", "message"})

_DURATION = re.compile(r"^\s*(\d+)\s*(?:个)?\s*(working days?|工作日|days?|天|hours?|小时|"
                       r"minutes?|分钟)\s*$")
_UNITS = {"working day": "working_days", "working days": "working_days", "工作日": "working_days",
          "day": "days", "days": "days", "天": "days", "hour": "hours", "hours": "hours",
          "小时": "hours", "minute": "minutes", "minutes": "minutes", "分钟": "minutes"}
_ACTOR = re.compile(r"^([a-z][a-z0-9_]*)@([A-Z][A-Z0-9_]*)(?:#(\d+))?$")
TODAY = "$today"  # {$today: -3}: the date three days before the day the test runs


class ScenarioError(Exception):
    """A pack test file that cannot be run as written: where, and why in zh and en."""

    def __init__(self, file: str, path: str, zh: str, en: str):
        super().__init__(f"{file} {path}: {en}")
        self.file, self.path, self.zh, self.en = file, path, zh, en

    def message(self, lang: str = "zh") -> str:
        where = f"{self.file} {self.path}".strip()
        return f"{where}: {self.en if lang == 'en' else self.zh}"


@dataclass(frozen=True)
class Duration:
    """Time passing: `amount` working days, days, hours or minutes."""

    amount: int
    unit: str  # working_days | days | hours | minutes

    def words(self, lang: str = "zh") -> str:
        zh = {"working_days": "个工作日", "days": "天", "hours": "小时", "minutes": "分钟"}
        return (f"{self.amount} {self.unit.replace('_', ' ')}" if lang == "en"
                else f"{self.amount} {zh[self.unit]}")


@dataclass(frozen=True)
class Actor:
    """Who acts: a member of staff with `role` in `department` (`#n` tells two apart), or an
    account of the installation by `username`."""

    text: str
    role: str | None = None
    department: str | None = None
    username: str | None = None


@dataclass(frozen=True)
class Step:
    index: int
    action: str | None
    task: str | None
    actor: Actor | None
    data: dict[str, Any] | None
    params: dict[str, Any]
    after: Duration | None
    error: dict[str, Any] | None
    expect: dict[str, Any] | None


@dataclass(frozen=True)
class Start:
    form: str
    data: dict[str, Any]
    actor: Actor | None = None
    key: str = "packtest-1"


@dataclass(frozen=True)
class Scenario:
    file: str
    description: str
    start: Start
    steps: tuple[Step, ...] = ()
    expect: dict[str, Any] = field(default_factory=dict)


def read_scenario(file: str, raw: bytes | str) -> Scenario:
    """Parse one pack test file; ScenarioError names the first thing wrong in it."""
    try:
        data = load_text(file, raw).data
    except DefinitionError as error:
        first = error.problems[0]
        raise ScenarioError(file, f"line {first.line or '?'}", first.zh,
                            first.en) from None
    top = _mapping(file, "", data)
    _known(file, "", top, TOP_KEYS)
    start = _start(file, _mapping(file, "start", _required(file, "", top, "start")))
    steps = top.get("steps") or []
    if not isinstance(steps, list):
        raise ScenarioError(file, "steps", "应为列表", "must be a list")
    expect = _expect(file, "expect", top.get("expect") or {})
    return Scenario(file, _text(top.get("description") or file), start,
                    tuple(_step(file, i, s) for i, s in enumerate(steps)), expect)


def _start(file: str, raw: dict[str, Any]) -> Start:
    _known(file, "start", raw, START_KEYS)
    form = _required(file, "start", raw, "form")
    data = _mapping(file, "start.data", raw.get("data") or {})
    actor = _actor(file, "start.as", raw["as"]) if raw.get("as") else None
    return Start(str(form), resolve_dates(data), actor, str(raw.get("key") or "packtest-1"))


def _step(file: str, index: int, raw: Any) -> Step:
    path = f"steps[{index}]"
    item = _mapping(file, path, raw)
    action = item.get("action")
    allowed = STEP_KEYS | (ACTION_PARAMS.get(str(action), frozenset()))
    _known(file, path, item, allowed)
    if action is not None and action not in ACTIONS:
        raise ScenarioError(file, f"{path}.action", f"未知的动作 '{action}'；可用："
                            f"{'、'.join(ACTIONS)}", f"unknown action '{action}'; known: "
                            f"{', '.join(ACTIONS)}")
    if action is None and "after" not in item and "expect" not in item:
        raise ScenarioError(file, path, "一步须有 action、after 或 expect",
                            "a step needs an action, an after or an expect")
    if action not in (None, "resubmit"):
        for key in ("as", "task"):
            _required(file, path, item, key)
    error = item.get("error")
    if error is not None:
        _known(file, f"{path}.error", _mapping(file, f"{path}.error", error), ERROR_KEYS)
    data = item.get("data")
    return Step(index, action, item.get("task"),
                _actor(file, f"{path}.as", item["as"]) if item.get("as") else None,
                resolve_dates(_mapping(file, f"{path}.data", data)) if data is not None else None,
                {k: v for k, v in item.items() if k not in STEP_KEYS},
                parse_duration(file, f"{path}.after", item["after"]) if "after" in item
                else None, error,
                _expect(file, f"{path}.expect", item["expect"]) if "expect" in item else None)


def _expect(file: str, path: str, raw: Any) -> dict[str, Any]:
    expect = _mapping(file, path, raw)
    _known(file, path, expect, EXPECTATIONS)
    for step, wanted in _mapping(file, f"{path}.tasks", expect.get("tasks") or {}).items():
        for i, one in enumerate(wanted if isinstance(wanted, list) else [wanted]):
            where = f"{path}.tasks.{step}" + (f"[{i}]" if isinstance(wanted, list) else "")
            _known(file, where, _mapping(file, where, one), TASK_EXPECTATIONS)
            if one.get("due") is not None:
                parse_due(file, f"{where}.due", one["due"])
            if one.get("holder") is not None:
                _actor(file, f"{where}.holder", one["holder"])
    return expect


def parse_duration(file: str, path: str, text: Any) -> Duration:
    found = _DURATION.match(str(text))
    if not found:
        raise ScenarioError(file, path, f"无法识别的时长 '{text}'；例如 '2 working days'、"
                            "'3 hours'、'1 day'", f"not a duration: '{text}'; for example "
                            "'2 working days', '3 hours', '1 day'")
    return Duration(int(found.group(1)), _UNITS[found.group(2)])


def parse_due(file: str, path: str, text: Any) -> int:
    """A deadline as working days after the task was given: 'same working day' is 0."""
    if str(text).strip() in ("same working day", "当个工作日", "当天"):
        return 0
    duration = parse_duration(file, path, text)
    if duration.unit != "working_days":
        raise ScenarioError(file, path, "期限须以工作日表示，如 '13 working days'",
                            "a deadline is given in working days, e.g. '13 working days'")
    return duration.amount


def parse_actor(text: str) -> Actor | None:
    found = _ACTOR.match(text)
    if found:
        return Actor(text, found.group(1), found.group(2))
    if re.fullmatch(r"[A-Za-z0-9_.-]+", text):
        return Actor(text, username=text)
    return None


def _actor(file: str, path: str, text: Any) -> Actor:
    actor = parse_actor(str(text))
    if actor is None:
        raise ScenarioError(file, path, f"无法识别的办理人 '{text}'；写 角色@部门编码（如 "
                            "clerk@HOUSING，clerk@HOUSING#2 为同部门另一人）或用户名",
                            f"not a person: '{text}'; write role@DEPARTMENT (clerk@HOUSING, "
                            "clerk@HOUSING#2 for another clerk there) or a username")
    return actor


def resolve_dates(value: Any, today: date | None = None) -> Any:
    """Data with every `{$today: n}` replaced by the ISO date n days from today (in China, as
    the rules' `today()` counts): they see the same application whatever day the test runs."""
    today = today or china_today()
    if isinstance(value, dict):
        if set(value) == {TODAY} and isinstance(value[TODAY], int):
            return (today + timedelta(days=value[TODAY])).isoformat()
        return {k: resolve_dates(v, today) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_dates(v, today) for v in value]
    return value


def _text(value: Any) -> str:
    if isinstance(value, dict):
        return " / ".join(str(v) for v in value.values() if v)
    return str(value)


def _mapping(file: str, path: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ScenarioError(file, path, "应为映射（键: 值）", "must be a mapping (key: value)")
    return value


def _required(file: str, path: str, item: dict[str, Any], key: str) -> Any:
    if item.get(key) in (None, ""):
        where = f"{path}.{key}" if path else key
        raise ScenarioError(file, where, f"缺少 {key}", f"{key} is missing")
    return item[key]


def _known(file: str, path: str, item: dict[str, Any], allowed: frozenset[str]) -> None:
    for key in item:
        if key not in allowed:
            where = f"{path}.{key}" if path else str(key)
            raise ScenarioError(file, where,
                                f"未知的键 '{key}'；可用：{'、'.join(sorted(allowed))}",
                                f"unknown key '{key}'; known: {', '.join(sorted(allowed))}")

"""The expectations of a pack test, one checker per key: each yields (where, zh, en) for
every expectation that does not hold, so that a scenario reports all of them at once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from runtime.expressions.dates import CHINA, add_workdays, is_workday
from runtime.flows import stored
from runtime.flows.case import LIVE
from runtime.packtests.scenario import parse_due
from runtime.store.cases import Task, aware

if TYPE_CHECKING:
    from runtime.packtests.runner import Run

Found = tuple[str, str, str]  # where, zh, en
MISSING = object()


def check(run: Run, where: str, expect: dict[str, Any]) -> Iterator[Found]:
    if run.case is None and not set(expect) <= {"refused"}:
        if run.refused:
            return  # the refusal itself was reported
        yield where, "申请没有启动办件", "the application started no case"
        return
    for key, wanted in expect.items():
        yield from CHECKS[key](run, f"{where}.{key}", wanted)


def _refused(run: Run, where: str, wanted: Any) -> Iterator[Found]:
    if not run.refused:
        yield where, "申请应被拒绝，却被受理", "the application should be refused; it was accepted"
        return
    shown = " | ".join(t for texts in run.refused.values() for t in texts)
    items = wanted.items() if isinstance(wanted, dict) else [(None, wanted)]
    for path, texts in items:
        if path is not None and path not in run.refused:
            yield (f"{where}.{path}", f"'{path}' 没有被拒绝的理由；拒绝理由：{shown}",
                   f"nothing refused at '{path}'; the refusals: {shown}")
            continue
        said = " | ".join(run.refused[path]) if path is not None else shown
        for text in _strings(texts):
            if text not in said:
                yield (f"{where}" + (f".{path}" if path else ""),
                       f"拒绝理由中没有“{text}”：{said}",
                       f"the refusal does not say '{text}': {said}")


def _status(run: Run, where: str, wanted: Any) -> Iterator[Found]:
    assert run.case is not None
    run.session.refresh(run.case)
    yield from _equal(where, wanted, run.case.status, "办件状态", "the case's status")


def _submission(run: Run, where: str, wanted: Any) -> Iterator[Found]:
    assert run.submission is not None
    run.session.refresh(run.submission)
    yield from _equal(where, wanted, run.submission.status, "申请人看到的状态",
                      "the applicant's status")


def _notice(run: Run, where: str, wanted: Any) -> Iterator[Found]:
    assert run.submission is not None
    run.session.refresh(run.submission)
    said = str((run.submission.notice or {}).get("reason") or "")
    for text in _strings(wanted):
        if text not in said:
            yield where, f"告知申请人的内容中没有“{text}”：{said or '（无）'}", \
                f"the applicant's notice does not say '{text}': {said or '(none)'}"


def _steps(run: Run, where: str, wanted: Any) -> Iterator[Found]:
    assert run.case is not None
    run.session.refresh(run.case)
    states = stored.steps_of(run.case.steps)
    for step, status in (wanted or {}).items():
        actual = states[step].status if step in states else None
        yield from _equal(f"{where}.{step}", status, actual, f"环节 {step} 的状态",
                          f"the status of step {step}")


def _open(run: Run, where: str, wanted: Any) -> Iterator[Found]:
    live = sorted({t.step for t in run.tasks() if t.status in LIVE})
    expected = sorted(_strings(wanted))
    if live != expected:
        yield where, f"在办环节应为 {expected}，实际为 {live}", \
            f"the open steps should be {expected}; they are {live}"


def _tasks(run: Run, where: str, wanted: Any) -> Iterator[Found]:
    for step, described in (wanted or {}).items():
        live = [t for t in run.tasks(step) if t.status in LIVE]
        several = isinstance(described, list)
        items = described if several else [described]
        if len(live) != len(items):
            yield (f"{where}.{step}",
                   f"环节 {step} 应有 {len(items)} 个在办任务，实际 {len(live)} 个",
                   f"step {step} should have {len(items)} live task(s); it has {len(live)}")
            continue
        for i, (task, one) in enumerate(zip(live, items, strict=True)):
            yield from _task(run, f"{where}.{step}" + (f"[{i}]" if several else ""), task, one)


def _task(run: Run, where: str, task: Task, wanted: dict[str, Any]) -> Iterator[Found]:
    for key, value in wanted.items():
        here = f"{where}.{key}"
        if key == "due":
            yield from _due(run, here, task, value)
        elif key == "holder":
            expected = None if value is None else run.holder(str(value))
            if value is not None and expected is None:
                yield here, f"{value} 在此前的步骤中没有出现过", f"{value} has not acted before"
            elif task.user_id != expected:
                yield (here, f"任务应由 {value or '部门待签收'} 办理，实际办理人编号 "
                       f"{task.user_id}", f"the task should be held by {value or 'the pool'}; "
                       f"held by {task.user_id}")
        else:
            yield from _equal(here, value, getattr(task, key), f"任务的 {key}",
                              f"the task's {key}")


def _due(run: Run, where: str, task: Task, value: Any) -> Iterator[Found]:
    if value is None:
        if task.due_at is not None:
            yield where, f"任务不应有期限，实际期限 {aware(task.due_at)}", \
                f"the task should have no deadline; it is due {aware(task.due_at)}"
        return
    days = parse_due(run.scenario.file, where, value)
    if task.due_at is None or task.created_at is None:
        yield where, "任务没有期限", "the task has no deadline"
        return
    expected, due = working_days_after(aware(task.created_at), days), aware(task.due_at)
    if due != expected:
        yield (where, f"期限应为 {expected.isoformat()}（{days} 个工作日），实际为 "
               f"{due.isoformat()}", f"due {expected.isoformat()} ({days} working "
               f"days) expected; due {due.isoformat()}")


def working_days_after(given: datetime, days: int) -> datetime:
    """The end (midnight China time) of the `days`-th working day after the day `given`
    falls on; 0 is the same working day, or the next one when given on a rest day."""
    day = given.astimezone(CHINA).date()
    last = add_workdays(day, days) if days else (day if is_workday(day)
                                                 else add_workdays(day, 1))
    return datetime.combine(last + timedelta(days=1), time(), CHINA).astimezone(UTC)


def _values(run: Run, where: str, wanted: Any) -> Iterator[Found]:
    data = run.case_data()
    for path, value in (wanted or {}).items():
        yield from _equal(f"{where}.{path}", value, _at(data, str(path)), f"值 {path}",
                          f"the value {path}")


def _explanations(run: Run, where: str, wanted: Any) -> Iterator[Found]:
    assert run.submission is not None
    results = {r["rule"]: r for r in (run.submission.rules or {}).get("results", [])}
    for rule, texts in (wanted or {}).items():
        if rule not in results:
            known = ", ".join(results) or "—"
            yield f"{where}.{rule}", f"没有规则 {rule} 的结果；有：{known}", \
                f"no result of rule {rule}; there are: {known}"
            continue
        said = " | ".join(line for lines in results[rule]["explain"].values() for line in lines)
        for text in _strings(texts):
            if text not in said:
                yield f"{where}.{rule}", f"规则 {rule} 的说明中没有“{text}”：{said}", \
                    f"the explanation of {rule} does not say '{text}': {said}"


def _events(run: Run, where: str, wanted: Any) -> Iterator[Found]:
    for action, count in (wanted or {}).items():
        yield from _equal(f"{where}.{action}", count, run.events(str(action)),
                          f"记录 {action} 的次数", f"the number of {action} records")


def _equal(where: str, wanted: Any, actual: Any, zh: str, en: str) -> Iterator[Found]:
    if actual is MISSING:
        yield where, f"{zh} 不存在（应为 {wanted!r}）", f"{en} is missing ({wanted!r} expected)"
    elif wanted != actual:
        yield where, f"{zh} 应为 {wanted!r}，实际为 {actual!r}", \
            f"{en} should be {wanted!r}; it is {actual!r}"


def _at(data: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return MISSING
    return data


def _strings(value: Any) -> list[str]:
    if value is None or value is True:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


CHECKS: dict[str, Callable[[Run, str, Any], Iterator[Found]]] = {
    "refused": _refused, "status": _status, "submission": _submission, "notice": _notice,
    "steps": _steps, "open": _open, "tasks": _tasks, "values": _values,
    "explanations": _explanations, "events": _events,
}

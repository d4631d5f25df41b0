"""The compatibility report: what a new version of a definition means for the submissions,
drafts and running cases of the published one, before it is published.

`compatibility(old, new, usage)` compares two versions of one definition (their data, as
loaded) and yields findings: fields removed, renamed (a declared `renamed_from` carries the
data over), retyped, newly required, options removed; steps gone (with the running cases
standing at them), steps whose task changed; task templates changed. Each finding has a
severity (breaking / warning / info) and its text in Chinese and English. The counts are
passed in by the caller (the store knows them); this module is pure core.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

BREAKING, WARNING, INFO = "breaking", "warning", "info"
SEVERITIES = (BREAKING, WARNING, INFO)

MESSAGES: dict[str, tuple[str, str]] = {
    "field_removed": ("删除了字段 '{name}'：已有申请和草稿中的该项数据在新版本中不再显示",
                      "field '{name}' removed: its values in existing submissions and drafts "
                      "are no longer shown by the new version"),
    "field_renamed": ("字段 '{old}' 改名为 '{name}'（renamed_from）：已有数据随之带入",
                      "field '{old}' renamed to '{name}' (renamed_from): existing values "
                      "carry over"),
    "field_type_changed": ("字段 '{name}' 的类型由 {old} 改为 {new}：已有的值可能不再有效",
                           "field '{name}' changed type from {old} to {new}: existing values "
                           "may no longer be valid"),
    "field_required": ("字段 '{name}' 变为必填：按旧版本保存的草稿提交时须补填",
                       "field '{name}' is now required: drafts saved on the old version must "
                       "fill it to submit"),
    "options_removed": ("字段 '{name}' 删除了选项 {options}：已选这些选项的数据不再是可选值",
                        "field '{name}' lost option(s) {options}: values that chose them are "
                        "no longer among the choices"),
    "field_added": ("新增字段 '{name}'", "field '{name}' added"),
    "step_removed": ("删除了步骤 '{name}'：{running} 个在办办件正停在该步骤，按旧版本办完",
                     "step '{name}' removed: {running} running case(s) stand at it and "
                     "finish on the old version"),
    "step_task_changed": ("步骤 '{name}' 的任务模板由 {old} 改为 {new}",
                          "step '{name}' now uses task template {new} instead of {old}"),
    "step_added": ("新增步骤 '{name}'", "step '{name}' added"),
    "start_form_changed": ("流程的发起表单由 {old} 改为 {new}",
                           "the process now starts from form {new} instead of {old}"),
    "template_changed": ("任务模板的 {parts} 有改动：使用它的流程步骤随新版本改变",
                         "the task template's {parts} changed: the process steps that use it "
                         "change with the new version"),
    "definition_changed": ("{parts} 有改动", "{parts} changed"),
    "stay_on_version": ("{submissions} 份申请、{drafts} 份草稿、{running} 个在办办件仍按旧版本"
                        "（第 {versions} 版）处理",
                        "{submissions} submission(s), {drafts} draft(s) and {running} running "
                        "case(s) stay on the old version(s) ({versions})"),
}


@dataclass(frozen=True)
class Usage:
    """What stands on the published versions, counted by version (and running cases by the
    step they stand at): the caller reads these from the store."""

    submissions: Mapping[int, int] = field(default_factory=dict)
    drafts: Mapping[int, int] = field(default_factory=dict)
    running: Mapping[int, int] = field(default_factory=dict)
    running_at: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    path: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def message(self, lang: str = "zh") -> str:
        zh, en = MESSAGES[self.code]
        return (en if lang == "en" else zh).format(**self.params)

    def as_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "path": self.path,
                "zh": self.message("zh"), "en": self.message("en"),
                "message": self.message(lang)}


@dataclass(frozen=True)
class Report:
    kind: str
    def_id: str
    old_version: int | None
    new_version: int | None
    findings: tuple[Finding, ...]

    @property
    def breaking(self) -> bool:
        return any(f.severity == BREAKING for f in self.findings)

    def by_severity(self, severity: str) -> list[Finding]:
        return [f for f in self.findings if f.severity == severity]

    def as_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {"kind": self.kind, "id": self.def_id, "old_version": self.old_version,
                "new_version": self.new_version, "breaking": self.breaking,
                "findings": [f.as_dict(lang) for f in self.findings]}


def compatibility(old: Mapping[str, Any], new: Mapping[str, Any],
                  usage: Usage | None = None) -> Report:
    """What publishing `new` over the published `old` (the same kind and id) means."""
    usage = usage or Usage()
    kind = str(new.get("kind", old.get("kind", "")))
    compare = _COMPARERS.get(kind, _other)
    findings = list(compare(old, new, usage)) if old != new else []
    if findings and (usage.submissions or usage.drafts or usage.running):
        findings.append(_staying(usage))
    order = {s: i for i, s in enumerate(SEVERITIES)}
    findings.sort(key=lambda f: order[f.severity])  # stable: within a severity, as found
    return Report(kind, str(new.get("id", old.get("id", ""))), old.get("version"),
                  new.get("version"), tuple(findings))


def _staying(usage: Usage) -> Finding:
    versions = sorted({*usage.submissions, *usage.drafts, *usage.running})
    return Finding("stay_on_version", INFO, "", {
        "submissions": sum(usage.submissions.values()), "drafts": sum(usage.drafts.values()),
        "running": sum(usage.running.values()),
        "versions": ", ".join(str(v) for v in versions)})


# --- forms --------------------------------------------------------------------------------


def _fields(fields: Any) -> Iterator[Mapping[str, Any]]:
    for item in fields or ():
        if isinstance(item, Mapping) and "id" in item:
            yield item
            yield from _fields(item.get("fields"))


def _form(old: Mapping[str, Any], new: Mapping[str, Any], usage: Usage) -> Iterator[Finding]:
    before = {f["id"]: f for f in _fields(old.get("fields"))}
    after = {f["id"]: f for f in _fields(new.get("fields"))}
    renamed = {f["renamed_from"]: f["id"] for f in after.values()
               if f.get("renamed_from") in before and f["id"] not in before}
    for name in before:
        if name not in after and name not in renamed:
            yield Finding("field_removed", BREAKING, f"fields.{name}", {"name": name})
    for name, spec in after.items():
        old_name = next((o for o, n in renamed.items() if n == name), None)
        if old_name is not None:
            yield Finding("field_renamed", INFO, f"fields.{name}", {"name": name,
                                                                   "old": old_name})
        previous = before.get(old_name or name)
        if previous is None:
            yield Finding("field_added", INFO, f"fields.{name}", {"name": name})
            continue
        yield from _field(name, previous, spec)


def _field(name: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> Iterator[Finding]:
    path = f"fields.{name}"
    if old.get("type") != new.get("type"):
        yield Finding("field_type_changed", BREAKING, path,
                      {"name": name, "old": old.get("type"), "new": new.get("type")})
    if new.get("required") and not old.get("required") or (
            new.get("required_when") and not old.get("required_when")
            and not old.get("required")):
        yield Finding("field_required", WARNING, path, {"name": name})
    kept = {_option_value(o) for o in new.get("options") or ()}
    gone = [v for v in (_option_value(o) for o in old.get("options") or ()) if v not in kept]
    if gone and new.get("options"):
        yield Finding("options_removed", WARNING, path,
                      {"name": name, "options": ", ".join(map(str, gone))})


def _option_value(option: Any) -> Any:
    return option.get("value") if isinstance(option, Mapping) else option


# --- processes and task templates ---------------------------------------------------------


def _process(old: Mapping[str, Any], new: Mapping[str, Any], usage: Usage
             ) -> Iterator[Finding]:
    if old.get("start_form") != new.get("start_form"):
        yield Finding("start_form_changed", WARNING, "start_form",
                      {"old": old.get("start_form"), "new": new.get("start_form")})
    before = {s["id"]: s for s in _fields(old.get("steps"))}
    after = {s["id"]: s for s in _fields(new.get("steps"))}
    for name in before:
        if name not in after:
            running = usage.running_at.get(name, 0)
            yield Finding("step_removed", WARNING if running else INFO, f"steps.{name}",
                          {"name": name, "running": running})
    for name, step in after.items():
        if name not in before:
            yield Finding("step_added", INFO, f"steps.{name}", {"name": name})
        elif before[name].get("task") != step.get("task"):
            yield Finding("step_task_changed", WARNING, f"steps.{name}",
                          {"name": name, "old": before[name].get("task"),
                           "new": step.get("task")})


def _changed_parts(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    keys = [k for k in dict.fromkeys([*old, *new]) if k != "version" and old.get(k) != new.get(k)]
    return ", ".join(keys)


def _template(old: Mapping[str, Any], new: Mapping[str, Any], usage: Usage
              ) -> Iterator[Finding]:
    parts = _changed_parts(old, new)
    if parts:
        yield Finding("template_changed", WARNING, "", {"parts": parts})


def _other(old: Mapping[str, Any], new: Mapping[str, Any], usage: Usage) -> Iterator[Finding]:
    parts = _changed_parts(old, new)
    if parts:
        yield Finding("definition_changed", INFO, "", {"parts": parts})


_COMPARERS = {"Form": _form, "Process": _process, "TaskTemplate": _template}

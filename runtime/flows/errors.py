"""Why an action on a case was refused, in Chinese and English."""

from __future__ import annotations

from typing import Any

from runtime.flows.commands import VERBS
from runtime.i18n import Catalogue

MESSAGES = Catalogue({
    "not_found": ("没有编号为 {task} 的任务", "there is no task {task}"),
    "not_open": ("此任务已{status}，不能再{action}", "this task is {status_en}; you cannot "
                 "{action_en} it now"),
    "not_yours": ("您不是此任务的承办人，不能{action}", "you do not hold this task and cannot "
                  "{action_en} it"),
    "not_pool": ("此任务已由他人签收", "someone else has already claimed this task"),
    "claim_first": ("请先签收此任务", "claim this task first"),
    "reason_required": ("{action}须填写理由", "a reason is required to {action_en}"),
    "cannot_return_to": ("此步骤不能退回到 '{target}'；可退回：{allowed}",
                         "this step cannot return to '{target}'; it can return to: {allowed}"),
    "withdraw_too_late": ("下一步已开始办理，不能撤回", "the next step has already acted; it is "
                          "too late to withdraw"),
    "withdraw_returned": ("此步骤已被退回重办，不能撤回", "this step has been returned to be "
                          "done again; it is too late to withdraw"),
    "not_completer": ("只有办理此任务的人可以撤回", "only the person who completed this task can "
                      "withdraw it"),
    "no_deadline": ("此任务没有办理时限", "this task has no deadline"),
    "extension_pending": ("已有待审批的延期申请", "an extension request is already waiting"),
    "no_extension": ("没有待审批的延期申请", "there is no extension request to decide"),
    "bad_days": ("延期天数须为 1 到 {limit} 个工作日", "an extension is 1 to {limit} working days"),
    "not_allowed": ("您没有{action}的权限", "you may not {action_en}"),
    "bad_outcome": ("办理结果须为同意或不同意", "the outcome is approve or reject"),
    "rule_failed": ("步骤 '{step}' 的规则 `{source}` 无法计算：{reason}",
                    "the rule `{source}` of step '{step}' failed: {reason_en}"),
    "rule_no_department": ("步骤 '{step}' 的派单规则 `{source}` 没有得出部门编码",
                           "the dispatch rule `{source}` of step '{step}' gave no department "
                           "code"),
    "rule_unknown_department": ("步骤 '{step}' 的派单规则 `{source}` 得出的部门 '{department}' "
                                "不是本单位的部门，无人能签收",
                                "the dispatch rule `{source}` of step '{step}' gave "
                                "'{department}', which is no department of the organisation: "
                                "nobody could claim the task"),
    "case_closed": ("此案件已{status}", "this case is {status_en}"),
    "conflict": ("此案件刚刚被他人处理过，请刷新后重试", "someone else has just acted on this "
                 "case; reload and try again"),
    "delegated": ("此任务是委派给您的，不能再{action}；办理后将交回委派人",
                  "this task was delegated to you; you cannot {action_en} it, and it goes back "
                  "to the delegator when you complete it"),
    "bad_position": ("加签位置须为 {positions} 之一", "a signer is added one of: {positions}"),
    "own_extension": ("不能审批自己提出的延期申请", "you cannot decide your own extension "
                      "request"),
    "bad_limit": ("步骤 '{step}' 的时限 `{source}` 得出 {value}，不是一个可用的时长或日期",
                  "the time limit `{source}` of step '{step}' gave {value}, which is not a "
                  "usable amount or date"),
    "bad_items": ("步骤 '{step}' 的逐项列表 `{source}` 须得出一个不超过 {limit} 项的列表",
                  "the items `{source}` of step '{step}' must give a list of at most {limit}"),
    "child_process": ("步骤 '{step}' 要发起的子流程 '{process}' 未发布，或其开始表单不由它发起",
                      "step '{step}' starts child cases of process '{process}', which is not "
                      "published or does not start from its start form"),
    "child_data": ("步骤 '{step}' 的第 {row} 个子案件数据不符合表单：{field}：{reason}",
                   "the data of child case {row} of step '{step}' does not fit its form: "
                   "{field}: {reason_en}"),
    "child_depth": ("子案件嵌套超过 {limit} 层，步骤 '{step}' 不再发起",
                    "child cases nest deeper than {limit} levels; step '{step}' starts no more"),
    "no_record": ("步骤 '{step}' 要回写的台账记录（字段 '{field}'）在本案件中没有填写",
                  "step '{step}' writes back to the record in field '{field}', which this case "
                  "does not name"),
    "return_window": ("已超过退回时限（return_within：{limit}），不能再退回，请办理或申请延期",
                      "the return window has passed (return_within: {limit_en}); complete the "
                      "task or ask for an extension"),
    "suspended": ("此任务已挂起，请先恢复再{action}", "this task is suspended; resume it before "
                  "you {action_en} it"),
    "not_suspended": ("此任务未挂起", "this task is not suspended"),
    "own_department_extension": ("承办部门不能审批本部门的延期申请",
                                 "the handling department cannot decide its own extension"),
    "self": ("不能{action}给自己", "you cannot {action_en} to yourself"),
    "fields_required": ("请选择需要补正的项目", "choose the fields to be corrected"),
    "no_correction": ("此案件没有等待补正的事项", "this case is not waiting for a correction"),
    "no_confirmation": ("此案件没有等待您确认的事项",
                        "this case is not waiting for your confirmation"),
})

# How statuses read inside the messages above, and actions (each command's verb): (zh, en).
WORDS = {
    "done": ("办结", "done"), "cancelled": ("取消", "cancelled"),
    "withdrawn": ("撤回", "withdrawn"), "rejected": ("不予通过", "rejected"),
    "waiting": ("等待加签", "waiting for an added signer"), "open": ("待办", "open"),
    "correction": ("交申请人补正", "with the applicant for a correction"),
    "corrected": ("补正后重新办理", "redone after the applicant's correction"),
    **VERBS,
}
# Time-limit units: (zh, English singular, English plural).
UNITS = {"working_days": ("个工作日", "working day", "working days"),
         "calendar_days": ("个自然日", "calendar day", "calendar days"),
         "hours": ("小时", "hour", "hours"), "months": ("个月", "month", "months")}


def limit_words(unit: str, amount: int | str) -> tuple[str, str]:
    """A time limit in words: ('2 个工作日', '2 working days'); an expression as itself."""
    if isinstance(amount, str):
        return f"{unit}: {amount}", f"{unit}: {amount}"
    zh, one, many = UNITS[unit]
    return f"{amount} {zh}", f"{amount} {one if amount == 1 else many}"


# Refusals about what was typed (a page answers 422); the rest are about the case's state.
INPUT_CODES = frozenset({"reason_required", "cannot_return_to", "bad_days", "bad_outcome",
                         "self", "fields_required"})


class FlowError(Exception):
    """An action the case does not allow now; `message(lang)` says why and what to do."""

    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.code, self.params = code, params

    def message(self, lang: str = "zh") -> str:
        params = dict(self.params)
        for key in ("status", "action"):
            if key in params:
                zh, en = WORDS.get(params[key], (params[key], params[key]))
                params[key], params[f"{key}_en"] = zh, en
        return MESSAGES.format(self.code, lang, **params)

    @property
    def about_input(self) -> bool:
        """Whether the refusal is about what was typed rather than the case's state."""
        return self.code in INPUT_CODES

    def __str__(self) -> str:
        return self.message()


class Conflict(FlowError):
    """The case changed between reading and writing (another clerk, another branch)."""

    def __init__(self) -> None:
        super().__init__("conflict")

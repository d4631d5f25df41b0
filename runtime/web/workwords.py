"""The workbench's words in Chinese and English: lists, task pages, actions, history events,
notifications and the citizen's progress. Templates read them through `work_text`."""

from __future__ import annotations

from typing import Any

from runtime.flows.commands import COMMANDS
from runtime.flows.registry import ACTIONS
from runtime.i18n import Catalogue
from runtime.web.lang import current_lang

TEXT = Catalogue({
    # lists
    "workbench": ("工作台", "Workbench"),
    "list_todo": ("我的待办", "My to-do"), "list_pool": ("部门待签收", "Department pool"),
    "list_done": ("已办", "Done"), "list_copied": ("抄送我的", "Copied to me"),
    "list_overdue": ("超期", "Overdue"), "list_supervised": ("督办", "Supervised"),
    "tracking_no": ("受理编号", "Tracking number"), "task": ("任务", "Task"),
    "department": ("部门", "Department"), "due": ("办理时限", "Due"),
    "status": ("状态", "Status"), "colour": ("预警", "Warning"),
    "q": ("受理编号或任务标题", "Tracking number or task title"),
    "any_colour": ("全部", "All"), "filter": ("筛选", "Filter"), "more": ("更多", "More"),
    "no_tasks": ("没有任务。", "No tasks."),
    "colour_green": ("正常", "On time"), "colour_yellow": ("临期", "Due soon"),
    "colour_red": ("超期", "Overdue"), "no_deadline": ("无时限", "No deadline"),
    # task page
    "step": ("步骤", "Step"), "holder": ("承办人", "Holder"),
    "in_pool": ("待签收", "In the pool"), "case_overview": ("联办总览", "Joint handling"),
    "basis": ("依据", "Basis"), "goal": ("目标", "Goal"), "content": ("内容", "Content"),
    "dependencies": ("依赖", "Dependencies"),
    "coordination": ("协调与反馈", "Coordination and feedback"),
    "submission": ("申请信息", "Application"), "history": ("办理记录", "History"),
    "rule_results": ("规则判定", "Rule results"),
    "rule_met": ("符合", "met"), "rule_not_met": ("不符合", "not met"),
    "diagram": ("流程图", "Process"), "actions": ("可办理的操作", "Actions"),
    "no_actions": ("您现在不能对此任务进行操作。",
                   "There is nothing you can do with this task now."),
    "outcome": ("预期结果", "Expected outcome"), "indicators": ("效能指标", "Indicators"),
    "target": ("目标值 {target}{unit}", "target {target}{unit}"),
    "instructions": ("办理要求", "Instructions"), "materials": ("所需材料", "Materials"),
    "required": ("必需", "required"), "optional": ("可选", "optional"),
    "handler_form": ("办理单", "Handling form"),
    "depends_on": ("前置任务", "Comes after"), "no_dependencies": ("无前置任务", "None"),
    "assignee": ("承办", "Handled by"),
    "deadline": ("{limit}（自{start}起算）", "{limit} (from {start})"),
    "from_date": ("数据中的日期", "a date in the data"),
    "claim_within": ("签收时限", "Claim within"), "return_within": ("退回时限", "Return within"),
    "suspended_since": ("挂起中（自 {at} 起，时限暂停计算）",
                        "suspended since {at}; the clock is stopped"),
    "from_created": ("任务生成", "creation"), "from_claimed": ("签收", "the claim"),
    "due_at": ("到期", "Due at"), "warning_at": ("用时过 {share}% 黄色预警",
                                                 "yellow after {share}% of the time"),
    "escalation": ("超期上报", "Escalates to"), "copies": ("抄送", "Copied to"),
    "feedback": ("反馈申请人", "Feedback to the applicant"),
    "on_overdue": ("超期处理", "When overdue"),
    "od_escalate": ("上报", "escalate"), "od_reassign": ("改派{to}", "reassign to {to}"),
    "od_auto_pass": ("自动通过", "pass automatically"),
    "extension": ("延期申请", "Extension request"),
    "extension_line": ("{days} 个工作日，理由：{reason}（{status}）",
                       "{days} working days, because: {reason} ({status})"),
    "ext_requested": ("待审批", "waiting"), "ext_approved": ("已批准", "approved"),
    "ext_refused": ("未批准", "refused"), "supervised": ("督办中", "under supervision"),
    "escalated": ("已上报", "escalated"), "none": ("无", "none"),
    "everyone": ("全体", "everyone"),
    # actions
    # each action's name, from its command (runtime.flows.commands)
    **{f"act_{command.name}": command.label for command in COMMANDS},
    "done_notice": ("已{action}。", "{action}: done."),
    "approve": ("同意", "Approve"), "reject": ("不同意", "Reject"),
    "opinion": ("意见", "Opinion"), "reason": ("理由", "Reason"), "note": ("说明", "Note"),
    "return_to": ("退回到", "Return to"), "to_department": ("转至部门", "To department"),
    "colleague": ("人员", "Person"), "position": ("加签方式", "Position"),
    "pos_before": ("前加签（先由其签署）", "before (they sign first)"),
    "pos_after": ("后加签（在我之后签署）", "after (they sign after me)"),
    "pos_alongside": ("并加签（同时签署）", "alongside (at the same time)"),
    "days": ("延期工作日", "Working days"), "decision": ("审批结果", "Decision"),
    "result": ("办理结果", "Outcome"),
    "ext_approve": ("批准", "Approve"), "ext_refuse": ("不批准", "Refuse"),
    "copy_department": ("抄送部门", "Department"), "copy_user": ("或抄送人员", "or person"),
    "choose": ("请选择", "Choose"),
    "notice": ("告知申请人的理由", "Reason the applicant is told"),
    "notice_reject": ("告知申请人的理由（不同意时必填）",
                      "Reason the applicant is told (required to reject)"),
    "fix_fields": ("需要补正的项目", "Fields to be corrected"),
    # step and task statuses
    "step_waiting": ("未开始", "Waiting"), "step_active": ("办理中", "In progress"),
    "step_done": ("已完成", "Done"), "step_skipped": ("无需办理", "Skipped"),
    "task_open": ("待办", "Open"), "task_waiting": ("等待加签", "Waiting for a signer"),
    "task_done": ("已办结", "Done"), "task_cancelled": ("已取消", "Cancelled"),
    "task_withdrawn": ("已撤回", "Withdrawn"),
    "task_correction": ("等待申请人补正", "Waiting for the applicant's correction"),
    "task_corrected": ("已补正，重新办理", "Corrected; handled again"),
    "task_confirming": ("等待申请人确认", "Waiting for the applicant to confirm"),
    "outcome_approve": ("同意", "approved"), "outcome_reject": ("不同意", "rejected"),
    "case_running": ("办理中", "In progress"), "case_done": ("已办结", "Done"),
    "case_rejected": ("不予通过", "Rejected"), "case_withdrawn": ("已撤回", "Withdrawn"),
    # history: what happened, in words
    "ev_case.start": ("提交申请，开始办理", "Application submitted; handling started"),
    "ev_step.start": ("开始「{step}」", "Started “{step}”"),
    "ev_step.skip": ("「{step}」无需办理", "“{step}” not needed"),
    "ev_step.done": ("「{step}」完成（{outcome}）", "“{step}” done ({outcome})"),
    "ev_task.create": ("生成任务「{step}」，交{department}", "Task “{step}” for {department}"),
    "ev_task.cancel": ("任务「{step}」取消", "Task “{step}” cancelled"),
    "ev_task.complete": ("办理「{step}」：{outcome}", "Completed “{step}”: {outcome}"),
    # what each action did, from the action registry (runtime.flows.registry)
    **{f"ev_{event}": words for entry in ACTIONS.values()
       for event, words in entry.events.items()},
    "ev_warning.yellow": ("「{step}」临期黄色预警", "“{step}” is due soon (yellow)"),
    "ev_warning.red": ("「{step}」超期红色预警", "“{step}” is overdue (red)"),
    "ev_warning.claim": ("「{step}」超过签收时限仍未签收", "“{step}” was not claimed in time"),
    "ev_escalate": ("「{step}」超期上报{department}", "“{step}” escalated to {department}"),
    "ev_reassign": ("「{step}」超期改派{department}", "“{step}” reassigned to {department}"),
    "ev_feedback": ("告知申请人：{message}", "Told the applicant: {message}"),
    "ev_case.done": ("全部办结", "Case closed"),
    "ev_case.rejected": ("「{step}」不予通过，案件终止", "Rejected at “{step}”; case ended"),
    "ev_correction.done": ("申请人已补正：{changes}", "The applicant corrected: {changes}"),
    "ev_confirm.request": ("请申请人确认「{step}」", "The applicant is asked to confirm “{step}”"),
    "change": ("{field}：{before} → {after}", "{field}: {before} → {after}"),
    "ev_incident": ("运行出错，已报管理员：{message}",
                    "A run-time failure, reported to the administrators: {message}"),
    "ev_other": ("{action}", "{action}"),
    "system": ("系统", "system"), "applicant": ("申请人", "applicant"),
    "when": ("时间", "When"), "who": ("办理人", "Who"),
    "what": ("事项", "What"),
    # notifications
    "notifications": ("消息", "Messages"), "unread": ("未读", "unread"),
    "mark_read": ("标为已读", "Mark read"), "mark_all_read": ("全部标为已读", "Mark all read"),
    "no_notifications": ("没有消息。", "No messages."),
    "n_task.new": ("新任务", "New task"), "n_task.back": ("任务回到您处", "Task back with you"),
    "n_task.reminded": ("催办", "Reminder"), "n_task.supervised": ("督办", "Supervision"),
    "n_task.claim_late": ("超时未签收", "Not claimed in time"),
    "n_task.yellow": ("临期预警", "Due soon"), "n_task.red": ("超期", "Overdue"),
    "n_task.escalated": ("超期上报", "Escalated"),
    "n_extension.requested": ("延期申请待审批", "Extension to decide"),
    "n_extension.decided": ("延期申请已审批", "Extension decided"),
    "n_other": ("通知", "Notice"),
    # the joint-handling overview
    "departments": ("承办部门", "Departments"), "finished_at": ("完成时间", "Finished"),
    "late": ("超期", "late"), "on_time": ("按时", "on time"),
    "holding_up": ("卡点：红黄灯任务（最早的在前）",
                   "Holding it up: red and yellow tasks, oldest first"),
    "nothing_holding": ("没有临期或超期的任务。", "Nothing is due soon or overdue."),
    "since": ("自 {at}", "since {at}"), "case_status": ("案件状态", "Case status"),
    # the citizen's tracking page
    "progress": ("办理进度", "Progress"), "p_done": ("已完成", "Done"),
    "p_active": ("正在办理", "In progress"), "p_waiting": ("等待办理", "Waiting"),
    "p_skipped": ("无需办理", "Not needed"), "p_feedback": ("办理反馈", "Messages"),
    # the applicant's status (runtime.flows.applicant), on the tracking page, the citizen's
    # account and the ledger
    "as_submitted": ("已提交", "Submitted"), "as_accepted": ("已受理", "Accepted"),
    "as_in_progress": ("办理中", "In progress"),
    "as_correction": ("待补正", "Waiting for your correction"),
    "as_done": ("已办结", "Done"), "as_not_approved": ("未通过", "Not approved"),
    "as_confirm": ("待您确认", "Waiting for your confirmation"),
    "as_declined": ("已放弃", "Declined"),
    "p_confirm_ask": ("经数据比对，您符合本政策条件，无需申请。请确认是否享受：",
                      "The data show you are eligible; no application is needed. "
                      "Please confirm whether you take it:"),
    "p_confirm": ("确认享受", "Confirm"), "p_decline": ("放弃", "Decline"),
    "p_confirmed": ("已确认，办理将继续。", "Confirmed; handling continues."),
    "p_declined_now": ("您已放弃，本事项已终止。", "Declined; this matter has ended."),
    "p_results": ("政策条件与金额（逐条说明）", "Conditions and amount, clause by clause"),
    "p_reason": ("理由", "Reason"), "p_fix": ("请补正以下项目", "Please correct"),
    "p_correct": ("补正并重新提交", "Correct and resubmit"),
    "p_resubmit": ("重新提交", "Resubmit"),
    "p_corrected": ("已重新提交，办理将继续。", "Resubmitted; handling continues."),
    "my_cases": ("我的办件", "My applications"),
    "no_cases": ("还没有办件。", "No applications yet."),
})


def work_text(key: str, /, **params: Any) -> str:
    return TEXT.format(key, current_lang(), **params)


def has(key: str) -> bool:
    return key in TEXT

"""Messages about form values, in Chinese first: each names the field by its label.

These are the runtime's own: the checks every field has and the errors of the built-in types'
parsers. A field type from an extension brings the words of its own errors with it
(`FieldType.messages`), looked up first.
"""

from runtime.i18n import Catalogue

MESSAGES = Catalogue({
    "required": ("请填写「{label}」", "{label} is required"),
    "not_text": ("「{label}」应为文字", "{label} must be text"),
    "not_integer": ("「{label}」应为整数", "{label} must be a whole number"),
    "not_number": ("「{label}」应为数字", "{label} must be a number"),
    "money_decimals": ("「{label}」最多两位小数", "{label} has at most two decimals"),
    "not_date": ("「{label}」不是有效的日期（格式 YYYY-MM-DD）",
                 "{label} is not a valid date (YYYY-MM-DD)"),
    "not_datetime": ("「{label}」不是有效的日期时间", "{label} is not a valid date and time"),
    "range_order": ("「{label}」的开始日期不能晚于结束日期",
                    "{label}: the start cannot be after the end"),
    "not_boolean": ("「{label}」应选择是或否", "{label} must be yes or no"),
    "not_option": ("「{label}」的选项无效", "{label}: not one of the options"),
    "not_list": ("「{label}」应为多个值的列表", "{label} must be a list"),
    "too_short": ("「{label}」至少 {limit} 个字", "{label} needs at least {limit} characters"),
    "too_long": ("「{label}」最多 {limit} 个字", "{label} has at most {limit} characters"),
    "value_too_large": ("「{label}」的内容过大（最多 {limit}）",
                        "{label} is too large (at most {limit})"),
    "submission_too_large": ("提交的内容合计过大（最多 {limit}），请精简「{label}」",
                             "the submission is too large (at most {limit} in all); shorten "
                             "{label}"),
    "too_small": ("「{label}」不能小于 {limit}", "{label} must be at least {limit}"),
    "too_large": ("「{label}」不能大于 {limit}", "{label} must be at most {limit}"),
    "pattern": ("「{label}」格式不正确", "{label} has the wrong format"),
    "too_few_rows": ("「{label}」至少需要 {limit} 行", "{label} needs at least {limit} rows"),
    "too_many_rows": ("「{label}」最多 {limit} 行", "{label} has at most {limit} rows"),
    "email": ("「{label}」不是有效的电子邮箱地址", "{label} is not a valid email address"),
    "unknown_department": ("「{label}」所选部门不存在",
                           "{label}: the chosen department does not exist"),
    "department_outside": ("「{label}」只能选择限定部门或其下级部门",
                           "{label}: choose the required department or one below it"),
    "unknown_user": ("「{label}」所选人员不存在或已停用",
                     "{label}: the chosen person does not exist or is no longer active"),
    "user_outside": ("「{label}」所选人员不属于限定的部门",
                     "{label}: the chosen person is not in the required department"),
    "unknown_record": ("「{label}」所选记录不存在或不在您的数据范围内",
                       "{label}: the chosen record does not exist or is outside your data scope"),
    "custom": ("{message}", "{message_en}"),
    "rule_failed": ("「{label}」未通过：规则「{rule}」无法计算（{reason}）",
                    "{label}: not passed, rule '{rule}' could not be evaluated ({reason_en})"),
    "draft_dropped": ("以下内容因表单更新未能保留：{names}",
                      "These values could not be kept after the form changed: {names}."),
    "draft_added": ("表单新增了：{names}", "The form now also asks for: {names}."),
})

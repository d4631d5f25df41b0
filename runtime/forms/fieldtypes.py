"""The field-type registry: every type a form field can have, and the value it holds.

Built-ins register here exactly as `templates_lib` (or any extension) does, through
`FieldTypes.register`; a duplicate name fails at start-up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from runtime.forms import values
from runtime.i18n import Label

# The value types of the expression language: what a name of this field holds.
NUMBER, STRING, BOOLEAN, DATE, LIST, OBJECT, ANY, NONE = (
    "number", "string", "boolean", "date", "list", "object", "any", "none")
# What a picker field refers to: its value is a department code, a staff username or the
# tracking number of a submission, looked up outside the pure core (runtime.forms.references).
DEPARTMENT, USER, RECORD = "department", "user", "record"


@dataclass(frozen=True)
class FieldType:
    name: str
    value_type: str
    label: Label
    description: Label
    container: bool = False  # holds child `fields` (section, page, table)
    choice: bool = False  # needs `options` or `options_from`
    refers_to: str | None = None  # DEPARTMENT, USER or RECORD: chosen with a picker
    # From what a browser or an API sends to the stored value (see runtime.forms.values).
    parse: Callable[[Any], Any] = values.text


class FieldTypes(dict[str, FieldType]):
    def register(self, field_type: FieldType) -> None:
        if field_type.name in self:
            raise ValueError(f"field type '{field_type.name}' is registered twice")
        self[field_type.name] = field_type


def _t(name: str, value_type: str, zh: str, en: str, doc_zh: str, doc_en: str,
       **options: Any) -> FieldType:
    return FieldType(name, value_type, Label(zh, en), Label(doc_zh, doc_en), **options)


BUILTIN = (
    _t("text", STRING, "单行文本", "Text", "一行文字", "One line of text"),
    _t("textarea", STRING, "多行文本", "Multi-line text", "多行文字", "Several lines of text"),
    _t("integer", NUMBER, "整数", "Integer", "整数", "A whole number",
       parse=values.integer),
    _t("decimal", NUMBER, "小数", "Decimal", "带小数的数字", "A number with decimals",
       parse=values.decimal),
    _t("money", NUMBER, "金额", "Money", "金额（元，两位小数）", "An amount in yuan, two decimals",
       parse=values.money),
    _t("date", DATE, "日期", "Date", "日期 YYYY-MM-DD", "A date, YYYY-MM-DD",
       parse=values.date),
    _t("datetime", STRING, "日期时间", "Date and time", "日期和时间", "A date and time",
       parse=values.datetime),
    _t("date_range", LIST, "日期范围", "Date range", "起止日期", "A start and an end date",
       parse=values.date_range),
    _t("select", ANY, "下拉单选", "Select", "从选项中选一个", "One of the options",
       choice=True, parse=values.choice),
    _t("radio", ANY, "单选", "Radio", "从选项中选一个", "One of the options", choice=True,
       parse=values.choice),
    _t("checkbox", LIST, "多选", "Checkboxes", "从选项中选多个", "Several of the options",
       choice=True, parse=values.choices),
    _t("multiselect", LIST, "下拉多选", "Multi-select", "从选项中选多个",
       "Several of the options", choice=True, parse=values.choices),
    _t("yes_no", BOOLEAN, "是/否", "Yes/no", "是或否", "Yes or no",
       parse=values.yes_no),
    _t("email", STRING, "电子邮箱", "Email", "电子邮箱地址", "An email address",
       parse=values.email),
    _t("file", LIST, "附件", "File", "上传的文件", "Uploaded files",
       parse=values.texts),
    _t("image", LIST, "图片", "Image", "上传的图片", "Uploaded images",
       parse=values.texts),
    _t("richtext", STRING, "富文本", "Rich text", "经过净化的 HTML，供工作人员使用",
       "Sanitised HTML, for staff",
       parse=values.rich_text),
    _t("notice", NONE, "说明文字", "Notice", "只显示文字，没有输入", "Text only, no input"),
    _t("section", NONE, "分组", "Section", "带标题的一组字段", "A titled group of fields",
       container=True),
    _t("page", NONE, "分页", "Page", "多步表单中的一步", "One step of a multi-step form",
       container=True),
    _t("table", LIST, "子表", "Sub-table", "可增删行的重复组", "Repeating rows of fields",
       container=True),
    _t("related_record", STRING, "关联记录", "Related record",
       "另一表单（related_form）在本人数据范围内的一条记录，存受理编号",
       "A submission of another form (related_form) in the user's data scope; stores its "
       "tracking number", refers_to=RECORD),
    _t("department", STRING, "部门", "Department", "选择部门，存部门编码",
       "A department; stores its code", refers_to=DEPARTMENT),
    _t("user", STRING, "人员", "User", "选择在用的工作人员（可限定部门），存用户名",
       "An active staff user (optionally of one department); stores the username",
       refers_to=USER),
)


@cache
def field_types() -> FieldTypes:
    """The registry of built-in and `templates_lib` field types, built once."""
    from templates_lib.fieldtypes import register_field_types

    registry = FieldTypes()
    for field_type in BUILTIN:
        registry.register(field_type)
    register_field_types(registry)
    return registry

"""The runtime's own field types, registered by `register_builtin` exactly as an extension
registers its own (see runtime.forms.fieldtypes): text, numbers, dates, choices, uploads,
the layout of the form language (section, page, table, notice) and the pickers.

Pure core: no I/O, imports neither flask nor sqlalchemy.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from runtime.forms import values
from runtime.forms.fieldtypes import (
    ANY,
    BOOLEAN,
    DATE,
    DEPARTMENT,
    LIST,
    MANY,
    NONE,
    NUMBER,
    RECORD,
    STRING,
    USER,
    FieldType,
    FieldTypes,
    Palette,
    Widget,
)
from runtime.i18n import Label

# The longest text of a field that declares no max_length: a line, several lines, rich text
# (its cleaned HTML), and a picker's code, username or tracking number.
LINE, LINES, RICH, REFERENCE = 2_000, 20_000, 50_000, 200
# Palette groups, in the order a designer lists them.
BASIC, DATES, CHOICES, UPLOADS, LAYOUT, PEOPLE = (
    "basic", "dates", "choices", "uploads", "layout", "references")
# A choice field starts with two options a designer then renames.
TWO_OPTIONS = MappingProxyType({"options": ({"value": "1", "label": "选项一"},
                                            {"value": "2", "label": "选项二"})})
ONE_CHILD = MappingProxyType({"fields": ({"id": "item", "type": "text", "label": "项目"},)})


def _t(name: str, value_type: str, words: tuple[str, str, str, str], palette: Palette,
       **facts: Any) -> FieldType:
    zh, en, doc_zh, doc_en = words
    return FieldType(name, value_type, Label(zh, en), Label(doc_zh, doc_en), palette=palette,
                     **facts)


def _choice(name: str, value_type: str, words: tuple[str, str, str, str], icon: str,
            **facts: Any) -> FieldType:
    return _t(name, value_type, words, Palette(icon, CHOICES, TWO_OPTIONS), choice=True,
              widget=Widget(name, fieldset=name in ("radio", "checkbox")), **facts)


BUILTIN = (
    _t("text", STRING, ("单行文本", "Text", "一行文字", "One line of text"),
       Palette("text", BASIC), max_length=LINE),
    _t("textarea", STRING, ("多行文本", "Multi-line text", "多行文字", "Several lines of text"),
       Palette("paragraph", BASIC), widget=Widget("textarea"), max_length=LINES),
    _t("integer", NUMBER, ("整数", "Integer", "整数", "A whole number"),
       Palette("hash", BASIC), parse=values.integer, widget=Widget(input_mode="numeric")),
    _t("decimal", NUMBER, ("小数", "Decimal", "带小数的数字", "A number with decimals"),
       Palette("decimal", BASIC), parse=values.decimal, widget=Widget(input_mode="decimal")),
    _t("money", NUMBER, ("金额", "Money", "金额（元，两位小数）",
                         "An amount in yuan, two decimals"),
       Palette("yuan", BASIC), parse=values.money, widget=Widget(input_mode="decimal")),
    _t("date", DATE, ("日期", "Date", "日期 YYYY-MM-DD", "A date, YYYY-MM-DD"),
       Palette("calendar", DATES), parse=values.date, widget=Widget(input_type="date")),
    _t("datetime", STRING, ("日期时间", "Date and time", "日期和时间", "A date and time"),
       Palette("clock", DATES), parse=values.datetime,
       widget=Widget(input_type="datetime-local")),
    _t("date_range", LIST, ("日期范围", "Date range", "起止日期", "A start and an end date"),
       Palette("calendar-range", DATES), parse=values.date_range,
       widget=Widget("date_range", fieldset=True), posted=MANY),
    _choice("select", ANY, ("下拉单选", "Select", "从选项中选一个", "One of the options"),
            "list", parse=values.choice),
    _choice("radio", ANY, ("单选", "Radio", "从选项中选一个", "One of the options"),
            "radio", parse=values.choice),
    _choice("checkbox", LIST, ("多选", "Checkboxes", "从选项中选多个", "Several of the options"),
            "checkbox", parse=values.choices, posted=MANY),
    _choice("multiselect", LIST, ("下拉多选", "Multi-select", "从选项中选多个",
                                  "Several of the options"),
            "list-check", parse=values.choices, posted=MANY),
    _t("yes_no", BOOLEAN, ("是/否", "Yes/no", "是或否", "Yes or no"),
       Palette("toggle", CHOICES), parse=values.yes_no, widget=Widget("yes_no", fieldset=True)),
    _t("email", STRING, ("电子邮箱", "Email", "电子邮箱地址", "An email address"),
       Palette("mail", BASIC), parse=values.email, widget=Widget(input_type="email")),
    _t("file", LIST, ("附件", "File", "上传的文件", "Uploaded files"),
       Palette("paperclip", UPLOADS), parse=values.texts, widget=Widget("file"), posted=MANY),
    _t("image", LIST, ("图片", "Image", "上传的图片", "Uploaded images"),
       Palette("image", UPLOADS), parse=values.texts, widget=Widget("image"), posted=MANY),
    _t("richtext", STRING, ("富文本", "Rich text", "经过净化的 HTML，供工作人员使用",
                            "Sanitised HTML, for staff"),
       Palette("rich-text", BASIC), parse=values.rich_text, widget=Widget("richtext"),
       max_length=RICH),
    _t("notice", NONE, ("说明文字", "Notice", "只显示文字，没有输入", "Text only, no input"),
       Palette("info", LAYOUT, MappingProxyType({"text": "说明"})), widget=Widget("notice")),
    _t("section", NONE, ("分组", "Section", "带标题的一组字段", "A titled group of fields"),
       Palette("section", LAYOUT, ONE_CHILD), container=True, widget=Widget("group")),
    _t("page", NONE, ("分页", "Page", "多步表单中的一步", "One step of a multi-step form"),
       Palette("page", LAYOUT, ONE_CHILD), container=True, widget=Widget("group")),
    _t("table", LIST, ("子表", "Sub-table", "可增删行的重复组", "Repeating rows of fields"),
       Palette("table", LAYOUT, ONE_CHILD), container=True, widget=Widget("table")),
    _t("related_record", STRING, (
        "关联记录", "Related record",
        "另一表单（related_form）在本人数据范围内的一条记录，存受理编号",
        "A submission of another form (related_form) in the user's data scope; stores its "
        "tracking number"),
       Palette("link", PEOPLE), max_length=REFERENCE, refers_to=RECORD, widget=Widget("picker")),
    _t("department", STRING, ("部门", "Department", "选择部门，存部门编码",
                              "A department; stores its code"),
       Palette("building", PEOPLE), max_length=REFERENCE, refers_to=DEPARTMENT,
       widget=Widget("picker")),
    _t("user", STRING, ("人员", "User", "选择在用的工作人员（可限定部门），存用户名",
                        "An active staff user (optionally of one department); stores the "
                        "username"),
       Palette("user", PEOPLE), max_length=REFERENCE, refers_to=USER, widget=Widget("picker")),
)


def register_builtin(registry: FieldTypes) -> None:
    """Provider of the runtime's own field types."""
    for field_type in BUILTIN:
        registry.register(field_type)

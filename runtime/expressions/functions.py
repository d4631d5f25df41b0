"""The function catalogue: every function an expression may call by plain name.

Each function receives already evaluated arguments, checks their types, and respects the same
caps as the operators. FUNCTIONS is built once at import; a duplicate name fails there.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

from runtime.expressions import dates, formats, ids
from runtime.expressions.errors import ExpressionRuntimeError
from runtime.expressions.limits import MAX_NUMBER_TEXT, MAX_ROUND_DIGITS
from runtime.expressions.operators import contains as _contains
from runtime.expressions.patterns import matches as _matches
from runtime.expressions.registry import Function, build
from runtime.expressions.values import (
    NUMBER_TYPES,
    check_length,
    check_number,
    text_size,
    type_of,
    want,
    want_int,
)

_NUMBERS = tuple(NUMBER_TYPES)
_SIZED = (str, list, tuple, dict)
_LISTS = (list, tuple)
# Floats this large are already whole numbers, and Decimal would need many digits for them.
_WHOLE_FLOAT = 2.0**53


def length(value: Any) -> int:
    """The size of text, a list or an object; an empty field (None) has size 0."""
    if value is None:
        return 0
    return len(want(value, _SIZED, "len", 1, "text_or_list"))


def total(items: Any) -> Any:
    items = want(items, _LISTS, "sum", 1, "list")
    for item in items:
        want(item, _NUMBERS, "sum", 1, "number")
    return check_number(sum(items))


def _extreme(name: str, pick: Any, args: tuple[Any, ...]) -> Any:
    items = args[0] if len(args) == 1 and type(args[0]) in _LISTS else args
    if not items:
        raise ExpressionRuntimeError("empty_list", name=name)
    try:
        return pick(items)
    except TypeError:
        kinds = sorted({type_of(item) for item in items})
        raise ExpressionRuntimeError("compare", op=name, left=kinds[0], right=kinds[-1]) from None


def smallest(*args: Any) -> Any:
    return _extreme("min", min, args)


def largest(*args: Any) -> Any:
    return _extreme("max", max, args)


def round_half_up(value: Any, digits: Any = 0) -> Any:
    """Round half away from zero (四舍五入), not Python's round-half-to-even."""
    number = want(value, _NUMBERS, "round", 1, "number")
    places = want_int(digits, "round", 2)
    if abs(places) > MAX_ROUND_DIGITS:
        raise ExpressionRuntimeError("out_of_range", name="round", value=places,
                                     limit=MAX_ROUND_DIGITS)
    if type(number) is float and abs(number) >= _WHOLE_FLOAT:
        return check_number(int(number)) if places <= 0 else number
    quantum = Decimal(1).scaleb(-places)
    exact = Decimal(repr(number)).quantize(quantum, ROUND_HALF_UP, Context(prec=40))
    return check_number(int(exact)) if places <= 0 else float(exact)


def absolute(value: Any) -> Any:
    return check_number(abs(want(value, _NUMBERS, "abs", 1, "number")))


def _number_text(value: str) -> str:
    text = value.strip()
    if len(text) > MAX_NUMBER_TEXT:
        raise ExpressionRuntimeError("bad_number", value=text[:MAX_NUMBER_TEXT] + "…")
    return text


def to_int(value: Any) -> int:
    """An integer from a number (dropping any fraction) or from text such as ' 42 '."""
    if type(value) in NUMBER_TYPES:
        return check_number(int(value))
    text = _number_text(want(value, (str,), "int", 1, "string"))
    try:
        return check_number(int(text))
    except ValueError:
        raise ExpressionRuntimeError("bad_number", value=text) from None


def to_float(value: Any) -> float:
    if type(value) in NUMBER_TYPES:
        return check_number(float(value))
    text = _number_text(want(value, (str,), "float", 1, "string"))
    try:
        number = float(text)
    except ValueError:
        raise ExpressionRuntimeError("bad_number", value=text) from None
    if not math.isfinite(number):
        raise ExpressionRuntimeError("bad_number", value=text)
    return number


def to_text(value: Any) -> str:
    """Text for display: None is '', booleans are 'true'/'false', dates are YYYY-MM-DD."""
    if value is None:
        return ""
    if type(value) is bool:
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if type(value) in (str, int, float):
        text = str(value)
    else:
        # Measured first: a list can hold the same list thousands of times.
        check_length(text_size(value), str)
        text = json.dumps(value, ensure_ascii=False, default=to_text)
    check_length(len(text), str)
    return text


def contains(container: Any, item: Any) -> bool:
    return _contains(item, container)


def is_empty(value: Any) -> bool:
    """True for None, blank text, and empty lists or objects; 0 and False are not empty."""
    if value is None:
        return True
    if type(value) is str:
        return not value.strip()
    if type(value) in (list, tuple, dict):
        return not value
    return False


def coalesce(*values: Any) -> Any:
    """The first value that is not empty (see is_empty), else the last one."""
    for value in values:
        if not is_empty(value):
            return value
    return values[-1]


def matches(text: Any, pattern: Any) -> bool:
    if text is None:
        return False
    return _matches(want(text, (str,), "matches", 1, "string"),
                    want(pattern, (str,), "matches", 2, "string"))


def _rows(rows: Any, name: str) -> list[dict[str, Any]]:
    rows = want(rows, _LISTS, name, 1, "rows")
    for row in rows:
        want(row, (dict,), name, 1, "rows")
    return list(rows)


def sum_rows(rows: Any, field: Any) -> Any:
    """Sum of `field` over sub-table rows; empty cells (None or '') count as nothing."""
    key = want(field, (str,), "sum_rows", 2, "string")
    result: Any = 0
    for number, row in enumerate(_rows(rows, "sum_rows"), start=1):
        value = row.get(key)
        if value is None or value == "":
            continue
        if type(value) not in NUMBER_TYPES:
            raise ExpressionRuntimeError("row_value", row=number, field=key, expected="number",
                                         actual=type_of(value))
        result = check_number(result + value)
    return result


def count_rows(rows: Any) -> int:
    return len(_rows(rows, "count_rows"))


def count_rows_where(rows: Any, field: Any, value: Any) -> int:
    key = want(field, (str,), "count_rows_where", 2, "string")
    return sum(1 for row in _rows(rows, "count_rows_where") if row.get(key) == value)


_ID = "'11010519491231002X'"

FUNCTIONS: dict[str, Function] = build([
    # basic
    Function("len", length, "len(x)", 1, 1, "number",
             "文本的字符数、列表的项数或对象的键数；空值（None）为 0",
             "number of characters of text, items of a list or keys of an object; 0 for an "
             "empty value (None)",
             "len('张三丰')", 3, pure=True),
    Function("sum", total, "sum(list)", 1, 1, "number", "数字列表的总和",
             "total of a list of numbers", "sum([1, 2, 3.5])", 6.5),
    Function("min", smallest, "min(a, b, ...) / min(list)", 1, None, "any",
             "最小值：多个参数中，或一个列表中", "smallest of the arguments, or of one list",
             "min(3, 1, 2)", 1, pure=True),
    Function("max", largest, "max(a, b, ...) / max(list)", 1, None, "any",
             "最大值：多个参数中，或一个列表中", "largest of the arguments, or of one list",
             "max([3, 1, 2])", 3, pure=True),
    Function("round", round_half_up, "round(x, digits=0)", 1, 2, "number",
             "四舍五入到 digits 位小数（2.5 得 3，不是银行家舍入）",
             "round half away from zero to `digits` decimals (2.5 gives 3, not banker's "
             "rounding)", "round(2.675, 2)", 2.68, pure=True),
    Function("abs", absolute, "abs(x)", 1, 1, "number", "绝对值", "absolute value",
             "abs(-5)", 5, pure=True),
    Function("int", to_int, "int(x)", 1, 1, "number",
             "转为整数：数字去掉小数部分，文本如 ' 42 ' 转为 42",
             "to a whole number: numbers drop their fraction, text like ' 42 ' becomes 42",
             "int('42') + int(3.9)", 45, pure=True),
    Function("float", to_float, "float(x)", 1, 1, "number", "转为数字（可带小数），如 '12.5'",
             "to a number with decimals, e.g. from '12.5'", "float('12.5')", 12.5, pure=True),
    Function("str", to_text, "str(x)", 1, 1, "string",
             "转为文本：None 为 ''，布尔值为 'true'/'false'，日期为 YYYY-MM-DD",
             "to text: None gives '', booleans 'true'/'false', dates YYYY-MM-DD",
             "'编号' + str(12)", "编号12", pure=True),
    Function("contains", contains, "contains(container, item)", 2, 2, "boolean",
             "文本是否包含子串，或列表是否包含某项（同 item in container）",
             "whether text contains a substring or a list an item (same as item in "
             "container)", "contains(['110105', '110106'], '110105')", True, pure=True),
    Function("is_empty", is_empty, "is_empty(x)", 1, 1, "boolean",
             "是否为空：None、空白文本、空列表或空对象（0 和 False 不算空）",
             "whether empty: None, blank text, an empty list or object (0 and False are not)",
             "is_empty('  ')", True, pure=True),
    Function("coalesce", coalesce, "coalesce(a, b, ...)", 1, None, "any",
             "第一个非空的值（判断同 is_empty），都为空则返回最后一个",
             "the first value that is not empty (as is_empty), else the last one",
             "coalesce(None, '', '备用')", "备用", pure=True),
    # text
    Function("matches", matches, "matches(text, pattern)", 2, 2, "boolean",
             "文本中是否能找到正则表达式（用 ^ 和 $ 匹配整段；text 为 None 时为 False）",
             "whether the regular expression occurs in the text (anchor with ^ and $; False "
             "when text is None)", r"matches('13812345678', '^1[3-9]\\d{9}$')", True, "text"),
    # dates
    Function("today", dates.today, "today()", 0, 0, "date", "今天的日期（北京时间）",
             "today's date (China time)", "today() >= date(2024, 1, 1)", True, "date"),
    Function("date", dates.make_date, "date(year, month, day)", 3, 3, "date",
             "由年、月、日构成日期", "a date from year, month and day", "date(2024, 2, 29)",
             dt.date(2024, 2, 29), "date"),
    Function("to_date", dates.parse_date, "to_date(text)", 1, 1, "date",
             "把 YYYY-MM-DD 文本转为日期", "a date from YYYY-MM-DD text", "to_date('2024-01-02')",
             dt.date(2024, 1, 2), "date"),
    Function("days_between", dates.days_between, "days_between(start, end)", 2, 2, "number",
             "从 start 到 end 的天数（end 较早时为负）",
             "days from start to end (negative when end is earlier)",
             "days_between('2024-01-01', '2024-03-01')", 60, "date"),
    Function("add_days", dates.add_days, "add_days(date, n)", 2, 2, "date",
             "n 天之后（n 为负则之前）的日期", "the date n days later (earlier if n is negative)",
             "add_days('2024-02-28', 2)", dt.date(2024, 3, 1), "date"),
    Function("add_workdays", dates.add_workdays, "add_workdays(date, n)", 2, 2, "date",
             "n 个工作日之后的日期，按法定节假日和调休上班日计算（n 为 0 时即原日期）",
             "the date n working days later, by China's statutory holidays and adjusted "
             "working days (n = 0 gives the date itself)",
             "add_workdays('2024-09-30', 1)", dt.date(2024, 10, 8), "date"),
    Function("workdays_between", dates.workdays_between, "workdays_between(start, end)", 2, 2,
             "number", "start 之后到 end（含）的工作日数，按法定节假日和调休计算",
             "working days after start up to and including end, by China's statutory "
             "holidays and adjusted working days",
             "workdays_between('2024-09-30', '2024-10-08')", 1, "date"),
    Function("is_workday", dates.is_workday, "is_workday(date)", 1, 1, "boolean",
             "是否为工作日（法定节假日休息，调休的周末上班）",
             "whether a working day (statutory holidays are off, adjusted weekend days on)",
             "is_workday('2024-10-12')", True, "date"),
    Function("year", dates.year, "year(date)", 1, 1, "number", "日期的年份", "the year of a date",
             "year('2024-10-01')", 2024, "date"),
    Function("month", dates.month, "month(date)", 1, 1, "number", "日期的月份（1–12）",
             "the month of a date (1-12)", "month('2024-10-01')", 10, "date"),
    Function("day", dates.day, "day(date)", 1, 1, "number", "日期是当月第几天",
             "the day of the month of a date", "day('2024-10-01')", 1, "date"),
    # formatting
    Function("number", formats.number, "number(x, digits=0)", 1, 2, "string",
             "数字写成带千分位的文本，四舍五入到 digits 位小数",
             "a number as text with thousands separators, rounded half up to `digits` "
             "decimals", "number(1234.5, 2)", "1,234.50", "format", pure=True),
    Function("money", formats.money, "money(x, lang='zh')", 1, 2, "string",
             "金额写成“550,000.00 元”；lang 为 'en' 时写成“CNY 550,000.00”",
             "an amount in yuan as '550,000.00 元'; with lang 'en' as 'CNY 550,000.00'",
             "money(550000)", "550,000.00 元", "format", pure=True),
    Function("percent", formats.percent, "percent(x, digits=0)", 1, 2, "string",
             "比例写成百分数，0.1 写成“10%”", "a share as a percentage: 0.1 gives '10%'",
             "percent(0.125, 1)", "12.5%", "format", pure=True),
    Function("date_text", formats.date_text, "date_text(date, lang='zh')", 1, 2, "string",
             "日期写成“2026年12月3日”；lang 为 'en' 时写成“3 December 2026”",
             "a date written out as '2026年12月3日'; with lang 'en' as '3 December 2026'",
             "date_text('2026-12-03')", "2026年12月3日", "format", pure=True),
    # sub-table rows
    Function("sum_rows", sum_rows, "sum_rows(rows, 'field')", 2, 2, "number",
             "子表各行某字段之和（空单元格不计）",
             "sum of a field over sub-table rows (empty cells are skipped)",
             "sum_rows([{'amount': 600}, {'amount': 500.5}], 'amount')", 1100.5, "rows"),
    Function("count_rows", count_rows, "count_rows(rows)", 1, 1, "number", "子表的行数",
             "number of sub-table rows", "count_rows([{'a': 1}, {'a': 2}])", 2, "rows"),
    Function("count_rows_where", count_rows_where, "count_rows_where(rows, 'field', value)",
             3, 3, "number", "子表中某字段等于 value 的行数",
             "number of sub-table rows whose field equals value",
             "count_rows_where([{'rel': '子女'}, {'rel': '配偶'}], 'rel', '子女')", 1, "rows"),
    # identity numbers
    Function("id_valid", ids.id_valid, "id_valid(id)", 1, 1, "boolean",
             "是否为有效的 18 位居民身份证号码（校验位、出生日期、地区码）",
             "whether a valid 18-character resident ID number (check digit, birth date, "
             "region)", f"id_valid({_ID})", True, "id"),
    Function("id_birth_date", ids.id_birth_date, "id_birth_date(id)", 1, 1, "date",
             "身份证号码中的出生日期", "the birth date in a resident ID number",
             f"id_birth_date({_ID})", dt.date(1949, 12, 31), "id"),
    Function("id_age", ids.id_age, "id_age(id, on=today())", 1, 2, "number",
             "按身份证号码计算到 on 日（默认今天）的周岁年龄",
             "age in full years on date `on` (default today) from a resident ID number",
             f"id_age({_ID}, '2024-12-31')", 75, "id"),
    Function("id_gender", ids.id_gender, "id_gender(id)", 1, 1, "string",
             "身份证号码中的性别：'M'（男）或 'F'（女）",
             "the sex in a resident ID number: 'M' (male) or 'F' (female)",
             f"id_gender({_ID})", "F", "id"),
    Function("id_region", ids.id_region, "id_region(id)", 1, 1, "string",
             "身份证号码的前 6 位行政区划代码", "the 6-digit region code at the start of an ID",
             f"id_region({_ID})", "110105", "id"),
    Function("uscc_valid", ids.uscc_valid, "uscc_valid(code)", 1, 1, "boolean",
             "是否为有效的统一社会信用代码", "whether a valid unified social credit code",
             "uscc_valid('91110000600037341L')", True, "id"),
])
"""Every catalogue function by name."""

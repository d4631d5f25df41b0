"""The texts of expression errors, Chinese first, English second, and the labels they use."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runtime.i18n import Catalogue

MESSAGES = Catalogue({
    # refused before or while compiling
    "too_long": ("表达式有 {length} 个字符，超过 {limit} 个字符的上限",
                 "the expression has {length} characters, more than the limit of {limit}"),
    "empty": ("表达式是空的", "the expression is empty"),
    "not_text": ("表达式应为文本，实际为 {type}", "an expression must be text, not {type}"),
    "syntax": ("语法错误：{reason}", "syntax error: {reason}"),
    "too_deep": ("表达式嵌套超过 {limit} 层，请拆分或简化",
                 "the expression nests deeper than {limit} levels; split or simplify it"),
    "not_allowed": ("不允许使用{construct}", "{construct} are not allowed"),
    "attribute": ("不允许访问属性 '{name}'", "attribute '{name}' is not allowed"),
    "method_not_allowed": ("不允许调用方法 '{name}'；可用的文本方法：{allowed}",
                           "method '{name}' is not allowed; text methods you can use: {allowed}"),
    "not_callable": ("只能调用函数目录中的函数（如 len(x)）或文本方法（如 name.strip()）",
                     "only catalogue functions (like len(x)) and text methods (like "
                     "name.strip()) can be called"),
    "unknown_function": ("未知的函数 '{name}'{hint}", "unknown function '{name}'{hint}"),
    "arg_count": ("函数 '{name}' 需要 {expected} 个参数，实际给了 {given} 个",
                  "function '{name}' expects {expected} argument(s), got {given}"),
    "keyword_args": ("函数 '{name}' 不接受命名参数（{keyword}=...），请按顺序写出参数",
                     "function '{name}' takes no named arguments ({keyword}=...); "
                     "pass them in order"),
    "operator": ("不允许使用运算符 '{op}'", "operator '{op}' is not allowed"),
    "string_format": ("不允许用 % 格式化文本，请用 + 拼接（如 '编号：' + str(n)）",
                      "formatting text with % is not allowed; join with + "
                      "(like 'No. ' + str(n))"),
    "number_too_large": ("数值超出 ±{limit} 的范围", "the number is outside ±{limit}"),
    "is_literal": ("'is' 只能与 None 一起用（x is None）；比较值请用 ==",
                   "'is' works only with None (x is None); compare values with =="),
    "private_name": ("不允许使用以双下划线开头的名称 '{name}'",
                     "names starting with a double underscore ('{name}') are not allowed"),
    "unknown_name": ("未知的名称 '{name}'{hint}", "unknown name '{name}'{hint}"),
    "compare_types": ("不能用 {op} 比较{left}和{right}，结果总是不符合预期",
                      "comparing {left} with {right} using {op} never works as intended"),
    "member_elsewhere": ("'{name}' 读的是表单 '{form}' 的数据，这里读不到",
                         "'{name}' decides on the data of form '{form}', not the data here"),
    "compute_type": ("计算结果为{actual}，而字段的值应为{expected}",
                     "the compute gives {actual}, but the field holds {expected}"),
    # refused while evaluating
    "type": ("不能对{left}和{right}使用 {op}", "cannot use {op} on {left} and {right}"),
    "unary_type": ("不能对{operand}使用 {op}", "cannot use {op} on {operand}"),
    "compare": ("不能用 {op} 比较{left}和{right}", "cannot compare {left} with {right} using {op}"),
    "division_by_zero": ("除数为零", "division by zero"),
    "decision_failed": ("{reason}", "{reason_en}"),  # a DecisionError's words name the table
    "rule_failed": ("规则 '{rule}' 无法判断：{reason}",
                    "rule '{rule}' could not be evaluated: {reason_en}"),
    "power_too_large": ("乘方结果过大（指数最大 {limit}，结果最大 ±{max_int}）",
                        "the power is too large (exponent at most {limit}, result within "
                        "±{max_int})"),
    "string_too_long": ("文本结果超过 {limit} 个字符的上限",
                        "the text result is longer than the limit of {limit} characters"),
    "list_too_long": ("列表结果超过 {limit} 项的上限",
                      "the list result has more than the limit of {limit} items"),
    "value_too_large": ("结果的文字合计超过 {limit} 个字符的上限",
                        "the result holds more than the limit of {limit} characters of text"),
    "size_estimate": ("此表达式的结果约有 {size} 个字符，超过 {limit} 个字符的上限"
                      "（重复的次数太大）",
                      "this expression's result would hold about {size} characters, more than "
                      "the limit of {limit} (repeated too many times)"),
    "work_limit": ("表达式计算量超过 {limit} 步的上限，请简化",
                   "the expression needs more than {limit} steps; simplify it"),
    "input_too_long": ("'{name}' 的文本输入超过 {limit} 个字符的上限",
                       "the text given to '{name}' is longer than the limit of {limit}"),
    "index": ("下标 {index} 超出范围（长度为 {length}）",
              "index {index} is out of range (length {length})"),
    "key": ("没有键 '{key}'{hint}", "there is no key '{key}'{hint}"),
    "subscript": ("不能对{type}使用下标 [{key_type}]", "cannot index {type} with [{key_type}]"),
    "slice_step": ("切片步长不能为零", "a slice step cannot be zero"),
    "method_type": ("方法 '{name}' 只能用于文本，实际为{type}",
                    "method '{name}' works on text only, not on {type}"),
    "arg_type": ("函数 '{name}' 的第 {index} 个参数应为{expected}，实际为{actual}",
                 "argument {index} of '{name}' must be {expected}, not {actual}"),
    "bad_date": ("'{value}' 不是有效日期，请写成 YYYY-MM-DD",
                 "'{value}' is not a valid date; write it as YYYY-MM-DD"),
    "calendar_range": ("工作日历只覆盖 {first}–{last} 年，{year} 年不在其中",
                       "the working-day calendar covers {first}–{last} only, not {year}"),
    "day_count": ("天数 {count} 超出 ±{limit} 的上限",
                  "{count} days is beyond the limit of ±{limit}"),
    "row_value": ("子表第 {row} 行的 '{field}' 应为{expected}，实际为{actual}",
                  "row {row}: '{field}' must be {expected}, not {actual}"),
    "empty_list": ("函数 '{name}' 需要至少一个值", "function '{name}' needs at least one value"),
    "out_of_range": ("函数 '{name}' 的参数 {value} 超出 ±{limit} 的范围",
                     "argument {value} of '{name}' is outside ±{limit}"),
    "bad_id": ("'{value}' 不是有效的居民身份证号码", "'{value}' is not a valid resident ID number"),
    "bad_number": ("'{value}' 不能转换为数字", "'{value}' cannot be converted to a number"),
    "bad_regex": ("正则表达式有误：{reason}", "the pattern is invalid: {reason}"),
    "regex_unsupported": ("正则表达式中不支持{feature_zh}",
                          "{feature} is not supported in patterns"),
    "regex_too_long": ("正则表达式超过 {limit} 个字符的上限",
                       "the pattern is longer than the limit of {limit} characters"),
    "regex_too_complex": ("正则表达式展开后过于复杂（上限 {limit} 步）",
                          "the pattern unrolls to more than {limit} steps"),
    "function_failed": ("函数 '{name}' 出错：{reason}", "function '{name}' failed: {reason}"),
    "not_mapping": ("数据应为名称到值的映射，实际为 {type}",
                    "data must map names to values, not {type}"),
    "internal": ("表达式无法计算（{reason}）", "the expression could not be evaluated ({reason})"),
})

POSITION = ("第 {position} 列：", "column {position}: ")

TYPE_LABELS: Mapping[str, tuple[str, str]] = {
    "number": ("数字", "a number"),
    "string": ("文本", "text"),
    "boolean": ("布尔值", "a boolean"),
    "date": ("日期", "a date"),
    "list": ("列表", "a list"),
    "object": ("对象", "an object"),
    "any": ("任意值", "any value"),
    "null": ("空值 None", "None"),
    "other": ("不支持的值", "an unsupported value"),
    "integer": ("整数", "a whole number"),
    "date_like": ("日期或 YYYY-MM-DD 文本", "a date or YYYY-MM-DD text"),
    "text_or_list": ("文本或列表", "text or a list"),
    "rows": ("子表行列表", "a list of rows"),
}

CONSTRUCT_LABELS: Mapping[str, tuple[str, str]] = {
    "lambda": ("匿名函数 lambda", "lambdas"),
    "comprehension": ("推导式（[... for ...]）", "comprehensions ([... for ...])"),
    "generator": ("生成器表达式（... for ...）", "generator expressions (... for ...)"),
    "fstring": ("f-字符串（f'...'）", "f-strings (f'...')"),
    "walrus": ("赋值表达式（:=）", "assignment expressions (:=)"),
    "starred": ("星号展开（*x）", "unpacking with *"),
    "dict_unpack": ("字典展开（**x）", "dict unpacking with **"),
    "await": ("await", "await expressions"),
    "yield": ("yield", "yield expressions"),
    "set": ("集合字面量（{1, 2}），请用列表 [1, 2]", "set literals ({1, 2}); use a list [1, 2]"),
    "bytes": ("字节串字面量（b'...'）", "bytes literals (b'...')"),
    "complex": ("复数", "complex numbers"),
    "ellipsis": ("省略号（...）", "ellipses (...)"),
    "dict_key": ("对象字面量中非文本的键（键须写成 '文本'）",
                 "object keys that are not text literals (write keys as 'text')"),
    "other": ("这种写法", "constructs like this"),
}

SYNTAX_REASONS: Mapping[str, str] = {
    "invalid syntax": "写法不正确",
    "unmatched": "括号不成对",
    "was never closed": "括号没有闭合",
    "unterminated string": "文本缺少结束引号",
    "unterminated triple-quoted": "文本缺少结束引号",
    "too many nested parentheses": "括号嵌套过多",
    "invalid character": "含有不能使用的字符（请检查中文标点）",
    "invalid decimal literal": "数字写法不正确",
    "null bytes": "含有空字符",
    "unexpected EOF": "表达式不完整",
    "unexpected indent": "开头有多余的缩进",
    "expected": "表达式不完整",
    "cannot assign": "表达式中不能赋值，比较请用 ==",
    "Maybe you meant '=='": "表达式中不能赋值，比较请用 ==",
}

_TYPE_PARAMS = frozenset({"left", "right", "type", "operand", "actual", "expected", "key_type"})


def localise(code: str, params: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """The parameters of message `code` with labels, hints and counts put into `lang`."""
    index = 1 if lang == "en" else 0
    out = dict(params)
    for key in _TYPE_PARAMS & out.keys():
        label = TYPE_LABELS.get(str(out[key]))
        if label:
            out[key] = label[index]
    if "construct" in out:
        out["construct"] = CONSTRUCT_LABELS.get(out["construct"], CONSTRUCT_LABELS["other"])[index]
    out["hint"] = _hint(out.get("suggestion"), lang)
    if code == "arg_count":
        out["expected"] = _arity(out.get("min", 0), out.get("max"), lang)
    if code == "syntax" and lang != "en":
        out["reason"] = _syntax_reason_zh(str(out.get("reason", "")))
    return out


def _hint(suggestion: object, lang: str) -> str:
    if not suggestion:
        return ""
    return f"; did you mean '{suggestion}'?" if lang == "en" else f"；是不是 '{suggestion}'？"


def _arity(low: int, high: int | None, lang: str) -> str:
    if high is None:
        return f"at least {low}" if lang == "en" else f"至少 {low}"
    if low == high:
        return str(low)
    return f"{low} to {high}" if lang == "en" else f"{low} 到 {high}"


def _syntax_reason_zh(reason: str) -> str:
    for key, text in SYNTAX_REASONS.items():
        if key in reason:
            return f"{text}（{reason}）"
    return reason

"""The text methods an expression may call (`name.strip()`), each wrapped to check its caps.

Only these names may follow a dot, and only as a call: no other attribute is reachable. Each
wrapper checks that the receiver is text (str's own unbound methods would also refuse other
types, but with a less helpful message) and bounds its result before building it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from runtime.expressions.errors import ExpressionRuntimeError
from runtime.expressions.limits import MAX_STRING_INPUT
from runtime.expressions.values import check_input, check_length, type_of, want, want_int


@dataclass(frozen=True)
class Method:
    """An allowed text method: its checked implementation, arity and result type."""

    name: str
    call: Callable[..., Any]
    min_args: int
    max_args: int
    returns: str
    zh: str
    en: str
    example: str
    result: Any


def _text(value: Any, name: str) -> str:
    if type(value) is str and len(value) <= MAX_STRING_INPUT:
        return value
    if type(value) is not str:
        raise ExpressionRuntimeError("method_type", name=name, type=type_of(value))
    return check_input(value, name)


def _opt_text(args: tuple[Any, ...], name: str) -> tuple[str | None, ...]:
    return tuple(None if a is None else want(a, (str,), name, i + 1, "string")
                 for i, a in enumerate(args))


def _strip(value: Any, *chars: Any) -> str:
    return _text(value, "strip").strip(*_opt_text(chars, "strip"))


def _lstrip(value: Any, *chars: Any) -> str:
    return _text(value, "lstrip").lstrip(*_opt_text(chars, "lstrip"))


def _rstrip(value: Any, *chars: Any) -> str:
    return _text(value, "rstrip").rstrip(*_opt_text(chars, "rstrip"))


def _upper(value: Any) -> str:
    # upper() can lengthen text ('ß' -> 'SS'), so the result is checked too.
    return _checked(_text(value, "upper").upper())


def _lower(value: Any) -> str:
    return _checked(_text(value, "lower").lower())


def _checked(text: str) -> str:
    check_length(len(text), str)
    return text


def _startswith(value: Any, prefix: Any) -> bool:
    return _text(value, "startswith").startswith(want(prefix, (str,), "startswith", 1, "string"))


def _endswith(value: Any, suffix: Any) -> bool:
    return _text(value, "endswith").endswith(want(suffix, (str,), "endswith", 1, "string"))


def _replace(value: Any, old: Any, new: Any) -> str:
    text = _text(value, "replace")
    old = want(old, (str,), "replace", 1, "string")
    new = want(new, (str,), "replace", 2, "string")
    # Worst case first: replacing '' inserts `new` between every character.
    count = text.count(old) if old else len(text) + 1
    check_length(len(text) + count * (len(new) - len(old)), str)
    return text.replace(old, new)


def _split(value: Any, sep: Any = None) -> list[str]:
    text = _text(value, "split")
    if sep is None:
        parts = text.split()
    else:
        sep = want(sep, (str,), "split", 1, "string")
        if not sep:
            raise ExpressionRuntimeError("function_failed", name="split", reason="empty separator")
        check_length(text.count(sep) + 1, list)
        parts = text.split(sep)
    check_length(len(parts), list)
    return parts


def _join(value: Any, items: Any) -> str:
    sep = _text(value, "join")
    items = want(items, (list, tuple), "join", 1, "list")
    check_length(len(items), list)
    for item in items:
        want(item, (str,), "join", 1, "string")
    check_length(sum(map(len, items)) + len(sep) * max(len(items) - 1, 0), str)
    return sep.join(items)


def _zfill(value: Any, width: Any) -> str:
    text = _text(value, "zfill")
    width = want_int(width, "zfill", 1)
    check_length(width, str)
    return text.zfill(width)


def _isdigit(value: Any) -> bool:
    return _text(value, "isdigit").isdigit()


def _isalpha(value: Any) -> bool:
    return _text(value, "isalpha").isalpha()


def _isalnum(value: Any) -> bool:
    return _text(value, "isalnum").isalnum()


def _find(value: Any, sub: Any) -> int:
    return _text(value, "find").find(want(sub, (str,), "find", 1, "string"))


def _count(value: Any, sub: Any) -> int:
    return _text(value, "count").count(want(sub, (str,), "count", 1, "string"))


_METHODS = (
    Method("strip", _strip, 0, 1, "string", "去掉首尾空白（或给定字符）",
           "remove leading and trailing spaces (or the given characters)",
           "' 张三 '.strip()", '张三'),
    Method("lstrip", _lstrip, 0, 1, "string", "去掉开头的空白（或给定字符）",
           "remove leading spaces (or the given characters)", "'  a'.lstrip()", 'a'),
    Method("rstrip", _rstrip, 0, 1, "string", "去掉末尾的空白（或给定字符）",
           "remove trailing spaces (or the given characters)", "'a  '.rstrip()", 'a'),
    Method("upper", _upper, 0, 0, "string", "转为大写", "to upper case", "'x'.upper()", 'X'),
    Method("lower", _lower, 0, 0, "string", "转为小写", "to lower case", "'X'.lower()", 'x'),
    Method("startswith", _startswith, 1, 1, "boolean", "是否以给定文本开头",
           "whether the text starts with the given text", "'110105'.startswith('11')", True),
    Method("endswith", _endswith, 1, 1, "boolean", "是否以给定文本结尾",
           "whether the text ends with the given text", "'a.pdf'.endswith('.pdf')", True),
    Method("replace", _replace, 2, 2, "string", "把所有 old 替换为 new",
           "replace every old with new", "'2024/01/02'.replace('/', '-')", '2024-01-02'),
    Method("split", _split, 0, 1, "list", "按分隔符（默认空白）拆成列表",
           "split into a list at the separator (default: spaces)", "'a,b'.split(',')", ['a', 'b']),
    Method("join", _join, 1, 1, "string", "用本文本连接一个文本列表",
           "join a list of texts with this text between them", "'、'.join(['甲', '乙'])", '甲、乙'),
    Method("zfill", _zfill, 1, 1, "string", "在左边补 0 到给定长度",
           "pad with zeros on the left to the given width", "'42'.zfill(5)", '00042'),
    Method("isdigit", _isdigit, 0, 0, "boolean", "是否全为数字", "whether all characters "
           "are digits", "'2024'.isdigit()", True),
    Method("isalpha", _isalpha, 0, 0, "boolean", "是否全为字母或汉字",
           "whether all characters are letters (including Chinese)", "'张三'.isalpha()", True),
    Method("isalnum", _isalnum, 0, 0, "boolean", "是否全为字母、汉字或数字",
           "whether all characters are letters or digits", "'A1'.isalnum()", True),
    Method("find", _find, 1, 1, "number", "给定文本第一次出现的位置（从 0 起，没有则为 -1）",
           "where the given text first occurs (from 0; -1 if absent)", "'abc'.find('c')", 2),
    Method("count", _count, 1, 1, "number", "给定文本出现的次数",
           "how many times the given text occurs", "'a-b-c'.count('-')", 2),
)



def _index(methods: tuple[Method, ...]) -> dict[str, Method]:
    index: dict[str, Method] = {}
    for method in methods:
        if method.name in index:
            raise ValueError(f"text method {method.name!r} is defined twice")
        index[method.name] = method
    return index


METHODS: dict[str, Method] = _index(_METHODS)
"""The allowed text methods by name."""

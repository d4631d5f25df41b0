"""The operators of the language, each a small function that checks types and caps first.

They replace simpleeval's defaults: sizes are checked before a repeat or power is computed,
numbers stay within ±MAX_INT and finite, `%` never formats text, and type mistakes become
ExpressionRuntimeError instead of a raw TypeError.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from runtime.expressions.errors import ExpressionRuntimeError
from runtime.expressions.limits import MAX_EXPONENT, MAX_INT_TEXT, MAX_LIST, MAX_VALUE_TEXT
from runtime.expressions.values import (
    NUMBER_TYPES,
    check_length,
    check_number,
    check_weight,
    text_size,
    type_of,
    weight,
)

_SEQUENCES = (str, list, tuple)
_COUNTS = (int, bool)

# 2**60 > 10**18, so a positive integer power with more result bits than this is refused
# before it is computed.
_MAX_POWER_BITS = 60

SYMBOLS: dict[type, str] = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
    ast.Pow: "**", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>", ast.BitOr: "|",
    ast.BitXor: "^", ast.BitAnd: "&", ast.Invert: "~", ast.Not: "not", ast.UAdd: "+",
    ast.USub: "-", ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">",
    ast.GtE: ">=", ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in",
}


def _type_error(op: str, left: Any, right: Any) -> ExpressionRuntimeError:
    return ExpressionRuntimeError("type", op=op, left=type_of(left), right=type_of(right))


def _numbers(a: Any, b: Any) -> bool:
    return type(a) in NUMBER_TYPES and type(b) in NUMBER_TYPES


def add(a: Any, b: Any) -> Any:
    if _numbers(a, b):
        return check_number(a + b)
    kind = type(a)
    if kind is type(b) and kind in _SEQUENCES:
        check_length(len(a) + len(b), kind)
        if kind is not str:
            check_weight(a, b)
            _check_text(text_size(a, MAX_VALUE_TEXT) + text_size(b, MAX_VALUE_TEXT))
        return a + b
    raise _type_error("+", a, b)


def sub(a: Any, b: Any) -> Any:
    if _numbers(a, b):
        return check_number(a - b)
    raise _type_error("-", a, b)


def mul(a: Any, b: Any) -> Any:
    if _numbers(a, b):
        return check_number(a * b)
    if type(a) in _SEQUENCES and type(b) in _COUNTS:
        return _repeat(a, b)
    if type(b) in _SEQUENCES and type(a) in _COUNTS:
        return _repeat(b, a)
    raise _type_error("*", a, b)


def _repeat(items: Any, times: int) -> Any:
    times = max(times, 0)
    check_length(len(items) * times, type(items))
    if type(items) is not str and weight(items) * times > MAX_LIST:
        # [[1] * 5000] * 5000 holds 25 million items although the outer list has 5000.
        raise ExpressionRuntimeError("list_too_long", limit=MAX_LIST)
    if type(items) is not str:
        _check_text(text_size(items, MAX_VALUE_TEXT) * times)
    return items * times


def _check_text(size: int) -> None:
    """Refuse a list whose texts would add up past MAX_VALUE_TEXT, before it is built."""
    if size > MAX_VALUE_TEXT:
        raise ExpressionRuntimeError("value_too_large", limit=MAX_VALUE_TEXT)


def _divisor(op: str, a: Any, b: Any) -> None:
    if type(a) is str and op == "%":
        raise ExpressionRuntimeError("string_format")
    if not _numbers(a, b):
        raise _type_error(op, a, b)
    if b == 0:
        raise ExpressionRuntimeError("division_by_zero")


def truediv(a: Any, b: Any) -> Any:
    _divisor("/", a, b)
    return check_number(a / b)


def floordiv(a: Any, b: Any) -> Any:
    _divisor("//", a, b)
    return check_number(a // b)


def mod(a: Any, b: Any) -> Any:
    _divisor("%", a, b)
    return check_number(a % b)


def power(a: Any, b: Any) -> Any:
    if not _numbers(a, b):
        raise _type_error("**", a, b)
    if abs(b) > MAX_EXPONENT or _too_many_bits(a, b):
        raise ExpressionRuntimeError("power_too_large", limit=MAX_EXPONENT, max_int=MAX_INT_TEXT)
    if a == 0 and b < 0:
        raise ExpressionRuntimeError("division_by_zero")
    try:
        result = a**b
    except OverflowError:
        raise ExpressionRuntimeError("power_too_large", limit=MAX_EXPONENT,
                                     max_int=MAX_INT_TEXT) from None
    if type(result) is complex:
        raise _type_error("**", a, b)
    return check_number(result)


def _too_many_bits(a: Any, b: Any) -> bool:
    """Whether an integer power would certainly exceed MAX_INT; checked before computing."""
    if type(a) is float or type(b) is float or b <= 0:
        return False
    return (abs(int(a)).bit_length() - 1) * b > _MAX_POWER_BITS


def neg(a: Any) -> Any:
    if type(a) in NUMBER_TYPES:
        return check_number(-a)
    raise ExpressionRuntimeError("unary_type", op="-", operand=type_of(a))


def pos(a: Any) -> Any:
    if type(a) in NUMBER_TYPES:
        return +a
    raise ExpressionRuntimeError("unary_type", op="+", operand=type_of(a))


def not_(a: Any) -> bool:
    return not a


def eq(a: Any, b: Any) -> bool:
    return a == b


def ne(a: Any, b: Any) -> bool:
    return a != b


def _ordering(op: str, compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def ordered(a: Any, b: Any) -> bool:
        try:
            return compare(a, b)
        except TypeError:
            raise ExpressionRuntimeError("compare", op=op, left=type_of(a),
                                         right=type_of(b)) from None
    ordered.__name__ = f"ordered_{compare.__name__}"
    return ordered


lt = _ordering("<", lambda a, b: a < b)
le = _ordering("<=", lambda a, b: a <= b)
gt = _ordering(">", lambda a, b: a > b)
ge = _ordering(">=", lambda a, b: a >= b)


def contains(item: Any, container: Any) -> bool:
    """`item in container` for text, lists and objects (keys)."""
    try:
        return item in container
    except TypeError:
        raise _type_error("in", item, container) from None


def not_contains(item: Any, container: Any) -> bool:
    return not contains(item, container)


def is_(a: Any, b: Any) -> bool:
    return a is b


def is_not(a: Any, b: Any) -> bool:
    return a is not b


OPERATORS: dict[type, Callable[..., Any]] = {
    ast.Add: add, ast.Sub: sub, ast.Mult: mul, ast.Div: truediv, ast.FloorDiv: floordiv,
    ast.Mod: mod, ast.Pow: power, ast.USub: neg, ast.UAdd: pos, ast.Not: not_,
    ast.Eq: eq, ast.NotEq: ne, ast.Lt: lt, ast.LtE: le, ast.Gt: gt, ast.GtE: ge,
    ast.In: contains, ast.NotIn: not_contains, ast.Is: is_, ast.IsNot: is_not,
}
"""The allowed operators by AST node type, in simpleeval's `operators` shape."""

"""The values expressions work on: JSON values plus dates, their type names, and size caps.

Data handed to an expression holds str, int, float, bool, None, lists and dicts of those, and
`datetime.date` (date functions make and accept dates; ISO 'YYYY-MM-DD' text is accepted
wherever a date is). Tuples from literals such as `(1, 2)` count as lists.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from typing import Any

from runtime.expressions.errors import ExpressionRuntimeError
from runtime.expressions.limits import (
    MAX_INT,
    MAX_INT_TEXT,
    MAX_LIST,
    MAX_STRING,
    MAX_STRING_INPUT,
    MAX_WORK,
)

VALUE_TYPES: tuple[str, ...] = ("number", "string", "boolean", "date", "list", "object", "any")
"""The value types static checks reason about; 'any' means not known in advance."""

NUMBER_TYPES = frozenset({int, float, bool})
CONTAINERS = frozenset({list, tuple, dict})

_TYPE_NAMES: dict[type, str] = {
    bool: "boolean", int: "number", float: "number", str: "string", type(None): "null",
    list: "list", tuple: "list", dict: "object", dt.date: "date", dt.datetime: "date",
}

_DATE_TIME = ("T", " ")  # what may follow YYYY-MM-DD in a date-time

# Names whose members an expression reads with a dot as well as with [...]: `rules.x.amount`
# is `rules['x']['amount']`. A dot reads only keys of objects, never a Python attribute.
NAMESPACES = frozenset({"rules", "decisions"})


class Lazy(dict[str, Any]):
    """An object whose keys are known and whose values are worked out when first read (a
    decision table is decided only when a rule reads it, so one that fails fails only the
    rules that read it)."""

    def __init__(self, names: Any, make: Any):
        super().__init__()
        self.names = tuple(names)
        self._make = make

    def __missing__(self, key: str) -> Any:
        if key not in self.names:
            raise KeyError(key)
        value = self[key] = self._make(key)
        return value

    def __contains__(self, key: object) -> bool:
        return key in self.names


def type_of(value: Any) -> str:
    """The type name of a value for messages: a VALUE_TYPES name, 'null' or 'other'."""
    return _TYPE_NAMES.get(type(value), "other")


def check_number(value: Any) -> Any:
    """`value` itself when it is a finite number within ±MAX_INT, else a cap error."""
    kind = type(value)
    if kind is int:
        if -MAX_INT <= value <= MAX_INT:
            return value
    elif kind is float:
        if math.isfinite(value):
            return value
    else:
        return value
    raise ExpressionRuntimeError("number_too_large", limit=MAX_INT_TEXT)


def check_length(length: int, kind: type) -> None:
    """Refuse a text or list of `length` before it is built."""
    if kind is str:
        if length > MAX_STRING:
            raise ExpressionRuntimeError("string_too_long", limit=MAX_STRING)
    elif length > MAX_LIST:
        raise ExpressionRuntimeError("list_too_long", limit=MAX_LIST)


def weight(value: Any, limit: int = MAX_LIST) -> int:
    """Items in a list or object counted through every level (a list holding the same
    list twice counts it twice); counting stops once past `limit`."""
    if type(value) not in CONTAINERS:
        return 0
    total = 0
    stack = [value]
    while stack and total <= limit:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            item = list(item.values())
        elif kind not in (list, tuple):
            continue
        total += len(item)
        stack.extend(child for child in item if type(child) in CONTAINERS)
    return total


def check_weight(*parts: Any) -> None:
    """Refuse a list or object that would hold more than MAX_LIST items at all levels."""
    if sum(weight(part) for part in parts) > MAX_LIST:
        raise ExpressionRuntimeError("list_too_long", limit=MAX_LIST)


def text_size(value: Any, limit: int = MAX_STRING) -> int:
    """Roughly how long `value` is as text: characters of text plus one per other item;
    counting stops once past `limit`."""
    total = 0
    stack = [value]
    while stack and total <= limit:
        item = stack.pop()
        kind = type(item)
        if kind is str:
            total += len(item) + 2
        elif kind is dict:
            total += len(item) + 2
            stack.extend(item.keys())
            stack.extend(item.values())
        elif kind in (list, tuple):
            total += len(item) + 2
            stack.extend(item)
        else:
            total += 1
    return total


_work = threading.local()


def reset_work() -> None:
    """Give the evaluation starting on this thread its full work budget."""
    _work.left = MAX_WORK


def spend(steps: int) -> None:
    """Charge `steps` to this evaluation's work budget before doing them."""
    left = getattr(_work, "left", MAX_WORK) - steps
    if left < 0:
        raise ExpressionRuntimeError("work_limit", limit=MAX_WORK)
    _work.left = left


def check_input(text: str, name: str, limit: int = MAX_STRING_INPUT) -> str:
    """Refuse text too long for a method or function to work on."""
    if len(text) > limit:
        raise ExpressionRuntimeError("input_too_long", name=name, limit=limit)
    return text


def to_date(value: Any, name: str, index: int) -> dt.date:
    """A date from a date, a datetime (its date) or text starting 'YYYY-MM-DD' (then 'T' or a
    space and anything). Of ten characters with dashes at 4 and 7, fromisoformat takes only
    YYYY-MM-DD in ASCII digits, and a real day."""
    if type(value) is dt.date:
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        if (len(value) >= 10 and value[4] == "-" == value[7]
                and (len(value) == 10 or value[10] in _DATE_TIME)):
            try:
                return dt.date.fromisoformat(value[:10])
            except ValueError:
                pass
        raise ExpressionRuntimeError("bad_date", value=value[:40])
    raise ExpressionRuntimeError("arg_type", name=name, index=index, expected="date_like",
                                 actual=type_of(value))


def want(value: Any, kinds: tuple[type, ...], name: str, index: int, expected: str) -> Any:
    """`value` when its exact type is one of `kinds`, else an argument-type error."""
    if type(value) in kinds:
        return value
    raise ExpressionRuntimeError("arg_type", name=name, index=index, expected=expected,
                                 actual=type_of(value))


def want_int(value: Any, name: str, index: int) -> int:
    """An integer argument (whole floats like 3.0 are accepted), within ±MAX_INT."""
    if type(value) is float and value.is_integer():
        value = int(value)
    return check_number(want(value, (int,), name, index, "integer"))


def show(value: Any, limit: int = 80) -> str:
    """A value written the way an expression would write it, cut to `limit` characters."""
    text = _show(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _show(value: Any) -> str:
    if isinstance(value, dt.date):
        return f"date({value.year}, {value.month}, {value.day})"
    if type(value) in (list, tuple):
        items = [_show(item) for item in value[:20]] + (["…"] if len(value) > 20 else [])
        return "[" + ", ".join(items) + "]"
    if type(value) is dict:
        pairs = [f"{_show(k)}: {_show(v)}" for k, v in list(value.items())[:20]]
        return "{" + ", ".join(pairs + (["…"] if len(value) > 20 else [])) + "}"
    return repr(value)

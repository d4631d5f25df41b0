"""Formatting functions: numbers, money, percentages and dates as text for people, in Chinese
by default and in English when asked (`money(x, 'en')`): an expression does not know the
reader's language, so the definition says which it writes."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

from runtime.expressions.errors import ExpressionRuntimeError
from runtime.expressions.limits import MAX_ROUND_DIGITS
from runtime.expressions.values import NUMBER_TYPES, to_date, want, want_int

_NUMBERS = tuple(NUMBER_TYPES)
_LANGS = ("zh", "en")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def number(value: Any, digits: Any = 0) -> str:
    """`value` rounded half up to `digits` decimals, with thousands separators."""
    places = want_int(digits, "number", 2)
    if not 0 <= places <= MAX_ROUND_DIGITS:
        raise ExpressionRuntimeError("out_of_range", name="number", value=places,
                                     limit=MAX_ROUND_DIGITS)
    return _grouped(want(value, _NUMBERS, "number", 1, "number"), places)


def money(value: Any, lang: Any = "zh") -> str:
    """An amount in yuan with two decimals: `550,000.00 元` (English `CNY 550,000.00`)."""
    amount = _grouped(want(value, _NUMBERS, "money", 1, "number"), 2)
    return f"CNY {amount}" if _lang(lang, "money") == "en" else f"{amount} 元"


def percent(value: Any, digits: Any = 0) -> str:
    """A share as a percentage: 0.1 gives `10%`."""
    share = want(value, _NUMBERS, "percent", 1, "number")
    return number(float(Decimal(repr(float(share))) * 100), digits) + "%"


def date_text(value: Any, lang: Any = "zh") -> str:
    """A date written out: `2026年12月3日` (English `3 December 2026`)."""
    day = to_date(value, "date_text", 1)
    if _lang(lang, "date_text") == "en":
        return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"
    return f"{day.year}年{day.month}月{day.day}日"


def _grouped(value: Any, places: int) -> str:
    quantum = Decimal(1).scaleb(-places)
    exact = Decimal(repr(value))
    return f"{exact.quantize(quantum, ROUND_HALF_UP, Context(prec=60)):,.{places}f}"


def _lang(value: Any, name: str) -> str:
    lang = want(value, (str,), name, 2, "string")
    if lang not in _LANGS:
        raise ExpressionRuntimeError("out_of_range", name=name, value=lang, limit="zh/en")
    return lang


"""Parsing what a browser or an API sends into the value a field stores.

Each parser takes a non-empty raw value and returns the stored JSON value, or raises
`ValueProblem` with a message code of `runtime.forms.messages`. Codes and numbers are
normalised first (full-width digits, stray spaces), free text is only trimmed.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

import nh3

MAX_NUMBER_TEXT = 40
MAX_DIGITS = 18
MAX_NUMBER = 10**MAX_DIGITS  # as in expressions: beyond it JSON readers lose digits
TRUE = frozenset({"true", "1", "on", "yes", "是"})
FALSE = frozenset({"false", "0", "off", "no", "否"})
_INTEGER = re.compile(r"[-+]?[0-9]+")
_NUMBERS = (int, float)  # tuples: isinstance with a union (int | float) is slower
_CHOICES = (str, int, bool)
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s.]{2,63}")


class ValueProblem(Exception):
    def __init__(self, code: str, **params: Any):
        # No super().__init__(code): BaseException.__new__ has already set args to (code,),
        # and a parse failure is common enough for the second call to show.
        self.code, self.params = code, params


def normalised(raw: Any, code: str) -> str:
    """Text of a code or number: full-width forms folded, every space removed."""
    if not isinstance(raw, str):
        raise ValueProblem(code)
    # NFKC leaves ASCII as it is; split() removes exactly the characters regex \s matches.
    return "".join((raw if raw.isascii() else unicodedata.normalize("NFKC", raw)).split())


def text(raw: Any) -> str:
    if not isinstance(raw, str):
        raise ValueProblem("not_text")
    return raw.strip()


def integer(raw: Any) -> int:
    if isinstance(raw, bool):
        raise ValueProblem("not_integer")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    digits = normalised(raw, "not_integer")
    if len(digits) > 18 or not _INTEGER.fullmatch(digits):
        raise ValueProblem("not_integer")
    return int(digits)


def decimal(raw: Any) -> int | float:
    if isinstance(raw, bool):
        raise ValueProblem("not_number")
    if isinstance(raw, _NUMBERS):
        if not math.isfinite(raw) or abs(raw) > MAX_NUMBER:
            raise ValueProblem("not_number")
        return raw
    number = _decimal_text(normalised(raw, "not_number"))
    # By exponent, before any arithmetic: Decimal('1e99999999') overflows abs() and int().
    if number.adjusted() >= MAX_DIGITS:
        raise ValueProblem("not_number")
    return int(number) if number == number.to_integral_value() else float(number)


def _decimal_text(digits: str) -> Decimal:
    try:
        number = Decimal(digits) if len(digits) <= MAX_NUMBER_TEXT else Decimal("nan")
    except InvalidOperation:
        raise ValueProblem("not_number") from None
    if not number.is_finite():
        raise ValueProblem("not_number")
    return number


def money(raw: Any) -> int | float:
    """Yuan with at most two decimals (fen); more decimals are an error, not rounded away."""
    value = decimal(raw)
    if isinstance(value, int):
        return value
    if _decimals(repr(value)) > 2:
        raise ValueProblem("money_decimals")
    return value


def _decimals(shortest: str) -> int:
    """Digits after the point of a float's shortest repr (the digits a person wrote)."""
    if "e" in shortest:
        exponent = Decimal(shortest).as_tuple().exponent
        return -exponent if isinstance(exponent, int) else 0
    return len(shortest) - shortest.index(".") - 1


def date(raw: Any) -> str:
    """YYYY-MM-DD only: Python would also take 20240102 or 2024-W01-2, but of ten characters
    with dashes at 4 and 7 it takes only YYYY-MM-DD in ASCII digits, and a real day."""
    value = normalised(raw, "not_date")
    if len(value) == 10 and value[4] == "-" == value[7]:
        try:
            dt.date.fromisoformat(value)
            return value
        except ValueError:
            pass
    raise ValueProblem("not_date")


def datetime(raw: Any) -> str:
    try:
        return dt.datetime.fromisoformat(text(raw)).isoformat(timespec="minutes")
    except ValueError:
        raise ValueProblem("not_datetime") from None


def date_range(raw: Any) -> list[str]:
    if not isinstance(raw, list) or len(raw) != 2:
        raise ValueProblem("not_date")
    start, end = date(raw[0]), date(raw[1])
    if start > end:
        raise ValueProblem("range_order")
    return [start, end]


def yes_no(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    word = text(raw).lower()
    if word in TRUE or word in FALSE:
        return word in TRUE
    raise ValueProblem("not_boolean")


def choice(raw: Any) -> str | int | bool:
    """A choice as sent; whether it is one of the options is checked against the spec."""
    if isinstance(raw, _CHOICES):
        return raw.strip() if isinstance(raw, str) else raw
    raise ValueProblem("not_option")


def choices(raw: Any) -> list[Any]:
    items = raw if isinstance(raw, list) else [raw]
    return [choice(item) for item in items]


def texts(raw: Any) -> list[str]:
    """Lists of keys (uploaded files)."""
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise ValueProblem("not_list")
    return list(raw)


def email(raw: Any) -> str:
    value = text(raw)
    if not _EMAIL.fullmatch(value):
        raise ValueProblem("email")
    return value


def rich_text(raw: Any) -> str:
    """Staff-written HTML with everything but safe formatting removed (Ammonia via nh3)."""
    return nh3.clean(text(raw))

"""Chinese identity numbers: resident ID (居民身份证号码, GB 11643) and unified social credit
code (统一社会信用代码, GB 32100), checked with python-stdnum.

The validity checks return False for anything that is not a valid number (including empty
fields); the helpers that read a number refuse an invalid one with `bad_id`, so a rule
should test `id_valid(x)` first where a field may be wrong.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from stdnum.cn import ric, uscc

from runtime.expressions.dates import current_date
from runtime.expressions.errors import ExpressionRuntimeError
from runtime.expressions.values import to_date

_MAX_ID_TEXT = 40


def id_valid(value: Any) -> bool:
    """Whether `value` is a valid 18-character resident ID (check digit, date and region)."""
    return type(value) is str and len(value) <= _MAX_ID_TEXT and ric.is_valid(value)


def _checked_id(value: Any) -> str:
    if not id_valid(value):
        shown = value[:_MAX_ID_TEXT] if isinstance(value, str) else value
        raise ExpressionRuntimeError("bad_id", value=shown)
    return str(ric.compact(value))


def id_birth_date(value: Any) -> dt.date:
    return ric.get_birth_date(_checked_id(value))


def id_age(value: Any, on: Any = None) -> int:
    """Age in full years on `on` (default today): a birthday counts from that day."""
    born = id_birth_date(value)
    when = current_date() if on is None else to_date(on, "id_age", 2)
    return when.year - born.year - ((when.month, when.day) < (born.month, born.day))


def id_gender(value: Any) -> str:
    """'M' or 'F': the 17th character is odd for men and even for women."""
    return "M" if int(_checked_id(value)[16]) % 2 else "F"


def id_region(value: Any) -> str:
    """The 6-digit administrative division code of the place of registration."""
    return _checked_id(value)[:6]


def uscc_valid(value: Any) -> bool:
    """Whether `value` is a valid 18-character unified social credit code."""
    return type(value) is str and len(value) <= _MAX_ID_TEXT and uscc.is_valid(value)

"""Masking of personal numbers for lists and exports, and neutralising of spreadsheet cells.

Pure functions: no Flask, no database. A masking rule keeps at most a fixed head and tail of
the value; a value too short to keep them and still hide something becomes all stars, so a
short or malformed value never shows more than the rule allows.

Which field is masked is its field type's fact (`FieldType.mask`, one of these rules for
`templates_lib`'s ID card, mobile and bank account); `mask(value, rule)` names a rule for a
value that is no form field's (a staff account's mobile number).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

STAR = "*"
# OWASP CSV injection: a cell starting with one of these is read as a formula by spreadsheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _keep(value: Any, head: int, tail: int, min_hidden: int = 1) -> str:
    """Keep `head` and `tail` characters and star the rest; a value that would keep fewer
    than `min_hidden` hidden (too short for its kind) becomes all stars."""
    if value is None:
        return ""
    text = str(value).strip()
    if len(text) - head - tail < min_hidden:
        return STAR * len(text)
    return text[:head] + STAR * (len(text) - head - tail) + text[len(text) - tail:]


def mask_id_card(value: Any) -> str:
    """Resident ID card: keep the region code (6) and the last 4: 110105********002X.
    Anything shorter than the old 15-digit card is all stars."""
    return _keep(value, 6, 4, min_hidden=5)


def mask_mobile(value: Any) -> str:
    """Mobile number: keep the first 3 and the last 4: 138****5678. Shorter than 11 digits:
    all stars."""
    return _keep(value, 3, 4, min_hidden=4)


def mask_bank_account(value: Any) -> str:
    """Bank account: keep the first 4 and the last 4, spaces and dashes removed first; at
    least 4 characters are hidden, else all stars."""
    if value is None:
        return ""
    return _keep(str(value).replace(" ", "").replace("-", ""), 4, 4, min_hidden=4)


def mask_name(value: Any) -> str:
    """Personal name: keep the first character (the family name): 张三丰 -> 张**; a one-character
    value becomes a star."""
    return _keep(value, 1, 0)


MASKS: dict[str, Callable[[Any], str]] = {
    "id_card": mask_id_card,
    "mobile": mask_mobile,
    "bank_account": mask_bank_account,
    "name": mask_name,
}


def mask(value: Any, kind: str) -> Any:
    """`value` masked by the rule named `kind`; None and "" stay as they are.
    An unknown kind is an error, not a pass-through: a typo must not leak a number."""
    try:
        rule = MASKS[kind]
    except KeyError:
        raise ValueError(f"no masking rule for {kind!r}; known: {', '.join(MASKS)}") from None
    if value is None or value == "":
        return value
    return rule(value)


def neutralise_cell(value: Any) -> Any:
    """A CSV/Excel cell that a spreadsheet will not run as a formula: text starting with
    = + - @ tab or carriage return gets a leading apostrophe; other values pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value

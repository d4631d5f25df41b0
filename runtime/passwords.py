"""Passwords: the policy (length, letters and digits, rotation) and scrypt hashing.

Pure: no flask, no database. Werkzeug's `security` module is plain hashing code.

`METHOD` is werkzeug's method string, read at each call: scrypt with werkzeug's cost. The
test suite lowers the cost (tests/conftest.py), as Django advises for its own tests: the tests
check who may sign in, not how slow scrypt is.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import cache

from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 10
METHOD = "scrypt"


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=METHOD)


def verify(stored: str | None, password: str) -> bool:
    """True when `password` matches `stored`; takes as long when there is no account."""
    if not stored:
        check_password_hash(_dummy(METHOD), password)
        return False
    return check_password_hash(stored, password)


@cache
def _dummy(method: str) -> str:
    """Checked against when the account does not exist, so that a miss costs as much as a
    hit; made on the first miss, not at import (start-up stays fast)."""
    return generate_password_hash("not-a-password-0", method=method)


def policy_problems(password: str, *, min_length: int = MIN_LENGTH) -> Iterator[str]:
    """Message codes for each rule `password` breaks: too_short, needs_letter, needs_digit."""
    if len(password) < min_length:
        yield "too_short"
    if not any(c.isascii() and c.isalpha() for c in password):
        yield "needs_letter"
    if not any(c.isdigit() for c in password):
        yield "needs_digit"


def expired(changed_at: datetime | None, now: datetime, max_age_days: int) -> bool:
    """Whether a password set at `changed_at` must be changed; 0 days means never."""
    if max_age_days <= 0:
        return False
    return changed_at is None or now - changed_at > timedelta(days=max_age_days)

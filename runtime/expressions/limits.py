"""The caps that bound what one expression may cost: source size, nesting, numbers, text, lists.

Every cap is checked before the large object would be built (a repeat, a power, a replace), so
a hostile expression is refused in microseconds instead of exhausting memory or time.
"""

from __future__ import annotations

MAX_SOURCE_LENGTH = 2_000
"""Characters in one expression; longer text is refused before parsing."""

MAX_DEPTH = 100
"""Nesting of the syntax tree; deeper trees are refused so evaluation never nears the
interpreter's recursion limit (each level costs about three Python frames)."""

MAX_INT = 10**18
"""Largest absolute integer an operation or function may produce (fits a signed 64-bit
column; larger values are almost certainly an error in a government form)."""

MAX_EXPONENT = 100
"""Largest absolute exponent of `**`; the result must also stay within MAX_INT."""

MAX_STRING = 10_000
"""Longest text an operation, method or function may produce."""

MAX_LIST = 10_000
"""Most items a list operation, method or function may produce."""

MAX_VALUE_TEXT = 200_000
"""Most text a list built by repeating or joining may hold in all, counted through every item:
`[s * 10000] * 9999` has 9999 items but shares one text of 10000 characters, 100 MB once
stored as JSON. The definition checker refuses an expression whose estimate passes it."""

MAX_STRING_INPUT = 100_000
"""Longest text a method or function accepts as input (data may hold long text; this keeps
linear-time work small)."""

MAX_NUMBER_TEXT = 40
"""Longest text that int() and float() convert (int('9' * 5000) is refused up front)."""

MAX_ROUND_DIGITS = 15
"""Largest absolute number of digits round() accepts."""

MAX_DAYS = 366 * 200
"""Largest absolute number of days add_days() moves a date."""

MAX_WORKDAYS = 3_660
"""Largest absolute number of working days add_workdays() moves a date."""

MAX_PATTERN = 200
"""Longest regular expression matches() accepts."""

MAX_PATTERN_STATES = 500
"""Most instructions a pattern may compile to (bounded repeats like {1,50} unroll)."""

MAX_MATCH_TEXT = 1_000
"""Longest text matches() searches."""

MAX_WORK = 200_000
"""Pattern-matching steps one evaluation may spend in total (text length x program size
per matches() call, charged before it runs), so repeating a costly call cannot add up."""

CACHE_SIZE = 2_048
"""Compiled expressions kept by compile_expression()."""

MAX_INT_TEXT = "10^18"
"""MAX_INT as people read it, for messages."""

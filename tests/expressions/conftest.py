"""Shared fixtures for the expression tests: sample data and a valid resident ID."""

from __future__ import annotations

from typing import Any

import pytest
from stdnum.cn import ric


def valid_id(body: str = "11010519491231002") -> str:
    """A resident ID with the right check digit for the 17-digit `body`."""
    return body + ric.calc_check_digit(body + "0")


@pytest.fixture
def data() -> dict[str, Any]:
    return {
        "age": 20, "income": 6000, "region": "110105", "name": " zhang ", "phone": "",
        "x": [1], "y": [2], "d": {"a": 1}, "items": [{"amount": 600}, {"amount": 500.5}],
        "apply_date": "2024-09-30", "applicant_id": valid_id(), "flag": True, "none": None,
    }

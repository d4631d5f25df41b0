"""Masking keeps no more than each rule allows; export cells never start a formula."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.masking import (
    MASKS,
    mask,
    mask_bank_account,
    mask_id_card,
    mask_mobile,
    mask_name,
    neutralise_cell,
)


@pytest.mark.parametrize(("value", "expect"), [
    ("11010519491231002X", "110105********002X"),
    ("110105491231002", "110105*****1002"),  # the old 15-digit card
    (" 11010519491231002X ", "110105********002X"),
    ("1101051949", "**********"),  # too short to hide anything: all stars
    ("11010519491", "***********"),  # would hide only one character
    ("", ""),
    (None, ""),
])
def test_id_card(value: Any, expect: str) -> None:
    assert mask_id_card(value) == expect


@pytest.mark.parametrize(("value", "expect"), [
    ("13812345678", "138****5678"),
    (13812345678, "138****5678"),
    ("1381234567", "**********"),
    ("123", "***"),
    ("", ""),
])
def test_mobile(value: Any, expect: str) -> None:
    assert mask_mobile(value) == expect


@pytest.mark.parametrize(("value", "expect"), [
    ("6222021234567890123", "6222***********0123"),
    ("6222 0212 3456 7890", "6222********7890"),
    ("1234-5678-9012", "1234****9012"),
    ("123456789", "*********"),
    ("", ""),
    (None, ""),
])
def test_bank_account(value: Any, expect: str) -> None:
    assert mask_bank_account(value) == expect


@pytest.mark.parametrize(("value", "expect"), [
    ("张三丰", "张**"),
    ("张三", "张*"),
    ("欧阳娜娜", "欧***"),
    ("张", "*"),
    ("", ""),
])
def test_name(value: str, expect: str) -> None:
    assert mask_name(value) == expect


def test_the_dispatcher_uses_the_field_type() -> None:
    assert set(MASKS) == {"id_card", "mobile", "bank_account", "name"}
    assert mask("11010519491231002X", "id_card") == "110105********002X"
    assert mask("13812345678", "mobile") == "138****5678"
    assert mask("6222021234567890", "bank_account") == "6222********7890"
    assert mask("张三丰", "name") == "张**"
    assert mask(None, "mobile") is None and mask("", "name") == ""


def test_an_unknown_kind_is_an_error_not_a_leak() -> None:
    with pytest.raises(ValueError, match="no masking rule for 'idcard'"):
        mask("11010519491231002X", "idcard")


@pytest.mark.parametrize("cell", [
    '=HYPERLINK("http://x","y")',
    "@SUM(1)",
    "+1+1",
    "-2+3",
    "=1+2",
    "\t=1",
    "\r=1",
])
def test_hostile_cells_get_an_apostrophe(cell: str) -> None:
    assert neutralise_cell(cell) == "'" + cell


@pytest.mark.parametrize("value", [-5, 3, 2.5, -0.5, None, True, "张三", "", "a=b", " =1"])
def test_other_values_pass_unchanged(value: Any) -> None:
    assert neutralise_cell(value) == value

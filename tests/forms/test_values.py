"""Each field type turns what a browser or an API sends into the stored value, or names the
problem."""

from typing import Any

import pytest
from stdnum.cn import ric

from runtime.forms.values import ValueProblem

from .build import TYPES


def parse(type_name: str, raw: Any) -> Any:
    return TYPES[type_name].parse(raw)


def problem(type_name: str, raw: Any) -> str:
    with pytest.raises(ValueProblem) as caught:
        parse(type_name, raw)
    return caught.value.code


@pytest.mark.parametrize(("type_name", "raw", "stored"), [
    ("text", "  张三 ", "张三"),
    ("textarea", "第一行\n第二行 ", "第一行\n第二行"),
    ("integer", "42", 42), ("integer", "１２", 12), ("integer", " -7 ", -7), ("integer", 5, 5),
    ("integer", 5.0, 5),
    ("decimal", "3.25", 3.25), ("decimal", "10", 10), ("decimal", 1.5, 1.5),
    ("money", "1234.50", 1234.5), ("money", "０.０１", 0.01), ("money", 99, 99),
    ("date", "2024-02-29", "2024-02-29"), ("date", "２０２４-０１-０２", "2024-01-02"),
    ("datetime", "2024-01-02T09:30", "2024-01-02T09:30"),
    ("date_range", ["2024-01-01", "2024-01-31"], ["2024-01-01", "2024-01-31"]),
    ("yes_no", "是", True), ("yes_no", "false", False), ("yes_no", True, True),
    ("yes_no", "on", True),
    ("select", " a ", "a"), ("checkbox", ["a", "b"], ["a", "b"]), ("checkbox", "a", ["a"]),
    ("email", "zhang@example.cn", "zhang@example.cn"),
    ("richtext", '<p onclick="x()">好<script>alert(1)</script></p>', "<p>好</p>"),
    ("id_card", "11010519491231002x", "11010519491231002X"),
    ("id_card", "１１０１０５ １９４９１２３１ ００２Ｘ", "11010519491231002X"),
    ("uscc", "91110000600037341l", "91110000600037341L"),
    ("mobile", "+86 138-1234-5678", "13812345678"), ("mobile", "13812345678", "13812345678"),
    ("landline", "010-12345678", "010-12345678"), ("landline", "0755-8765432-801", "0755-8765432-801"),
    ("bank_account", "6222 0202 0000 1234 567", "6222020200001234567"),
    ("region", "110105", "110105"),
    ("address", {"region": "110105", "detail": " 建国路 1 号 "},
     {"region": "110105", "detail": "建国路 1 号"}),
])
def test_values_are_stored_normalised(type_name: str, raw: Any, stored: Any) -> None:
    assert parse(type_name, raw) == stored


@pytest.mark.parametrize(("type_name", "raw", "code"), [
    ("text", 5, "not_text"),
    ("integer", "1.5", "not_integer"), ("integer", True, "not_integer"),
    ("integer", "9" * 19, "not_integer"), ("integer", "abc", "not_integer"),
    ("decimal", "1e999", "not_number"), ("decimal", "-1.5e19", "not_number"),
    ("decimal", "NaN", "not_number"),
    ("decimal", float("inf"), "not_number"), ("decimal", 1e300, "not_number"),
    ("decimal", "1e99999999", "not_number"), ("decimal", "1" * 41, "not_number"),
    ("money", "1.234", "money_decimals"),
    ("date", "2023-02-29", "not_date"), ("date", "20240102", "not_date"),
    ("date", "2024-W01-2", "not_date"),
    ("date_range", ["2024-02-01", "2024-01-01"], "range_order"),
    ("yes_no", "maybe", "not_boolean"),
    ("select", {"a": 1}, "not_option"),
    ("email", "not-an-email", "email"),
    ("id_card", "110105194912310021", "id_card_checksum"),
    ("id_card", "11010519491331002" + ric.calc_check_digit("110105194913310020"),
     "id_card_birth"),
    ("id_card", "11010500001231002" + ric.calc_check_digit("110105000012310020"),
     "id_card_birth"),  # year 0: no such date
    ("id_card", "1101051949", "id_card_length"),
    # Arabic-Indic digits pass str.isdigit() and int(), and NFKC leaves them as they are
    ("id_card", "1101051\u0669491231002X", "id_card"),  # 1949 with an Arabic-Indic 9
    ("date", "2024-01-0\u0661", "not_date"), ("date", "2024-1-012", "not_date"),
    ("id_card", "99010519491231002" + ric.calc_check_digit("990105194912310020"), "id_card"),
    ("id_card", "11030019500101123" + ric.calc_check_digit("110300195001011230"),
     "id_card"),  # a code stdnum's table lists with no county: its lookup raised KeyError
    ("uscc", "91110000600037341X", "uscc"),
    ("mobile", "12812345678", "mobile"), ("mobile", "1381234567", "mobile"),
    ("landline", "12345678", "landline"),
    ("bank_account", "1234", "bank_account"),
    ("region", "1101", "region"), ("region", "119999", "region"),
    ("address", {"region": "110105"}, "address"),
    ("file", "not-a-list", "not_list"),
])
def test_bad_values_name_the_problem(type_name: str, raw: Any, code: str) -> None:
    assert problem(type_name, raw) == code

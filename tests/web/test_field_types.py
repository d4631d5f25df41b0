"""Every field type over HTTP: what a browser posts is stored normalised, and a wrong value
comes back as a Chinese message beside the field."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from runtime.store.submissions import Submission
from runtime.web.database import store

FORM = """\
kind: Form
id: all_types
version: 1
title: 字段类型
fields:
  - {id: f_text, type: text, label: 文本, max_length: 5}
  - {id: f_textarea, type: textarea, label: 多行}
  - {id: f_integer, type: integer, label: 整数, min: 0, max: 10}
  - {id: f_decimal, type: decimal, label: 小数}
  - {id: f_money, type: money, label: 金额}
  - {id: f_date, type: date, label: 日期}
  - {id: f_datetime, type: datetime, label: 时间}
  - {id: f_range, type: date_range, label: 期间}
  - id: f_select
    type: select
    label: 下拉
    options: [{value: a, label: 甲}, {value: b, label: 乙}]
  - id: f_radio
    type: radio
    label: 单选
    options: [{value: a, label: 甲}, {value: b, label: 乙}]
  - id: f_checkbox
    type: checkbox
    label: 多选
    options: [{value: a, label: 甲}, {value: b, label: 乙}]
  - {id: f_yes_no, type: yes_no, label: 是否}
  - {id: f_email, type: email, label: 邮箱}
  - {id: f_richtext, type: richtext, label: 富文本}
  - {id: f_id_card, type: id_card, label: 身份证}
  - {id: f_uscc, type: uscc, label: 信用代码}
  - {id: f_mobile, type: mobile, label: 手机}
  - {id: f_landline, type: landline, label: 座机}
  - {id: f_bank, type: bank_account, label: 银行账号}
  - {id: f_region, type: region, label: 区划}
  - {id: f_address, type: address, label: 地址}
  - {id: f_pattern, type: text, label: 车牌, pattern: "^[A-Z][0-9]{3}$"}
"""

CASES: list[tuple[str, Any, Any, str]] = [
    # field, good posted value, stored value, message for a bad value
    ("f_text", " 你好 ", "你好", "「文本」最多 5 个字"),
    ("f_textarea", "一\n二", "一\n二", ""),
    ("f_integer", "７", 7, "「整数」应为整数"),
    ("f_decimal", "2.5", 2.5, "「小数」应为数字"),
    ("f_money", "10.05", 10.05, "「金额」最多两位小数"),
    ("f_date", "2024-02-29", "2024-02-29", "「日期」不是有效的日期（格式 YYYY-MM-DD）"),
    ("f_datetime", "2024-02-29T08:30", "2024-02-29T08:30", "「时间」不是有效的日期时间"),
    ("f_range", ["2024-01-01", "2024-01-31"], ["2024-01-01", "2024-01-31"],
     "「期间」的开始日期不能晚于结束日期"),
    ("f_select", "b", "b", "「下拉」的选项无效"),
    ("f_radio", "a", "a", "「单选」的选项无效"),
    ("f_checkbox", ["a", "b"], ["a", "b"], "「多选」的选项无效"),
    ("f_yes_no", "true", True, "「是否」应选择是或否"),
    ("f_email", "a@b.cn", "a@b.cn", "「邮箱」不是有效的电子邮箱地址"),
    ("f_richtext", "<b>粗</b><script>x</script>", "<b>粗</b>", ""),
    ("f_id_card", "11010519491231002x", "11010519491231002X", "「身份证」校验码不正确，请核对"),
    ("f_uscc", "91110000600037341L", "91110000600037341L", "「信用代码」不是有效的统一社会信用代码"),
    ("f_mobile", "13812345678", "13812345678", "「手机」不是有效的手机号码"),
    ("f_landline", "010-12345678", "010-12345678", "「座机」不是有效的固定电话（如 010-12345678）"),
    ("f_bank", "6222020200001234567", "6222020200001234567", "「银行账号」不是有效的银行账号"),
    ("f_region", "440305", "440305", "「区划」不是有效的行政区划代码"),
    ("f_pattern", "A123", "A123", "「车牌」格式不正确"),
]
BAD = {"f_text": "太长的一段文字", "f_integer": "1.5", "f_decimal": "abc", "f_money": "1.234",
       "f_date": "2023-02-29", "f_datetime": "昨天", "f_range": ["2024-02-01", "2024-01-01"],
       "f_select": "z", "f_radio": "z", "f_checkbox": ["a", "z"], "f_yes_no": "也许",
       "f_email": "no-at-sign", "f_id_card": "110105194912310021",
       "f_uscc": "91110000600037341X", "f_mobile": "12345", "f_landline": "12345678",
       "f_bank": "12", "f_region": "119999", "f_pattern": "a1"}


@pytest.fixture
def typed_client(client: FlaskClient, make_pack: Callable[..., Path],
                 publish: Callable[[Path], object]) -> FlaskClient:
    publish(make_pack(extra={"forms/all_types.yaml": FORM}))
    return client


def post(client: FlaskClient, data: dict[str, Any], key: str):
    page = client.get("/forms/all_types").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    return client.post("/forms/all_types", data={"csrf_token": token.group(1), "_version": "1",
                                                 "_key": key, "_action": "submit", **data})


@pytest.mark.parametrize(("field", "good", "stored", "message"), CASES,
                         ids=[c[0] for c in CASES])
def test_each_field_type(typed_client: FlaskClient, field: str, good: Any, stored: Any,
                         message: str) -> None:
    response = post(typed_client, {field: good}, f"good-{field}")
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    with store(typed_client.application).sessions() as session:
        row = session.scalars(select(Submission)).one()
        assert row.data[field] == stored
    if field in BAD:
        page = post(typed_client, {field: BAD[field]}, f"bad-{field}").get_data(as_text=True)
        assert f'<p id="err-{field}" class="error">{message}</p>' in page


def test_an_address_needs_both_parts(typed_client: FlaskClient) -> None:
    page = post(typed_client, {"f_address.region": "110105"}, "addr").get_data(as_text=True)
    assert "「地址」需要行政区划和详细地址" in page
    good = post(typed_client, {"f_address.region": "110105", "f_address.detail": "建国路 1 号"},
                "addr-2")
    assert good.status_code == 303

"""Field types for Chinese government forms: ID numbers, credit codes, phones, regions.

`register_field_types` is a provider: an app lists it beside the runtime's built-ins and it
registers each type through `FieldTypes.register`, the way any extension adds field types.
Each type carries its parser, the words of its errors, its widget, its masking rule and its
palette entry. Numbers are checked with python-stdnum (GB 11643 resident ID numbers, GB 32100
credit codes).
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any

from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric, uscc

from runtime.forms.fieldtypes import (
    OBJECT,
    PARTS,
    STRING,
    FieldType,
    FieldTypes,
    Palette,
    Widget,
)
from runtime.forms.values import ValueProblem, normalised, text
from runtime.i18n import Label
from runtime.masking import mask_bank_account, mask_id_card, mask_mobile
from templates_lib.regions import full_name, is_county

_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"0[0-9]{2,3}-?[1-9][0-9]{6,7}(-[0-9]{1,6})?")
_BANK_ACCOUNT = re.compile(r"[0-9]{8,30}")
REGION_WORDS = {"region": ("「{label}」不是有效的行政区划代码",
                           "{label} is not a valid region code")}


def id_card(raw: Any) -> str:
    """GB 11643: 17 digits and a check character; lower-case x, full-width digits and spaces
    are normalised; the birth date must be a real date and the place code one that existed
    in the year of birth (python-stdnum's rules throughout)."""
    value = normalised(raw, "id_card").upper()
    if len(value) != 18:
        raise ValueProblem("id_card_length")
    if not (value[:17].isdigit() and value.isascii()):  # isdigit alone takes other scripts'
        raise ValueProblem("id_card")
    if ric.calc_check_digit(value) != value[-1]:
        raise ValueProblem("id_card_checksum")
    # stdnum's get_birth_date would compact the value again (already done above) before
    # reading these same digits; an impossible date is refused alike.
    birth = int(value[6:14])  # YYYYMMDD, read as one number: each int() of text costs
    year = birth // 10000
    try:
        dt.date(year, birth // 100 % 100, birth % 100)
    except ValueError:
        raise ValueProblem("id_card_birth") from None
    if not _place_existed(value[:6], year):
        raise ValueProblem("id_card")
    return value


@lru_cache(maxsize=65536)
def _place_existed(place: str, year: int) -> bool:
    """stdnum's place-of-birth check, which depends only on the place code and the year and
    costs a slow table walk: asked once per (place, year). Some codes stdnum's table lists
    without a county (110300 in 1950) make its lookup raise KeyError: no place of birth."""
    try:
        ric.get_birth_place(f"{place}{year:04d}0101000X")
        return True
    except (stdnum_errors.ValidationError, KeyError):
        return False


def credit_code(raw: Any) -> str:
    try:
        return str(uscc.validate(normalised(raw, "uscc").upper()))
    except stdnum_errors.ValidationError:
        raise ValueProblem("uscc") from None


def mobile(raw: Any) -> str:
    value = normalised(raw, "mobile").removeprefix("+86").replace("-", "")
    if not _MOBILE.fullmatch(value):
        raise ValueProblem("mobile")
    return value


def landline(raw: Any) -> str:
    value = normalised(raw, "landline")
    if not _LANDLINE.fullmatch(value):
        raise ValueProblem("landline")
    return value


def bank_account(raw: Any) -> str:
    value = normalised(raw, "bank_account")
    if not _BANK_ACCOUNT.fullmatch(value):
        raise ValueProblem("bank_account")
    return value


def region(raw: Any) -> str:
    """A county-level GB/T 2260 code that exists (see templates_lib.regions)."""
    value = normalised(raw, "region")
    if not is_county(value):
        raise ValueProblem("region")
    return value


def region_name(value: Any) -> str:
    """How staff read a region code: its full name (an unknown code as it is)."""
    return full_name(str(value))


def address(raw: Any) -> dict[str, str]:
    """{region, detail}: a region code and the street address within it."""
    if not isinstance(raw, dict) or not raw.get("detail"):
        raise ValueProblem("address")
    return {"region": region(raw.get("region")), "detail": text(raw["detail"])}


CHINA = "china"  # the palette group of these types

FIELD_TYPES = (
    FieldType("id_card", STRING, Label("居民身份证号", "Resident ID number"),
              Label("18 位公民身份号码，按 GB 11643 校验", "18-character ID number, GB 11643"),
              parse=id_card, mask=mask_id_card, palette=Palette("id-card", CHINA),
              messages={
                  "id_card": ("「{label}」不是有效的居民身份证号码",
                              "{label} is not a valid resident ID number"),
                  "id_card_length": ("「{label}」应为 18 位", "{label} must have 18 characters"),
                  "id_card_checksum": ("「{label}」校验码不正确，请核对",
                                       "{label}: the check digit is wrong"),
                  "id_card_birth": ("「{label}」中的出生日期无效",
                                    "{label}: the birth date in it is not valid"),
              }),
    FieldType("uscc", STRING, Label("统一社会信用代码", "Unified social credit code"),
              Label("18 位统一社会信用代码，按 GB 32100 校验", "18-character code, GB 32100"),
              parse=credit_code, palette=Palette("company", CHINA),
              messages={"uscc": ("「{label}」不是有效的统一社会信用代码",
                                 "{label} is not a valid unified social credit code")}),
    FieldType("mobile", STRING, Label("手机号码", "Mobile number"),
              Label("11 位中国大陆手机号码", "11-digit mainland mobile number"), parse=mobile,
              widget=Widget(input_type="tel", input_mode="numeric"), mask=mask_mobile,
              palette=Palette("phone", CHINA),
              messages={"mobile": ("「{label}」不是有效的手机号码",
                                   "{label} is not a valid mobile number")}),
    FieldType("landline", STRING, Label("固定电话", "Landline"),
              Label("区号加号码，如 010-12345678", "Area code and number"), parse=landline,
              widget=Widget(input_type="tel"), palette=Palette("telephone", CHINA),
              messages={"landline": ("「{label}」不是有效的固定电话（如 010-12345678）",
                                     "{label} is not a valid landline number "
                                     "(e.g. 010-12345678)")}),
    FieldType("bank_account", STRING, Label("银行账号", "Bank account"),
              Label("银行卡号或对公账号（8–30 位数字）", "A card or account number, 8-30 digits"),
              parse=bank_account, widget=Widget(input_mode="numeric"), mask=mask_bank_account,
              palette=Palette("bank", CHINA),
              messages={"bank_account": ("「{label}」不是有效的银行账号",
                                         "{label} is not a valid bank account")}),
    FieldType("region", STRING, Label("行政区划", "Region"),
              Label("省市县三级联动，值为 6 位 GB/T 2260 代码",
                    "Province, city, county; a 6-digit GB/T 2260 code"), parse=region,
              widget=Widget("region", input_mode="numeric"), shown=region_name,
              palette=Palette("map", CHINA), messages=REGION_WORDS),
    FieldType("address", OBJECT, Label("地址", "Address"),
              Label("行政区划加详细地址", "A region and a street address"), parse=address,
              widget=Widget("address", fieldset=True), posted=PARTS,
              parts=("region", "detail"), palette=Palette("map-pin", CHINA),
              messages={**REGION_WORDS,
                        "address": ("「{label}」需要行政区划和详细地址",
                                    "{label} needs a region and a street address")}),
)


def register_field_types(registry: FieldTypes) -> None:
    """Provider of the types above, through the public API any extension uses."""
    for field_type in FIELD_TYPES:
        registry.register(field_type)

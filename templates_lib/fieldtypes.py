"""Field types for Chinese government forms: ID numbers, credit codes, phones, regions."""

from __future__ import annotations

from runtime.forms.fieldtypes import OBJECT, STRING, FieldType, FieldTypes
from runtime.i18n import Label

FIELD_TYPES = (
    FieldType("id_card", STRING, Label("居民身份证号", "Resident ID number"),
              Label("18 位公民身份号码，按 GB 11643 校验", "18-character ID number, GB 11643")),
    FieldType("uscc", STRING, Label("统一社会信用代码", "Unified social credit code"),
              Label("18 位统一社会信用代码，按 GB 32100 校验", "18-character code, GB 32100")),
    FieldType("mobile", STRING, Label("手机号码", "Mobile number"),
              Label("11 位中国大陆手机号码", "11-digit mainland mobile number")),
    FieldType("landline", STRING, Label("固定电话", "Landline"),
              Label("区号加号码，如 010-12345678", "Area code and number")),
    FieldType("bank_account", STRING, Label("银行账号", "Bank account"),
              Label("银行卡号或对公账号", "A bank card or account number")),
    FieldType("region", STRING, Label("行政区划", "Region"),
              Label("省市县三级联动，值为 6 位 GB/T 2260 代码",
                    "Province, city, county; a 6-digit GB/T 2260 code")),
    FieldType("address", OBJECT, Label("地址", "Address"),
              Label("行政区划加详细地址", "A region and a street address")),
)


def register_field_types(registry: FieldTypes) -> None:
    for field_type in FIELD_TYPES:
        registry.register(field_type)

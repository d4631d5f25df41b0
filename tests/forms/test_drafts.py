"""A draft survives a new version of its form, and says what changed."""

from runtime.forms.drafts import carry_over

from .build import TYPES, build_form

V1 = build_form("""\
fields:
  - {id: name, type: text, label: {zh: 姓名, en: Name}}
  - {id: age, type: text, label: 年龄}
  - {id: fax, type: text, label: 传真}
  - id: items
    type: table
    label: 明细
    fields:
      - {id: amount, type: money, label: 金额}
""")
V2 = build_form("""\
fields:
  - {id: name, type: text, label: {zh: 姓名, en: Name}}
  - {id: age, type: integer, label: 年龄}
  - {id: email, type: email, label: {zh: 电子邮箱, en: Email}}
  - id: items
    type: table
    label: 明细
    fields:
      - {id: amount, type: money, label: 金额}
      - {id: note, type: text, label: 备注}
""", version=2)


def test_kept_values_move_and_the_rest_is_named() -> None:
    data = {"name": "张三", "age": "三十", "fax": "010-1", "items": [{"amount": 5}]}
    kept, changes = carry_over(data, V1, V2, TYPES)
    assert kept == {"name": "张三", "items": [{"amount": 5, "note": None}]}
    assert [label.zh for label in changes.dropped] == ["年龄", "传真"]
    assert [label.zh for label in changes.added] == ["电子邮箱"]
    assert changes.message() == "以下内容因表单更新未能保留：年龄、传真；表单新增了：电子邮箱"
    assert "Email" in changes.message("en")


def test_a_value_the_new_type_accepts_is_converted() -> None:
    kept, changes = carry_over({"age": "30"}, V1, V2, TYPES)
    assert kept == {"age": 30}
    assert not changes.dropped


def test_the_same_version_changes_nothing() -> None:
    kept, changes = carry_over({"name": "张三"}, V1, V1, TYPES)
    assert kept == {"name": "张三"} and not changes


def test_prefill_takes_account_values_and_names_their_sources() -> None:
    from runtime.forms.prefill import prefilled, sources

    form = build_form("fields:\n"
                      "  - {id: name, type: text, label: 姓名, prefill: account.name}\n"
                      "  - {id: mobile, type: mobile, label: 手机, prefill: account.mobile}\n"
                      "  - {id: idno, type: id_card, label: 身份证, prefill: account.id_number}\n"
                      "  - {id: note, type: text, label: 备注}\n")
    account = {"account.name": "张三", "account.mobile": "13812345678", "account.id_number": None}
    locked = prefilled(form, account)
    assert locked == {"name": "张三", "mobile": "13812345678"}
    assert sources(form, locked) == {"name": "account.name", "mobile": "account.mobile"}


def test_a_declared_rename_carries_the_value_over() -> None:
    renamed = build_form("""\
fields:
  - {id: full_name, renamed_from: name, type: text, label: {zh: 全名, en: Full name}}
  - {id: age, type: text, label: 年龄}
  - {id: fax, type: text, label: 传真}
  - id: items
    type: table
    label: 明细
    fields:
      - {id: sum, renamed_from: amount, type: money, label: 金额}
""", version=2)
    data = {"name": "张三", "age": "三十", "items": [{"amount": 5}]}
    kept, changes = carry_over(data, V1, renamed, TYPES)
    assert kept == {"full_name": "张三", "age": "三十", "items": [{"sum": 5}]}
    assert not changes  # nothing dropped, nothing new: the renamed fields are the old ones

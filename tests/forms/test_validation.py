"""Validation: every error at once, by path, in Chinese with the field's label."""

from runtime.definitions.spec import CatalogItemSpec, CatalogSpec
from runtime.forms.validation import validate
from runtime.i18n import Label

from .build import TYPES, build_form

FORM = build_form("""\
fields:
  - {id: name, type: text, label: {zh: 姓名, en: Name}, required: true, min_length: 2, max_length: 10}
  - {id: id_number, type: id_card, label: {zh: 身份证号, en: ID number}, required: true}
  - {id: age, type: integer, label: {zh: 年龄, en: Age}, min: 0, max: 150}
  - {id: guardian, type: text, label: {zh: 监护人, en: Guardian}, required_when: "age < 18"}
  - {id: plate, type: text, label: 车牌, pattern: "^[A-Z][A-Z0-9]{5}$"}
  - {id: relation, type: select, label: 关系, options_from: relations}
  - id: colour
    type: radio
    label: 颜色
    options: [{value: red, label: 红}, {value: 1, label: 一}]
  - {id: status, type: text, label: 状态, readonly_when: "true", default: 待审核}
  - id: items
    type: table
    label: {zh: 明细, en: Items}
    min_rows: 1
    max_rows: 2
    fields:
      - {id: amount, type: money, label: {zh: 金额, en: Amount}, required: true, min: 0}
      - id: note
        type: text
        label: 说明
        validations:
          - {expression: "amount < 1000 or not is_empty(note)", message: 大额需说明}
validations:
  - {id: adult_or_guardian, expression: "age >= 18 or not is_empty(guardian)", message: {zh: 未成年人须有监护人, en: A minor needs a guardian}, when: "not is_empty(age)"}
""")
CATALOGS = {"relations": CatalogSpec(kind="Catalog", id="relations", version=1,
                                     title=Label("关系"), items=(
                                         CatalogItemSpec(code="father", label=Label("父亲")),))}


def messages(result, lang="zh"):
    return result.as_dict(lang)


def test_every_error_comes_back_at_once_in_chinese() -> None:
    result = validate(FORM, {"name": "张", "id_number": "110105194912310021", "age": "abc",
                             "plate": "bad", "relation": "uncle", "colour": "blue",
                             "items": []}, TYPES, catalogs=CATALOGS)
    assert messages(result) == {
        "name": ["「姓名」至少 2 个字"],
        "id_number": ["「身份证号」校验码不正确，请核对"],
        "age": ["「年龄」应为整数"],
        "plate": ["「车牌」格式不正确"],
        "relation": ["「关系」的选项无效"],
        "colour": ["「颜色」的选项无效"],
        "items": ["「明细」至少需要 1 行"],
    }
    assert messages(result, "en")["name"] == ["Name needs at least 2 characters"]


def test_required_and_required_if() -> None:
    result = validate(FORM, {"age": 12, "items": [{}]}, TYPES)
    assert messages(result) == {
        "name": ["请填写「姓名」"], "id_number": ["请填写「身份证号」"],
        "guardian": ["请填写「监护人」"], "items[0].amount": ["请填写「金额」"],
        "_form": ["未成年人须有监护人"]}


def test_a_clean_submission_is_normalised() -> None:
    result = validate(FORM, {"name": " 张三 ", "id_number": "11010519491231002x", "age": "30",
                             "plate": "A12345", "relation": "father", "colour": "1",
                             "items": [{"amount": "12.50"}]}, TYPES, catalogs=CATALOGS)
    assert result.ok, result.as_dict()
    assert result.data["name"] == "张三"
    assert result.data["id_number"] == "11010519491231002X"
    assert result.data["age"] == 30
    assert result.data["items"] == [{"amount": 12.5, "note": None}]


def test_row_errors_and_row_rules_have_row_paths() -> None:
    result = validate(FORM, {"name": "张三", "id_number": "11010519491231002X", "age": 30,
                             "items": [{"amount": -1}, {"amount": 5000}, {"amount": 1}]}, TYPES)
    assert messages(result) == {
        "items": ["「明细」最多 2 行"],
        "items[0].amount": ["「金额」不能小于 0"],
        "items[1].note": ["大额需说明"]}


def test_read_only_and_unknown_fields_cannot_be_set_by_a_request() -> None:
    result = validate(FORM, {"name": "张三", "id_number": "11010519491231002X", "age": 30,
                             "status": "已通过", "is_admin": True, "items": [{"amount": 1}]},
                      TYPES, previous={"status": "补正中"})
    assert result.ok
    assert result.data["status"] == "补正中"
    assert "is_admin" not in result.data
    fresh = validate(FORM, {"status": "已通过"}, TYPES)
    assert fresh.data["status"] == "待审核"  # a new submission keeps the default


def test_errors_of_hidden_fields_are_not_reported() -> None:
    form = build_form("fields:\n"
                      "  - {id: show, type: yes_no, label: 显示}\n"
                      "  - {id: n, type: integer, label: 数, required: true, visible_when: show}\n")
    assert validate(form, {"show": False, "n": "oops"}, TYPES).ok
    assert messages(validate(form, {"show": True, "n": "oops"}, TYPES)) == {"n": ["「数」应为整数"]}


def test_a_backtracking_pattern_cannot_hang_a_submission() -> None:
    form = build_form("fields:\n"
                      "  - {id: code, type: text, label: 代码, pattern: '^(a+)+$'}\n")
    assert messages(validate(form, {"code": "a" * 60 + "b"}, TYPES)) == {"code": ["「代码」格式不正确"]}
    assert validate(form, {"code": "aaaa"}, TYPES).ok


def test_a_custom_rule_that_does_not_compile_fails_the_submission_naming_itself() -> None:
    from runtime.definitions.spec import FieldSpec, FormSpec, ValidationSpec

    form = FormSpec(kind="Form", id="broken", version=1, title=Label("坏"),
                    fields=(FieldSpec(id="a", type="integer"),),
                    validations=(ValidationSpec(expression="a >", message=Label("坏")),))
    [error] = messages(validate(form, {"a": 1}, TYPES))["_form"]
    assert error.startswith("「坏」未通过：规则「a >」无法计算（")

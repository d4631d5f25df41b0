"""Field checks bound once per field: each problem, its order, and its words in both languages."""

from runtime.definitions.spec import CatalogItemSpec, CatalogSpec, FieldSpec, OptionSpec
from runtime.forms.checks import FieldError, field_checks
from runtime.i18n import Label

LABEL = Label("名称", "Name")


def codes(found: object) -> list[str]:
    assert isinstance(found, list | tuple)
    return [error.code for error in found]


def test_messages_are_made_when_read_in_either_language() -> None:
    error = FieldError("too_long", LABEL, (("limit", 5),))
    assert error.zh == "「名称」最多 5 个字" and error.message() == error.zh
    assert error.en == "Name has at most 5 characters" == error.message("en")
    assert error.message("fr") == error.zh
    assert FieldError("required", Label("名称")).en == "名称 is required"


def test_a_custom_rule_error_is_its_message() -> None:
    error = FieldError("custom", Label("大额需说明", "Explain a large amount"))
    assert (error.zh, error.en) == ("大额需说明", "Explain a large amount")
    assert FieldError("custom", Label("大额需说明")).en == "大额需说明"


def test_text_checks_run_in_order_and_only_on_text() -> None:
    spec = FieldSpec(id="code", type="text", label=LABEL, min_length=3, max_length=4,
                     pattern="[0-9]+", min=10)
    checks = field_checks(spec, table=False, choice=False)
    assert codes(checks.problems("a", False, {})) == ["too_short", "pattern"]
    assert codes(checks.problems("12345", False, {})) == ["too_long"]
    assert codes(checks.problems("123", False, {})) == []
    assert codes(checks.problems(5, False, {})) == ["too_small"]  # a number meets min only
    assert codes(checks.problems(True, False, {})) == []  # yes/no is not a number


def test_empty_values_are_only_required_or_not() -> None:
    spec = FieldSpec(id="code", type="text", label=LABEL, min_length=3)
    checks = field_checks(spec, table=False, choice=False)
    for empty in (None, "", []):
        assert codes(checks.problems(empty, True, {})) == ["required"]
        assert codes(checks.problems(empty, False, {})) == []


def test_number_limits_show_whole_numbers_without_a_point() -> None:
    spec = FieldSpec(id="n", type="decimal", label=LABEL, min=0.0, max=2.5)
    checks = field_checks(spec, table=False, choice=False)
    assert [e.zh for e in checks.problems(-1, False, {})] == ["「名称」不能小于 0"]
    assert [e.zh for e in checks.problems(3, False, {})] == ["「名称」不能大于 2.5"]


def test_row_counts_apply_to_an_empty_optional_table_too() -> None:
    spec = FieldSpec(id="rows", type="table", label=LABEL, min_rows=1, max_rows=2)
    checks = field_checks(spec, table=True, choice=False)
    assert codes(checks.problems([], False, {})) == ["too_few_rows"]
    assert codes(checks.problems(None, True, {})) == ["required"]
    assert codes(checks.problems([{}, {}, {}], False, {})) == ["too_many_rows"]
    assert codes(checks.problems([{}], False, {})) == []


def test_choices_are_options_or_codes_of_the_catalog() -> None:
    spec = FieldSpec(id="c", type="checkbox", label=LABEL, options_from="relations",
                     options=(OptionSpec(value=1, label=Label("一")),))
    catalogs = {"relations": CatalogSpec(kind="Catalog", id="relations", version=1,
                                         title=Label("关系"),
                                         items=(CatalogItemSpec(code="father",
                                                                label=Label("父亲")),))}
    checks = field_checks(spec, table=False, choice=True)
    assert codes(checks.problems("1", False, {})) == []
    assert codes(checks.problems(["1", "father"], False, catalogs)) == []
    assert codes(checks.problems("father", False, {})) == ["not_option"]  # no catalog given
    assert codes(checks.problems(["1", "uncle"], False, catalogs)) == ["not_option"]


def test_a_parse_problem_names_the_field() -> None:
    checks = field_checks(FieldSpec(id="age", type="integer"), table=False, choice=False)
    error = checks.parse_error("not_integer", {})
    assert (error.zh, error.en) == ("「age」应为整数", "age must be a whole number")
    assert checks.parse_error("not_integer", {}) is error  # made once: errors are values
    assert checks.parse_error("too_long", {"limit": 3}).zh == "「age」最多 3 个字"

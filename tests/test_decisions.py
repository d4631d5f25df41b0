"""Decision tables decide under their hit policy and say which rows matched."""

import pytest

from runtime.decisions import DecisionError, decide
from runtime.definitions.spec import DecisionTableSpec, from_data


def table(policy: str, default: dict | None = None) -> DecisionTableSpec:
    data = {"kind": "DecisionTable", "id": "grade", "version": 1, "title": "补贴档次",
            "form": "apply", "hit_policy": policy,
            "outputs": [{"id": "level"}, {"id": "amount"}],
            "rows": [{"when": "employees >= 100", "then": {"level": "A", "amount": 50000}},
                     {"when": "employees >= 20", "then": {"level": "B", "amount": 20000}},
                     {"when": "is_new", "then": {"level": "N"}}]}
    if default is not None:
        data["default"] = default
    spec = from_data(data)
    assert isinstance(spec, DecisionTableSpec)
    return spec


def test_first_takes_the_first_matching_row_over_the_default():
    decision = decide(table("first", {"amount": 0}), {"employees": 150, "is_new": True})
    assert (decision.outputs, decision.rows) == ({"level": "A", "amount": 50000}, (1,))
    assert decision.explain() == "命中第 1 行" and decision.explain("en") == "matched row 1"


def test_a_row_without_an_output_keeps_the_default_for_it():
    decision = decide(table("first", {"amount": 0}), {"employees": 3, "is_new": True})
    assert decision.outputs == {"level": "N", "amount": 0}


def test_with_no_row_the_default_applies_and_says_so():
    decision = decide(table("first", {"level": "-", "amount": 0}),
                      {"employees": 3, "is_new": False})
    assert decision.by_default and decision.outputs == {"level": "-", "amount": 0}
    assert decision.explain() == "没有命中的行，使用默认值"


def test_no_row_and_no_default_is_an_error_naming_the_table():
    with pytest.raises(DecisionError) as caught:
        decide(table("first"), {"employees": 3, "is_new": False})
    assert caught.value.message() == "决策表 'grade' 没有命中的行，也没有默认值"


def test_unique_refuses_two_matching_rows_naming_them():
    with pytest.raises(DecisionError) as caught:
        decide(table("unique"), {"employees": 150, "is_new": False})
    assert str(caught.value) == "决策表 'grade' 要求唯一命中，但第 1, 2 行同时命中"
    assert decide(table("unique"), {"employees": 30, "is_new": False}).rows == (2,)


def test_collect_gathers_every_matching_rows_outputs_in_order():
    decision = decide(table("collect"), {"employees": 150, "is_new": True})
    assert decision.rows == (1, 2, 3)
    assert decision.outputs == {"level": ["A", "B", "N"], "amount": [50000, 20000]}


def test_a_row_that_fails_names_the_row_and_its_condition():
    with pytest.raises(DecisionError) as caught:
        decide(table("first"), {"employees": "很多", "is_new": False})
    message = caught.value.message()
    assert message.startswith("决策表 'grade' 第 1 行的条件 `employees >= 100` 无法计算：")
    assert caught.value.message("en").startswith("row 1 of decision table 'grade'")

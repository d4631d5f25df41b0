"""Per-form plans: expressions compiled once, plans cached per form spec object."""

import gc
import weakref

import pytest

from runtime.expressions import ExpressionError
from runtime.forms.plans import PerForm, compiled, compiled_or_none
from runtime.forms.validation import validate

from .build import TYPES, build_form


def test_an_expression_is_compiled_once_and_evaluated_on_each_scope() -> None:
    rule = compiled("age >= 18")
    assert rule.expression is not None
    assert rule.evaluate({"age": 20}) is True
    assert rule.evaluate({"age": 3}) is False
    assert compiled_or_none(None) is None


def test_an_expression_that_does_not_compile_fails_each_time_it_runs() -> None:
    rule = compiled("age >=")
    assert rule.expression is None
    for _ in range(2):
        with pytest.raises(ExpressionError):
            rule.evaluate({"age": 20})


def test_a_plan_is_built_once_per_form_object() -> None:
    built: list[object] = []
    plans = PerForm(lambda form: built.append(form) or len(built))
    form = build_form("fields:\n  - {id: a, type: text, label: 甲}\n")
    assert plans(form) == plans(form) == 1
    assert built == [form]


def test_forms_with_the_same_head_get_plans_of_their_own() -> None:
    # Two packs may each have a form `apply` version 1 titled 申请: the head is no key.
    first = build_form("fields:\n  - {id: a, type: text, label: 甲, required: true}\n")
    second = build_form("fields:\n  - {id: b, type: text, label: 乙, required: true}\n")
    assert validate(first, {}, TYPES).as_dict() == {"a": ["请填写「甲」"]}
    assert validate(second, {}, TYPES).as_dict() == {"b": ["请填写「乙」"]}


def test_a_collected_form_takes_its_plan_with_it() -> None:
    plans = PerForm(lambda form: form.id)
    form = build_form("fields:\n  - {id: a, type: text, label: 甲}\n")
    plans(form)
    assert len(plans._plans) == 1
    del form
    gc.collect()
    assert plans._plans == {}


def test_a_reused_object_id_does_not_find_the_old_plan() -> None:
    plans = PerForm(lambda form: "fresh")
    form = build_form("fields:\n  - {id: a, type: text, label: 甲}\n")
    other = build_form("fields:\n  - {id: b, type: text, label: 乙}\n")
    plans._plans[(id(form),)] = (weakref.ref(other), "stale")  # as if `other` had lived at id
    assert plans(form) == "fresh"
    plans._drop((id(form),), weakref.ref(other))  # a late callback for the old object
    assert plans(form) == "fresh" and (id(form),) in plans._plans


@pytest.mark.parametrize(("source", "pure"), [
    ("age >= 18", True), ("not is_empty(name) and len(name) > 1", True),
    ("name.startswith('张')", True), ("today() > date(2020, 1, 1)", False),
    ("id_age(id) >= 18", False), ("matches(code, '[0-9]+')", False),
])
def test_a_rule_is_pure_when_its_value_depends_on_the_scope_alone(source: str,
                                                                  pure: bool) -> None:
    assert compiled(source).pure == pure

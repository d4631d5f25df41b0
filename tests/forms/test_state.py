"""Form state as a pure function of (form, data)."""

import gc

from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.forms.state import form_state

from .build import build_form

FORM = build_form("""\
hidden_values: clear
fields:
  - {id: age, type: integer, label: 年龄}
  - {id: adult_note, type: text, label: 成年说明, visible_when: "age >= 18", required: true}
  - {id: kept, type: text, label: 保留, visible_when: "age >= 18", keep_hidden: true}
  - {id: has_car, type: yes_no, label: 有车}
  - id: car_page
    type: section
    label: 车辆
    visible_when: has_car
    fields:
      - {id: plate, type: text, label: 车牌, required_when: "age >= 18"}
  - id: items
    type: table
    label: 明细
    fields:
      - {id: price, type: money, label: 单价}
      - {id: qty, type: integer, label: 数量}
      - {id: line_total, type: money, label: 小计, compute: "price * qty"}
      - {id: reason, type: text, label: 原因, visible_when: "line_total > total_limit"}
  - {id: total_limit, type: money, label: 限额, default: 100}
  - {id: total, type: money, label: 合计, compute: "sum_rows(items, 'line_total')"}
  - {id: double_total, type: money, label: 双倍, compute: "total * 2"}
""")


def test_conditions_decide_visibility_and_requirement() -> None:
    state = form_state(FORM, {"age": 20, "has_car": True})
    assert state.fields["adult_note"].visible and state.fields["adult_note"].required
    assert state.fields["plate"].required
    minor = form_state(FORM, {"age": 10, "has_car": True})
    assert not minor.fields["adult_note"].visible and not minor.fields["adult_note"].required
    assert not minor.fields["plate"].required


def test_a_hidden_section_hides_its_fields() -> None:
    state = form_state(FORM, {"age": 20, "has_car": False, "plate": "京A12345"})
    assert not state.fields["car_page"].visible and not state.fields["plate"].visible
    assert state.data["plate"] is None  # cleared, so a hidden value is never stored


PAGED = build_form("""\
fields:
  - id: step_one
    type: page
    label: 第一步
    fields:
      - {id: married, type: yes_no, label: 已婚, required: true}
      - id: family
        type: section
        label: 家庭
        fields:
          - {id: spouse, type: text, label: 配偶, visible_when: married, required_when: married}
          - id: children_box
            type: section
            label: 子女
            visible_when: married
            fields:
              - {id: children, type: integer, label: 子女数, required: true}
  - id: step_two
    type: page
    label: 第二步
    fields:
      - {id: note, type: text, label: 说明}
""")


def test_fields_in_pages_and_sections_without_rules_are_decided_by_their_own_rules() -> None:
    married = form_state(PAGED, {"married": True, "spouse": "王五", "children": 1})
    single = form_state(PAGED, {"married": False, "spouse": "王五", "children": 1})
    for state in (married, single):  # containers with no rules, and fields without any
        assert all(state.fields[path].visible for path in ("step_one", "family", "step_two",
                                                           "married", "note"))
        assert state.fields["married"].required and not state.fields["note"].required
    assert married.fields["spouse"].required and married.fields["children"].required
    assert not single.fields["spouse"].visible and not single.fields["children_box"].visible
    assert not single.fields["children"].visible and not single.fields["children"].required
    assert single.data["spouse"] is None and single.data["children"] is None
    assert list(married.fields) == ["step_one", "married", "family", "spouse", "children_box",
                                    "children", "step_two", "note"]


def test_hidden_values_are_cleared_unless_kept() -> None:
    state = form_state(FORM, {"age": 10, "adult_note": "x", "kept": "y"})
    assert state.data["adult_note"] is None
    assert state.data["kept"] == "y"
    keep_form = build_form("hidden_values: keep\nfields:\n"
                           "  - {id: a, type: integer, label: 甲}\n"
                           "  - {id: b, type: text, label: 乙, visible_when: 'a > 1'}\n")
    assert form_state(keep_form, {"a": 0, "b": "x"}).data["b"] == "x"


def test_rows_compute_then_the_form_sums_them_in_dependency_order() -> None:
    state = form_state(FORM, {"items": [{"price": 10, "qty": 3}, {"price": 2.5, "qty": 2}]})
    assert [row["line_total"] for row in state.data["items"]] == [30, 5.0]
    assert state.data["total"] == 35.0
    assert state.data["double_total"] == 70.0
    assert state.fields["total"].readonly


def test_row_conditions_see_the_row_and_the_form() -> None:
    state = form_state(FORM, {"total_limit": 20,
                              "items": [{"price": 10, "qty": 3}, {"price": 1, "qty": 1}]})
    assert state.fields["items[0].reason"].visible
    assert not state.fields["items[1].reason"].visible


def test_unknown_fields_are_dropped_and_defaults_fill_in() -> None:
    state = form_state(FORM, {"age": 3, "is_admin": True, "items": [{"price": 1, "evil": 1}]})
    assert "is_admin" not in state.data
    assert state.data["items"][0] == {"price": 1, "qty": None, "line_total": None,
                                      "reason": None}
    assert state.data["total_limit"] == 100


def test_a_condition_failing_on_empty_data_counts_as_not_met_and_is_recorded() -> None:
    state = form_state(FORM, {})
    assert not state.fields["adult_note"].visible  # age is empty: `age >= 18` cannot hold
    assert {(f.path, f.rule) for f in state.failures} >= {("adult_note", "visible_when")}
    assert state.failures[0].error.message("zh")


def test_a_recorded_failure_leaves_no_cycle_for_the_garbage_collector() -> None:
    form_state(FORM, {})  # the plan built, its expressions compiled
    gc.collect()
    gc.disable()
    try:
        state = form_state(FORM, {})
        assert state.failures and state.failures[0].error.position is not None
        del state
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_clearing_a_hidden_value_recomputes_what_depended_on_it() -> None:
    form = build_form("fields:\n"
                      "  - {id: show, type: yes_no, label: 显示}\n"
                      "  - {id: extra, type: integer, label: 附加, visible_when: show}\n"
                      "  - {id: sum, type: integer, label: 和, compute: 'coalesce(extra, 0) + 1'}\n")
    assert form_state(form, {"show": True, "extra": 5}).data["sum"] == 6
    assert form_state(form, {"show": False, "extra": 5}).data["sum"] == 1


values = st.fixed_dictionaries({}, optional={
    "age": st.one_of(st.none(), st.integers(-5, 120)),
    "has_car": st.one_of(st.none(), st.booleans()),
    "adult_note": st.one_of(st.none(), st.text(max_size=5)),
    "kept": st.one_of(st.none(), st.text(max_size=5)),
    "plate": st.one_of(st.none(), st.text(max_size=8)),
    "total_limit": st.one_of(st.none(), st.integers(0, 1000)),
    "items": st.lists(st.fixed_dictionaries({}, optional={
        "price": st.one_of(st.none(), st.integers(0, 1000)),
        "qty": st.one_of(st.none(), st.integers(0, 50)),
        "reason": st.one_of(st.none(), st.text(max_size=3))}), max_size=4),
})


@settings(max_examples=150, deadline=None)
@given(values)
def test_state_is_a_fixed_point_and_the_same_every_time(data: dict) -> None:
    # The page, a partial update and the submit each call form_state: it must give the same
    # answer for the same data, and feeding its cleaned data back must change nothing.
    first = form_state(FORM, data)
    assert form_state(FORM, data) == first
    again = form_state(FORM, first.data)
    assert again.data == first.data and again.fields == first.fields


def test_the_dependency_graph_names_what_a_change_can_alter() -> None:
    from runtime.forms.dependencies import dependents

    graph = dependents(FORM)
    assert graph["age"] == {"adult_note", "kept", "plate"}
    assert graph["has_car"] == {"car_page", "plate"}
    assert graph["items"] == {"total", "double_total"}  # through the computed total
    assert graph["price"] == {"line_total", "reason"}


def test_a_rule_that_does_not_compile_fails_on_every_call() -> None:
    # The checker refuses such a form; a spec built by hand can still hold one.
    from runtime.definitions.spec import FieldSpec, FormSpec
    from runtime.i18n import Label

    form = FormSpec(kind="Form", id="broken", version=1, title=Label("坏"), fields=(
        FieldSpec(id="a", type="integer", visible_when="a >"),
        FieldSpec(id="b", type="integer", compute="a +"),
    ))
    for _ in range(2):
        state = form_state(form, {"a": 1})
        assert not state.fields["a"].visible
        assert state.data["b"] is None
        assert [(f.path, f.rule, f.code) for f in state.failures] == [
            ("b", "compute", state.failures[0].code), ("a", "visible_when", state.failures[1].code)]


SHARED = build_form("""\
fields:
  - {id: x, type: integer, label: 数}
  - {id: t, type: text, label: 文}
  - {id: a, type: text, label: 甲, visible_when: "x > 1", required_when: "x > 1"}
  - {id: b, type: text, label: 乙, visible_when: "matches(t, '^[a-z]+$')"}
  - {id: c, type: text, label: 丙, visible_when: "x > 1"}
""")


def test_a_shared_condition_decides_every_field_that_names_it() -> None:
    state = form_state(SHARED, {"x": 2, "t": "abc"})
    assert [state.fields[f].visible for f in "abc"] == [True, True, True]
    assert state.fields["a"].required
    hidden = form_state(SHARED, {"x": 0, "t": "abc", "a": "kept?", "c": "kept?"})
    assert (hidden.data["a"], hidden.data["c"]) == (None, None)


def test_a_shared_condition_that_fails_is_recorded_for_each_field() -> None:
    state = form_state(SHARED, {"t": "abc"})  # x is empty: `x > 1` cannot be evaluated
    assert [(f.path, f.rule) for f in state.failures] == [
        ("a", "visible_when"), ("c", "visible_when")]


def test_a_condition_decided_once_leaves_the_work_budget_as_evaluating_it_would() -> None:
    from runtime.expressions import values as work
    from runtime.expressions.limits import MAX_WORK

    form_state(SHARED, {"x": 2, "t": "abc"})  # c's condition follows b's matches()
    assert work._work.left == MAX_WORK

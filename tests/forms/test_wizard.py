"""The page wizard: where a move lands and which errors it shows, from errors by path."""

from runtime.forms.wizard import (
    first_page_with_errors,
    page_errors,
    pages,
    parse_step,
    shown_errors,
    step_after,
)

from .build import build_form

PAGED = build_form("""\
fields:
  - id: one
    type: page
    label: 一
    fields:
      - {id: name, type: text, label: 姓名}
      - id: items
        type: table
        label: 明细
        fields:
          - {id: amount, type: money, label: 金额}
  - id: two
    type: page
    label: 二
    fields:
      - {id: email, type: email, label: 邮箱}
  - id: three
    type: page
    label: 三
    fields:
      - {id: note, type: text, label: 备注}
""")
FLAT = build_form("fields:\n  - {id: name, type: text, label: 姓名}\n")
ON_TWO = {"email": ["请填写「邮箱」"]}
ON_ONE_ROW = {"items[0].amount": ["请填写整数"]}


def test_pages_are_the_top_level_page_fields_in_order() -> None:
    assert [p.id for p in pages(PAGED)] == ["one", "two", "three"]
    assert pages(FLAT) == []


def test_a_posted_step_is_a_small_number_or_the_first_page() -> None:
    assert [parse_step(s) for s in ("2", "", "x", "-1", "999", "12")] == [2, 0, 0, 0, 0, 12]


def test_next_moves_on_only_when_the_page_being_left_has_no_errors() -> None:
    assert step_after(PAGED, "next", 0, ON_TWO) == 1
    assert step_after(PAGED, "next", 1, ON_TWO) == 1
    assert step_after(PAGED, "next", 2, {}) == 2  # the last page stays the last


def test_back_always_moves_and_stops_at_the_first_page() -> None:
    assert step_after(PAGED, "prev", 2, ON_TWO) == 1
    assert step_after(PAGED, "prev", 0, {}) == 0


def test_submit_with_errors_lands_on_the_first_page_that_has_one() -> None:
    assert step_after(PAGED, "submit", 2, {**ON_TWO, **ON_ONE_ROW}) == 0
    assert step_after(PAGED, "submit", 2, ON_TWO) == 1
    assert step_after(PAGED, "submit", 1, {}) == 1
    assert step_after(FLAT, "submit", 5, {"name": ["x"]}) == 5  # no pages: default kept
    assert step_after(FLAT, "draft", 5, {}) == 0


def test_a_row_error_belongs_to_the_page_of_its_table() -> None:
    assert page_errors(PAGED, ON_ONE_ROW, 0) == ON_ONE_ROW
    assert page_errors(PAGED, ON_ONE_ROW, 1) == {}
    assert first_page_with_errors(PAGED, {}, default=2) == 2


def test_submit_shows_every_error_next_the_pages_and_other_moves_none() -> None:
    both = {**ON_TWO, **ON_ONE_ROW}
    assert shown_errors(PAGED, "submit", 1, both) == both
    assert shown_errors(PAGED, "next", 1, both) == ON_TWO
    assert shown_errors(PAGED, "prev", 1, both) == {}
    assert shown_errors(FLAT, "next", 0, {"name": ["x"]}) == {"name": ["x"]}

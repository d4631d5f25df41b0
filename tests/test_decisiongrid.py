"""The decision-table grid: cells read from and written back to `when`, and the overlaps,
never-firing rows and gaps it finds (numeric ranges, enumerations, '-' wildcards)."""

from __future__ import annotations

import pytest

from runtime.decisiongrid import (
    OTHER,
    WILDCARD,
    Cell,
    CellError,
    analyse,
    parse_cell,
    read_grid,
    read_when,
    trace,
)


def _grid(*whens: str):
    return read_grid([{"when": w, "then": {"out": i}} for i, w in enumerate(whens)])


@pytest.mark.parametrize("text, expected", [
    ("-", WILDCARD),
    ("", WILDCARD),
    ("'a', 'b'", Cell(frozenset({"a", "b"}))),
    ("not 'a'", Cell(frozenset({"a"}), negated=True)),
    (">= 18", Cell(low=18)),
    ("< 60", Cell(high=60)),
    ("[18..60)", Cell(low=18, high=60, low_closed=True, high_closed=False)),
    ("(0..1]", Cell(low=0, high=1, low_closed=False, high_closed=True)),
    ("true", Cell(frozenset({True}))),
])
def test_a_typed_cell_reads_as_its_test_and_writes_back_the_same(text, expected):
    cell = parse_cell(text)
    assert cell == expected
    assert parse_cell(cell.text()) == cell


@pytest.mark.parametrize("text", ["between 1 and 2", "[a..b)", ">= 'x'", "f(1)"])
def test_a_cell_that_is_no_test_is_refused_with_the_forms_it_may_take(text):
    with pytest.raises(CellError) as caught:
        parse_cell(text)
    assert ">= 18" in caught.value.message("en") and text in caught.value.message()


def test_a_when_splits_into_column_tests_and_a_rest():
    cells, rest = read_when("age >= 18 and age < 60 and kind in ['a', 'b'] and not is_empty(x)")
    assert cells == {"age": Cell(low=18, high=60), "kind": Cell(frozenset({"a", "b"}))}
    assert rest == "not is_empty(x)"
    assert read_when("true") == ({}, None)
    assert read_when("18 <= age <= 60")[0] == {"age": Cell(low=18, high=60, high_closed=True)}
    assert read_when("60 > age")[0] == {"age": Cell(high=60)}


def test_a_row_writes_back_an_expression_that_decides_like_the_original():
    grid = _grid("topic == 'market' and category in ['complaint', 'request']", "true",
                 "amount > 100 and flag")
    assert [r.when(grid.inputs) for r in grid.rows] == [
        "topic == 'market' and category in ['complaint', 'request']", "true",
        "amount > 100 and flag"]


def test_unique_rows_that_overlap_are_errors_with_an_input_both_take():
    grid = _grid("age >= 18 and age < 60", "age >= 50", "age < 18")
    found = analyse(grid, "unique", has_default=True)
    assert [(f.code, f.rows, f.severity) for f in found] == [("overlap", (1, 2), "error")]
    assert found[0].message("en") == "rows 1 and 2 overlap, e.g. age = 50"


def test_a_wildcard_overlaps_everything_and_disjoint_enumerations_do_not():
    grid = _grid("kind == 'a'", "kind == 'b'", "kind == 'a' and age > 3")
    assert [f.rows for f in analyse(grid, "unique", True)] == [(1, 3)]
    grid = _grid("kind == 'a'", "age > 3")
    assert [f.rows for f in analyse(grid, "unique", True)] == [(1, 2)]
    assert analyse(_grid("kind != 'a'", "kind == 'a'"), "unique", True) == []


def test_under_first_a_row_wholly_covered_by_an_earlier_one_never_fires():
    grid = _grid("age >= 18", "age >= 30 and kind == 'a'", "age < 20")
    found = analyse(grid, "first", True)
    assert [(f.code, f.rows) for f in found] == [("shadowed", (1, 2))]
    assert analyse(grid, "collect", True) == []


def test_gaps_are_inputs_no_row_covers_when_there_is_no_default():
    grid = _grid("age < 18", "age > 18 and age <= 60")
    gaps = [f for f in analyse(grid, "first", has_default=False) if f.code == "gap"]
    assert [g.message("en") for g in gaps] == [
        "no row covers age = 18 and there is no default",
        "no row covers age = 61 and there is no default"]
    assert not [f for f in analyse(grid, "first", has_default=True) if f.code == "gap"]


def test_an_enumeration_is_covered_only_when_its_domain_is_closed():
    grid = _grid("kind == 'a'", "kind == 'b'")
    gaps = analyse(grid, "unique", has_default=False)
    assert [g.message("en") for g in gaps] == [
        "no row covers kind = any other value and there is no default"]
    assert analyse(grid, "unique", False, domains={"kind": ["a", "b"]}) == []
    assert [g.code for g in analyse(grid, "unique", False, domains={"kind": ["a", "b", "c"]})
            ] == ["gap"]


def test_rows_that_are_not_column_tests_are_left_out_and_said_so():
    grid = _grid("not is_empty(address)", "kind == 'a'", "kind == 'a'")
    found = analyse(grid, "unique", has_default=False)
    assert [(f.code, f.rows) for f in found] == [("not_analysed", (1,)), ("overlap", (2, 3))]


def test_a_trace_says_which_cells_held_by_the_expression_language_itself():
    grid = _grid("age >= 18 and kind == 'a'", "age < 18")
    first, second = trace(grid, {"age": 20, "kind": "b"})
    assert (first.held, first.cells) == (False, {"age": True, "kind": False})
    assert (second.held, second.cells) == (False, {"age": False})
    assert trace(grid, {"age": "x", "kind": "a"})[0].error


def test_the_other_value_is_in_no_named_set_but_in_every_negated_one():
    assert not Cell(frozenset({"a"})).holds(OTHER)
    assert Cell(frozenset({"a"}), negated=True).holds(OTHER)
    assert not Cell(low=1).holds(OTHER)

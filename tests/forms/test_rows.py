"""Row editing: add and remove rows of a table field by the posted action."""

from runtime.forms.rows import change_rows, is_row_action

DATA = {"name": "张三", "items": [{"amount": 1}, {"amount": 2}]}


def test_row_actions_are_told_apart_from_other_moves() -> None:
    assert is_row_action("add_row:items") and is_row_action("remove_row:items:0")
    assert not any(is_row_action(a) for a in ("submit", "next", "draft", "add_rowitems"))


def test_add_appends_an_empty_row_and_keeps_the_rest() -> None:
    assert change_rows(DATA, "add_row:items") == {**DATA, "items": [*DATA["items"], {}]}
    assert change_rows({}, "add_row:items") == {"items": [{}]}
    assert DATA["items"] == [{"amount": 1}, {"amount": 2}]  # the given data is not changed


def test_remove_takes_out_the_row_by_index_and_ignores_one_not_there() -> None:
    assert change_rows(DATA, "remove_row:items:0")["items"] == [{"amount": 2}]
    for action in ("remove_row:items:2", "remove_row:items:x", "remove_row:items"):
        assert change_rows(DATA, action)["items"] == DATA["items"]

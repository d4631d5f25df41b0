"""A case's stored state carries its format version; an old format is read through the
upgrade functions, one per version step."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from runtime.flows import stored
from runtime.flows.case import Case, StepState

STARTED = datetime(2026, 9, 29, 2, tzinfo=UTC)
FORMAT_1 = {  # as cases were stored before the format was versioned: the steps by id
    "accept": {"id": "accept", "status": "done", "round": 1, "outcome": "approve",
               "activated_by": [], "started_at": STARTED.isoformat(),
               "finished_at": STARTED.isoformat()},
    "review": {"id": "review", "status": "active", "round": 1, "outcome": None,
               "activated_by": ["accept"], "started_at": STARTED.isoformat(),
               "finished_at": None},
}


def test_a_case_is_stored_with_the_newest_format() -> None:
    case = Case("p", 1, {}, steps={"accept": StepState("accept", "active", 1,
                                                       started_at=STARTED)})
    value = stored.dump(case)
    assert value["format"] == stored.FORMAT == 4
    assert value["steps"]["accept"]["started_at"] == STARTED.isoformat()
    assert stored.steps_of(value) == case.steps


def test_an_old_format_row_is_upgraded_when_read() -> None:
    assert stored.format_of(FORMAT_1) == 1
    assert stored.upgrade_1_to_2(FORMAT_1) == {"format": 2, "steps": FORMAT_1}
    assert stored.upgrade(FORMAT_1) == {"format": 4, "variables": {}, "parent": None, "steps": {
        key: {"children": [], "loops": {}, "items": [], **step}
        for key, step in FORMAT_1.items()}}
    steps = stored.steps_of(FORMAT_1)
    assert steps["accept"] == StepState("accept", "done", 1, "approve", [], STARTED, STARTED)
    assert steps["review"].activated_by == ["accept"] and steps["review"].finished_at is None


def test_a_step_named_format_is_still_format_1() -> None:
    old = {"format": {"id": "format", "status": "waiting", "round": 0, "outcome": None,
                      "activated_by": [], "started_at": None, "finished_at": None}}
    assert set(stored.steps_of(old)) == {"format"}


def test_every_upgrade_is_a_named_function_with_a_docstring() -> None:
    assert sorted(stored.UPGRADES) == list(range(1, stored.FORMAT))
    for version, upgrade in stored.UPGRADES.items():
        assert upgrade.__name__ == f"upgrade_{version}_to_{version + 1}"
        assert upgrade.__doc__


def test_a_format_newer_than_the_runtime_is_refused() -> None:
    with pytest.raises(ValueError, match="format 5 is newer"):
        stored.upgrade({"format": 5, "steps": {}})


def test_format_3_gains_variables_a_parent_and_children():
    format_3 = {"format": 3, "steps": {"accept": {**FORMAT_1["accept"], "loops": {},
                                                   "items": []}}}
    assert stored.upgrade_3_to_4(format_3) == {
        "format": 4, "variables": {}, "parent": None,
        "steps": {"accept": {**format_3["steps"]["accept"], "children": []}}}
    assert stored.variables_of(format_3) == {} and stored.parent_of(format_3) is None
    assert stored.steps_of(format_3)["accept"].children == []

"""A case's own state as the store keeps it (the steps of `CaseRow.steps`), with its format
version, and the upgrades that read an older format.

Reading runs the named upgrade functions one version step at a time, so a later change to
what a case stores is one new function here (and its test), never a rewrite of old rows.
Pure: JSON-friendly values in and out.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import Any

from runtime.flows.case import Case, StepState

FORMAT = 4


def dump(case: Case) -> dict[str, Any]:
    """The case's steps as stored, in the newest format."""
    steps = {step.id: {f.name: _text(getattr(step, f.name)) for f in _STEP_FIELDS}
             for step in case.steps.values()}
    return {"format": FORMAT, "steps": steps, "variables": dict(case.variables),
            "parent": case.parent}


def steps_of(stored: dict[str, Any]) -> dict[str, StepState]:
    """The steps from a stored value of any format, upgraded first."""
    return {k: _step(v) for k, v in upgrade(stored)["steps"].items()}


def variables_of(stored: dict[str, Any]) -> dict[str, Any]:
    """The case variables from a stored value of any format."""
    return dict(upgrade(stored)["variables"])


def parent_of(stored: dict[str, Any]) -> dict[str, Any] | None:
    """Which case and step started this one, for a child case; None for any other."""
    parent = upgrade(stored)["parent"]
    return dict(parent) if parent else None


def format_of(stored: dict[str, Any]) -> int:
    """Format 1 stored no version: its top-level keys are step ids, each holding a dict."""
    version = stored.get("format")
    return version if isinstance(version, int) else 1


def upgrade(stored: dict[str, Any]) -> dict[str, Any]:
    """`stored` in the newest format, through each upgrade from its own."""
    version = format_of(stored)
    if version > FORMAT:
        raise ValueError(f"case state format {version} is newer than this runtime's {FORMAT}")
    while version < FORMAT:
        stored = UPGRADES[version](stored)
        version = format_of(stored)
    return stored


def upgrade_1_to_2(stored: dict[str, Any]) -> dict[str, Any]:
    """Format 1 was the steps by id and nothing else; format 2 puts them under "steps" beside
    the format number, so that a reader learns the format before reading anything."""
    return {"format": 2, "steps": dict(stored)}


def upgrade_2_to_3(stored: dict[str, Any]) -> dict[str, Any]:
    """Format 3 counts, per step, how many times each of its routes sent the case back
    (`loops`, by target step), and keeps a per-item step's `items`; a case stored before
    either existed has taken no loop and has no items."""
    steps = {key: {"loops": {}, "items": [], **step} for key, step in stored["steps"].items()}
    return {"format": 3, "steps": steps}


def upgrade_3_to_4(stored: dict[str, Any]) -> dict[str, Any]:
    """Format 4 keeps the named case variables (`variables`), a child case's `parent` and,
    per step, the child cases it started (`children`); a case stored before these existed
    has set no variable, is no child and started no child."""
    steps = {key: {"children": [], **step} for key, step in stored["steps"].items()}
    return {"format": 4, "steps": steps, "variables": {}, "parent": None}


UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: upgrade_1_to_2,
                                                                   2: upgrade_2_to_3,
                                                                   3: upgrade_3_to_4}

_STEP_FIELDS = dataclasses.fields(StepState)
_MOMENTS = ("started_at", "finished_at")


def _text(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):  # copied, a child's entry too: the row keeps what was written
        return [dict(v) if isinstance(v, dict) else v for v in value]
    return value


def _step(data: dict[str, Any]) -> StepState:
    # Lists copied: the engine changes the state in place, the row must keep what was read.
    values = {key: _text(value) for key, value in data.items()}
    for key in _MOMENTS:
        if values.get(key):
            values[key] = datetime.fromisoformat(values[key])
    return StepState(**values)

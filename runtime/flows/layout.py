"""The steps of a process laid out for a diagram: in columns by dependency depth, so that
every step stands to the right of the steps it comes after and parallel ones share a column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def columns(after: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """Steps (`after` maps each to the steps it comes after, in definition order) grouped by
    the length of the longest path leading to them; a checked process has no cycle."""
    depth: dict[str, int] = {}

    def depth_of(step: str, seen: frozenset[str] = frozenset()) -> int:
        if step not in depth:
            before = [s for s in after.get(step, ()) if s in after and s not in seen]
            depth[step] = 1 + max((depth_of(s, seen | {step}) for s in before), default=-1)
        return depth[step]

    laid: list[list[str]] = []
    for step in after:
        column = depth_of(step)
        while len(laid) <= column:
            laid.append([])
        laid[column].append(step)
    return laid

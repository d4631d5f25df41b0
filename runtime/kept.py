"""A bounded memo: a dict that keeps its newest entries and lets the oldest go first. The
caches of derived values (parsed texts, checks, validated items) are each one of these."""

from __future__ import annotations

from collections import OrderedDict
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Kept(OrderedDict[K, V]):
    """At most `size` entries; `keep` adds one (or renews it) and lets the oldest go."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def keep(self, key: K, value: V) -> V:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)
        return value

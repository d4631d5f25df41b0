"""Names of definitions across packs: each pack owns its ids, and a definition of another pack
is named `pack:id` (a qualified name).

Inside a pack a bare id names that pack's own definition; `task_templates:accept` names the
template `accept` of the pack `task_templates`, which the referring pack must list under
`requires` in its pack.yaml. Pure functions: no I/O.
"""

from __future__ import annotations

import re

SEPARATOR = ":"
_ID = r"[a-z][a-z0-9_]{0,63}"
QUALIFIED = re.compile(rf"^(?:({_ID}){SEPARATOR})?({_ID})$")
REQUIREMENT = re.compile(rf"^({_ID})(?:@([1-9][0-9]{{0,8}}))?$")


def split(name: str) -> tuple[str | None, str]:
    """(pack, id) of a name: pack None for a bare id."""
    pack, _, bare = name.rpartition(SEPARATOR)
    return (pack or None), bare


def qualified(pack: str, def_id: str) -> str:
    return f"{pack}{SEPARATOR}{def_id}"


def owner(name: str, own_pack: str | None) -> tuple[str | None, str]:
    """(pack, id) a name means when written in `own_pack`: a bare id is the pack's own."""
    pack, bare = split(name)
    return (pack or own_pack), bare


def in_pack(name: str | None, own_pack: str | None) -> str | None:
    """A name written in `own_pack` as it must be written anywhere else: qualified, unless
    it is bare and the pack is unknown."""
    if name is None or own_pack is None or SEPARATOR in name:
        return name
    return qualified(own_pack, name)


def requirement(text: str) -> tuple[str, int | None]:
    """(pack id, lowest version or None) of a `requires` entry such as `task_templates@1`."""
    found = REQUIREMENT.match(text)
    if found is None:
        return text, None
    return found.group(1), int(found.group(2)) if found.group(2) else None

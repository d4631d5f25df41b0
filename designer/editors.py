"""Which page edits which kind of definition: kind -> the endpoint of its editor (a view
taking `kind` and `def_id`, or only `def_id`). Every kind has the YAML editor
(`designer.edit`); a kind with an editor of its own registers it here, and the designer's
lists link to it. Another blueprint (the process, decision-table and expression editors)
plugs in the same way:

    from designer import editors
    editors.register("Process", "dtools.process")

Its pages work on the same working copies (runtime.store.designs) and may link back to the
YAML editor, `url_for("designer.edit", kind=..., def_id=...)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

YAML_EDITOR = "designer.edit"
_EDITORS: dict[str, str] = {"Form": "designer.form"}


def register(kind: str, endpoint: str) -> None:
    """Make `endpoint` the editor of `kind` (a later registration replaces an earlier)."""
    _EDITORS[kind] = endpoint


def editor_for(kind: str) -> str:
    """The endpoint that edits `kind`: its own editor, else the YAML editor."""
    return _EDITORS.get(kind, YAML_EDITOR)


def editors() -> Mapping[str, str]:
    return MappingProxyType(_EDITORS)

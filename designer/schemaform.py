"""Property panels generated from a kind's JSON Schema: each property of an object becomes an
input chosen by its schema (an expression, a label in two languages, a choice, a number, a
set of steps, a group of properties, a list of rows), and a submitted panel is read back into
the value the definition file holds, with empty inputs left out (defaults are not written).

A property whose shape has no input here (a map of expressions, a list of parties) keeps its
value as it is and is edited in the YAML view: adding a property to the language never breaks a
panel, and the simple ones appear without designer code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from runtime.definitions.schema import load_schema

_CHINESE = re.compile(r"[（(]([^()（）]*[\u4e00-\u9fff][^()（）]*)[)）]")


@dataclass
class Prop:
    """One input of a panel: its form name, the widget, what the schema says of it, its value
    and, for groups and lists, the inputs inside."""

    name: str
    key: str
    widget: str
    description: str
    value: Any = None
    options: tuple[Any, ...] = ()
    required: bool = False
    children: list[Prop] = field(default_factory=list)
    rows: list[list[Prop]] = field(default_factory=list)

    def label(self, lang: str = "zh") -> str:
        """The Chinese name the schema gives in parentheses, else the property's key (also
        when there are several: they name the choices, not the property)."""
        every = _CHINESE.findall(self.description)
        name = every[0] if len(every) == 1 else None
        if lang != "en" and name:
            return name.split("，")[0].split(",")[0]
        return self.key.replace("_", " ")


def panel(schema: Mapping[str, Any], value: Mapping[str, Any], prefix: str = "",
          id_fields: Mapping[str, str] | None = None) -> list[Prop]:
    """The inputs of an object schema, filled from `value`. `id_fields` names which id
    properties choose among what (`{"task": "task", "to": "step"}`)."""
    id_fields = id_fields or {}
    required = set(schema.get("required", ()))
    props = []
    for key, sub in schema.get("properties", {}).items():
        name = f"{prefix}{key}"
        prop = Prop(name, key, _widget(key, sub, id_fields), str(sub.get("description", "")),
                    value.get(key) if isinstance(value, Mapping) else None,
                    tuple(sub.get("enum", ())), key in required)
        if prop.widget == "group":
            prop.children = panel(sub, prop.value or {}, f"{name}.", id_fields)
        elif prop.widget == "list":
            rows = [*(prop.value if isinstance(prop.value, list) else []), {}]
            prop.rows = [panel(_items(sub), row if isinstance(row, Mapping) else {},
                               f"{name}.{i}.", id_fields) for i, row in enumerate(rows)]
        props.append(prop)
    return props


COMMON = "urn:lowcode:schema:common#/$defs/"


@cache
def _common() -> Mapping[str, Any]:
    defs: Mapping[str, Any] = load_schema("common")["$defs"]
    return defs


def _items(sub: Mapping[str, Any]) -> Mapping[str, Any]:
    """The schema of an array's items, a shared definition (`common#/$defs/party`) read in."""
    found = sub.get("items")
    items: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    ref = str(items.get("$ref", ""))
    shared = _common().get(ref[len(COMMON):]) if ref.startswith(COMMON) else None
    if isinstance(shared, Mapping) and "properties" in shared:
        return {**shared, **{k: v for k, v in items.items() if k != "$ref"}}
    return items


def _widget(key: str, sub: Mapping[str, Any], id_fields: Mapping[str, str]) -> str:
    ref = str(sub.get("$ref", ""))
    items = _items(sub)
    if ref.endswith(("/code", "#/$defs/code")):
        return "text"
    if ref.endswith("/expression"):
        return "expression"
    if ref.endswith("/label"):
        return "label"
    if ref.endswith(("/id", "/ref")):  # a ref is an id, or pack:id for a required pack's
        return id_fields.get(key, "text")
    if "enum" in sub:
        return "select"
    if "oneOf" in sub and _is_join(sub["oneOf"]):
        return "join"
    if sub.get("type") in ("integer", "number"):
        return str(sub["type"])
    if sub.get("type") == "array" and str(items.get("$ref", "")).endswith("/id"):
        return "steps"
    if sub.get("type") == "array" and "properties" in items and _simple(items):
        return "list"
    if sub.get("type") == "object" and "properties" in sub and "additionalProperties" in sub:
        return "group"
    return "yaml"


def _simple(schema: Mapping[str, Any]) -> bool:
    return all(_widget(k, s, {}) not in ("yaml", "group", "list")
               for k, s in schema.get("properties", {}).items())


def _is_join(options: Any) -> bool:
    return isinstance(options, list) and any("enum" in o for o in options) and any(
        "at_least" in o.get("properties", {}) for o in options)


def read(props: list[Prop], form: Mapping[str, str]) -> dict[str, Any]:
    """The value a submitted panel holds, empty inputs left out; 'yaml' properties keep the
    value they had."""
    value: dict[str, Any] = {}
    for prop in props:
        found = _read_one(prop, form)
        if found not in (None, "", [], {}):
            value[prop.key] = found
    return value


def _read_one(prop: Prop, form: Any) -> Any:
    raw = form.get(prop.name, "")
    if prop.widget == "yaml":
        return prop.value
    if prop.widget == "label":
        zh, en = form.get(f"{prop.name}.zh", "").strip(), form.get(f"{prop.name}.en", "").strip()
        return {"zh": zh, "en": en} if zh and en else zh or en or None
    if prop.widget == "steps":
        return [s for s in form.getlist(prop.name) if s]
    if prop.widget == "join":
        return _join(raw, form.get(f"{prop.name}.at_least", ""))
    if prop.widget in ("integer", "number"):
        return _number(raw, prop.widget)
    if prop.widget == "group":
        return read(prop.children, form)
    if prop.widget == "list":
        return [row for row in (read(r, form) for r in prop.rows) if row]
    return raw.strip() or None


def _join(choice: str, count: str) -> Any:
    if choice == "at_least":
        return {"at_least": _number(count, "integer")}
    return None if choice in ("", "all") else choice


def _number(raw: str, kind: str) -> Any:
    """A number as typed; text that is no number is kept, for the checker to name."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        return int(raw) if kind == "integer" else float(raw) if "." in raw else int(raw)
    except ValueError:
        return raw

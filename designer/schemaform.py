"""Property panels generated from a kind's JSON Schema, the one place every designer panel
(form fields, process steps, rules, catalog items, task templates) comes from: each property
of an object becomes an input chosen by its schema (an expression, a label in two languages,
a yes/no, a choice, a number, a set of steps, a group of properties, a list of rows, anything
else as a small YAML value), and a submitted panel is read back into the value the definition
file holds, with empty inputs left out (defaults are not written).

A property added to the language appears in every panel with no designer code. An input the
submitted form does not carry keeps the value it had, so a panel may show only some
properties (the form designer's "more" folds the rest away) without dropping the others.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import yaml

from designer.formedit import EditError
from runtime.definitions.schema import load_schema
from runtime.i18n import Catalogue
from runtime.web.lang import current_lang

_CHINESE = re.compile(r"[（(]([^()（）]*[\u4e00-\u9fff][^()（）]*)[)）]")
COMMON = "urn:lowcode:schema:common#/$defs/"
# The words of the panel's inputs themselves; what each property means is the schema's.
TEXT = Catalogue({
    "zh": ("中文", "Chinese"), "en": ("英文", "English"),
    "row": ("第 {n} 项", "Item {n}"),
    "join_all": ("全部完成（all）", "all done (all)"),
    "join_any": ("任一完成（any）", "any done (any)"),
    "join_at_least": ("至少 N 个完成", "at least N done"),
    "words_help": ("多个用空格或逗号分隔", "several: separate with spaces or commas"),
    "yaml_help": ("YAML 写法", "written as YAML"),
})


def panel_text(key: str, /, **params: Any) -> str:
    return TEXT.format(key, current_lang(), **params)


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

    def text(self) -> str:
        """The value as its text input shows it: words joined, YAML written out."""
        if self.value is None:
            return ""
        if self.widget == "words":
            return " ".join(str(v) for v in self.value) if isinstance(
                self.value, list) else str(self.value)
        if self.widget == "yaml":
            return yaml.safe_dump(self.value, allow_unicode=True, default_flow_style=None,
                                  sort_keys=False).strip().removesuffix("...").strip()
        return str(self.value)


def panel(schema: Mapping[str, Any], value: Mapping[str, Any] | None, prefix: str = "",
          id_fields: Mapping[str, str] | None = None, skip: Iterable[str] = ()) -> list[Prop]:
    """The inputs of an object schema, filled from `value`, but the properties in `skip`.
    `id_fields` names which id properties choose among what (`{"task": "task", "to":
    "step", "after": "steps"}`)."""
    id_fields = id_fields or {}
    required = set(schema.get("required", ()))
    skipped = set(skip)
    props = []
    for key, found in schema.get("properties", {}).items():
        if key in skipped:
            continue
        sub = _shared(found)
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


def split(props: list[Prop], first: tuple[str, ...]) -> tuple[list[Prop], list[Prop]]:
    """The properties named in `first` (in that order), and the rest in the schema's order."""
    order = {name: i for i, name in enumerate(first)}
    chosen = sorted((p for p in props if p.key in order), key=lambda p: order[p.key])
    return chosen, [p for p in props if p.key not in order]


@cache
def _common() -> Mapping[str, Any]:
    defs: Mapping[str, Any] = load_schema("common")["$defs"]
    return defs


def _shared(sub: Mapping[str, Any]) -> Mapping[str, Any]:
    """A property that is a shared object (`common#/$defs/party`) read in, its own
    description kept; any other property as it is."""
    ref = str(sub.get("$ref", ""))
    shared = _common().get(ref[len(COMMON):]) if ref.startswith(COMMON) else None
    if isinstance(shared, Mapping) and "properties" in shared:
        return {**shared, **{k: v for k, v in sub.items() if k != "$ref"}}
    return sub


def _items(sub: Mapping[str, Any]) -> Mapping[str, Any]:
    """The schema of an array's items, a shared definition read in."""
    found = sub.get("items")
    return _shared(found) if isinstance(found, Mapping) else {}


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
    if "oneOf" in sub and _is_amount(sub["oneOf"]):
        return "amount"
    if sub.get("type") in ("integer", "number", "boolean"):
        return str(sub["type"])
    if sub.get("type") == "string":
        return "text"
    if sub.get("type") == "array" and str(items.get("$ref", "")).endswith(("/id", "/code")):
        return id_fields.get(key, "words")
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


def _is_amount(options: Any) -> bool:
    """A whole number, or an expression giving it (a deadline's working days)."""
    return isinstance(options, list) and any(o.get("type") == "integer" for o in options) \
        and any(str(o.get("$ref", "")).endswith("/expression") for o in options)


# --- reading a submitted panel ----------------------------------------------------------


def read(props: list[Prop], form: Any) -> dict[str, Any]:
    """The value a submitted panel holds, empty inputs left out and inputs not submitted
    keeping their value. Raises formedit.EditError for a YAML value that is not YAML."""
    value: dict[str, Any] = {}
    for prop in props:
        found = _read_one(prop, form) if _submitted(prop, form) else prop.value
        if found not in (None, "", [], {}):
            value[prop.key] = found
    return value


def _submitted(prop: Prop, form: Any) -> bool:
    if prop.widget == "label":
        return f"{prop.name}.zh" in form
    if prop.widget in ("group", "list"):
        return any(k.startswith(f"{prop.name}.") for k in form)
    return prop.name in form


def _read_one(prop: Prop, form: Any) -> Any:
    raw = form.get(prop.name, "")
    if prop.widget == "label":
        zh, en = form.get(f"{prop.name}.zh", "").strip(), form.get(f"{prop.name}.en", "").strip()
        return {"zh": zh, "en": en} if zh and en else zh or en or None
    if prop.widget == "boolean":  # a hidden '' marks the checkbox as shown
        return True if any(form.getlist(prop.name)) else None
    if prop.widget == "steps":
        return [s for s in form.getlist(prop.name) if s]
    if prop.widget == "words":
        return [w for w in re.split(r"[\s,，]+", raw) if w]
    if prop.widget == "join":
        return _join(raw, form.get(f"{prop.name}.at_least", ""))
    if prop.widget in ("integer", "number", "amount"):
        return _number(raw, "integer" if prop.widget == "amount" else prop.widget)
    if prop.widget == "yaml":
        return _yaml(prop, raw)
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
    """A number as typed; text that is no number is kept, for the checker to name (or, for a
    deadline's amount, as the expression it is)."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        return int(raw) if kind == "integer" else float(raw) if "." in raw else int(raw)
    except ValueError:
        return raw


def _yaml(prop: Prop, raw: str) -> Any:
    if not raw.strip():
        return None
    try:
        return yaml.safe_load(raw)
    except yaml.YAMLError as error:
        line = getattr(getattr(error, "problem_mark", None), "line", 0) + 1
        raise EditError(f"{prop.label('zh')}：第 {line} 行不是有效的 YAML",
                        f"{prop.key}: line {line} is not valid YAML") from None

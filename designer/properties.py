"""The properties panel of a form field, generated from the Form kind's JSON Schema: each
property of a field becomes an input by what the schema says it is (a label in Chinese and
English, an expression, a yes/no, a number, a choice of its enum, a text; anything else as a
small YAML value), titled by the schema's own description. A property added to the language
shows up here with no designer code. The properties people set most come first; the rest are
under "more".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from designer.formedit import EditError
from runtime.definitions.kinds import builtin_kinds

# Shown first, in this order, when the schema has them; every other property follows.
FIRST = ("label", "help", "required", "default", "options", "options_from", "visible_when",
         "required_when", "readonly_when", "compute", "validations", "placeholder", "text")
NOT_HERE = frozenset({"type", "fields"})  # the canvas shows these: the type and the children
LABEL, EXPRESSION, BOOLEAN, NUMBER, INTEGER, CHOICE, TEXT, YAML = (
    "label", "expression", "boolean", "number", "integer", "choice", "text", "yaml")


@dataclass(frozen=True)
class Prop:
    name: str
    widget: str
    title_zh: str  # the Chinese name in the description's parentheses, or the name
    description: str
    choices: tuple[str, ...] = ()

    def title(self, lang: str) -> str:
        return self.name if lang == "en" else self.title_zh


@cache
def field_props(kind: str = "Form") -> tuple[Prop, ...]:
    """The properties of a field of `kind`'s schema, the common ones first."""
    schema = builtin_kinds()[kind].schema
    properties: Mapping[str, Any] = schema["$defs"]["field"]["properties"]
    props = [_prop(name, spec) for name, spec in properties.items() if name not in NOT_HERE]
    order = {name: i for i, name in enumerate(FIRST)}
    return tuple(sorted(props, key=lambda p: order.get(p.name, len(FIRST))))


def common(props: tuple[Prop, ...]) -> list[Prop]:
    return [p for p in props if p.name in FIRST or p.name == "id"]


def more(props: tuple[Prop, ...]) -> list[Prop]:
    return [p for p in props if p.name not in FIRST and p.name != "id"]


def _prop(name: str, spec: Mapping[str, Any]) -> Prop:
    description = str(spec.get("description", ""))
    found = re.findall(r"[（(]([^()（）]*[\u4e00-\u9fff][^()（）]*)[)）]", description)
    return Prop(name, _widget(spec), found[-1] if found else name, description,
                tuple(str(v) for v in spec.get("enum", ())))


def _widget(spec: Mapping[str, Any]) -> str:
    ref = str(spec.get("$ref", ""))
    if ref.endswith("/label"):
        return LABEL
    if ref.endswith("/expression"):
        return EXPRESSION
    if ref.endswith(("/id", "/code")):
        return TEXT
    if "enum" in spec:
        return CHOICE
    kind = spec.get("type")
    if kind == "boolean":
        return BOOLEAN
    if kind in (NUMBER, INTEGER):
        return str(kind)
    if kind == "string":
        return TEXT
    return YAML


# --- showing and reading the values ------------------------------------------------------


def shown(prop: Prop, value: Any) -> Any:
    """The value as its input shows it."""
    if value is None:
        return {"zh": "", "en": ""} if prop.widget == LABEL else ""
    if prop.widget == LABEL:
        return {"zh": value, "en": ""} if isinstance(value, str) else \
            {"zh": value.get("zh", ""), "en": value.get("en", "")}
    if prop.widget == YAML:
        return yaml.safe_dump(value, allow_unicode=True, default_flow_style=None,
                              sort_keys=False).strip().removesuffix("...").strip()
    return value


def read(props: tuple[Prop, ...], form: Mapping[str, str]) -> tuple[dict[str, Any], set[str]]:
    """The properties posted by the panel: the values to set and the names to drop (left
    empty). Raises EditError for a value that is not a number or not YAML."""
    changes: dict[str, Any] = {}
    removed: set[str] = set()
    for prop in props:
        if prop.widget == BOOLEAN:
            if f"prop-{prop.name}-shown" in form:
                if form.get(f"prop-{prop.name}"):
                    changes[prop.name] = True
                else:
                    removed.add(prop.name)
            continue
        if prop.widget == LABEL:
            if f"prop-{prop.name}-zh" not in form:
                continue
            zh = form.get(f"prop-{prop.name}-zh", "").strip()
            en = form.get(f"prop-{prop.name}-en", "").strip()
            if zh:
                changes[prop.name] = {"zh": zh, "en": en} if en else {"zh": zh}
            else:
                removed.add(prop.name)
            continue
        if f"prop-{prop.name}" not in form:
            continue
        raw = form[f"prop-{prop.name}"].strip()
        if not raw:
            removed.add(prop.name)
        else:
            changes[prop.name] = _parse(prop, raw)
    return changes, removed


def _parse(prop: Prop, raw: str) -> Any:
    if prop.widget in (NUMBER, INTEGER):
        try:
            number = float(raw)
        except ValueError:
            raise EditError(f"{prop.title_zh}：'{raw}' 不是数字",
                            f"{prop.name}: '{raw}' is not a number") from None
        return int(number) if number.is_integer() else number
    if prop.widget == YAML:
        try:
            return yaml.safe_load(raw)
        except yaml.YAMLError as error:
            line = getattr(getattr(error, "problem_mark", None), "line", 0) + 1
            raise EditError(f"{prop.title_zh}：第 {line} 行不是有效的 YAML",
                            f"{prop.name}: line {line} is not valid YAML") from None
    return raw

"""JSON Schema validation of definitions, one schema per kind, with errors in zh and en.

The built-in kinds' schemas ship in `schemas/` and refer only to each other: the registry
holds them and nothing else, so validation never fetches a remote `$ref`. Each kind's entry
(runtime.definitions.kinds) holds its schema and the validator built from it; a kind added
from outside validates the same way, its own schema as the root.
"""

from __future__ import annotations

import copy
import difflib
import json
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from typing import Any, Protocol

from jsonschema import Draft202012Validator, ValidationError, validators
from referencing import Registry, Resource

from runtime.definitions.loader import Document
from runtime.definitions.problems import Path, Problem, format_path, problem
from runtime.kept import Kept

SCHEMA_BASE = "urn:lowcode:schema:"

_TYPE_NAMES = {
    "string": ("文本", "text"), "integer": ("整数", "a whole number"),
    "number": ("数字", "a number"), "boolean": ("布尔值 true/false", "true/false"),
    "object": ("映射（键: 值）", "a mapping"), "array": ("列表", "a list"),
    "null": ("空值", "null"),
}
_PATTERN_RULES = {
    "^[a-z][a-z0-9_]{0,63}$": ("只能用小写字母、数字和下划线，以字母开头，最多 64 个字符",
                               "lower-case letters, digits and _, starting with a letter"),
    "^[A-Za-z0-9_.-]{1,64}$": ("只能用字母、数字和 _ . -，最多 64 个字符",
                               "letters, digits and _ . -, at most 64 characters"),
    "^[a-z0-9]{1,8}$": ("只能用小写字母和数字", "lower-case letters and digits"),
}


class Validated(Protocol):
    """What schema validation needs of a kind's entry."""

    @property
    def validator(self) -> Draft202012Validator: ...


def _schemas() -> Any:
    return resources.files("runtime.definitions").joinpath("schemas")


def load_schema(name: str) -> dict[str, Any]:
    return json.loads(_schemas().joinpath(f"{name}.json").read_text("utf-8"))


@cache
def registry() -> Registry:
    """Our own schemas and nothing else: an unknown `$ref` fails instead of being fetched."""
    names = sorted(f.name.removesuffix(".json") for f in _schemas().iterdir()
                   if f.name.endswith(".json"))
    schemas = [load_schema(name) for name in names]
    return Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in schemas)


def validator_for(schema: Mapping[str, Any]) -> Draft202012Validator:
    return _Validator(schema, registry=registry())


# Items of a long list found valid against a subschema, by the subschema's id and the item's
# JSON: a designer's edit changes one field of hundreds, each valid one validated before. (A
# list item's validity depends on nothing but the item and the subschema: our schemas use no
# `unevaluatedItems` or `$dynamicRef`.)
REMEMBER_FROM = 16
_VALID: Kept[tuple[int, str], None] = Kept(8192)
_SUBSCHEMAS: dict[int, Any] = {}  # holds each subschema so that its id stays its own


def _items(validator: Any, items: Any, instance: Any, schema: Any) -> Iterator[Any]:
    """Draft 2020-12 `items`, skipping the items of a long list remembered as valid."""
    if not validator.is_type(instance, "array") or items is False \
            or "prefixItems" in schema or len(instance) < REMEMBER_FROM:
        yield from _ITEMS(validator, items, instance, schema)
        return
    _SUBSCHEMAS.setdefault(id(items), items)
    for index, item in enumerate(instance):
        key = _item_key(items, item)
        if key is not None and key in _VALID:
            continue
        errors = list(validator.descend(instance=item, schema=items, path=index))
        if key is not None and not errors:
            _VALID.keep(key, None)
        yield from errors


def _item_key(items: Any, item: Any) -> tuple[int, str] | None:
    try:
        return id(items), json.dumps(item, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):  # a value JSON has no word for: not remembered
        return None


_ITEMS = Draft202012Validator.VALIDATORS["items"]
_Validator = validators.extend(Draft202012Validator, {"items": _items})


def schema_problems(doc: Document, kinds: Mapping[str, Validated]) -> Iterator[Problem]:
    """Every schema problem of one document, in the order of the file."""
    if not isinstance(doc.data, dict):
        yield problem("not_object", doc.file, doc.line(()))
        return
    kind = doc.data.get("kind")
    if not isinstance(kind, str) or kind not in kinds:
        yield problem("unknown_kind", doc.file, doc.line(("kind",)), ("kind",), kind=kind,
                      **did_you_mean(str(kind), kinds))
        return
    validator = kinds[kind].validator
    found = [p for e in validator.iter_errors(doc.data) for p in _translate(doc, e)]
    yield from sorted(found, key=lambda p: (p.line or 0, p.path))


def without_invalid(data: dict[str, Any],
                    validator: Draft202012Validator) -> dict[str, Any] | None:
    """A copy of `data` with the values its schema refuses taken out, when that leaves a valid
    definition; None when it does not (a required value is missing or wrong). It lets the
    checker go on to references and expressions, so a person sees all problems at once."""
    repaired = copy.deepcopy(data)
    for _ in range(3):
        errors = list(validator.iter_errors(repaired))
        if not errors:
            return repaired
        for path in {p for e in errors for p in _offending_paths(e)}:
            if not _remove(repaired, path):
                return None
    return None


def _offending_paths(error: ValidationError) -> list[Path]:
    path: Path = tuple(error.absolute_path)
    if error.validator == "additionalProperties":
        known = error.schema.get("properties", {})
        return [(*path, name) for name in error.instance if name not in known]
    if error.validator == "required":
        return [()]  # cannot be taken out: give up
    return [path]


def _remove(data: Any, path: Path) -> bool:
    """Delete the value at `path` from its mapping; False when it sits in a list or at the top
    (taking a list item out would shift the paths of everything after it)."""
    if not path or isinstance(path[-1], int):
        return False
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    parent.pop(path[-1], None)
    return True


def did_you_mean(name: str, choices: Any) -> dict[str, str]:
    """The `hint` and `hint_en` parameters of a message: the closest known name, if any."""
    close = difflib.get_close_matches(name, [str(c) for c in choices], n=1, cutoff=0.6)
    if not close:
        return {"hint": "", "hint_en": ""}
    return {"hint": f"；是否想写 '{close[0]}'？", "hint_en": f"; did you mean '{close[0]}'?"}


def _translate(doc: Document, error: ValidationError) -> Iterator[Problem]:
    path: Path = tuple(error.absolute_path)
    handler = _HANDLERS.get(str(error.validator), _other)
    yield from handler(doc, error, path)


def _type(doc: Document, error: ValidationError, path: Path) -> Iterator[Problem]:
    expected = error.validator_value
    yield _type_problem(doc, path, expected if isinstance(expected, list) else [expected],
                        error.instance)


def _type_problem(doc: Document, path: Path, expected: list[str], value: Any) -> Problem:
    actual = _json_type(value)
    quote = "string" in expected and actual in ("integer", "number", "boolean", "null")
    return problem(
        "schema_type", doc.file, doc.line(path), path,
        expected="或".join(_TYPE_NAMES[t][0] for t in expected),
        expected_en=" or ".join(_TYPE_NAMES[t][1] for t in expected),
        actual=_TYPE_NAMES[actual][0], actual_en=_TYPE_NAMES[actual][1], value=_show(value),
        hint="；如果这是文本，请加引号" if quote else "",
        hint_en="; quote it if it is text" if quote else "")


def _required(doc: Document, error: ValidationError, path: Path) -> Iterator[Problem]:
    for name in error.validator_value:
        if isinstance(error.instance, dict) and name not in error.instance:
            yield problem("schema_required", doc.file, doc.line(path), path, name=name)


def _additional(doc: Document, error: ValidationError, path: Path) -> Iterator[Problem]:
    known = error.schema.get("properties", {})
    for name in error.instance:
        if name not in known:
            yield problem("schema_additional", doc.file, doc.line((*path, name)), (*path, name),
                          name=name, **did_you_mean(name, known))


def _enum(doc: Document, error: ValidationError, path: Path) -> Iterator[Problem]:
    allowed = error.validator_value
    allowed = allowed if isinstance(allowed, list) else [allowed]
    yield problem("schema_enum", doc.file, doc.line(path), path, value=_show(error.instance),
                  allowed=", ".join(_show(a) for a in allowed))


def _pattern(doc: Document, error: ValidationError, path: Path) -> Iterator[Problem]:
    pattern = error.validator_value
    zh, en = _PATTERN_RULES.get(pattern, (f"须匹配 {pattern}", f"must match {pattern}"))
    yield problem("schema_pattern", doc.file, doc.line(path), path, value=_show(error.instance),
                  rule=zh, rule_en=en)


def _one_of(doc: Document, error: ValidationError, path: Path) -> Iterator[Problem]:
    """Explain the branch that fits the value's type; if none does, list the types allowed."""
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context or []:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    fitting = [errs for errs in branches.values()
               if not any(_wrong_type(e) for e in errs if not e.relative_path)]
    if len(fitting) == 1:
        for sub in fitting[0]:
            yield from _translate(doc, sub)
        return
    expected = sorted({t for sub in error.context or [] if sub.validator == "type"
                       for t in _as_list(sub.validator_value)})
    if expected and _json_type(error.instance) not in expected:
        yield _type_problem(doc, path, expected, error.instance)
    else:
        yield from _other(doc, error, path)


def _wrong_type(error: ValidationError) -> bool:
    """Whether a branch's error at the value itself says its type does not fit: a string
    against a list of strings fits (its error is which strings are allowed)."""
    if error.validator == "type":
        return True
    if error.validator in ("enum", "const"):
        allowed = _as_list(error.validator_value)
        return all(_json_type(v) != _json_type(error.instance) for v in allowed)
    return False


def _other(doc: Document, error: ValidationError, path: Path) -> Iterator[Problem]:
    zh, en = _bounds_text(str(error.validator), error.validator_value)
    yield Problem("schema_other", doc.file, doc.line(path), format_path(path), zh or error.message,
                  en or error.message)


def _bounds_text(validator: str, limit: Any) -> tuple[str, str]:
    texts = {
        "minItems": (f"至少需要 {limit} 项", f"needs at least {limit} item(s)"),
        "maxItems": (f"最多 {limit} 项", f"at most {limit} item(s)"),
        "minLength": (f"至少 {limit} 个字符", f"at least {limit} character(s)"),
        "maxLength": (f"最多 {limit} 个字符", f"at most {limit} character(s)"),
        "minimum": (f"不能小于 {limit}", f"must be at least {limit}"),
        "maximum": (f"不能大于 {limit}", f"must be at most {limit}"),
        "exclusiveMinimum": (f"必须大于 {limit}", f"must be more than {limit}"),
        "exclusiveMaximum": (f"必须小于 {limit}", f"must be less than {limit}"),
        "uniqueItems": ("列表中有重复项", "the list has repeated items"),
    }
    return texts.get(validator, ("", ""))


_HANDLERS = {"type": _type, "required": _required, "additionalProperties": _additional,
             "enum": _enum, "const": _enum, "pattern": _pattern, "oneOf": _one_of,
             "anyOf": _one_of}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."

"""The form designer's edits, as changes of a Form definition's data: add a field of a type
from the palette (or a block of templates_lib), move it (up, down, into a section, page or
table, out of one), duplicate it, delete it, set its properties. Each takes the data the
working copy's YAML holds and returns new data; the caller writes it back as YAML, which stays
the one source. A field is named by its id, unique in the form; a container by its id, the
form itself by "".

Field ids are suggested from the label: its pinyin (pypinyin) or its English words, made
unique in the form.
"""

from __future__ import annotations

import copy as copying
import re
from collections.abc import Iterator, Mapping
from typing import Any

from pypinyin import lazy_pinyin

from runtime.forms.fieldtypes import FieldType

Data = dict[str, Any]
ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class EditError(ValueError):
    """An edit that cannot be made; `zh` and `en` say why."""

    def __init__(self, zh: str, en: str):
        self.zh, self.en = zh, en
        super().__init__(en)

    def message(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh


# --- finding -----------------------------------------------------------------------------


def fields_of(data: Mapping[str, Any]) -> list[Data]:
    found = data.get("fields")
    return found if isinstance(found, list) else []


def walk(fields: list[Data], parent: str = "") -> Iterator[tuple[Data, str, list[Data], int]]:
    """Every field, depth first: (field, its parent's id, the list it is in, its index)."""
    for index, item in enumerate(list(fields)):
        if not isinstance(item, dict):
            continue
        yield item, parent, fields, index
        children = item.get("fields")
        if isinstance(children, list):
            yield from walk(children, str(item.get("id", "")))


def ids(data: Mapping[str, Any]) -> set[str]:
    return {str(f.get("id")) for f, *_ in walk(fields_of(data)) if f.get("id")}


def find(data: Mapping[str, Any], field_id: str) -> tuple[Data, str, list[Data], int]:
    for found in walk(fields_of(data)):
        if found[0].get("id") == field_id:
            return found
    raise EditError(f"没有字段 '{field_id}'", f"there is no field '{field_id}'")


def children_of(data: Data, parent: str) -> list[Data]:
    """The field list of the form ("") or of the container `parent`."""
    if not parent:
        return data.setdefault("fields", [])
    field, *_ = find(data, parent)
    if not isinstance(field.get("fields"), list):
        raise EditError(f"字段 '{parent}' 不是分组、分页或子表，不能放入字段",
                        f"field '{parent}' is no section, page or table: it holds no fields")
    return field["fields"]


def field_at_path(data: Mapping[str, Any], path: str) -> str | None:
    """The id of the innermost field a problem's path (`fields[2].fields[0].compute`) is in."""
    found, fields = None, fields_of(data)
    for index in re.findall(r"fields\[(\d+)\]", path):
        if int(index) >= len(fields) or not isinstance(fields[int(index)], dict):
            break
        item = fields[int(index)]
        found = item.get("id")
        inner = item.get("fields")
        fields = inner if isinstance(inner, list) else []
    return str(found) if found else None


# --- ids ---------------------------------------------------------------------------------


def suggest_id(label: Mapping[str, Any] | str | None, taken: set[str],
               fallback: str = "field") -> str:
    """An id from the label: the Chinese words' pinyin, else the English words; `fallback`
    when neither gives one; `_2`, `_3`... when taken."""
    zh, en = (label, "") if isinstance(label, str) else \
        (str((label or {}).get("zh", "")), str((label or {}).get("en", "")))
    words: list[str] = []
    if re.search(r"[\u4e00-\u9fff]", zh):
        words = [w for w in lazy_pinyin(zh) if w.strip()]
    elif en or not re.search(r"[\u4e00-\u9fff]", zh):
        words = [en or zh]
    base = re.sub(r"[^a-z0-9]+", "_", "_".join(words).lower()).strip("_")[:40]
    if not base or not base[0].isalpha():
        base = f"{fallback}_{base}" if base else fallback
    return unique(base, taken)


def unique(base: str, taken: set[str]) -> str:
    if base not in taken:
        return base
    number = 2
    while f"{base}_{number}" in taken:
        number += 1
    return f"{base}_{number}"


# --- edits -------------------------------------------------------------------------------


def new_field(field_type: FieldType, taken: set[str]) -> Data:
    """A field of the type as the palette starts it: its label the type's name, its id
    suggested from it, the type's starting properties (children's ids made unique)."""
    label = {"zh": field_type.label.zh, "en": field_type.label.en or field_type.label.zh}
    field: Data = {"id": suggest_id(label, taken, field_type.name), "type": field_type.name,
                   "label": label}
    taken.add(field["id"])
    for key, value in field_type.palette.defaults.items():
        field[key] = _plain(value)
    _fresh_ids(field.get("fields"), taken)
    return field


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _fresh_ids(fields: Any, taken: set[str]) -> None:
    for item, *_ in walk(fields if isinstance(fields, list) else []):
        if item.get("id"):
            item["id"] = unique(str(item["id"]), taken)
            taken.add(item["id"])


def add(data: Data, fields: list[Data], parent: str = "", index: int | None = None) -> Data:
    """`fields` (new ones) inserted into `parent` at `index` (the end when None)."""
    data = copying.deepcopy(data)
    target = children_of(data, parent)
    at = len(target) if index is None else max(0, min(index, len(target)))
    target[at:at] = fields
    return data


def block(block_fields: list[Data], title: Mapping[str, Any], taken: set[str]) -> Data:
    """A templates_lib form's fields as one section, ids made unique in this form."""
    fields = copying.deepcopy(block_fields)
    _fresh_ids(fields, taken)
    label = {"zh": str(title.get("zh", "")), "en": str(title.get("en") or title.get("zh", ""))}
    return {"id": suggest_id(label, taken, "section"), "type": "section", "label": label,
            "fields": fields}


def move(data: Data, field_id: str, parent: str, index: int) -> Data:
    """The field moved into `parent` ("" the form) at `index` of its fields."""
    data = copying.deepcopy(data)
    field, _, siblings, at = find(data, field_id)
    if parent and (parent == field_id or parent in ids({"fields": field.get("fields", [])})):
        raise EditError("不能把分组移入它自己", "a container cannot go inside itself")
    target = children_of(data, parent)
    siblings.pop(at)
    target.insert(max(0, min(index, len(target))), field)
    return data


def nudge(data: Data, field_id: str, where: str) -> Data:
    """Keyboard moves: `up`, `down`, `into` (the container just above it, at its end) and
    `out` (after the container it is in)."""
    _, parent, siblings, at = find(data, field_id)
    if where == "up":
        return move(data, field_id, parent, at - 1) if at > 0 else data
    if where == "down":
        return move(data, field_id, parent, at + 1) if at < len(siblings) - 1 else data
    if where == "into":
        above = next((siblings[i] for i in range(at - 1, -1, -1)
                      if isinstance(siblings[i].get("fields"), list)), None)
        if above is None:
            raise EditError("上方没有可以放入的分组、分页或子表",
                            "there is no section, page or table above to move it into")
        return move(data, field_id, str(above["id"]), len(above["fields"]))
    if where == "out":
        if not parent:
            return data
        _, grand, _, parent_at = find(data, parent)
        return move(data, field_id, grand, parent_at + 1)
    raise EditError(f"未知的移动 '{where}'", f"unknown move '{where}'")


def duplicate(data: Data, field_id: str) -> tuple[Data, str]:
    """A copy of the field (and its children, all with new ids) right after it."""
    data = copying.deepcopy(data)
    field, _, siblings, at = find(data, field_id)
    taken = ids(data)
    twin = copying.deepcopy(field)
    twin["id"] = unique(f"{field_id}_copy", taken)
    taken.add(twin["id"])
    _fresh_ids(twin.get("fields"), taken)
    siblings.insert(at + 1, twin)
    return data, str(twin["id"])


def delete(data: Data, field_id: str) -> Data:
    data = copying.deepcopy(data)
    _, _, siblings, at = find(data, field_id)
    siblings.pop(at)
    return data


def set_properties(data: Data, field_id: str, changes: Mapping[str, Any],
                   removed: set[str]) -> Data:
    """The field with `changes` set and `removed` dropped; a new id must be a valid id not
    taken by another field."""
    data = copying.deepcopy(data)
    field, *_ = find(data, field_id)
    new_id = changes.get("id", field_id)
    if new_id != field_id:
        if not isinstance(new_id, str) or not ID.match(new_id):
            raise EditError(f"字段标识 '{new_id}' 无效：只能用小写字母、数字和下划线，以字母开头",
                            f"field id '{new_id}' is not valid: lower-case letters, digits "
                            "and _, starting with a letter")
        if new_id in ids(data):
            raise EditError(f"字段标识 '{new_id}' 已被其他字段使用",
                            f"field id '{new_id}' is taken by another field")
    for key in removed:
        field.pop(key, None)
    for key, value in changes.items():
        field[key] = value
    # keep the key order people write: id, type, label first
    ordered: Data = {k: field[k] for k in ("id", "type", "label") if k in field}
    ordered.update({k: v for k, v in field.items() if k not in ordered})
    field.clear()
    field.update(ordered)
    return data

"""The schemas: shipped definitions validate, every property is documented, schemas and
spec classes agree, and no `$ref` is ever fetched."""

import dataclasses
from pathlib import Path

import pytest
from referencing.exceptions import Unresolvable

from runtime.definitions import spec as spec_module
from runtime.definitions.kinds import builtin_kinds
from runtime.definitions.loader import load_text
from runtime.definitions.schema import load_schema, registry, schema_problems, validator_for
from runtime.packs import is_pack_test

PACKS = Path(__file__).parents[2] / "scenario_packs"
# Definitions, not the packs' own tests (tests/*.yaml: scenarios, runtime.packtests).
SHIPPED = sorted(p for p in PACKS.rglob("*") if p.suffix in (".yaml", ".yml", ".json")
                 and not is_pack_test("/".join(p.relative_to(PACKS).parts[1:])))
KINDS = builtin_kinds()
SPEC_CLASSES = [c for c in vars(spec_module).values()
                if dataclasses.is_dataclass(c) and hasattr(c, "SCHEMA")]


def test_there_are_shipped_definitions_of_every_kind() -> None:
    kinds = {load_text(p.name, p.read_bytes()).data["kind"] for p in SHIPPED}
    assert kinds == set(KINDS)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(PACKS)))
def test_every_shipped_definition_validates(path: Path) -> None:
    doc = load_text(str(path), path.read_bytes())
    assert [p.render() for p in schema_problems(doc, KINDS)] == []


def resolve(pointer: str) -> dict:
    name, _, fragment = pointer.partition("#")
    node = load_schema(name)
    for part in filter(None, fragment.split("/")):
        node = node[part]
    if "$ref" in node:
        return resolve(node["$ref"].removeprefix("urn:lowcode:schema:"))
    return node


@pytest.mark.parametrize("cls", SPEC_CLASSES, ids=lambda c: c.__name__)
def test_schema_and_spec_class_list_the_same_fields(cls: type) -> None:
    schema = resolve(cls.SCHEMA)
    keys = {f.metadata.get("key", f.name) for f in dataclasses.fields(cls)}
    assert keys == set(schema["properties"])


def test_every_kind_has_a_spec_class() -> None:
    assert {resolve(c.SCHEMA).get("title") for c in SPEC_CLASSES} >= set(KINDS)


def _properties(node: object, where: str):
    if isinstance(node, dict):
        for name, sub in node.get("properties", {}).items():
            yield f"{where}.{name}", sub
        for key, sub in node.items():
            yield from _properties(sub, f"{where}.{key}")
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            yield from _properties(sub, f"{where}[{i}]")


@pytest.mark.parametrize("name", ["common", *KINDS])
def test_every_property_is_documented(name: str) -> None:
    undocumented = [where for where, sub in _properties(load_schema(name), name)
                    if "description" not in sub and "$ref" not in sub]
    assert undocumented == []


@pytest.mark.parametrize("ref", ["http://127.0.0.1:9/schema.json", "file:///etc/passwd",
                                 "urn:lowcode:schema:nothing"])
def test_remote_refs_are_never_fetched(ref: str) -> None:
    validator = validator_for({"$ref": ref})
    with pytest.raises(Unresolvable):
        validator.validate({})
    assert ref not in registry()


def test_forms_with_the_same_head_are_still_two_forms() -> None:
    head = {"kind": "Form", "id": "apply", "version": 1, "title": "申请",
            "fields": [{"id": "name", "type": "text", "label": "姓名"}]}
    first, second = spec_module.from_data(head), spec_module.from_data(head)
    assert first == first and first != second
    assert len({first, second}) == 2


def _long_form(field_20: str) -> str:
    fields = "".join(f"  - {{id: f{i}, type: integer, label: 字段{i}}}\n" for i in range(30))
    return ("kind: Form\nid: long\nversion: 1\ntitle: 长表单\nfields:\n"
            + fields.replace("{id: f20, type: integer,", f"{{id: f20, type: integer, {field_20},"))


def test_a_long_list_validated_again_still_reports_the_item_that_changed() -> None:
    """The items of a long list found valid are not validated again: the one an edit made
    wrong is reported at its place, and again on the next check while it stays wrong."""
    assert list(schema_problems(load_text("long.yaml", _long_form("help: 帮助")), KINDS)) == []
    wrong = load_text("long.yaml", _long_form("colour: red"))
    for _ in range(2):
        found = [(p.code, p.path, p.line) for p in schema_problems(wrong, KINDS)]
        assert found == [("schema_additional", "fields[20].colour", 26)]

"""The kinds registry: a kind is one entry (schema, spec, checks, where it runs); a new one
plugs in through a copy of the registry handed to the checker, and a name registers once."""

from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest

from runtime.definitions import spec as spec_module
from runtime.definitions.checker import Extensions
from runtime.definitions.checks.common import Checked, Context
from runtime.definitions.kinds import Kind, builtin_kinds
from runtime.definitions.problems import Problem
from runtime.definitions.spec import DefinitionHead, spec
from runtime.packs import PackSource, check_pack
from runtime.providers import default_extensions

PACK = "kind: Pack\nid: toys\nversion: 1\nformat: 1\ntitle: 玩具\n"
FORM = ("kind: Form\nid: apply\nversion: 1\ntitle: 申请\n"
        "fields:\n  - {id: amount, type: money, label: 金额}\n")
TOY_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "urn:lowcode:schema:Toy",
    "title": "Toy",
    "type": "object",
    "additionalProperties": False,
    "required": ["kind", "id", "version", "title", "form"],
    "properties": {
        "kind": {"const": "Toy"},
        "id": {"$ref": "urn:lowcode:schema:common#/$defs/id"},
        "version": {"$ref": "urn:lowcode:schema:common#/$defs/version"},
        "title": {"$ref": "urn:lowcode:schema:common#/$defs/label"},
        "form": {"$ref": "urn:lowcode:schema:common#/$defs/id"},
        "size": {"type": "integer"},
    },
}


@spec
class ToySpec(DefinitionHead):
    form: str
    size: int = 0


def toy_form_and_size(ctx: Context, item: Checked) -> Iterator[Problem]:
    toy = item.spec
    assert isinstance(toy, ToySpec)
    yield from ctx.ref(item, ("form",), "Form", toy.form)
    if toy.size > 3:
        yield Problem("toy_too_big", item.doc.file, item.doc.line(("size",)), "size",
                      "玩具太大", "the toy is too big")


TOY = Kind("Toy", TOY_SCHEMA, ToySpec, (toy_form_and_size,), "nowhere yet (a test)")


def check(files: dict[str, str], extensions: Extensions | None = None) -> list[tuple]:
    source = PackSource("toys", {n: t.encode() for n, t in {"pack.yaml": PACK, **files}.items()})
    result = check_pack(source, extensions=extensions)
    return [(p.code, p.file, p.line, p.path) for p in result.problems]


def with_toy() -> Extensions:
    kinds = builtin_kinds()
    kinds.register(TOY)
    return replace(default_extensions(), kinds=kinds)


def test_a_new_kind_is_checked_by_its_schema_spec_and_checks() -> None:
    toy = "kind: Toy\nid: teddy\nversion: 1\ntitle: 熊\nform: aply\nsize: 5\ncolour: red\n"
    assert check({"forms/apply.yaml": FORM, "toys/teddy.yaml": toy}, with_toy()) == [
        ("unknown_ref", "toys/teddy.yaml", 5, "form"),  # a reference helper of the checks
        ("toy_too_big", "toys/teddy.yaml", 6, "size"),  # its own check
        ("schema_additional", "toys/teddy.yaml", 7, "colour"),  # its schema
    ]


def test_a_new_kind_builds_its_own_spec_and_passes_clean() -> None:
    toy = "kind: Toy\nid: teddy\nversion: 1\ntitle: 熊\nform: apply\n"
    source = PackSource("toys", {"pack.yaml": PACK.encode(), "forms/apply.yaml": FORM.encode(),
                                 "toys/teddy.yaml": toy.encode()})
    result = check_pack(source, extensions=with_toy())
    assert result.ok, [p.render() for p in result.problems]
    toys = [d.spec for d in result.definitions if isinstance(d.spec, ToySpec)]
    assert [(t.id, t.form, t.size, t.title.zh) for t in toys] == [("teddy", "apply", 0, "熊")]


def test_the_kind_lives_only_in_the_copy_it_was_registered_in() -> None:
    with_toy()
    assert "Toy" not in builtin_kinds()
    toy = "kind: Toy\nid: teddy\nversion: 1\ntitle: 熊\nform: apply\n"
    assert check({"toys/teddy.yaml": toy}) == [("unknown_kind", "toys/teddy.yaml", 1, "kind")]


def test_a_kind_name_registers_once() -> None:
    kinds = builtin_kinds()
    with pytest.raises(ValueError, match="'Form' is registered twice"):
        kinds.register(replace(TOY, name="Form"))
    kinds.register(TOY)
    with pytest.raises(ValueError, match="'Toy' is registered twice"):
        kinds.register(TOY)


@dataclass(frozen=True)
class Facts:
    name: str
    value_type: str
    container: bool = False
    choice: bool = False
    refers_to: str | None = None


def test_the_form_checks_read_the_field_types_they_are_given() -> None:
    given = {"text": Facts("text", "string"), "gauge": Facts("gauge", "number")}
    extensions = replace(default_extensions(), field_types=given)
    form = FORM.replace("money", "gauge") + "  - {id: note, type: money, label: 备注,\n" \
        "     visible_when: 'amount > 10'}\n"
    assert check({"forms/apply.yaml": form}, extensions) == [
        ("unknown_field_type", "forms/apply.yaml", 7, "fields[1].type")]
    # The built-in registry knows money, not gauge: the type is the one problem; `amount`
    # stays a name, so its reference does not cascade into an unknown name.
    assert check({"forms/apply.yaml": form}) == [
        ("unknown_field_type", "forms/apply.yaml", 6, "fields[0].type")]


def test_every_builtin_kind_is_one_whole_entry() -> None:
    for name, kind in builtin_kinds().items():
        assert kind.name == name == kind.schema["title"]
        assert kind.checks and kind.runs_in
        assert spec_module.SPEC_BY_KIND[name] is kind.spec

"""The field-type registry: built per call from providers, a duplicate or a would-be layout
type refused, every type documented in both languages (here and in docs/field-types.md), and
every code a type's parser can raise has words."""

from __future__ import annotations

import ast
import re
from dataclasses import replace
from pathlib import Path

import pytest

from runtime.forms.builtin_types import BUILTIN, register_builtin
from runtime.forms.checks import FieldError
from runtime.forms.fieldtypes import NONE, STRING, FieldType, FieldTypes, field_types_from
from runtime.forms.messages import MESSAGES
from runtime.forms.validation import validate
from runtime.i18n import Label
from runtime.providers import default_field_types

from .build import TYPES, build_form

DOC = Path(__file__).parents[2] / "docs" / "field-types.md"


def test_every_field_type_has_labels_and_descriptions_in_both_languages() -> None:
    for field_type in TYPES.values():
        assert field_type.label.zh and field_type.label.en, field_type.name
        assert field_type.description.zh and field_type.description.en, field_type.name
        assert field_type.palette.icon and field_type.palette.group, field_type.name


def test_every_field_type_is_documented_in_both_languages() -> None:
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `([a-z_]+)` \|.*$",
                                                        DOC.read_text("utf-8"), re.M)}
    for field_type in TYPES.values():
        row = rows.get(field_type.name, "")
        assert row, f"docs/field-types.md has no row for '{field_type.name}'"
        for words in (field_type.label.zh, field_type.label.en, field_type.description.zh,
                      field_type.description.en):
            assert f"| {words} |" in row, (field_type.name, words)


def test_a_types_own_error_codes_have_words_in_both_languages() -> None:
    for field_type in TYPES.values():
        for code, (zh, en) in field_type.messages.items():
            assert "{label}" in zh and "{label}" in en, (field_type.name, code)
            assert code not in MESSAGES, f"'{code}' shadows a runtime message"
    error = FieldError("mobile", Label("手机", "Mobile"), (), TYPES["mobile"].messages["mobile"])
    assert (error.zh, error.en) == ("「手机」不是有效的手机号码", "Mobile is not a valid mobile number")


def test_a_duplicate_field_type_fails_at_registration() -> None:
    registry = FieldTypes()
    registry.register(TYPES["text"])
    with pytest.raises(ValueError, match="registered twice"):
        registry.register(TYPES["text"])
    with pytest.raises(ValueError, match="registered twice"):
        field_types_from([register_builtin, register_builtin])


@pytest.mark.parametrize("facts", [{"container": True}, {"value_type": NONE}])
def test_an_extension_cannot_be_a_layout_type(facts: dict[str, object]) -> None:
    """What holds a value is the form language's own: form state asks no registry."""
    made = FieldType(**{"name": "divider", "value_type": STRING, "label": Label("分隔"),
                        "description": Label("分隔"), **facts})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="only section, page"):
        FieldTypes().register(made)


def test_each_registry_is_its_own() -> None:
    first, second = default_field_types(), default_field_types()
    assert first is not second and first != second  # by identity: plans are cached per one
    assert list(first) == list(second)
    first.register(FieldType("extra", STRING, Label("额外"), Label("额外")))
    assert "extra" not in second and "extra" not in default_field_types()
    assert {t.name for t in BUILTIN} <= set(first)
    assert hash(first) != hash(second)


def test_a_forms_plan_is_per_registry() -> None:
    """The same form validated with two registries parses by each one's types."""
    form = build_form("fields:\n  - {id: code, type: text, label: 代码}\n")
    shouting = FieldTypes()
    for field_type in TYPES.values():
        shouting.register(replace(field_type, parse=str.upper) if field_type.name == "text"
                          else field_type)
    assert validate(form, {"code": "ab"}, TYPES).data == {"code": "ab"}
    assert validate(form, {"code": "ab"}, shouting).data == {"code": "AB"}
    assert validate(form, {"code": "ab"}, TYPES).data == {"code": "ab"}


def test_the_core_never_imports_templates_lib() -> None:
    """definitions and forms are given the registry; they name no extension, so a field
    type from templates_lib is registered exactly as a third party's would be."""
    root = Path(__file__).parents[2] / "runtime"
    for package in ("definitions", "forms"):
        for source in (root / package).rglob("*.py"):
            for node in ast.walk(ast.parse(source.read_text("utf-8"))):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                         [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                assert not any(n.split(".")[0] == "templates_lib" or n == "runtime.providers"
                               for n in names), source


def test_a_designer_lists_the_types_by_palette_group() -> None:
    groups = TYPES.palette()
    assert list(groups) == ["basic", "dates", "choices", "uploads", "layout", "references",
                            "china"]
    assert [t.name for t in groups["dates"]] == ["date", "datetime", "date_range"]
    select = next(t for t in groups["choices"] if t.name == "select")
    assert select.palette.icon == "list" and len(select.palette.defaults["options"]) == 2
    assert sum(map(len, groups.values())) == len(TYPES)

"""Canonical definition files: every shipped definition formats to a fixed point with the same
meaning, and the rules of the form hold on small cases."""

import copy
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.definitions import canonical as canonical_module
from runtime.definitions.canonical import canonical, dump
from runtime.definitions.kinds import builtin_kinds
from runtime.definitions.loader import load_text
from runtime.definitions.problems import DefinitionError

ROOT = Path(__file__).parents[2]
KINDS = builtin_kinds()
# The lead flips this once `lowcode fmt scenario_packs templates_lib` has been run and
# committed: from then on every shipped definition must already be canonical.
SHIPPED_FILES_ARE_CANONICAL = True


def _shipped() -> list[Path]:
    found = sorted([*ROOT.glob("scenario_packs/*/**/*.yaml"),
                    *ROOT.glob("templates_lib/**/*.yaml")])
    return [p for p in found
            if load_text(str(p), p.read_text("utf-8")).data.get("kind") in KINDS]


SHIPPED = _shipped()


def test_every_pack_and_library_has_definitions_here() -> None:
    names = {p.relative_to(ROOT).parts[1] for p in SHIPPED}
    assert {"birth_one_thing", "hotline_12345", "task_templates"} <= names
    assert len(SHIPPED) > 50


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_shipped_definition_round_trips(path: Path) -> None:
    text = path.read_text("utf-8")
    once = canonical(text, KINDS, path.name)
    assert canonical(once, KINDS, path.name) == once
    data = load_text(path.name, text).data
    assert load_text(path.name, once).data == data
    # the designer's "load and save unchanged": the data loaded from the file, saved over it
    assert dump(data, KINDS, base=once) == once
    assert dump(data, KINDS, base=text) == once
    # an export writes the stored data with no file to start from: the same meaning
    fresh = dump(data, KINDS)
    assert load_text(path.name, fresh).data == data
    assert canonical(fresh, KINDS, path.name) == fresh
    if SHIPPED_FILES_ARE_CANONICAL:
        assert text == once, f"run: lowcode fmt {path.relative_to(ROOT)}"


def _edited(data: dict) -> dict:
    """`data` with its first list of items reversed and the last item dropped."""
    changed = copy.deepcopy(data)
    for value in changed.values():
        if isinstance(value, list) and len(value) > 1:
            value.reverse()
            value.pop()
            break
    else:
        changed["version"] = changed.get("version", 1) + 1
    return changed


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_next_edit_on_a_text_dump_wrote_is_as_on_that_text_read_afresh(path: Path) -> None:
    """dump keeps the tree of the text it wrote for the next edit, whose base that text is:
    the same bytes as parsing the text again."""
    text = path.read_text("utf-8")
    data = load_text(path.name, text).data
    first = dump({**data, "version": data.get("version", 1) + 1}, KINDS, base=text)
    later = _edited(load_text(path.name, first).data)
    kept = dump(later, KINDS, base=first)
    canonical_module._BASES.clear()
    assert dump(later, KINDS, base=first) == kept


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_items_written_from_kept_texts_give_the_bytes_of_writing_them_all(
        path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every top-level list written item by item, the texts of the items an edit kept (moved,
    with others dropped) spliced in from the write before: what ruamel writes of the whole."""
    text = path.read_text("utf-8")
    data = load_text(path.name, text).data

    def two_edits() -> tuple[str, str]:
        canonical_module._BASES.clear()
        first = dump({**data, "version": data.get("version", 1) + 1}, KINDS, base=text)
        return first, dump(_edited(load_text(path.name, first).data), KINDS, base=first)

    monkeypatch.setattr(canonical_module, "SPLICE_FROM", 10**9)
    whole = two_edits()
    monkeypatch.setattr(canonical_module, "SPLICE_FROM", 1)
    canonical_module._ITEM_TEXTS.clear()
    assert two_edits() == whole


def test_keys_follow_the_schema_and_defaults_and_noise_go() -> None:
    text = ("fields:\n"
            "  - {label: 金额, type: decimal, id: amount}\n"
            "title: 申请\n"
            "version: 1\n"
            "id: apply\n"
            "kind: Form\n")
    assert canonical(text, KINDS) == ("kind: Form\n"
                                      "id: apply\n"
                                      "version: 1\n"
                                      "title: 申请\n"
                                      "fields:\n"
                                      "  - {id: amount, type: decimal, label: 金额}\n")


def test_a_value_equal_to_the_schema_default_is_left_out() -> None:
    kinds = builtin_kinds()
    form = kinds["Form"]
    schema = {**form.schema, "properties": {**form.schema["properties"],
                                            "hidden_values": {"default": "clear"}}}
    kinds["Form"] = type(form)(form.name, schema, form.spec, form.checks, form.runs_in)
    text = "kind: Form\nid: apply\nversion: 1\nhidden_values: clear\nfields: []\n"
    assert canonical(text, kinds) == "kind: Form\nid: apply\nversion: 1\nfields: []\n"
    kept = text.replace("clear", "keep")
    assert canonical(kept, kinds) == kept


def test_comments_stay_where_they_were_written() -> None:
    text = ("# 申请表\n"
            "kind: Form\n"
            "id: apply\n"
            "title: 申请  # 标题\n"
            "version: 1\n"
            "fields:\n"
            "  # 金额在前\n"
            "  - {id: amount, type: decimal}\n")
    result = canonical(text, KINDS)
    assert result.startswith("# 申请表\nkind: Form\nid: apply\nversion: 1\n")
    assert "title: 申请  # 标题\n" in result
    assert "  # 金额在前\n  - {id: amount, type: decimal}\n" in result


def test_quotes_only_where_the_strict_loader_needs_them() -> None:
    text = ("kind: Catalog\n"
            "id: codes\n"
            "version: 1\n"
            "items:\n"
            "  - {code: \"0777\", label: 'plain text'}\n"
            "  - {code: \"110105\", label: \"a:b\"}\n"
            "  - {code: x, label: {zh: 地点, en: \"Place (district, street)\"}}\n"
            "  - {code: y, label: \"not: a key\", note: null}\n")
    result = canonical(text, KINDS)
    assert '{code: "0777", label: plain text}' in result
    assert '{code: "110105", label: "a:b"}' in result
    assert 'en: "Place (district, street)"' in result
    assert load_text("c.yaml", result).data == load_text("c.yaml", text).data


def test_short_labels_are_flow_long_ones_block() -> None:
    long_en = "A long English text " * 6
    text = ("kind: Form\nid: apply\nversion: 1\n"
            "title:\n  zh: 申请\n  en: Application\n"
            f"description: {{zh: 说明, en: {long_en.strip()}}}\n")
    result = canonical(text, KINDS)
    assert "title: {zh: 申请, en: Application}\n" in result
    assert "description:\n  zh: 说明\n  en: A long English text" in result
    assert load_text("f.yaml", result).data["description"]["en"] == long_en.strip()
    # long text is wrapped in a block, never inside {...}
    assert all(len(line) <= 100 for line in result.splitlines())


def test_dump_keeps_comments_of_what_did_not_change() -> None:
    base = ("kind: Form\nid: apply\nversion: 1\n"
            "fields:\n"
            "  - {id: name, type: text}  # 姓名\n"
            "  - {id: age, type: integer}\n")
    data = load_text("f.yaml", base).data
    data["version"] = 2
    data["fields"] = [data["fields"][1], data["fields"][0],
                      {"id": "mobile", "type": "mobile", "label": {"zh": "手机", "en": "Mobile"}}]
    result = dump(data, KINDS, base=base)
    assert result == ("kind: Form\nid: apply\nversion: 2\n"
                      "fields:\n"
                      "  - {id: age, type: integer}\n"
                      "  - {id: name, type: text}  # 姓名\n"
                      "  - {id: mobile, type: mobile, label: {zh: 手机, en: Mobile}}\n")
    assert canonical(result, KINDS) == result


def test_comment_lines_above_an_item_move_with_it() -> None:
    base = ("kind: Form\nid: f\nversion: 1\n"
            "fields:\n"
            "  - {id: a, type: text}  # a\n"
            "  # 关于 b\n"
            "  - id: b\n"
            "    type: text\n"
            "  # 关于 c\n"
            "\n"
            "  - {id: c, type: text}\n"
            "  - id: d\n"
            "    type: section\n"
            "    fields:\n"
            "      - {id: d1, type: text}\n"
            "  # 关于 e\n"
            "  - {id: e, type: text}\n")
    data = load_text("f.yaml", base).data
    a, b, c, d, e = data["fields"]
    data["fields"] = [e, c, b, d, a]
    assert dump(data, KINDS, base=base) == (
        "kind: Form\nid: f\nversion: 1\n"
        "fields:\n"
        "  # 关于 e\n"
        "  - {id: e, type: text}\n"
        "  # 关于 c\n"
        "\n"
        "  - {id: c, type: text}\n"
        "  # 关于 b\n"
        "  - id: b\n"
        "    type: text\n"
        "  - id: d\n"
        "    type: section\n"
        "    fields:\n"
        "      - {id: d1, type: text}\n"
        "  - {id: a, type: text}  # a\n")


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_change_keeps_every_other_byte_of_a_shipped_definition(path: Path) -> None:
    text = path.read_text("utf-8")
    data = load_text(path.name, text).data
    data["version"] = 99
    assert dump(data, KINDS, base=text) == re.sub(r"(?m)^version: \d+$", "version: 99", text,
                                                   count=1)


def test_dump_without_a_base_writes_the_canonical_form() -> None:
    data = {"version": 1, "kind": "Form", "id": "apply", "title": {"zh": "申请", "en": "Apply"},
            "fields": [{"type": "text", "id": "name"}]}
    result = dump(data, KINDS)
    assert result == ("kind: Form\nid: apply\nversion: 1\ntitle: {zh: 申请, en: Apply}\n"
                      "fields:\n  - {id: name, type: text}\n")
    assert load_text("f.yaml", result).data == data


def test_a_file_the_strict_loader_refuses_is_an_error_with_its_line() -> None:
    with pytest.raises(DefinitionError) as error:
        canonical("kind: Form\nid: a\nid: b\n", KINDS, "forms/a.yaml")
    assert "forms/a.yaml:3" in str(error.value)


TEXT = st.text(st.sampled_from(list("ab 中文:,#{}[]'\"-?&*!|>%@`0123456789.eE+\\\t")) | st.characters(
    codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30)
VALUE = st.one_of(TEXT, st.integers(-(2**53), 2**53), st.booleans(), st.none(),
                  st.floats(allow_nan=False, allow_infinity=False))


@settings(max_examples=150, deadline=None)
@given(items=st.lists(st.fixed_dictionaries({"code": TEXT, "label": st.one_of(
    TEXT, st.fixed_dictionaries({"zh": TEXT, "en": TEXT})), "note": VALUE}), max_size=4),
    title=TEXT)
def test_any_text_is_written_so_the_strict_loader_reads_it_back(items: list, title: str
                                                                 ) -> None:
    data = {"kind": "Catalog", "id": "c", "version": 1, "title": title, "items": items}
    written = dump(data, KINDS)
    assert load_text("c.yaml", written).data == data
    assert canonical(written, KINDS) == written

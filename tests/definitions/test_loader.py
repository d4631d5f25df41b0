"""The strict loader: what it refuses, what it keeps as written, and the lines it remembers."""

import pytest
import yaml

from runtime.definitions import loader
from runtime.definitions.loader import MAX_BYTES, load_text
from runtime.definitions.problems import DefinitionError


def refusal(name: str, text: str | bytes) -> tuple[str, int | None]:
    with pytest.raises(DefinitionError) as caught:
        load_text(name, text)
    found = caught.value.problems[0]
    return found.code, found.line


def test_lines_of_nested_values_are_kept() -> None:
    doc = load_text("f.yaml", "kind: Form\nfields:\n  - id: a\n    label: 甲\n  - id: b\n")
    assert doc.line(("fields", 0, "label")) == 4
    assert doc.line(("fields", 1, "id")) == 5
    assert doc.line(("fields", 1, "missing")) == 5  # a path not there takes its parent's line


def test_yaml_11_surprises_stay_the_text_written() -> None:
    doc = load_text("f.yaml", "a: no\nb: 0777\nc: 12:30:00\nd: 2024-01-02\ne: on\nf: 0x1F\n")
    assert doc.data == {"a": "no", "b": "0777", "c": "12:30:00", "d": "2024-01-02", "e": "on",
                        "f": "0x1F"}


def test_plain_numbers_booleans_and_nulls_are_typed() -> None:
    doc = load_text("f.yaml", "a: 12\nb: -3.5\nc: true\nd: null\ne: ~\nf: 1e3\ng:\n")
    assert doc.data == {"a": 12, "b": -3.5, "c": True, "d": None, "e": None, "f": 1000.0,
                        "g": None}


@pytest.mark.parametrize("text, code, line", [
    ("a: &x 1\nb: *x\n", "alias", 1),
    ("a: 1\nb: !!python/object/apply:os.system ['ls']\n", "tag", 2),
    ("a: !custom 1\n", "tag", 1),
    ("a: !!str 1\n", "tag", 1),
    ("a: 1\nb: 2\na: 3\n", "duplicate_key", 3),
    ("? [a, b]\n: 1\n", "key_not_text", 1),
    ("a: 1\n---\nb: 2\n", "multiple_documents", 2),
    ("a: [1, 2\n", "syntax", 2),
    ("id: 110105194912310021\n", "unsafe_integer", 1),
])
def test_yaml_refusals_name_the_line(text: str, code: str, line: int) -> None:
    assert refusal("f.yaml", text) == (code, line)


def test_billion_laughs_is_refused_at_the_first_anchor() -> None:
    text = 'a: &a ["lol","lol"]\nb: &b [*a,*a,*a]\nc: &c [*b,*b,*b]\n'
    assert refusal("f.yaml", text) == ("alias", 1)


@pytest.mark.parametrize("text", ["[" * 200_000, "{a: " * 100_000, "- " * 100 + "x",
                                  "".join("  " * i + "- \n" for i in range(60))])
def test_deep_nesting_is_refused_without_crashing(text: str) -> None:
    assert refusal("f.yaml", text)[0] in ("too_deep", "syntax")


def test_deep_json_is_refused_without_crashing() -> None:
    assert refusal("f.json", "[" * 200_000 + "]" * 200_000)[0] == "too_deep"
    assert refusal("f.json", "[" * 60 + "]" * 60)[0] == "too_deep"


def test_size_limit() -> None:
    assert refusal("f.yaml", "a: " + "x" * MAX_BYTES) == ("file_too_large", None)


def test_not_utf8() -> None:
    assert refusal("f.yaml", "a: 中文".encode("gbk")) == ("not_utf8", None)


def test_json_loads_with_lines_and_refuses_duplicates() -> None:
    doc = load_text("f.json", '{"kind": "Form",\n "fields": [\n  {"id": "a"}\n ]}')
    assert doc.data == {"kind": "Form", "fields": [{"id": "a"}]}
    assert doc.line(("fields", 0, "id")) == 3
    assert refusal("f.json", '{"a": 1,\n "a": 2}') == ("duplicate_key", 2)
    assert refusal("f.json", '{"a": NaN}')[0] == "syntax"


def test_json_with_tab_indents_loads_without_lines() -> None:
    doc = load_text("f.json", '{\n\t"a": 1\n}')
    assert doc.data == {"a": 1}


def test_unknown_extension() -> None:
    assert refusal("f.txt", "a: 1")[0] == "unknown_extension"


def test_the_c_loader_is_never_used() -> None:
    # libyaml crashes on some hostile input: the strict loader is pure Python throughout.
    assert not any("CParser" in c.__name__ for c in loader._StrictLoader.__mro__)
    assert issubclass(loader._StrictLoader, yaml.parser.Parser)


def test_messages_come_in_both_languages() -> None:
    with pytest.raises(DefinitionError) as caught:
        load_text("forms/a.yaml", "a: 1\na: 2\n")
    found = caught.value.problems[0]
    assert found.render() == "forms/a.yaml:2: 键 'a' 重复（第 1 行已出现）"
    assert found.render("en") == "forms/a.yaml:2: key 'a' appears twice (first on line 1)"

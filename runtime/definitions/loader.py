"""Strict loading of YAML and JSON definition files, keeping the line of every value.

YAML is parsed by PyYAML's pure-Python parser (the C one crashes on some hostile input) with
a resolver of our own: only `true`/`false`, `null`, plain decimal integers and floats are
typed; everything else - `no`, `0777`, `12:30:00`, `2024-01-01` - stays the text it was
written as. Anchors, aliases, explicit tags, duplicate keys, documents over 1 MiB and nesting
deeper than 50 are refused with the line they are on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from runtime.definitions.problems import DefinitionError, Path, problem

MAX_BYTES = 1 << 20
MAX_DEPTH = 50
# Numbers beyond this lose digits in JSON and browsers: an unquoted ID or account number.
SAFE_INTEGER = 2**53
YAML_SUFFIXES = (".yaml", ".yml")
DEFINITION_SUFFIXES = (*YAML_SUFFIXES, ".json")


@dataclass
class LineMap:
    """Lines of the values of one document, by path; a path not seen takes its parent's."""

    lines: dict[Path, int] = field(default_factory=dict)

    def line(self, path: Path) -> int | None:
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None


@dataclass
class Document:
    """One loaded definition file: its name (relative to the pack), its data and lines."""

    file: str
    data: Any
    lines: LineMap

    def line(self, path: Path) -> int | None:
        return self.lines.line(path)


class _LoadProblem(Exception):
    def __init__(self, code: str, line: int | None, **params: object):
        self.code, self.line, self.params = code, line, params


class _StrictResolver(BaseResolver):
    pass


_IMPLICIT = [
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:int", r"^[-+]?(?:0|[1-9][0-9]*)$", "-+0123456789"),
    ("tag:yaml.org,2002:float",
     r"^[-+]?(?:0|[1-9][0-9]*)(?:\.[0-9]+(?:[eE][-+]?[0-9]+)?|[eE][-+]?[0-9]+)$",
     "-+0123456789"),
]
for _tag, _pattern, _first in _IMPLICIT:
    _StrictResolver.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))


class _StrictLoader(Reader, Scanner, Parser, Composer, _StrictResolver):
    def __init__(self, text: str):
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        _StrictResolver.__init__(self)
        self.depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()
        line = event.start_mark.line + 1
        if isinstance(event, AliasEvent) or getattr(event, "anchor", None):
            raise _LoadProblem("alias", line)
        if getattr(event, "tag", None) is not None:
            raise _LoadProblem("tag", line, tag=event.tag)
        if self.depth >= MAX_DEPTH:
            raise _LoadProblem("too_deep", line, limit=MAX_DEPTH)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def load_text(file: str, raw: bytes | str) -> Document:
    """Load one definition file's text; raise DefinitionError naming the file and line."""
    try:
        text = _decode(raw)
        if file.endswith(".json"):
            data, lines = _load_json(text)
        elif file.endswith(YAML_SUFFIXES):
            data, lines = _load_yaml(text)
        else:
            raise _LoadProblem("unknown_extension", None, name=file)
    except _LoadProblem as error:
        raise DefinitionError([problem(error.code, file, error.line, (), **error.params)]) from None
    return Document(file, data, lines)


def _decode(raw: bytes | str) -> str:
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    if len(data) > MAX_BYTES:
        raise _LoadProblem("file_too_large", None, limit=MAX_BYTES)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _LoadProblem("not_utf8", None) from None


def _load_yaml(text: str) -> tuple[Any, LineMap]:
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        if error.context == "expected a single document in the stream":
            raise _LoadProblem("multiple_documents", mark.line + 1 if mark else None) from None
        line = mark.line + 1 if mark else None
        if error.problem and error.problem.startswith("expected ',' or '}', but got ':'"):
            raise _LoadProblem("flow_colon", line) from None
        raise _LoadProblem("syntax", line, reason=error.problem or error.context or "") from None
    except yaml.YAMLError as error:
        raise _LoadProblem("syntax", None, reason=str(error)) from None
    finally:
        loader.dispose()
    lines = LineMap()
    return (None if node is None else _build(node, (), lines)), lines


def _build(node: Node, path: Path, lines: LineMap) -> Any:
    lines.lines[path] = node.start_mark.line + 1
    if isinstance(node, MappingNode):
        return _build_mapping(node, path, lines)
    if isinstance(node, SequenceNode):
        return [_build(item, (*path, i), lines) for i, item in enumerate(node.value)]
    assert isinstance(node, ScalarNode)
    return _scalar(node)


def _build_mapping(node: MappingNode, path: Path, lines: LineMap) -> dict[str, Any]:
    if node.flow_style:
        _no_split_flow_value(node)
    result: dict[str, Any] = {}
    first_line: dict[str, int] = {}
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        if not isinstance(key_node, ScalarNode):
            raise _LoadProblem("key_not_text", line)
        key = key_node.value  # keys are text, as in JSON, whatever they look like
        if key in result:
            raise _LoadProblem("duplicate_key", line, key=key, first=first_line[key])
        first_line[key] = line
        result[key] = _build(value_node, (*path, key), lines)
        lines.lines[(*path, key)] = line
    return result


def _no_split_flow_value(node: MappingNode) -> None:
    """`{zh: 地点, en: Place (district, street)}`: the comma ended the value and `street)`
    became a key with no value. Say so once, at its line, with the quoted value to write."""
    pairs = node.value
    for i in range(1, len(pairs)):
        if not _bare_key(*pairs[i]):
            continue
        key_node, value_node = pairs[i - 1]
        if not isinstance(value_node, ScalarNode) or value_node.style is not None:
            return
        end = i
        while end + 1 < len(pairs) and _bare_key(*pairs[end + 1]):
            end += 1
        value = ", ".join([value_node.value, *(k.value for k, _ in pairs[i:end + 1])])
        raise _LoadProblem("flow_comma", key_node.start_mark.line + 1,
                           key=key_node.value, value=value.replace('"', '\\"'))


def _bare_key(key: Node, value: Node) -> bool:
    """A plain key written without a colon: its value is the empty scalar at its very end."""
    return (isinstance(key, ScalarNode) and key.style is None and isinstance(value, ScalarNode)
            and value.value == "" and value.start_mark.index == value.end_mark.index)


def _scalar(node: ScalarNode) -> Any:
    tag, text = node.tag, node.value
    if tag.endswith(":bool"):
        return text.lower() == "true"
    if tag.endswith(":null"):
        return None
    if tag.endswith(":int"):
        return _safe_int(int(text), node.start_mark.line + 1)
    if tag.endswith(":float"):
        return float(text)
    return text


def _safe_int(value: int, line: int | None) -> int:
    if abs(value) > SAFE_INTEGER:
        raise _LoadProblem("unsafe_integer", line, value=value)
    return value


def _load_json(text: str) -> tuple[Any, LineMap]:
    lines = _json_lines(text)
    try:
        data = json.loads(text, object_pairs_hook=_unique_pairs, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise _LoadProblem("syntax", error.lineno, reason=error.msg) from None
    except RecursionError:
        raise _LoadProblem("too_deep", None, limit=MAX_DEPTH) from None
    for path, value in _walk(data, ()):
        if len(path) > MAX_DEPTH:
            raise _LoadProblem("too_deep", None, limit=MAX_DEPTH)
        if isinstance(value, int) and not isinstance(value, bool):
            _safe_int(value, None)
    return data, lines


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _LoadProblem("duplicate_key_plain", None, key=key)
        result[key] = value
    return result


def _no_constant(name: str) -> None:
    raise _LoadProblem("syntax", None, reason=f"{name} is not a JSON number")


def _walk(value: Any, path: Path) -> Iterator[tuple[Path, Any]]:
    yield path, value
    if len(path) > MAX_DEPTH:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, (*path, index))


def _json_lines(text: str) -> LineMap:
    """Lines of a JSON document's values: JSON is YAML, so the YAML composer finds them.

    Its refusals with a line (a duplicate key, deep nesting) stand; a syntax error is left for
    the JSON parser to judge, and valid JSON that PyYAML cannot read (tab indents) has no lines.
    """
    try:
        return _load_yaml(text)[1]
    except _LoadProblem as error:
        if error.code not in ("syntax", "multiple_documents"):
            raise
        return LineMap()

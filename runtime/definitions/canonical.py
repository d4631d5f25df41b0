"""The one canonical text of a definition: what `lowcode fmt` writes and the designer saves.

Keys in the order the kind's JSON Schema lists its properties (`kind, id, version` first),
values equal to the schema's `default` left out, comments kept where they were written, short
labels as `{zh: .., en: ..}`, quotes only where the strict loader needs them, two-space
indents, long text wrapped near 90 columns (never inside `{...}`). A mapping or list keeps
the flow or block style its author chose; one the designer adds follows `_fresh`. Values
are those the strict loader reads (so `0777` stays text), which is why every text is loaded
twice: strictly for its meaning, by ruamel.yaml for its comments and styles. Pure: no I/O
but the text it is handed.
"""

from __future__ import annotations

import io
import pickle
import re
import secrets
from collections.abc import Iterator, Mapping
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, LineCol
from ruamel.yaml.emitter import Emitter
from ruamel.yaml.error import CommentMark
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.scalarstring import (
    FoldedScalarString,
    LiteralScalarString,
)
from ruamel.yaml.tokens import CommentToken

from runtime.definitions.loader import load_text
from runtime.definitions.schema import registry
from runtime.kept import Kept

LANGUAGES = frozenset({"zh", "en"})
FIRST_KEYS = ("kind", "id", "version")
# A label whose texts together are longer than this is written as a block, one line each.
SHORT_LABEL = 80
# Long text in block context is wrapped after this column (so lines stay near 100).
TEXT_WIDTH = 90
# A mapping or list the designer adds is written on one line when it is this short.
SHORT_FLOW = 72
_INDENT = {"mapping": 2, "sequence": 4, "offset": 2}

# A subschema and the resolver of its `$ref`s (referencing's Resolver).
# Inside `{...}` or `[...]`, text with any of these is written in double quotes.
FLOW_QUOTED = frozenset(":?#,[]{}&*!|>'\"%@`\\\t")

Schema = tuple[Mapping[str, Any], Any] | None


def canonical(text: str, kinds: Mapping[str, Any], file: str = "definition.yaml") -> str:
    """The canonical text of one YAML definition; raises DefinitionError (with the file and
    line) when the strict loader refuses it. `kinds` maps kind names to entries with a
    `schema` (runtime.definitions.kinds); a kind it lacks keeps its keys as written."""
    data = load_text(file, text).data
    tree = _align(_yaml().load(text), data)
    return _emit(tree, data, kinds)


def dump(data: Any, kinds: Mapping[str, Any], base: str | None = None) -> str:
    """`data` (a definition as loaded) as canonical text. Given `base`, the text it was loaded
    from, what did not change keeps its comments and styles: data loaded from `base` and
    saved unchanged gives exactly `canonical(base)`; raises DefinitionError when the strict
    loader refuses `base`."""
    if base is None:
        return _emit(_fresh(data), data, kinds)
    before, tree = _parsed(base)
    if before != data:
        tree = _merge(tree, data)
    text = _emit(tree, data, kinds)
    if isinstance(tree, CommentedMap):
        _keep(text, _plain(tree), tree)  # the designer's next edit starts from this text
    return text


# Bases by their text: what the strict loader reads and ruamel's tree of it, pickled (a merge
# changes a tree in place, and unpickling one is about a hundred times quicker than parsing
# the text). A text `dump` wrote is kept with the tree it was written from, so a designer's
# next edit, whose base that text is, parses nothing.
_BASES: Kept[str, tuple[Any, bytes]] = Kept(16)


def _parsed(base: str) -> tuple[Any, Any]:
    kept = _BASES.get(base)
    if kept is not None:
        _BASES.move_to_end(base)
        return kept[0], pickle.loads(kept[1])
    before = load_text("base.yaml", base).data
    tree = _align(_yaml().load(base), before)
    _keep(base, before, tree)
    return before, tree


def _keep(text: str, data: Any, tree: Any) -> None:
    _BASES.keep(text, (data, pickle.dumps(tree)))


def _plain(node: Any) -> Any:
    """The values of a shaped tree as the strict loader reads its text back."""
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return str(node) if isinstance(node, str) else node


def is_canonical(text: str, kinds: Mapping[str, Any], file: str = "definition.yaml") -> bool:
    return canonical(text, kinds, file) == text


class _Emitter(Emitter):
    """Double quotes where quotes are needed, as the shipped files write them; long text
    wrapped at TEXT_WIDTH in block context and never inside `{...}` or `[...]` (ruamel's one
    width would split a flow mapping over lines)."""

    def choose_scalar_style(self) -> Any:
        style = super().choose_scalar_style()
        if style == "" and self.flow_level and not self.simple_key_context \
                and any(c in FLOW_QUOTED for c in self.event.value):
            # PyYAML (the strict loader, YAML 1.1) reads plain text inside `{...}` more
            # strictly than ruamel writes it: `a:b` becomes a key, `0?` an error.
            return '"'
        return '"' if style == "'" else style

    def write_plain(self, text: Any, split: Any = True) -> None:
        self._wrapped(super().write_plain, text, split)

    def write_double_quoted(self, text: Any, split: Any = True) -> None:
        self._wrapped(super().write_double_quoted, text, split)

    def _wrapped(self, write: Any, text: Any, split: Any) -> None:
        if self.flow_level:
            write(text, False)
            return
        width, self.best_width = self.best_width, TEXT_WIDTH
        try:
            write(text, split)
        finally:
            self.best_width = width


class _Representer(RoundTripRepresenter):
    """`null` for None: ruamel writes one inside `{...}` as `!!null ''`, and the strict
    loader refuses tags."""

    def represent_none(self, data: Any) -> Any:
        return self.represent_scalar("tag:yaml.org,2002:null", "null")


_Representer.add_representer(type(None), _Representer.represent_none)


def _yaml() -> YAML:
    yaml = YAML(typ="rt", pure=True)
    yaml.Emitter = _Emitter
    yaml.Representer = _Representer
    yaml.indent(**_INDENT)
    yaml.width = 1 << 16  # flow mappings stay on one line; the emitter wraps block text
    yaml.allow_unicode = True
    yaml.preserve_quotes = False
    return yaml


def _emit(tree: Any, data: Any, kinds: Mapping[str, Any]) -> str:
    schema = _root_schema(data, kinds)
    tree = _shape(tree, schema)
    text = _written(tree)
    return "" if text.strip() in ("", "null", "...") else text.rstrip("\n") + "\n"


def _dumped(tree: Any) -> str:
    out = io.StringIO()
    _yaml().dump(tree, out)
    return out.getvalue()


# --- long lists written item by item --------------------------------------------------------

# The items of a long block list at the top level (a form's fields, a process's steps) are
# written once and their texts kept by content: an item's text depends on nothing but itself
# and its comments, a designer's edit changes one or two items of hundreds, and ruamel writes
# only a few thousand values a second. The other items stand in the dump as marker lines.
SPLICE_FROM = 16
_ITEM_TEXTS: Kept[bytes, str] = Kept(4096)
_MARK = f"lowcode{secrets.token_hex(6)}x"
_MARK_LINE = re.compile(rf"^ *- ({_MARK}\d+)\n", re.MULTILINE)


def _written(tree: Any) -> str:
    """ruamel's text of a shaped tree, the kept texts of its long lists' items spliced in."""
    lists = [v for v in tree.values() if _spliceable(v)] if isinstance(tree, CommentedMap) \
        else []
    if not lists:
        return _dumped(tree)
    saved = [(seq, list(seq), dict(seq.ca.items)) for seq in lists]
    kept: dict[str, str] = {}
    missed: dict[str, tuple[Any, Any]] = {}
    try:
        for seq, items, comments in saved:
            _mark(seq, items, comments, kept, missed)
        text = _dumped(tree)
    finally:
        for seq, items, comments in saved:
            _fill(seq, items, comments)
    return _spliced(text, kept, missed)


def _spliceable(value: Any) -> bool:
    return (isinstance(value, CommentedSeq) and len(value) >= SPLICE_FROM
            and not value.fa.flow_style() and not value.ca.comment and not value.ca.end
            and all(isinstance(k, int) and 0 <= k < len(value) for k in value.ca.items))


def _mark(seq: CommentedSeq, items: list[Any], comments: dict[int, Any],
          kept: dict[str, str], missed: dict[str, tuple[Any, Any]]) -> None:
    """`seq` with marker lines: one alone for each run of items whose texts are kept, one
    before each item to write (its text runs to the next marker), and one at the end."""
    marked: list[Any] = []
    moved: dict[int, Any] = {}
    run = None  # the marker of the run of kept items the last item was in
    for index, item in enumerate(items):
        text = _ITEM_TEXTS.get(_fingerprint(item, comments.get(index)))
        if text is not None and run is not None:
            kept[run] += text
            continue
        name = f"{_MARK}{len(kept) + len(missed)}"
        marked.append(name)
        if text is not None:
            kept[name], run = text, name
            continue
        missed[name], run = (item, comments.get(index)), None
        if index in comments:
            moved[len(marked)] = comments[index]
        marked.append(item)
    end = f"{_MARK}{len(kept) + len(missed)}"
    kept[end] = ""
    _fill(seq, [*marked, end], moved)


def _fill(seq: CommentedSeq, items: list[Any], comments: dict[int, Any]) -> None:
    del seq[:]
    seq.extend(items)
    seq.ca.items.clear()
    seq.ca.items.update(comments)


def _spliced(text: str, kept: dict[str, str], missed: dict[str, tuple[Any, Any]]) -> str:
    """The marker lines replaced by the kept texts; the texts written after the others'
    markers kept, by the items as the dump left them (ruamel adds empty anchors and tags to
    what it writes, so a tree written once fingerprints as it will on the next edit)."""
    head, *rest = _MARK_LINE.split(text)
    parts = [head]
    for name, after in zip(rest[::2], rest[1::2], strict=True):
        if name in missed:
            _ITEM_TEXTS.keep(_fingerprint(*missed[name]), after)
        parts += [kept.get(name, ""), after]
    return "".join(parts)


class _Fingerprint(pickle.Pickler):
    """Pickles a tree without the line and column each node was read at, which the text
    written does not depend on (an item moved down a line writes the same)."""

    def reducer_override(self, obj: Any) -> Any:
        return (LineCol, ()) if isinstance(obj, LineCol) else NotImplemented


def _fingerprint(item: Any, comments: Any) -> bytes:
    out = io.BytesIO()
    _Fingerprint(out, protocol=pickle.HIGHEST_PROTOCOL).dump((item, comments))
    return out.getvalue()


def _root_schema(data: Any, kinds: Mapping[str, Any]) -> Schema:
    kind = kinds.get(str(data.get("kind"))) if isinstance(data, dict) else None
    if kind is None:
        return None
    schema = kind.schema
    return schema, registry().resolver(base_uri=schema.get("$id", ""))


# --- the values the strict loader reads, in ruamel's containers ----------------------------


def _align(node: Any, value: Any) -> Any:
    """ruamel's tree with every scalar replaced by what the strict loader read there: ruamel
    reads `0777`, `.inf` or `2024-01-01` as numbers and dates, the strict loader as text."""
    if isinstance(node, CommentedMap) and isinstance(value, dict):
        for key in list(node):
            node[key] = _align(node[key], value[str(key)])
        return node
    if isinstance(node, CommentedSeq) and isinstance(value, list):
        for index, item in enumerate(value):
            node[index] = _align(node[index], item)
        return node
    if isinstance(value, str) and isinstance(node, LiteralScalarString | FoldedScalarString):
        return node if str(node) == value else value
    return value


def _merge(node: Any, value: Any) -> Any:
    """`node` changed into `value`, keeping the comments of what stays."""
    if isinstance(node, CommentedMap) and isinstance(value, dict):
        for key in [k for k in node if k not in value]:
            del node[key]
        for key, item in value.items():
            merged = _merge(node[key], item) if key in node else _fresh(item)
            if key not in node or merged is not node[key]:
                node[key] = merged  # setting a key again would lose its comment
        return node
    if isinstance(node, CommentedSeq) and isinstance(value, list):
        _lift_comments(node)
        olds = _by_id(node)
        sources = [olds.get(_id_of(item)) if olds else (i if i < len(node) else None)
                   for i, item in enumerate(value)]
        items = [_fresh(item) if source is None else _merge(node[source], item)
                 for source, item in zip(sources, value, strict=True)]
        # a comment after an item belongs to the list, by index: it moves with its item
        comments = {new: node.ca.items[old] for new, old in enumerate(sources)
                    if old is not None and old in node.ca.items}
        del node[:]
        node.extend(items)
        node.ca.items.clear()
        node.ca.items.update(comments)
        return node
    return _fresh(value) if node != value or type(node) is not type(value) else node


def _lift_comments(seq: CommentedSeq) -> None:
    """Comment lines written above an item belong to it, but ruamel reads them as the end of
    the item before: make them the item's own, so they move with it."""
    for index in range(len(seq) - 1):
        lines = _lines_after(seq, index)
        if lines:
            above = seq.ca.items.setdefault(index + 1, [None, None, None, None])
            above[1] = [*lines, *(above[1] or [])]


def _lines_after(seq: CommentedSeq, index: int) -> list[CommentToken]:
    """Take the comment lines after item `index` off it. ruamel keeps them on the innermost
    last value of the item (after its end-of-line comment) or at the end of its innermost
    last list."""
    node, slots = seq[index], [(seq.ca.items.get(index), 0)]
    while isinstance(node, CommentedMap | CommentedSeq) and node:
        if node.ca.end:
            lines, node.ca.end = node.ca.end, []
            return list(lines)
        last = next(reversed(node)) if isinstance(node, CommentedMap) else len(node) - 1
        slots.append((node.ca.items.get(last), 2 if isinstance(node, CommentedMap) else 0))
        node = node[last]
    for slot, position in reversed(slots):
        token = slot[position] if slot else None
        if isinstance(token, CommentToken):
            head, _, tail = token.value.partition("\n")
            if not tail.strip():
                return []
            token.value = head + "\n"
            column = len(tail) - len(tail.lstrip(" "))
            return [CommentToken(tail[column:], CommentMark(column))]
    return []


def _id_of(item: Any) -> Any:
    return item.get("id") if isinstance(item, dict) else None


def _by_id(seq: CommentedSeq) -> dict[Any, int]:
    """Indexes of list items by id when every item is a mapping with a distinct id."""
    ids = [_id_of(item) for item in seq]
    if not ids or None in ids or len(set(ids)) != len(ids):
        return {}
    return {item_id: index for index, item_id in enumerate(ids)}


def _fresh(value: Any) -> Any:
    """A value the designer added: one line when it holds only short scalars."""
    if isinstance(value, dict):
        node = CommentedMap((k, _fresh(v)) for k, v in value.items())
        if _is_leafy(value.values()) and _flat_length(value) <= SHORT_FLOW:
            node.fa.set_flow_style()
        else:
            node.fa.set_block_style()
        return node
    if isinstance(value, list):
        seq = CommentedSeq(_fresh(v) for v in value)
        if value and _is_leafy(value) and _flat_length(value) <= SHORT_FLOW:
            seq.fa.set_flow_style()
        else:
            seq.fa.set_block_style()
        return seq
    return value


def _is_leafy(values: Any) -> bool:
    return all(not isinstance(v, dict | list) or _is_label(v) for v in values)


def _flat_length(value: Any) -> int:
    if isinstance(value, dict):
        return sum(len(str(k)) + 2 + _flat_length(v) for k, v in value.items()) + 2
    if isinstance(value, list):
        return sum(_flat_length(v) + 2 for v in value) + 2
    return len(str(value))


def _is_label(value: Any) -> bool:
    return (isinstance(value, dict) and bool(value) and set(value) <= LANGUAGES
            and all(isinstance(v, str) for v in value.values()))


# --- order, defaults, styles ----------------------------------------------------------------


def _shape(node: Any, schema: Schema) -> Any:
    if isinstance(node, CommentedMap):
        return _shape_map(node, schema)
    if isinstance(node, CommentedSeq):
        items = _items_schema(schema)
        for index in range(len(node)):
            node[index] = _shape(node[index], items)
    return node


def _shape_map(node: CommentedMap, schema: Schema) -> CommentedMap:
    chosen = _object_schema(schema, node)
    properties = chosen[0].get("properties", {}) if chosen else {}
    for key in [k for k in node if k in properties and "default" in properties[k]]:
        if node[key] == properties[key]["default"]:
            del node[key]
    order = [k for k in FIRST_KEYS if k in node]
    order += [k for k in properties if k in node and k not in order]
    order += [k for k in node if k not in order]
    for key in order:
        node.move_to_end(key)
    if _is_label(node):
        short = sum(len(v) for v in node.values()) <= SHORT_LABEL
        if short and not any("\n" in v for v in node.values()) and not _has_comments(node):
            node.fa.set_flow_style()
        else:
            node.fa.set_block_style()
    for key in node:
        node[key] = _shape(node[key], _property_schema(chosen, key))
    return node


def _has_comments(node: CommentedMap) -> bool:
    return bool(node.ca.items) or bool(node.ca.comment)


def _candidates(schema: Schema) -> list[tuple[Mapping[str, Any], Any]]:
    """The subschemas `schema` may mean, found once per schema (a form has hundreds of
    fields, all of one subschema)."""
    if schema is None:
        return []
    kept = _CANDIDATES.get(id(schema[0]))
    if kept is None or kept[0] is not schema[0]:
        kept = _CANDIDATES[id(schema[0])] = (schema[0], list(_spread(schema)))
    return kept[1]


# By the id of the subschema, kept with it (the kinds' schemas live as long as the process).
_CANDIDATES: dict[int, tuple[Mapping[str, Any], list[tuple[Mapping[str, Any], Any]]]] = {}


def _spread(schema: Schema, depth: int = 0) -> Iterator[tuple[Mapping[str, Any], Any]]:
    """The subschemas `schema` may mean, with `$ref` followed and `oneOf` spread."""
    if schema is None or depth > 20:
        return
    contents, resolver = schema
    if "$ref" in contents:
        resolved = resolver.lookup(contents["$ref"])
        yield from _spread((resolved.contents, resolved.resolver), depth + 1)
    for branch in [*contents.get("oneOf", ()), *contents.get("anyOf", ())]:
        yield from _spread((branch, resolver), depth + 1)
    yield contents, resolver


def _object_schema(schema: Schema, node: CommentedMap) -> Schema:
    """The object subschema that knows most of the mapping's keys."""
    best, covered = None, -1
    for contents, resolver in _candidates(schema):
        if "properties" not in contents and not isinstance(
                contents.get("additionalProperties"), dict):
            continue
        known = sum(k in contents.get("properties", {}) for k in node)
        if known > covered:
            best, covered = (contents, resolver), known
    return best


def _property_schema(chosen: Schema, key: Any) -> Schema:
    if chosen is None:
        return None
    contents, resolver = chosen
    if key in contents.get("properties", {}):
        return contents["properties"][key], resolver
    extra = contents.get("additionalProperties")
    return (extra, resolver) if isinstance(extra, dict) else None


def _items_schema(schema: Schema) -> Schema:
    for contents, resolver in _candidates(schema):
        if isinstance(contents.get("items"), dict):
            return contents["items"], resolver
    return None

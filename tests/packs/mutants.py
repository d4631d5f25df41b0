"""Mutants of the shipped packs for the fuzz test (test_pack_mutants.py): every place of a
pack's loaded definitions where a reference, a field name in an expression, a type, a key or
a value's YAML type can be changed, and a seeded pick of them.

A pack is loaded once; a mutant copies only the document it changes, so hundreds of them
are checked without parsing YAML again.
"""

from __future__ import annotations

import copy
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from runtime.definitions.loader import Document

Path = tuple[str | int, ...]
DELETE = object()

# Keys whose text the runtime evaluates as an expression.
EXPRESSION_KEYS = {"when", "compute", "expression", "visible_when", "required_when",
                   "readonly_when", "condition", "value", "due", "deadline", "until",
                   "amount", "check", "rule", "if", "formula", "explain", "cap", "score"}
# Types a field or a compute may be given instead of its own.
TYPES = ["text", "number", "integer", "money", "date", "datetime", "yes_no", "boolean",
         "radio", "checkbox", "select", "textarea", "id_card", "mobile", "region", "table",
         "attachment", "percent", "string", "list"]
# Values of another YAML type than the one written.
WRONG_VALUES: list[Any] = [7, 2.5, True, None, "x", ["x"], {"a": 1}, [], {}, -1, "", 10**20]
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Mutant:
    """One change to one document: the value at `path` of `file` replaced (or deleted)."""

    operator: str
    file: str
    path: Path
    value: Any

    def describe(self) -> str:
        shown = "<deleted>" if self.value is DELETE else repr(self.value)
        where = ".".join(str(p) for p in self.path)
        return f"{self.operator} {self.file}:{where} -> {shown}"

    def apply(self, docs: list[Document]) -> list[Document]:
        out = []
        for doc in docs:
            if doc.file != self.file:
                out.append(doc)
                continue
            data = copy.deepcopy(doc.data)
            parent = data
            for key in self.path[:-1]:
                parent = parent[key]
            last = self.path[-1]
            if self.value is DELETE:
                del parent[last]
            else:
                parent[last] = self.value
            out.append(Document(doc.file, data, doc.lines))
        return out


def leaves(data: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Every (path, value) of a document, containers included, the root left out."""
    if path:
        yield path, data
    if isinstance(data, dict):
        for key, value in data.items():
            yield from leaves(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from leaves(value, (*path, index))


def names_of(docs: list[Document]) -> set[str]:
    """The names a pack defines or uses: ids, codes, roles, qualified names."""
    found: set[str] = set()
    for doc in docs:
        for path, value in leaves(doc.data):
            if path and path[-1] in ("id", "department", "role", "code", "form", "task",
                                     "table", "ruleset", "rules", "step", "to", "view",
                                     "catalog", "output", "template", "process") \
                    and isinstance(value, str):
                found.add(value)
    return {n for n in found if n}


def typo(name: str, rng: random.Random) -> str:
    if ":" in name and rng.random() < 0.5:  # a qualified name: its pack or its id misspelt
        pack, _, ident = name.partition(":")
        return f"{pack}x:{ident}" if rng.random() < 0.5 else f"{pack}:{ident}x"
    if len(name) > 3 and rng.random() < 0.5:
        i = rng.randrange(len(name) - 1)
        return name[:i] + name[i + 1] + name[i] + name[i + 2:]
    return name + "x"


def candidates(docs: list[Document], rng: random.Random) -> Iterator[Mutant]:
    """Every mutant of the pack, in a stable order (values drawn from `rng`)."""
    known = sorted(names_of(docs))
    for doc in sorted(docs, key=lambda d: d.file):
        if doc.file == "pack.yaml":
            continue
        for path, value in leaves(doc.data):
            key = path[-1]
            if path in (("kind",), ("id",), ("version",)):
                continue  # the document's identity: another definition, not a mutant
            if isinstance(value, str) and value in known and key not in ("label", "title"):
                yield Mutant("reference_typo", doc.file, path, typo(value, rng))
                yield Mutant("reference_other", doc.file, path, rng.choice(known))
            if isinstance(key, str) and key in EXPRESSION_KEYS and isinstance(value, str):
                yield from _expression_mutants(doc.file, path, value, known, rng)
            if key == "type" and isinstance(value, str):
                yield Mutant("type", doc.file, path, rng.choice([t for t in TYPES if t != value]))
            if isinstance(key, str):
                yield Mutant("remove_key", doc.file, path, DELETE)
            yield Mutant("wrong_yaml_type", doc.file, path,
                         copy.deepcopy(rng.choice([v for v in WRONG_VALUES
                                                   if type(v) is not type(value)])))


def _expression_mutants(file: str, path: Path, text: str, known: list[str],
                        rng: random.Random) -> Iterator[Mutant]:
    words = [m for m in NAME.finditer(text) if m.group() in known]
    if not words:
        return
    word = rng.choice(words)
    for operator, new in (("expression_typo", typo(word.group(), rng)),
                          ("expression_other", rng.choice(known))):
        yield Mutant(operator, file, path, text[:word.start()] + new + text[word.end():])


def pick(docs: list[Document], seed: int, count: int) -> list[Mutant]:
    """`count` mutants of `docs`, the same for the same seed; every operator represented."""
    rng = random.Random(seed)
    everything = list(candidates(docs, rng))
    by_operator: dict[str, list[Mutant]] = {}
    for mutant in everything:
        by_operator.setdefault(mutant.operator, []).append(mutant)
    chosen: list[Mutant] = []
    share = max(1, count // max(1, len(by_operator)))
    for operator in sorted(by_operator):
        pool = by_operator[operator]
        chosen += rng.sample(pool, min(share, len(pool)))
    taken = {id(m) for m in chosen}
    rest = [m for m in everything if id(m) not in taken]
    chosen += rng.sample(rest, max(0, min(count - len(chosen), len(rest))))
    return chosen

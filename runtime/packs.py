"""Scenario packs: a folder or a zip of definitions, read as data only and checked whole.

A zip is read in memory with caps on file count, total size and compression ratio; absolute
paths, `..`, links and files that are neither definitions nor declared assets are refused.
Nothing is written anywhere here: the store imports a pack only after it checks clean.

The packs a pack `requires` (whose definitions it names `pack:id`) are looked up by their
pack.yaml id in the folders beside the pack, then in templates_lib/ and scenario_packs/ (and
`LOWCODE_PACKS_DIR`), and checked with it; the store refuses the import unless they are
imported already (runtime.store.publish).
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from runtime.definitions import names
from runtime.definitions.checker import (
    Checked,
    Extensions,
    Library,
    SchemaPass,
    check_documents,
)
from runtime.definitions.loader import DEFINITION_SUFFIXES, Document, load_text
from runtime.definitions.problems import DefinitionError, Problem, problem
from runtime.definitions.spec import PackSpec
from runtime.providers import default_extensions

MAX_FILES = 1000
MAX_TOTAL_BYTES = 50 << 20
MAX_RATIO = 100
MANIFEST = "pack.yaml"
ASSETS_DIR = "assets/"
TESTS_DIR = "tests/"  # pack tests (runtime.packtests): scenarios, not definitions
TEST_SUFFIXES = (".yaml", ".yml")
DOCS = ("README.md",)
REPOSITORY = Path(__file__).resolve().parent.parent
LIBRARY_ROOT = REPOSITORY / "templates_lib"  # library packs: imported before scenario packs
PACKS_ENV = "LOWCODE_PACKS_DIR"


class _Refused(Exception):
    def __init__(self, code: str, name: str, **params: object):
        self.problem = problem(code, name, None, **params)


@dataclass
class PackSource:
    """The files of a pack, by relative POSIX name, held in memory."""

    origin: str
    files: dict[str, bytes] = field(default_factory=dict)

    def add(self, name: str, data: bytes) -> None:
        if len(self.files) >= MAX_FILES:
            raise _Refused("pack_too_many_files", self.origin, limit=MAX_FILES)
        if sum(map(len, self.files.values())) + len(data) > MAX_TOTAL_BYTES:
            raise _Refused("pack_too_large", self.origin, limit=MAX_TOTAL_BYTES)
        self.files[name] = data


@dataclass
class PackResult:
    source: PackSource
    problems: list[Problem]
    definitions: list[Checked]
    warnings: list[Problem] = field(default_factory=list)  # said, never refusing

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def pack(self) -> PackSpec | None:
        return next((d.spec for d in self.definitions if isinstance(d.spec, PackSpec)), None)


def check_path(path: str | os.PathLike[str], *,
               extensions: Extensions | None = None) -> PackResult:
    """Check a pack folder, a pack zip, or a single definition file (against the given kinds
    and field types; the default ones, runtime.providers, when none are given)."""
    target = Path(path)
    try:
        if target.is_dir():
            source = read_folder(target)
        elif target.suffix == ".zip":
            source = read_zip(target.read_bytes(), target.name)
        else:
            source = None
        if source is not None:
            libraries = find_libraries(source, near=target.resolve().parent,
                                       extensions=extensions)
            return check_pack(source, extensions=extensions, libraries=libraries)
        if target.is_file():
            return check_single(target.name, target.read_bytes(), extensions=extensions)
    except _Refused as refused:
        return PackResult(PackSource(str(target)), [refused.problem], [])
    return PackResult(PackSource(str(target)),
                      [problem("pack_not_found", str(target), None, name=str(target))], [])


def check_single(name: str, data: bytes, *,
                 extensions: Extensions | None = None) -> PackResult:
    """One definition alone: its references to other files cannot be followed."""
    source = PackSource(name, {name: data})
    docs, problems = _load(source, [name])
    result = check_documents(docs, resolve_refs=False,
                             extensions=extensions or default_extensions())
    return PackResult(source, problems + result.problems, result.definitions, result.warnings)


def check_pack(source: PackSource, *, extensions: Extensions | None = None,
               libraries: Mapping[str, Library] | None = None,
               loaded: Mapping[str, Document] | None = None,
               passed: Mapping[str, SchemaPass] | None = None) -> PackResult:
    """Check a pack whole; `libraries` are the packs it requires, by id (None: not looked
    for, so its `pack:id` names are not followed); `loaded` are files already read by the
    caller from the same bytes (an editor keeps them between edits), not read again, and
    `passed` their schema passes, not made again."""
    if MANIFEST not in source.files:
        return PackResult(source, [problem("pack_missing", source.origin, None)], [])
    definitions = [n for n in sorted(source.files) if _is_definition(n)]
    docs, problems = _load(source, definitions, loaded or {})
    result = check_documents(docs, extensions=extensions or default_extensions(),
                             libraries=libraries, passed=passed)
    pack = next((d.spec for d in result.definitions if isinstance(d.spec, PackSpec)), None)
    assets = set(pack.assets) if pack else set()
    problems += [problem("pack_bad_file", name, None) for name in sorted(source.files)
                 if not (_is_definition(name) or _is_asset(name, assets) or name in DOCS
                         or is_pack_test(name))]
    problems += result.problems
    problems.sort(key=lambda p: (p.file, p.line or 0, p.path))
    return PackResult(source, problems, result.definitions, result.warnings)


def library_folders() -> list[Path]:
    """The library packs shipped in templates_lib/ (each a folder with a pack.yaml)."""
    return _pack_folders(LIBRARY_ROOT)


def search_roots(near: Path | None = None) -> list[Path]:
    """Where required packs are looked for, in this order."""
    configured = os.environ.get(PACKS_ENV)
    roots = [near] if near else []
    roots += [LIBRARY_ROOT, REPOSITORY / "scenario_packs"]
    roots += [Path(configured)] if configured else []
    return list(dict.fromkeys(r.resolve() for r in roots if r.is_dir()))


def find_libraries(source: PackSource, *, near: Path | None = None,
                   extensions: Extensions | None = None) -> dict[str, Library]:
    """The packs `source`'s manifest requires that are found in `search_roots`, by id, each
    read and checked alone (its own problems counted, not listed)."""
    wanted = set(_requires(source))
    found: dict[str, Library] = {}
    for root in search_roots(near) if wanted else []:
        for folder in _pack_folders(root):
            pack_id = _manifest_id(folder)
            library = _library(folder, extensions) \
                if pack_id in wanted and pack_id not in found else None
            if library is not None:
                found[library.pack.id] = library
    return found


def _requires(source: PackSource) -> list[str]:
    try:
        data = load_text(MANIFEST, source.files[MANIFEST]).data
    except (DefinitionError, KeyError):
        return []
    listed = data.get("requires") if isinstance(data, dict) else None
    return [names.requirement(r)[0] for r in listed if isinstance(r, str)] \
        if isinstance(listed, list) else []


def _pack_folders(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if (p / MANIFEST).is_file())


def _manifest_id(folder: Path) -> str | None:
    try:
        data = load_text(MANIFEST, (folder / MANIFEST).read_bytes()).data
    except (DefinitionError, OSError):
        return None
    found = data.get("id") if isinstance(data, dict) else None
    return found if isinstance(found, str) else None


def _library(folder: Path, extensions: Extensions | None) -> Library | None:
    try:
        result = check_pack(read_folder(folder), extensions=extensions)
    except _Refused:
        return None
    index: dict[str, dict[str, Any]] = {}
    for item in result.definitions:
        index.setdefault(item.spec.kind, {}).setdefault(item.spec.id, item.spec)
    pack = result.pack
    return Library(pack, index, len(result.problems)) if pack is not None else None


def _is_definition(name: str) -> bool:
    return name.endswith(DEFINITION_SUFFIXES) and not name.startswith((ASSETS_DIR, TESTS_DIR))


def is_pack_test(name: str) -> bool:
    """A scenario of the pack's own tests: a YAML file directly under tests/."""
    return (name.startswith(TESTS_DIR) and "/" not in name[len(TESTS_DIR):]
            and name.endswith(TEST_SUFFIXES))


def _is_asset(name: str, extensions: set[str]) -> bool:
    return name.startswith(ASSETS_DIR) and PurePosixPath(name).suffix[1:].lower() in extensions


def _load(source: PackSource, names: list[str], loaded: Mapping[str, Document] | None = None
          ) -> tuple[list[Document], list[Problem]]:
    docs: list[Document] = []
    problems: list[Problem] = []
    for name in names:
        if loaded and name in loaded:
            docs.append(loaded[name])
            continue
        try:
            docs.append(load_text(name, source.files[name]))
        except DefinitionError as error:
            problems += error.problems
    return docs, problems


def read_folder(root: Path) -> PackSource:
    source = PackSource(str(root))
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for entry in [*dirnames, *filenames]:
            full = Path(dirpath, entry)
            if full.is_symlink():
                raise _Refused("pack_bad_path", full.relative_to(root).as_posix())
        for filename in sorted(f for f in filenames if not f.startswith(".")):
            full = Path(dirpath, filename)
            source.add(full.relative_to(root).as_posix(), full.read_bytes())
    return source


def read_zip(data: bytes, origin: str = "pack.zip") -> PackSource:
    """Read a pack zip in memory. A single top folder (`name/pack.yaml`) is stripped."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise _Refused("pack_bad_zip", origin, reason=str(error)) from None
    if len(infos) > MAX_FILES:
        raise _Refused("pack_too_many_files", origin, limit=MAX_FILES)
    if sum(i.file_size for i in infos) > MAX_TOTAL_BYTES:
        raise _Refused("pack_too_large", origin, limit=MAX_TOTAL_BYTES)
    prefix = _common_folder([i.filename for i in infos])
    source = PackSource(origin)
    for info in infos:
        _refuse_unsafe(info)
        source.add(info.filename[len(prefix):], _read_member(archive, info, origin))
    return source


def _refuse_unsafe(info: zipfile.ZipInfo) -> None:
    name = info.filename
    parts = PurePosixPath(name).parts
    mode = info.external_attr >> 16
    if (name.startswith(("/", "\\")) or "\\" in name or ".." in parts or ":" in name
            or stat.S_ISLNK(mode)):
        raise _Refused("pack_bad_path", name)
    if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
        raise _Refused("pack_ratio", name, ratio=info.file_size // info.compress_size)


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, origin: str) -> bytes:
    # The header's size may lie: never read more than it promised.
    try:
        with archive.open(info) as member:
            data = member.read(info.file_size + 1)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as error:
        raise _Refused("pack_bad_zip", origin, reason=str(error)) from None
    if len(data) > info.file_size:
        raise _Refused("pack_bad_zip", origin, reason=f"{info.filename}: size mismatch")
    return data


def _common_folder(names: list[str]) -> str:
    if MANIFEST in names:
        return ""
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) == 1 and all("/" in n for n in names):
        return tops.pop() + "/"
    return ""

"""`lowcode fmt`: write definition files in their canonical form, or list those that are not
(runtime.definitions.canonical says what the form is). Pack tests, assets and JSON files are
left as they are: only YAML files of a known kind are definitions it writes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import click

from runtime.definitions.canonical import canonical
from runtime.definitions.loader import YAML_SUFFIXES, load_text
from runtime.definitions.problems import DefinitionError


def _say(lang: str, zh: str, en: str) -> None:
    click.echo(en if lang == "en" else zh)


def definition_files(paths: Iterable[str]) -> Iterator[Path]:
    """The YAML files named or under the folders named, each once, in a stable order."""
    seen: set[Path] = set()
    for name in paths:
        target = Path(name)
        found = (sorted(p for p in target.rglob("*") if p.suffix in YAML_SUFFIXES)
                 if target.is_dir() else [target])
        for path in found:
            if path not in seen:
                seen.add(path)
                yield path


def _is_definition(text: str, file: str, kinds: Mapping[str, Any]) -> bool:
    data = load_text(file, text).data
    return isinstance(data, dict) and data.get("kind") in kinds


def run(paths: Iterable[str], check: bool, lang: str, kinds: Mapping[str, Any]) -> int:
    """Format (or with `check`, only list) the files; 1 when one is not canonical or unreadable."""
    changed = failed = total = 0
    for path in definition_files(paths):
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
        try:
            if not _is_definition(text, str(path), kinds):
                continue
            formatted = canonical(text, kinds, str(path))
        except DefinitionError as error:
            for found in error.problems:
                click.echo(found.render(lang), err=True)
            failed += 1
            continue
        total += 1
        if formatted == text:
            continue
        changed += 1
        if check:
            _say(lang, f"不是规范格式：{path}", f"not canonical: {path}")
        else:
            path.write_text(formatted, encoding="utf-8")
            _say(lang, f"已规范：{path}", f"formatted: {path}")
    _summary(lang, check, total, changed, failed)
    return 1 if failed or (check and changed) else 0


def _summary(lang: str, check: bool, total: int, changed: int, failed: int) -> None:
    if check:
        _say(lang, f"检查了 {total} 个定义文件：{changed} 个不是规范格式，{failed} 个无法读取。",
             f"checked {total} definition file(s): {changed} not canonical, "
             f"{failed} unreadable.")
    else:
        _say(lang, f"规范了 {changed} 个定义文件（共 {total} 个），{failed} 个无法读取。",
             f"formatted {changed} of {total} definition file(s); {failed} unreadable.")

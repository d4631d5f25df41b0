"""Two-language text: message catalogues and labels written as plain text or {zh, en}."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"


def pick(label: Any, lang: str = DEFAULT_LANG) -> str:
    """The text of a label in `lang`: plain strings are the same in every language."""
    if isinstance(label, Mapping):
        return str(label.get(lang) or label.get(DEFAULT_LANG) or next(iter(label.values()), ""))
    return "" if label is None else str(label)


class Catalogue:
    """Messages by code, each a pair of format strings (zh, en) with named parameters."""

    def __init__(self, messages: Mapping[str, tuple[str, str]]):
        self._messages = dict(messages)

    def __contains__(self, code: str) -> bool:
        return code in self._messages

    def codes(self) -> list[str]:
        return sorted(self._messages)

    def format(self, code: str, lang: str = DEFAULT_LANG, /, **params: Any) -> str:
        zh, en = self._messages[code]
        template = en if lang == "en" else zh
        return template.format(**params)

"""Two-language text: message catalogues and labels written as plain text or {zh, en}."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"


@dataclass(frozen=True)
class Label:
    """Text for people, in Chinese and optionally English."""

    zh: str
    en: str | None = None

    @classmethod
    def of(cls, value: str | Mapping[str, str]) -> Label:
        return cls(value) if isinstance(value, str) else cls(value["zh"], value.get("en"))

    def text(self, lang: str = DEFAULT_LANG) -> str:
        return self.en if lang == "en" and self.en else self.zh

    def __str__(self) -> str:
        return self.zh


def pick(label: Any, lang: str = DEFAULT_LANG) -> str:
    """The text of a label in `lang`: plain strings are the same in every language."""
    if isinstance(label, Label):
        return label.text(lang)
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

"""Problems found in definitions: where (file, line, path) and what (a message in zh and en).

Checks are generators that yield every problem; callers show them all or raise the first
through `DefinitionError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from runtime.definitions.messages import MESSAGES

PathPart = str | int
Path = tuple[PathPart, ...]


def format_path(path: Sequence[PathPart]) -> str:
    """`('fields', 3, 'compute')` -> `fields[3].compute`."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


@dataclass(frozen=True)
class Problem:
    code: str
    file: str
    line: int | None
    path: str
    zh: str
    en: str
    warning: bool = False  # said, but does not refuse the definitions

    def message(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh

    def location(self) -> str:
        place = self.file + (f":{self.line}" if self.line else "")
        return f"{place} {self.path}" if self.path else place

    def render(self, lang: str = "zh") -> str:
        return f"{self.location()}: {self.message(lang)}"

    def as_dict(self, lang: str = "zh") -> dict[str, object]:
        found: dict[str, object] = {"code": self.code, "file": self.file, "line": self.line,
                                    "path": self.path, "message": self.message(lang)}
        if self.warning:
            found["warning"] = True
        return found


def problem(code: str, file: str, line: int | None, path: Sequence[PathPart] = (),
            **params: object) -> Problem:
    """A problem whose texts come from the definitions message catalogue."""
    return Problem(code, file, line, format_path(path),
                   MESSAGES.format(code, "zh", **params), MESSAGES.format(code, "en", **params))


def warning(code: str, file: str, line: int | None, path: Sequence[PathPart] = (),
            **params: object) -> Problem:
    """A warning: worth fixing, but the definitions still run as written."""
    return replace(problem(code, file, line, path, **params), warning=True)


class DefinitionError(Exception):
    """Raised when definitions have problems; carries all of them, the first one as text."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__(self.problems[0].render() if self.problems else "invalid definition")

"""One error type for expressions, in two families: compile problems and run-time failures.

Like jinja2's TemplateSyntaxError and TemplateRuntimeError, both share a base class so callers
can catch either; each carries a stable `code`, its `params`, the 1-based `position` (column)
in the expression, and renders itself in Chinese or English.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from runtime.expressions.messages import MESSAGES, POSITION, localise


class ExpressionError(Exception):
    """A problem with an expression: `code`, `params`, `position` (1-based or None), `source`."""

    kind: ClassVar[str] = "compile"

    def __init__(self, code: str, *, position: int | None = None, source: str | None = None,
                 **params: Any):
        if code not in MESSAGES:
            raise KeyError(f"no message for expression error code {code!r}")
        self.code = code
        self.params = params
        self._position = position
        # Places to ask, innermost first, when the position is first read: working out a
        # column costs more than failing, and most failures (a rule on an empty field) are
        # dropped unread.
        self._places: list[Callable[[], int | None]] | None = None
        self.source = source
        # No super().__init__(code): BaseException.__new__ has already set args to (code,),
        # and a rule failing on an empty field is common enough for the call to show.

    @property
    def position(self) -> int | None:
        if self._places is not None:
            places, self._places = self._places, None
            self._position = next((found for place in places if (found := place()) is not None),
                                  None)
        return self._position

    @position.setter
    def position(self, position: int | None) -> None:
        self._position, self._places = position, None

    def message(self, lang: str = "zh") -> str:
        """The reason, prefixed with the column when known: `第 5 列：...` / `column 5: ...`."""
        text = MESSAGES.format(self.code, lang, **localise(self.code, self.params, lang))
        if self.position is None:
            return text
        prefix = POSITION[1] if lang == "en" else POSITION[0]
        return prefix.format(position=self.position) + text

    def as_dict(self, lang: str = "zh") -> dict[str, Any]:
        """The error as plain data for JSON answers and logs."""
        return {"code": self.code, "kind": self.kind, "position": self.position,
                "source": self.source, "message": self.message(lang)}

    def locate(self, source: str, position: int | None) -> ExpressionError:
        """Fill in where the error happened unless a more precise place is already known."""
        if self.source is None:
            self.source = source
        if self._position is None:
            self._ask_later(lambda: position)
        return self

    def locate_later(self, source: str, place: Callable[[], int | None]) -> ExpressionError:
        """Unless a position was given: the source, and `place()` to ask for the position
        when it is read, if no place given before it (a more precise one) answers."""
        if self._position is None:
            if self.source is None:
                self.source = source
            self._ask_later(place)
        return self

    def _ask_later(self, place: Callable[[], int | None]) -> None:
        if self._places is None:
            self._places = [place]
        else:
            self._places.append(place)

    def __str__(self) -> str:
        return self.message("zh")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, position={self.position!r})"


class ExpressionCompileError(ExpressionError):
    """The expression cannot be used: too long, bad syntax, or a construct that is refused."""

    kind: ClassVar[str] = "compile"


class ExpressionRuntimeError(ExpressionError):
    """The expression failed on this data: unknown name, bad type, a cap, a bad date..."""

    kind: ClassVar[str] = "runtime"


def char_position(text: str, lead: int, lineno: int, col_offset: int) -> int:
    """The 1-based character position in the whole source of an AST (line, UTF-8 column).

    `ast` columns count UTF-8 bytes, so Chinese text before a node would shift them; `lead`
    is the whitespace stripped from the front of the source before parsing.
    """
    lines = text.split("\n")
    before = sum(len(line) + 1 for line in lines[: lineno - 1])
    line = lines[lineno - 1] if lineno - 1 < len(lines) else ""
    column = len(line.encode("utf-8")[:col_offset].decode("utf-8", "ignore"))
    return lead + before + column + 1


"""The shape of a catalogue function and the one way to add it to a registry.

Registries are plain dicts of name -> Function, built once at import; built-ins register the
same way an extension would, and registering a name twice fails at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, MutableMapping
from dataclasses import dataclass
from typing import Any

from runtime.expressions.values import VALUE_TYPES


@dataclass(frozen=True)
class Function:
    """A function expressions may call by plain name, with what docs and checks need."""

    name: str
    call: Callable[..., Any]
    signature: str
    min_args: int
    max_args: int | None
    returns: str
    zh: str
    en: str
    example: str
    result: Any
    group: str = "basic"
    # The same arguments always give the same value, and no work budget is spent: not
    # today(), not id_age() (today by default), not matches() (it spends the budget). A form
    # decides an expression made of pure calls once per round instead of once per use.
    pure: bool = False

    def accepts(self, count: int) -> bool:
        """Whether `count` arguments are acceptable."""
        return count >= self.min_args and (self.max_args is None or count <= self.max_args)


class DuplicateFunction(ValueError):
    """A function name was registered twice."""


def register(registry: MutableMapping[str, Function], function: Function) -> Function:
    """Add `function` to `registry`; a name already there is an error, never an override."""
    if function.name in registry:
        raise DuplicateFunction(f"expression function {function.name!r} is registered twice")
    if function.returns not in VALUE_TYPES:
        raise ValueError(f"{function.name}: unknown return type {function.returns!r}")
    registry[function.name] = function
    return function


def build(functions: Iterable[Function]) -> dict[str, Function]:
    """A new registry holding `functions`."""
    registry: dict[str, Function] = {}
    for function in functions:
        register(registry, function)
    return registry

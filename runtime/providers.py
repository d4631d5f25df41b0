"""The providers an app's registries are built from when nothing else is asked for: the
runtime's built-in field types and `templates_lib`'s, each registering through the public API
a third party uses (`FieldTypes.register`), and the extensions a pack is checked against by
default (the built-in kinds and those field types). The app, the CLI and the tests build their
own registry from these (or from their own list); none is kept here. This module and the web
layer's region widget are the only runtime code that names `templates_lib`: `definitions`
and `forms` never do."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runtime.definitions.checker import Extensions
from runtime.definitions.kinds import builtin_kinds
from runtime.forms.builtin_types import register_builtin
from runtime.forms.fieldtypes import FieldTypes, Provider, field_types_from
from templates_lib.fieldtypes import register_field_types

FIELD_TYPE_PROVIDERS: tuple[Provider, ...] = (register_builtin, register_field_types)


def default_field_types() -> FieldTypes:
    """A new registry of the default field types: each call builds its own."""
    return field_types_from(FIELD_TYPE_PROVIDERS)


FIELD_TYPES_INFO = "lowcode.field_types"  # key of the app's registry in a session's `info`


def session_field_types(info: Mapping[str, Any]) -> FieldTypes:
    """The field types of the app a session works for (`info`, the session's info: the web
    layer and the worker put the app's registry there), for use-cases deep in a move, such
    as starting child cases; the default ones when the session carries none (a CLI run)."""
    types = info.get(FIELD_TYPES_INFO)
    return types if types is not None else default_field_types()


def default_extensions() -> Extensions:
    """The built-in kinds and a new registry of the default field types, for a check that
    is given no others (the CLI's, the tests')."""
    return Extensions(builtin_kinds(), default_field_types())

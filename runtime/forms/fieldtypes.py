"""The field-type registry: every fact about a type a form field can have, in one object.

A `FieldType` holds what the value is (its value type for expressions, how it is parsed and
the words of its parse errors), how it is entered (its widget and the shape a browser posts
it in), how staff read it (masking, words) and what a designer's palette shows (icon, group,
the properties a new field starts with). A `FieldTypes` registry is built per app from a list
of providers, each a function that registers types through `FieldTypes.register`: the
runtime's built-ins (`runtime.forms.builtin_types`) and `templates_lib` are providers like any
third party's. A duplicate name fails at start-up. Nothing here imports an extension.

Pure core: no I/O, imports neither flask nor sqlalchemy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from runtime.forms import values
from runtime.i18n import Label

# The value types of the expression language: what a name of this field holds.
NUMBER, STRING, BOOLEAN, DATE, LIST, OBJECT, ANY, NONE = (
    "number", "string", "boolean", "date", "list", "object", "any", "none")
# What a picker field refers to: its value is a department code, a staff username or the
# tracking number of a submission, looked up outside the pure core (runtime.forms.references).
DEPARTMENT, USER, RECORD = "department", "user", "record"
# The shape a browser posts a value in: one named value; several values under one name
# (checkboxes, a range, files); or `parts`, one value per part named `<path>.<part>`.
ONE, MANY, PARTS = "one", "many", "parts"

# The layout of the form language itself: sections and pages group fields and hold no value,
# a table holds rows of its fields, a notice shows text. What holds a value follows from
# these names alone (no registry asked), and an extension cannot register them again.
GROUPS = frozenset({"section", "page"})
TABLE = "table"
NO_VALUE = frozenset({*GROUPS, "notice"})
LAYOUT = frozenset({*NO_VALUE, TABLE})

# A parse error's words: (zh, en) format strings with {label} and the error's parameters.
Words = tuple[str, str]
EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class Widget:
    """How a field of the type is entered on a form page.

    `kind` picks the branch of `_field.html` that lays it out (`input` for a one-line input,
    or textarea, select, radio, checkbox, yes_no, date_range, file, address, region, picker,
    table, group, notice...); an `input`'s `input_type` and `input_mode` are the HTML
    attributes; `fieldset` puts several controls under one legend rather than one control
    under a label. `template`, when set, is the Jinja source that lays the control out instead,
    for a widget no branch knows (the web layer loads it as `field_types/<name>.html`; it sees
    the field's view as `f`, its id slug as `slug`, `live`, `state` and `errors`); `kind` is
    then `template`.
    """

    kind: str = "input"
    input_type: str = "text"
    input_mode: str | None = None
    fieldset: bool = False
    template: str | None = None

    def __post_init__(self) -> None:
        if self.template is not None:
            object.__setattr__(self, "kind", "template")


@dataclass(frozen=True)
class Palette:
    """What a designer's palette shows of a type: an icon name, the group it is listed in,
    and the properties a new field of the type starts with."""

    icon: str
    group: str
    defaults: Mapping[str, Any] = field(default_factory=lambda: EMPTY)


@dataclass(frozen=True, eq=False)  # one object per type: compared by identity
class FieldType:
    name: str
    value_type: str
    label: Label
    description: Label
    container: bool = False  # holds child `fields` (section, page, table)
    choice: bool = False  # needs `options` or `options_from`
    refers_to: str | None = None  # DEPARTMENT, USER or RECORD: chosen with a picker
    # From what a browser or an API sends to the stored value (see runtime.forms.values);
    # raises ValueProblem with a code of runtime.forms.messages or of `messages`, the words
    # of the type's own parse errors.
    parse: Callable[[Any], Any] = values.text
    messages: Mapping[str, Words] = field(default_factory=lambda: EMPTY)  # its own codes'
    widget: Widget = field(default_factory=Widget)
    posted: str = ONE  # ONE, MANY or PARTS
    parts: tuple[str, ...] = ()  # with PARTS: the names of the parts, as the value's keys
    # Lists and exports: the value with all but what a rule allows starred (runtime.masking).
    mask: Callable[[Any], str] | None = None
    # How staff read a stored value on a record page and in an export (a region's full name).
    shown: Callable[[Any], Any] | None = None
    palette: Palette = field(default_factory=lambda: Palette("input", "basic"))
    # The longest text a value may be when its field declares no `max_length` of its own.
    max_length: int | None = None

    def length_limit(self, declared: int | None) -> int | None:
        """A field's longest text: what it declares, else its type's default."""
        return self.max_length if declared is None else declared


Provider = Callable[["FieldTypes"], None]


class FieldTypes(dict[str, FieldType]):
    """Field types by name. Compares and hashes by identity: a form's plans are cached per
    registry, and two apps may hold registries of the same names with different types."""

    __hash__ = object.__hash__  # type: ignore[assignment]

    def __eq__(self, other: object) -> bool:
        return self is other

    def __ne__(self, other: object) -> bool:
        return self is not other

    def register(self, field_type: FieldType) -> None:
        if field_type.name in self:
            raise ValueError(f"field type '{field_type.name}' is registered twice")
        if field_type.container != (field_type.name in GROUPS or field_type.name == TABLE):
            raise ValueError(f"field type '{field_type.name}': only section, page and table "
                             "hold fields")
        if (field_type.value_type == NONE) != (field_type.name in NO_VALUE):
            raise ValueError(f"field type '{field_type.name}': only section, page and notice "
                             "hold no value")
        self[field_type.name] = field_type

    def palette(self) -> dict[str, list[FieldType]]:
        """The types by palette group, groups and types in the order they were registered:
        what a designer lists, each type with its icon and the properties it starts with."""
        groups: dict[str, list[FieldType]] = {}
        for field_type in self.values():
            groups.setdefault(field_type.palette.group, []).append(field_type)
        return groups


def field_types_from(providers: Iterable[Provider]) -> FieldTypes:
    """A new registry with the types of each provider, in order."""
    registry = FieldTypes()
    for provide in providers:
        provide(registry)
    return registry


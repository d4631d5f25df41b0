"""What a form page shows, field by field: spec, path, value, state, errors and choices,
built once in Python so the templates only lay it out."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from runtime.definitions.spec import CatalogSpec, FieldSpec, FormSpec
from runtime.forms.fieldtypes import field_types
from runtime.forms.state import FieldState, FormState, is_table
from templates_lib.regions import Region, children, regions

INPUT_TYPES = {"integer": "text", "decimal": "text", "money": "text", "date": "date",
               "datetime": "datetime-local", "email": "email", "mobile": "tel",
               "landline": "tel"}
INPUT_MODES = {"integer": "numeric", "decimal": "decimal", "money": "decimal",
               "mobile": "numeric", "bank_account": "numeric", "region": "numeric"}


@dataclass
class FieldView:
    spec: FieldSpec
    path: str
    value: Any
    state: FieldState
    errors: list[str]
    options: list[tuple[str, Any]] = field(default_factory=list)
    files: list[tuple[str, str]] = field(default_factory=list)  # (key, original name)
    children: list[FieldView] = field(default_factory=list)
    rows: list[list[FieldView]] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return slug(self.path)

    @property
    def kind(self) -> str:
        """The widget: the field type, or `input` for one-line inputs of any kind."""
        types = field_types()
        if self.spec.type in ("textarea", "richtext", "select", "radio", "checkbox",
                              "multiselect", "yes_no", "date_range", "file", "image", "notice",
                              "table", "address", "region") or types[self.spec.type].container:
            return "group" if self.spec.type in ("section", "page") else self.spec.type
        return "input"

    @property
    def input_type(self) -> str:
        return INPUT_TYPES.get(self.spec.type, "text")

    @property
    def input_mode(self) -> str | None:
        return INPUT_MODES.get(self.spec.type)

    @property
    def described_by(self) -> str:
        ids = [f"help-{self.slug}"] if self.spec.help else []
        return " ".join(ids + ([f"err-{self.slug}"] if self.errors else []))

    def chosen(self, option_value: Any) -> bool:
        values = self.value if isinstance(self.value, list) else [self.value]
        return str(option_value) in {str(v) for v in values if v is not None}


def slug(path: str) -> str:
    return re.sub(r"[\[\].]+", "-", path).strip("-")


class Views:
    """Builds the views of one form in one state."""

    def __init__(self, form: FormSpec, state: FormState, errors: Mapping[str, list[str]],
                 catalogs: Mapping[str, CatalogSpec], file_names: Mapping[str, str] | None = None,
                 locked: frozenset[str] = frozenset()):
        self.form, self.state, self.errors, self.catalogs = form, state, errors, catalogs
        self.file_names = file_names or {}
        self.locked = locked  # prefilled from the account: shown, never editable

    def top(self) -> list[FieldView]:
        return [self._view(spec, spec.id, self.state.data) for spec in self.form.fields]

    def at(self, path: str) -> FieldView:
        """The view of one field by its path, for a partial update."""
        match = re.fullmatch(r"([a-z0-9_]+)\[([0-9]+)\]\.([a-z0-9_]+)", path)
        if match:
            table, index, child = match.group(1), int(match.group(2)), match.group(3)
            row = self.state.data[table][index]
            return self._view(self._spec(child), path, row)
        return self._view(self._spec(path), path, self.state.data)

    def _spec(self, field_id: str) -> FieldSpec:
        return next(f for f in self.form.all_fields() if f.id == field_id)

    def _view(self, spec: FieldSpec, path: str, values: Mapping[str, Any]) -> FieldView:
        state = self.state.fields[path]
        if spec.id in self.locked:
            state = replace(state, readonly=True)
        view = FieldView(spec, path, values.get(spec.id), state,
                         list(self.errors.get(path, [])), self._options(spec))
        prefix = path[: -len(spec.id)]
        if spec.type in ("file", "image"):
            view.files = [(k, self.file_names[k]) for k in view.value or []
                          if k in self.file_names]
        if is_table(spec):
            view.rows = [[self._view(c, f"{path}[{i}].{c.id}", row) for c in spec.fields]
                         for i, row in enumerate(view.value or [])]
        elif spec.fields:
            view.children = [self._view(c, prefix + c.id, values) for c in spec.fields]
        return view

    def _options(self, spec: FieldSpec) -> list[tuple[str, Any]]:
        if spec.options:
            return [(str(o.value), o.label) for o in spec.options]
        catalog = self.catalogs.get(spec.options_from or "")
        return [(item.code, item.label) for item in catalog.items] if catalog else []


@dataclass(frozen=True)
class RegionPicker:
    """The three levels of a region field: what is chosen at each and what can be."""

    path: str
    province: str
    city: str
    county: str
    live: Any = ""  # the county select's partial-update attributes
    described_by: str = ""

    @property
    def slug(self) -> str:
        return slug(self.path)

    @property
    def provinces(self) -> list[Region]:
        return children(None)

    @property
    def cities(self) -> list[Region]:
        return children(self.province) if self.province else []

    @property
    def counties(self) -> list[Region]:
        return children(self.city) if self.city else []


def region_picker(path: str, county: str | None, province: str = "", city: str = "",
                  **attrs: Any) -> RegionPicker:
    """A picker showing `county` (its province and city follow from it), or, while a person
    is still choosing, the province and city chosen so far."""
    known = regions().get(county or "")
    if known is not None and len(known.code) == 6:
        city = known.parent or ""
        province = regions()[city].parent or "" if city in regions() else ""
        return RegionPicker(path, province, city, known.code, **attrs)
    if city not in {r.code for r in children(province)}:
        city = ""
    return RegionPicker(path, province if province in regions() else "", city, "", **attrs)

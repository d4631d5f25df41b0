"""What a form page shows, field by field: spec, path, value, state, errors and choices,
built once in Python so the templates only lay it out. A field's widget (kind, input type
and mode, fieldset, template) is its type's, from the app's registry."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from runtime.definitions.spec import CatalogSpec, FieldSpec, FormSpec
from runtime.forms.fieldtypes import FieldTypes
from runtime.forms.plans import PerForm
from runtime.forms.state import FieldState, FormState, is_table
from runtime.i18n import DEFAULT_LANG, pick
from runtime.web.fieldtypes import field_types, template_name
from templates_lib.regions import Region, children, regions

NO_ERRORS: tuple[str, ...] = ()


@dataclass(frozen=True)
class FieldPlan:
    """What a field shows whatever the data: its widget and its words in one language. Built
    once per published form version and language (`plans`), not on every render."""

    spec: FieldSpec
    type: str
    kind: str
    fieldset: bool  # several controls under one legend rather than one under a label
    label: str
    help: str
    placeholder: str
    text: str  # a notice's text
    input_type: str
    input_mode: str | None
    template: str | None  # the template of a widget the generic loop does not know
    max_length: int | None
    options: tuple[tuple[str, str], ...]  # (value, label) of options written in the form
    table: bool  # a value of rows of its child fields
    from_catalog: bool  # options read from a catalog per request, none written in the form


def _plans(form: FormSpec, lang: str, types: FieldTypes) -> dict[FieldSpec, FieldPlan]:
    return {spec: _plan(spec, lang, types) for spec in form.all_fields()}


# plans(form, lang, types): every field's plan, by spec (FieldSpecs hash by identity), built
# once per form object, language and registry: a published version never changes, a new one
# is a new object.
plans = PerForm(_plans)


def _plan(spec: FieldSpec, lang: str, types: FieldTypes) -> FieldPlan:
    field_type = types[spec.type]
    widget = field_type.widget
    return FieldPlan(
        spec=spec, type=spec.type, kind=widget.kind, fieldset=widget.fieldset,
        label=pick(spec.label, lang), help=_words(spec.help, lang),
        placeholder=_words(spec.placeholder, lang), text=pick(spec.text or spec.label, lang),
        input_type=widget.input_type, input_mode=widget.input_mode,
        template=template_name(spec.type) if widget.template is not None else None,
        max_length=field_type.length_limit(spec.max_length),
        options=tuple((str(o.value), pick(o.label, lang)) for o in spec.options),
        table=is_table(spec), from_catalog=bool(spec.options_from and not spec.options))


def _words(label: Any, lang: str) -> str:
    return pick(label, lang) if label else ""


@dataclass
class FieldView:
    """One field in one state: its plan plus what the data decides."""

    plan: FieldPlan
    path: str
    slug: str
    value: Any
    state: FieldState
    errors: Sequence[str]
    options: tuple[tuple[str, str], ...] = ()
    # Empty tuples unless the field has them: a page builds a view per field per request.
    files: Sequence[tuple[str, str]] = ()  # (key, original name)
    children: Sequence[FieldView] = ()
    rows: Sequence[Sequence[FieldView]] = ()

    @property
    def spec(self) -> FieldSpec:
        return self.plan.spec

    @property
    def kind(self) -> str:
        return self.plan.kind

    @property
    def described_by(self) -> str:
        """The ids of the help and error paragraphs shown beside the control."""
        helped, wrong = self.plan.help, self.errors
        if helped and wrong:
            return f"help-{self.slug} err-{self.slug}"
        return f"help-{self.slug}" if helped else f"err-{self.slug}" if wrong else ""

    @property
    def chosen(self) -> set[str]:
        """The option values chosen: the value, or each of a list of values, as text."""
        values = self.value if isinstance(self.value, list) else [self.value]
        return {str(v) for v in values if v is not None}

    @property
    def choices(self) -> list[tuple[str, str, bool]]:
        """(value, label, chosen) of each option."""
        chosen = self.chosen
        return [(value, label, value in chosen) for value, label in self.options]


@lru_cache(maxsize=4096)
def slug(path: str) -> str:
    """`items[0].amount` -> `items-0-amount`: a path as it can stand in an HTML id."""
    return re.sub(r"[\[\].]+", "-", path).strip("-")


class Views:
    """Builds the views of one form in one state, in one language."""

    def __init__(self, form: FormSpec, state: FormState, errors: Mapping[str, list[str]],
                 catalogs: Mapping[str, CatalogSpec], file_names: Mapping[str, str] | None = None,
                 locked: frozenset[str] = frozenset(), lang: str = DEFAULT_LANG,
                 types: FieldTypes | None = None, raw: Mapping[str, Any] | None = None):
        self.form, self.state, self.errors, self.catalogs = form, state, errors, catalogs
        # What the person typed, before parsing: a value that fails its check is shown as
        # typed (beside its message), not wiped.
        self.raw: Mapping[str, Any] = raw or {}
        self.file_names = file_names or {}
        self.locked = locked  # prefilled from the account: shown, never editable
        self.lang = lang
        # The field types: the current app's unless given (a test may build views alone).
        self.plans = plans(form, lang, field_types() if types is None else types)

    def top(self) -> list[FieldView]:
        return [self._view(spec, spec.id, self.state.data, self.raw) for spec in self.form.fields]

    def at(self, path: str) -> FieldView:
        """The view of one field by its path, for a partial update."""
        match = re.fullmatch(r"([a-z0-9_]+)\[([0-9]+)\]\.([a-z0-9_]+)", path)
        if match:
            table, index, child = match.group(1), int(match.group(2)), match.group(3)
            row = self.state.data[table][index]
            return self._view(self._spec(child), path, row, _row(self.raw.get(table), index))
        return self._view(self._spec(path), path, self.state.data, self.raw)

    def _spec(self, field_id: str) -> FieldSpec:
        return next(f for f in self.form.all_fields() if f.id == field_id)

    def _view(self, spec: FieldSpec, path: str, values: Mapping[str, Any],
              raw: Mapping[str, Any]) -> FieldView:
        state = self.state.fields[path]
        if spec.id in self.locked:
            state = replace(state, readonly=True)
        plan = self.plans[spec]
        value = values.get(spec.id)
        if value is None and state.visible and not state.readonly and not spec.compute \
                and not plan.table:
            typed = raw.get(spec.id)
            if _typed(typed, plan.kind):
                value = typed  # it did not parse: shown as typed, its message beside it
        if plan.max_length and isinstance(value, str) and len(value) > plan.max_length:
            value = value[:plan.max_length]  # too long is an error; the page shows no more
        view = FieldView(plan, path, slug(path), value, state,
                         self.errors.get(path, NO_ERRORS),
                         self._options(plan) if plan.from_catalog else plan.options)
        if plan.kind in ("file", "image"):
            view.files = [(k, self.file_names[k]) for k in view.value or []
                          if k in self.file_names]
        if plan.table:
            typed_rows = raw.get(spec.id)
            view.rows = [[self._view(c, f"{path}[{i}].{c.id}", row, _row(typed_rows, i))
                          for c in spec.fields]
                         for i, row in enumerate(view.value or [])]
        elif spec.fields:
            prefix = path[: -len(spec.id)]
            view.children = [self._view(c, prefix + c.id, values, raw) for c in spec.fields]
        return view

    def _options(self, plan: FieldPlan) -> tuple[tuple[str, str], ...]:
        """The options written in the form, or those of its catalog (read per request: the
        catalog is another definition, published on its own)."""
        catalog = self.catalogs.get(plan.spec.options_from or "")
        if catalog is None:
            return plan.options
        return tuple((item.code, pick(item.label, self.lang)) for item in catalog.items)


def _typed(value: Any, kind: str) -> bool:
    """Whether a raw value is something a person typed or chose, in a shape the widget shows
    as typed: text in a built-in control, an address's parts. A type's own widget (kind
    "template") expects its parsed shape, so it is left to show nothing rather than break."""
    if kind == "template":
        return False
    if isinstance(value, str):
        return value.strip() != ""
    if isinstance(value, Mapping):
        return kind == "address" and any(isinstance(v, str) and v.strip()
                                         for v in value.values())
    return False


def _row(rows: Any, index: int) -> Mapping[str, Any]:
    """Row `index` of a table's raw value, or nothing."""
    if isinstance(rows, list) and index < len(rows) and isinstance(rows[index], Mapping):
        return rows[index]
    return {}


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

"""Frozen spec objects: what a checked definition means, with no raw dicts left.

Each class names the place of its schema (`SCHEMA`), and a test holds the two to the same
fields. `build(cls, data)` turns validated data into specs by the classes' type hints.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, ClassVar, Union

from runtime.i18n import Label

T = typing.TypeVar("T")


@typing.dataclass_transform(frozen_default=True, kw_only_default=True)
def spec(cls: type[T]) -> type[T]:
    return dataclass(frozen=True, kw_only=True)(cls)


@typing.dataclass_transform(frozen_default=True, kw_only_default=True)
def by_identity(cls: type[T]) -> type[T]:
    """Fields and forms compare and hash by identity: a default may be a list (unhashable),
    and the runtime caches per-form plans keyed by the one spec object of each version.
    `eq=False` alone would inherit DefinitionHead's field-wise equality, under which two
    forms with the same head compare equal: identity is set explicitly."""
    made = dataclass(frozen=True, kw_only=True, eq=False)(cls)
    made.__eq__ = object.__eq__  # type: ignore[method-assign]
    made.__hash__ = object.__hash__  # type: ignore[method-assign]
    return made


@spec
class CatalogRef:
    SCHEMA: ClassVar[str] = "common#/$defs/catalog_item"
    catalog: str
    item: str


@spec
class Party:
    SCHEMA: ClassVar[str] = "common#/$defs/party"
    department: str | None = None
    role: str | None = None


@spec
class CodeName:
    SCHEMA: ClassVar[str] = "Pack#/properties/departments/items"
    code: str
    name: Label


@spec
class RoleSpec:
    SCHEMA: ClassVar[str] = "Pack#/properties/roles/items"
    code: str
    name: Label
    permissions: tuple[str, ...] = ()
    scope: str | None = None


@spec
class DefinitionHead:
    """What every definition file starts with."""

    kind: str
    id: str
    version: int
    title: Label
    description: Label | None = None


# --- Pack -------------------------------------------------------------------------------

@spec
class PackSpec(DefinitionHead):
    SCHEMA: ClassVar[str] = "Pack#"
    format: int
    publisher: str | None = None
    departments: tuple[CodeName, ...] = ()
    roles: tuple[RoleSpec, ...] = ()
    assets: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()  # pack ids, each maybe with @lowest-version


# --- Form -------------------------------------------------------------------------------

@spec
class OptionSpec:
    SCHEMA: ClassVar[str] = "Form#/$defs/field/properties/options/items"
    value: str | int | bool
    label: Label


@spec
class ValidationSpec:
    SCHEMA: ClassVar[str] = "Form#/properties/validations/items"
    id: str | None = None
    expression: str
    message: Label
    when: str | None = None


@by_identity
class FieldSpec:
    SCHEMA: ClassVar[str] = "Form#/$defs/field"
    id: str
    type: str
    renamed_from: str | None = None
    label: Label | None = None
    help: Label | None = None
    placeholder: Label | None = None
    text: Label | None = None
    default: Any = None
    prefill: str | None = None
    required: bool = False
    required_when: str | None = None
    visible_when: str | None = None
    readonly_when: str | None = None
    compute: str | None = None
    keep_hidden: bool = False
    options: tuple[OptionSpec, ...] = ()
    options_from: str | None = None
    related_form: str | None = None
    related_title: str | None = None
    department: str | None = None
    min: float | None = None
    max: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    min_rows: int | None = None
    max_rows: int | None = None
    fields: tuple[FieldSpec, ...] = ()
    validations: tuple[ValidationSpec, ...] = ()


@dataclass(frozen=True)
class AudienceSpec:
    """Who may open and submit a form: `public`, `citizens`, `enterprises`, `staff` (of
    `departments` or below them, when given) or `handlers` (only as a task's handler form)."""

    who: str
    departments: tuple[str, ...] = ()

    @classmethod
    def of(cls, value: str | Mapping[str, Any]) -> AudienceSpec:
        if isinstance(value, str):
            return cls(value)
        return cls("staff", tuple(value["staff"]))


@by_identity
class FormSpec(DefinitionHead):
    SCHEMA: ClassVar[str] = "Form#"
    department: str | None = None
    service: CatalogRef | None = None
    audience: AudienceSpec | None = None
    hidden_values: str = "clear"
    region: str | None = None  # the field the application's region is read from
    fields: tuple[FieldSpec, ...]
    validations: tuple[ValidationSpec, ...] = ()

    def all_fields(self) -> tuple[FieldSpec, ...]:
        """Every field at any depth, parents before their children."""
        return _flatten(self.fields)


def _flatten(fields: tuple[FieldSpec, ...]) -> tuple[FieldSpec, ...]:
    return tuple(f for top in fields for f in (top, *_flatten(top.fields)))


# --- TaskTemplate -----------------------------------------------------------------------

@spec
class BasisSpec:
    SCHEMA: ClassVar[str] = "TaskTemplate#/properties/basis/items"
    catalog: str
    item: str
    clauses: tuple[str, ...] = ()


@spec
class IndicatorTarget:
    SCHEMA: ClassVar[str] = "TaskTemplate#/properties/goal/properties/indicators/items"
    catalog: str
    item: str
    target: float | None = None


@spec
class GoalSpec:
    SCHEMA: ClassVar[str] = "TaskTemplate#/properties/goal"
    outcome: Label
    indicators: tuple[IndicatorTarget, ...] = ()


@spec
class MaterialSpec:
    SCHEMA: ClassVar[str] = "TaskTemplate#/properties/content/properties/materials/items"
    name: Label
    required: bool = False


@spec
class ContentSpec:
    SCHEMA: ClassVar[str] = "TaskTemplate#/properties/content"
    instructions: Label
    materials: tuple[MaterialSpec, ...] = ()
    form: str | None = None


@spec
class AssigneeSpec:
    SCHEMA: ClassVar[str] = "TaskTemplate#/properties/coordination/properties/assignee"
    department: str | None = None
    role: str | None = None
    rule: str | None = None


@spec
class LimitSpec:
    """A time limit: an amount (a whole number, or an expression giving one) of one unit."""

    SCHEMA: ClassVar[str] = "TaskTemplate#/properties/coordination/properties/claim_within"
    working_days: int | str | None = None
    calendar_days: int | str | None = None
    hours: int | str | None = None
    months: int | str | None = None

    @property
    def units(self) -> list[tuple[str, int | str]]:
        """The (unit, amount) pairs given: exactly one in a checked definition."""
        return [(unit, amount) for unit in ("working_days", "calendar_days", "hours", "months")
                if (amount := getattr(self, unit)) is not None]

    @property
    def unit(self) -> str:
        return self.units[0][0]

    @property
    def amount(self) -> int | str:
        return self.units[0][1]


@spec
class DeadlineSpec(LimitSpec):
    SCHEMA: ClassVar[str] = "TaskTemplate#/properties/coordination/properties/deadline"
    from_: str = field(default="created", metadata={"key": "from"})
    from_date: str | None = None


@spec
class ConfirmWithinSpec(LimitSpec):
    """How long the applicant has to answer a step they act on, when they are reminded, and
    what the step becomes unanswered (runtime.flows.applicant)."""

    SCHEMA: ClassVar[str] = "Process#/properties/steps/items/properties/confirm_within"
    remind_at: float = 0.75
    unanswered: str = "decline"  # or "confirm"


@spec
class WarningSpec:
    SCHEMA: ClassVar[str] = "TaskTemplate#/properties/coordination/properties/warning"
    yellow_at: float = 0.75


@spec
class FeedbackSpec:
    SCHEMA: ClassVar[str] = "TaskTemplate#/properties/coordination/properties/feedback"
    message: Label | None = None
    form: str | None = None


@spec
class OverdueActionSpec:
    SCHEMA: ClassVar[str] = "TaskTemplate#/properties/coordination/properties/on_overdue/items"
    action: str
    to: Party | None = None


@spec
class ExtensionSpec:
    SCHEMA: ClassVar[str] = "TaskTemplate#/properties/coordination/properties/extension"
    decided_by: Party


@spec
class CoordinationSpec:
    SCHEMA: ClassVar[str] = "TaskTemplate#/properties/coordination"
    assignee: AssigneeSpec
    copy: tuple[Party, ...] = ()
    deadline: DeadlineSpec | None = None
    claim_within: LimitSpec | None = None
    return_within: LimitSpec | None = None
    warning: WarningSpec = WarningSpec()
    escalation: Party | None = None
    extension: ExtensionSpec | None = None
    feedback: FeedbackSpec | None = None
    on_overdue: tuple[OverdueActionSpec, ...] = ()


@spec
class TaskTemplateSpec(DefinitionHead):
    SCHEMA: ClassVar[str] = "TaskTemplate#"
    basis: tuple[BasisSpec, ...] = ()
    goal: GoalSpec | None = None
    content: ContentSpec
    dependencies: tuple[str, ...] = ()
    coordination: CoordinationSpec


# --- Process ----------------------------------------------------------------------------

@dataclass(frozen=True)
class JoinSpec:
    """When a step with several predecessors starts: all, any, or at least `count` done."""

    mode: str = "all"
    count: int | None = None

    @classmethod
    def of(cls, value: str | Mapping[str, int]) -> JoinSpec:
        if isinstance(value, str):
            return cls(value)
        return cls("at_least", value["at_least"])


@spec
class AssigneesSpec:
    SCHEMA: ClassVar[str] = "Process#/properties/steps/items/properties/assignees"
    mode: str
    ratio: float | None = None
    count: int | None = None
    parties: tuple[Party, ...] = ()


@spec
class ForEachSpec:
    SCHEMA: ClassVar[str] = "Process#/properties/steps/items/properties/for_each"
    items: str
    department: str | None = None


@spec
class WriteBackSpec:
    SCHEMA: ClassVar[str] = "Process#/properties/steps/items/properties/write_back"
    record: str
    fields: Mapping[str, str]


@spec
class RouteSpec:
    SCHEMA: ClassVar[str] = "Process#/properties/steps/items/properties/routes/items"
    when: str
    to: str
    max: int


@spec
class ChildrenSpec:
    SCHEMA: ClassVar[str] = "Process#/properties/steps/items/properties/children"
    process: str
    items: str
    data: Mapping[str, Any] = field(default_factory=lambda: types.MappingProxyType({}))
    join: JoinSpec = JoinSpec()


@spec
class StepSpec:
    SCHEMA: ClassVar[str] = "Process#/properties/steps/items"
    id: str
    task: str
    title: Label | None = None
    after: tuple[str, ...] = ()
    join: JoinSpec = JoinSpec()
    when: str | None = None
    assignees: AssigneesSpec | None = None
    can_return_to: tuple[str, ...] = ()
    for_each: ForEachSpec | None = None
    write_back: WriteBackSpec | None = None
    routes: tuple[RouteSpec, ...] = ()
    after_return: str = "pool"  # or "holder": see _previous_holder in flows.engine
    by: str = "staff"  # or "applicant": the applicant confirms it (runtime.flows.applicant)
    confirm_within: ConfirmWithinSpec | None = None  # the applicant's time to answer
    # Case variables this step sets when it ends, each from an expression over the case.
    set_: Mapping[str, str] = field(default_factory=lambda: types.MappingProxyType({}),
                                    metadata={"key": "set"})
    children: ChildrenSpec | None = None  # child cases, one per item, instead of tasks


@spec
class ScheduleSpec:
    SCHEMA: ClassVar[str] = "Process#/properties/schedule"
    every: str | None = None  # month, quarter or year; else
    cron: str | None = None  # a cron expression, in China time
    data: Mapping[str, Any] = field(default_factory=lambda: types.MappingProxyType({}))
    catch_up: int = 3


@spec
class VariableSpec:
    SCHEMA: ClassVar[str] = "Process#/properties/variables/items"
    id: str
    label: Label | None = None
    default: Any = None


@spec
class ProcessSpec(DefinitionHead):
    SCHEMA: ClassVar[str] = "Process#"
    start_form: str
    steps: tuple[StepSpec, ...]
    schedule: ScheduleSpec | None = None
    variables: tuple[VariableSpec, ...] = ()

    def defaults(self) -> dict[str, Any]:
        """The case variables as a new case holds them: each its default, else None."""
        return {v.id: v.default for v in self.variables}


# --- Rules ------------------------------------------------------------------------------

@spec
class RuleSpec:
    SCHEMA: ClassVar[str] = "RuleSet#/properties/rules/items"
    id: str
    title: Label | None = None
    purpose: str = "validation"
    expression: str
    message: Label | None = None
    basis: tuple[BasisSpec, ...] = ()

    @property
    def gate(self) -> bool:
        """A rule that must hold (validation, eligibility), not one that gives a value."""
        return self.purpose in ("validation", "eligibility")


@spec
class RuleSetSpec(DefinitionHead):
    SCHEMA: ClassVar[str] = "RuleSet#"
    form: str
    gate: str = "submission"
    show_applicant: bool = False
    rules: tuple[RuleSpec, ...]


@spec
class OutputSpec:
    SCHEMA: ClassVar[str] = "DecisionTable#/properties/outputs/items"
    id: str
    label: Label | None = None


@spec
class RowSpec:
    SCHEMA: ClassVar[str] = "DecisionTable#/properties/rows/items"
    when: str
    then: Mapping[str, Any]
    note: Label | None = None


@spec
class DecisionTableSpec(DefinitionHead):
    SCHEMA: ClassVar[str] = "DecisionTable#"
    form: str
    hit_policy: str
    outputs: tuple[OutputSpec, ...]
    rows: tuple[RowSpec, ...]
    default: Mapping[str, Any] = field(default_factory=lambda: types.MappingProxyType({}))


# --- Views ------------------------------------------------------------------------------

@spec
class ColumnSpec:
    SCHEMA: ClassVar[str] = "View#/properties/columns/items"
    field: str | None = None
    case: str | None = None  # a fact of the case (status, step, ...) instead of a field
    label: Label | None = None
    mask: bool = False


@spec
class FilterSpec:
    SCHEMA: ClassVar[str] = "View#/properties/filters/items"
    op: str
    field: str | None = None
    case: str | None = None
    label: Label | None = None
    default: str | tuple[str, ...] | None = None  # a value; values (in); [from, to] (range)

    def __post_init__(self) -> None:
        if isinstance(self.default, list):  # as loaded: kept hashable, like the rest
            object.__setattr__(self, "default", tuple(self.default))


@spec
class SortSpec:
    SCHEMA: ClassVar[str] = "View#/properties/sort/items"
    field: str | None = None
    case: str | None = None
    order: str = "asc"


@spec
class ViewSpec(DefinitionHead):
    SCHEMA: ClassVar[str] = "View#"
    type: str
    form: str
    columns: tuple[ColumnSpec, ...]
    filters: tuple[FilterSpec, ...] = ()
    sort: tuple[SortSpec, ...] = ()
    group_by: str | None = None
    page_size: int = 20
    search: tuple[str, ...] = ()
    actions: tuple[str, ...] = ("open",)


@spec
class MeasureSpec:
    SCHEMA: ClassVar[str] = "Dashboard#/properties/widgets/items/properties/measure"
    name: str | None = None  # a registered measure (runtime.views.measures)
    agg: str | None = None  # or an aggregate over the submissions of the widget's form
    field: str | None = None


@spec
class WidgetSpec:
    SCHEMA: ClassVar[str] = "Dashboard#/properties/widgets/items"
    id: str
    type: str
    title: Label
    form: str | None = None
    view: str | None = None
    process: str | None = None
    measure: MeasureSpec | None = None
    group_by: str | None = None
    indicator: CatalogRef | None = None
    target: float | None = None


@spec
class DashboardSpec(DefinitionHead):
    SCHEMA: ClassVar[str] = "Dashboard#"
    filters: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    processes: tuple[str, ...] = ()
    widgets: tuple[WidgetSpec, ...]


# --- Catalog ----------------------------------------------------------------------------

@spec
class ClauseSpec:
    SCHEMA: ClassVar[str] = "Catalog#/properties/items/items/properties/clauses/items"
    code: str
    text: Label


@spec
class CatalogItemSpec:
    SCHEMA: ClassVar[str] = "Catalog#/properties/items/items"
    code: str
    label: Label
    parent: str | None = None
    description: Label | None = None
    department: str | None = None
    form: str | None = None
    unit: str | None = None
    clauses: tuple[ClauseSpec, ...] = ()
    # an indicator's formula and its place in an effectiveness score
    measure: str | None = None
    of: str | None = None
    process: str | None = None
    target: float | None = None
    direction: str = "higher"
    weight: float = 1.0


@spec
class CatalogSpec(DefinitionHead):
    SCHEMA: ClassVar[str] = "Catalog#"
    type: str = "codes"
    items: tuple[CatalogItemSpec, ...]

    def codes(self) -> frozenset[str]:
        return frozenset(item.code for item in self.items)


Definition = Union[PackSpec, FormSpec, TaskTemplateSpec, ProcessSpec, RuleSetSpec,  # noqa: UP007
                   DecisionTableSpec, ViewSpec, DashboardSpec, CatalogSpec]

# The built-in kinds' spec classes, for reading stored definitions back (`from_data`); the
# kinds registry (runtime.definitions.kinds) holds the same classes with the rest of each
# kind, and a test holds the two together.
SPEC_BY_KIND: dict[str, type] = {
    "Pack": PackSpec, "Form": FormSpec, "TaskTemplate": TaskTemplateSpec,
    "Process": ProcessSpec, "RuleSet": RuleSetSpec, "DecisionTable": DecisionTableSpec,
    "View": ViewSpec, "Dashboard": DashboardSpec, "Catalog": CatalogSpec,
}


def from_data(data: Mapping[str, Any]) -> Definition:
    """The spec of one schema-valid definition."""
    return build(SPEC_BY_KIND[data["kind"]], data)


def build(cls: type, data: Mapping[str, Any]) -> Any:
    hints = _hints(cls)
    values = {}
    for f in dataclasses.fields(cls):
        key = f.metadata.get("key", f.name)
        if key in data:
            values[f.name] = _convert(hints[f.name], data[key])
    return cls(**values)


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _convert(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (Union, types.UnionType):
        return _convert(next(a for a in args if a is not type(None)), value)
    if origin is tuple:
        return tuple(_convert(args[0], item) for item in value)
    if hint is Label:
        return Label.of(value)
    if hint is JoinSpec:
        return JoinSpec.of(value)
    if hint is AudienceSpec:
        return AudienceSpec.of(value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return build(hint, value)
    if isinstance(value, Mapping):
        return types.MappingProxyType(dict(value))
    return value

"""The registry of definition kinds: one entry per kind holds everything about it.

An entry is its name, its JSON Schema, the spec class its data becomes, its checks (the
generators of `checks/<kind>.py`, run in order) and where it runs (which part of the runtime
consumes it). The built-in kinds register here exactly as a new one would, through
`Kinds.register`; a duplicate name fails at start-up. `builtin_kinds()` is built once and
handed out as a copy, so an app (or a test) can add a kind to its own copy and give it to the
checker (runtime.definitions.checker.Extensions) without touching anyone else's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

from jsonschema import Draft202012Validator

from runtime.definitions.checks import (
    catalogs,
    dashboards,
    decisions,
    forms,
    packs,
    processes,
    rulesets,
    tasks,
    views,
)
from runtime.definitions.checks.common import Check
from runtime.definitions.schema import load_schema, validator_for
from runtime.definitions.spec import (
    CatalogSpec,
    DashboardSpec,
    DecisionTableSpec,
    FormSpec,
    PackSpec,
    ProcessSpec,
    RuleSetSpec,
    TaskTemplateSpec,
    ViewSpec,
    build,
)

# Where a kind that no runtime part consumes yet runs: it is checked and published, and the
# issue that gives it a runtime changes its entry.
PUBLISHED_ONLY = "published only (checked and stored; no runtime reads it yet)"


# Identity, not field-wise equality: an entry holds a schema (a dict), and the validator built
# from it is kept on the entry, once per entry.
@dataclass(frozen=True, eq=False)
class Kind:
    """One kind of definition."""

    name: str
    schema: Mapping[str, Any]
    spec: type  # a frozen spec class; `build` turns schema-valid data into it
    checks: tuple[Check, ...]
    runs_in: str

    @cached_property
    def validator(self) -> Draft202012Validator:
        return validator_for(self.schema)

    def build_spec(self, data: Mapping[str, Any]) -> Any:
        return build(self.spec, data)


class Kinds(dict[str, Kind]):
    """Kinds by name, in the order they were registered (the order did-you-mean offers)."""

    def register(self, kind: Kind) -> None:
        if kind.name in self:
            raise ValueError(f"definition kind '{kind.name}' is registered twice")
        self[kind.name] = kind

    def copy(self) -> Kinds:
        return Kinds(self)


def _builtin(name: str, spec: type, checks: tuple[Check, ...], runs_in: str) -> Kind:
    return Kind(name, load_schema(name), spec, checks, runs_in)


@cache
def _builtins() -> Kinds:
    kinds = Kinds()
    for kind in (
        _builtin("Pack", PackSpec, packs.CHECKS,
                 "the store: publishing a pack, its departments and roles (runtime.store)"),
        _builtin("Form", FormSpec, forms.CHECKS,
                 "the forms runtime (runtime.forms) and the web pages over it"),
        _builtin("TaskTemplate", TaskTemplateSpec, tasks.CHECKS,
                 "the flows engine, as the task of a step (runtime.flows)"),
        _builtin("Process", ProcessSpec, processes.CHECKS,
                 "the flows engine (runtime.flows)"),
        _builtin("RuleSet", RuleSetSpec, rulesets.CHECKS, PUBLISHED_ONLY),
        _builtin("DecisionTable", DecisionTableSpec, decisions.CHECKS,
                 "decisions (runtime.decisions), run by the flows engine"),
        _builtin("View", ViewSpec, views.CHECKS, PUBLISHED_ONLY),
        _builtin("Dashboard", DashboardSpec, dashboards.CHECKS, PUBLISHED_ONLY),
        _builtin("Catalog", CatalogSpec, catalogs.CHECKS,
                 "choice options, service offers and records (runtime.forms, runtime.web)"),
    ):
        kinds.register(kind)
    return kinds


def builtin_kinds() -> Kinds:
    """A copy of the built-in kinds, for one app or one run to extend as it likes."""
    return _builtins().copy()

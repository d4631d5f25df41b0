"""The static checker: every problem of a set of definitions at once.

Schema problems first; then, over the definitions that passed their schema: duplicate ids,
references to things that do not exist, expressions (syntax, names, functions, argument
counts, number-versus-string comparisons) and cycles. What passes becomes frozen specs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from runtime.definitions.graphs import ancestors, cycles
from runtime.definitions.loader import Document
from runtime.definitions.problems import Path, Problem, problem
from runtime.definitions.schema import KINDS, did_you_mean, schema_problems, without_invalid
from runtime.definitions.spec import (
    AssigneeSpec,
    CatalogSpec,
    DashboardSpec,
    DecisionTableSpec,
    Definition,
    FieldSpec,
    FormSpec,
    PackSpec,
    Party,
    ProcessSpec,
    RuleSetSpec,
    StepSpec,
    TaskTemplateSpec,
    ViewSpec,
    from_data,
)
from runtime.expressions import ExpressionError, check_expression, compile_expression
from runtime.forms.fieldtypes import DEPARTMENT, NONE, RECORD, USER, field_types

# What a reference points at, for messages: (zh, en).
WHAT = {
    "Form": ("表单", "form"), "Catalog": ("目录", "catalog"),
    "TaskTemplate": ("任务模板", "task template"), "Process": ("流程", "process"),
    "View": ("视图", "view"), "step": ("步骤", "step"), "field": ("字段", "field"),
    "item": ("目录项", "catalog item"), "clause": ("条款", "clause"),
    "output": ("输出", "output"), "department": ("部门", "department"),
    "role": ("角色", "role"),
}


@dataclass(frozen=True)
class Checked:
    """A definition whose schema problems, if any, could be set aside: the document it came
    from and its spec (built without the refused values)."""

    doc: Document
    spec: Definition


@dataclass
class CheckResult:
    problems: list[Problem]
    definitions: list[Checked]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_documents(docs: Iterable[Document], *, resolve_refs: bool = True) -> CheckResult:
    """Check documents together. With `resolve_refs=False` (one file alone) references to
    other definitions are not checked, since they live in files we were not given."""
    problems: list[Problem] = []
    checked: list[Checked] = []
    for doc in docs:
        found = list(schema_problems(doc))
        problems += found
        data = doc.data if not found else without_invalid(doc.data) if _has_kind(doc) else None
        if data is not None:
            checked.append(Checked(doc, from_data(data)))
    context = _Context(checked, resolve_refs)
    problems += _duplicate_ids(checked)
    for item in checked:
        problems += CHECKS[item.spec.kind](context, item)
    problems.sort(key=lambda p: (p.file, p.line or 0, p.path))
    return CheckResult(problems, checked)


def _has_kind(doc: Document) -> bool:
    return isinstance(doc.data, dict) and doc.data.get("kind") in KINDS


class _Context:
    def __init__(self, checked: list[Checked], resolve_refs: bool):
        self.resolve_refs = resolve_refs
        self.index: dict[str, dict[str, Definition]] = {}
        for item in checked:
            self.index.setdefault(item.spec.kind, {}).setdefault(item.spec.id, item.spec)
        packs = [s for s in self.index.get("Pack", {}).values() if isinstance(s, PackSpec)]
        self.departments = {d.code for p in packs for d in p.departments} if packs else None
        self.roles = {r.code for p in packs for r in p.roles} if packs else None

    def find(self, kind: str, id_: str | None) -> Any:
        return self.index.get(kind, {}).get(id_ or "")

    def ref(self, item: Checked, path: Path, kind: str, id_: str | None) -> Iterator[Problem]:
        """A problem if `id_` names no definition of `kind` (when references are checked)."""
        if id_ is None or not self.resolve_refs or self.find(kind, id_) is not None:
            return
        yield _missing(item, path, kind, id_, self.index.get(kind, {}))

    def codes(self, item: Checked, path: Path, what: str, code: str | None) -> Iterator[Problem]:
        """Department and role codes must be declared by the pack, when it declares any."""
        known = self.departments if what == "department" else self.roles
        if code is not None and known and code not in known:
            yield _missing(item, path, what, code, known)


def _missing(item: Checked, path: Path, what: str, name: str, known: Iterable[str]) -> Problem:
    zh, en = WHAT[what]
    return problem("unknown_ref", item.doc.file, item.doc.line(path), path, what=zh, what_en=en,
                   name=name, **did_you_mean(name, known))


def _within(item: Checked, path: Path, what: str, name: str,
            known: Iterable[str]) -> Iterator[Problem]:
    known = list(known)
    if name not in known:
        yield _missing(item, path, what, name, known)


def _expression(item: Checked, path: Path, source: str | None,
                names: Mapping[str, str] | None) -> Iterator[Problem]:
    if source is None:
        return
    found = check_expression(source, names or {}, allow_unknown_names=names is None)
    for error in found:
        yield problem("expression", item.doc.file, item.doc.line(path), path, source=source,
                      reason=error.message("zh"), reason_en=error.message("en"))


def _names_used(source: str | None) -> frozenset[str]:
    """The data names an expression reads (none when it does not compile: reported apart)."""
    if source is None:
        return frozenset()
    try:
        return compile_expression(source).names
    except ExpressionError:
        return frozenset()


def _cycle_problems(item: Checked, path: Path, graph: Mapping[str, set[str]]) -> Iterator[Problem]:
    for cycle in cycles(graph):
        yield problem("cycle", item.doc.file, item.doc.line(path), path,
                      chain=" → ".join([*cycle, cycle[0]]))


def _duplicate_ids(checked: list[Checked]) -> Iterator[Problem]:
    seen: dict[tuple[str, str], Checked] = {}
    for item in checked:
        key = (item.spec.kind, item.spec.id)
        if key in seen:
            first = seen[key].doc
            yield problem("duplicate_id", item.doc.file, item.doc.line(("id",)), ("id",),
                          kind=item.spec.kind, id=item.spec.id,
                          other=f"{first.file}:{first.line(('id',))}")
        else:
            seen[key] = item


def _duplicates(item: Checked, entries: Iterable[tuple[Path, str]]) -> Iterator[Problem]:
    seen: set[str] = set()
    for path, name in entries:
        if name in seen:
            yield problem("duplicate_name", item.doc.file, item.doc.line(path), path, name=name)
        seen.add(name)


# --- Form -------------------------------------------------------------------------------

def walk_fields(fields: tuple[FieldSpec, ...], path: Path = ("fields",)
                ) -> Iterator[tuple[Path, FieldSpec]]:
    """Every field at any depth with its path in the document."""
    for i, spec in enumerate(fields):
        yield (*path, i), spec
        yield from walk_fields(spec.fields, (*path, i, "fields"))


def field_names(form: FormSpec) -> dict[str, str]:
    """The names a form's expressions may use: each field with a value, and its value type."""
    types = field_types()
    return {f.id: _value_type(f) for f in form.all_fields()
            if f.type in types and types[f.type].value_type != NONE}


def _value_type(spec: FieldSpec) -> str:
    declared = field_types()[spec.type].value_type
    if declared != "any" or not spec.options:
        return declared
    kinds = {type(o.value) for o in spec.options}
    return {str: "string", int: "number", bool: "boolean"}.get(kinds.pop(), "any") \
        if len(kinds) == 1 else "any"


def _check_form(ctx: _Context, item: Checked) -> Iterator[Problem]:
    form = item.spec
    assert isinstance(form, FormSpec)
    fields = list(walk_fields(form.fields))
    names = field_names(form)
    yield from _duplicates(item, (((*p, "id"), f.id) for p, f in fields))
    yield from ctx.codes(item, ("department",), "department", form.department)
    if form.service:
        yield from _catalog_item(ctx, item, ("service",), form.service.catalog,
                                 form.service.item)
    for path, spec in fields:
        yield from _check_field(ctx, item, path, spec, names)
    yield from _nested_tables(item, fields)
    for i, rule in enumerate(form.validations):
        yield from _expression(item, ("validations", i, "expression"), rule.expression, names)
        yield from _expression(item, ("validations", i, "when"), rule.when, names)
    graph = {f.id: set(_names_used(f.compute)) & names.keys()
             for _, f in fields if f.compute}
    yield from _cycle_problems(item, ("fields",), graph)


def _check_field(ctx: _Context, item: Checked, path: Path, spec: FieldSpec,
                 names: Mapping[str, str]) -> Iterator[Problem]:
    types = field_types()
    field_type = types.get(spec.type)
    if field_type is None:
        yield problem("unknown_field_type", item.doc.file, item.doc.line((*path, "type")),
                      (*path, "type"), name=spec.type, **did_you_mean(spec.type, types))
        return
    yield from _field_shape(item, path, spec, field_type.container, field_type.choice)
    yield from ctx.ref(item, (*path, "options_from"), "Catalog", spec.options_from)
    yield from _picker_properties(ctx, item, path, spec, field_type.refers_to)
    for key in ("visible_when", "required_when", "readonly_when", "compute"):
        yield from _expression(item, (*path, key), getattr(spec, key), names)
    for i, rule in enumerate(spec.validations):
        yield from _expression(item, (*path, "validations", i, "expression"), rule.expression,
                               names)
        yield from _expression(item, (*path, "validations", i, "when"), rule.when, names)


def _nested_tables(item: Checked, fields: list[tuple[Path, FieldSpec]]) -> Iterator[Problem]:
    """A row of a sub-table holds plain fields: a table in a table has no row paths the
    runtime can address, so it is refused here rather than failing on submit."""
    for path, spec in fields:
        if spec.type != "table":
            continue
        for inner_path, inner in walk_fields(spec.fields, (*path, "fields")):
            if inner.type == "table":
                yield problem("nested_table", item.doc.file, item.doc.line(inner_path),
                              inner_path, name=inner.id, outer=spec.id)


def _field_shape(item: Checked, path: Path, spec: FieldSpec, container: bool,
                 choice: bool) -> Iterator[Problem]:
    file, line = item.doc.file, item.doc.line(path)
    if container and not spec.fields:
        yield problem("no_children", file, line, path, type=spec.type)
    if not container and spec.fields:
        children = (*path, "fields")
        yield problem("unexpected_children", file, item.doc.line(children), children,
                      type=spec.type)
    if choice and spec.options and spec.options_from:
        yield problem("options_conflict", file, line, path)
    if choice and not (spec.options or spec.options_from):
        yield problem("options_missing", file, line, path)


# Properties that only a picker of these kinds reads.
PICKER_PROPERTIES = {"related_form": (RECORD,), "related_title": (RECORD,),
                     "department": (DEPARTMENT, USER)}


def _picker_properties(ctx: _Context, item: Checked, path: Path, spec: FieldSpec,
                       refers_to: str | None) -> Iterator[Problem]:
    """A related record names a form of the pack (and maybe a field of it as the title); a
    department limit is a department the pack declares; each only on a field that reads it."""
    types = field_types()
    for key, kinds in PICKER_PROPERTIES.items():
        if getattr(spec, key) is not None and refers_to not in kinds:
            names = ", ".join(t.name for t in types.values() if t.refers_to in kinds)
            yield problem("not_for_type", item.doc.file, item.doc.line((*path, key)),
                          (*path, key), name=key, type=spec.type, types=names)
    if refers_to == RECORD and spec.related_form is None:
        yield problem("related_form_missing", item.doc.file, item.doc.line(path), path)
    yield from ctx.ref(item, (*path, "related_form"), "Form", spec.related_form)
    if spec.related_form is not None and spec.related_title is not None:
        yield from _field_refs(ctx, item, spec.related_form,
                               [((*path, "related_title"), spec.related_title)])
    yield from ctx.codes(item, (*path, "department"), "department", spec.department)


def _catalog_item(ctx: _Context, item: Checked, path: Path, catalog_id: str,
                  code: str) -> Iterator[Problem]:
    if not ctx.resolve_refs:
        return
    catalog = ctx.find("Catalog", catalog_id)
    if catalog is None:
        yield from ctx.ref(item, (*path, "catalog"), "Catalog", catalog_id)
    else:
        yield from _within(item, (*path, "item"), "item", code, catalog.codes())


def _form_fields(ctx: _Context, form_id: str) -> dict[str, str] | None:
    """Field names of a form, or None when the form is not at hand (checked alone)."""
    form = ctx.find("Form", form_id)
    return field_names(form) if form is not None else None


def _field_refs(ctx: _Context, item: Checked, form_id: str,
                refs: Iterable[tuple[Path, str | None]]) -> Iterator[Problem]:
    fields = _form_fields(ctx, form_id)
    if fields is None:
        return
    for path, name in refs:
        if name is not None:
            yield from _within(item, path, "field", name, fields)


# --- TaskTemplate -----------------------------------------------------------------------

def _check_task(ctx: _Context, item: Checked) -> Iterator[Problem]:
    task = item.spec
    assert isinstance(task, TaskTemplateSpec)
    for i, basis in enumerate(task.basis):
        yield from _catalog_item(ctx, item, ("basis", i), basis.catalog, basis.item)
        yield from _clauses(ctx, item, ("basis", i), basis.catalog, basis.item, basis.clauses)
    if task.goal:
        for i, target in enumerate(task.goal.indicators):
            yield from _catalog_item(ctx, item, ("goal", "indicators", i), target.catalog,
                                     target.item)
    yield from ctx.ref(item, ("content", "form"), "Form", task.content.form)
    for i, dependency in enumerate(task.dependencies):
        yield from ctx.ref(item, ("dependencies", i), "TaskTemplate", dependency)
    yield from _coordination(ctx, item, task)
    if task.dependencies and ctx.resolve_refs:
        graph = {t.id: set(t.dependencies) for t in ctx.index.get("TaskTemplate", {}).values()
                 if isinstance(t, TaskTemplateSpec)}
        for cycle in cycles(graph):
            if min(cycle) == task.id:  # one report per cycle, at its first member
                yield problem("cycle", item.doc.file, item.doc.line(("dependencies",)),
                              ("dependencies",), chain=" → ".join([*cycle, cycle[0]]))


def _clauses(ctx: _Context, item: Checked, path: Path, catalog_id: str, code: str,
             clauses: tuple[str, ...]) -> Iterator[Problem]:
    catalog = ctx.find("Catalog", catalog_id) if ctx.resolve_refs else None
    entry = next((i for i in catalog.items if i.code == code), None) if catalog else None
    if entry is None:
        return
    for i, clause in enumerate(clauses):
        yield from _within(item, (*path, "clauses", i), "clause", clause,
                           [c.code for c in entry.clauses])


def _coordination(ctx: _Context, item: Checked, task: TaskTemplateSpec) -> Iterator[Problem]:
    co = task.coordination
    base: Path = ("coordination",)
    yield from _party_codes(ctx, item, (*base, "assignee"), co.assignee)
    # Assignment rules read the data of whatever form starts the case: names are checked
    # where a process ties the template to its start form, not here.
    yield from _expression(item, (*base, "assignee", "rule"), co.assignee.rule, None)
    parties = [((*base, "copy", i), p) for i, p in enumerate(co.copy)]
    if co.escalation:
        parties.append(((*base, "escalation"), co.escalation))
    for path, party in parties:
        yield from _party_codes(ctx, item, path, party)
    if co.feedback:
        yield from ctx.ref(item, (*base, "feedback", "form"), "Form", co.feedback.form)
    for i, auto in enumerate(co.on_overdue):
        path = (*base, "on_overdue", i)
        if auto.action == "reassign" and auto.to is None:
            yield problem("reassign_needs_to", item.doc.file, item.doc.line(path), path)
        if auto.to is not None:
            yield from _party_codes(ctx, item, (*path, "to"), auto.to)


def _party_codes(ctx: _Context, item: Checked, path: Path,
                 party: Party | AssigneeSpec) -> Iterator[Problem]:
    yield from ctx.codes(item, (*path, "department"), "department", party.department)
    yield from ctx.codes(item, (*path, "role"), "role", party.role)


# --- Process ----------------------------------------------------------------------------

def _check_process(ctx: _Context, item: Checked) -> Iterator[Problem]:
    process = item.spec
    assert isinstance(process, ProcessSpec)
    yield from ctx.ref(item, ("start_form",), "Form", process.start_form)
    fields = _form_fields(ctx, process.start_form)
    names = None if fields is None else {**fields, "steps": "object", "decisions": "object"}
    step_ids = [s.id for s in process.steps]
    yield from _duplicates(item, ((("steps", i, "id"), s.id) for i, s in enumerate(process.steps)))
    for i, step in enumerate(process.steps):
        path: Path = ("steps", i)
        yield from ctx.ref(item, (*path, "task"), "TaskTemplate", step.task)
        for key in ("after", "can_return_to"):
            for j, other in enumerate(getattr(step, key)):
                yield from _within(item, (*path, key, j), "step", other, step_ids)
        yield from _expression(item, (*path, "when"), step.when, names)
        yield from _assignees(ctx, item, path, step)
        yield from _assignee_rule(ctx, item, path, step, names)
    graph = {s.id: set(s.after) for s in process.steps}
    yield from _cycle_problems(item, ("steps",), graph)
    yield from _returns_go_back(item, process, graph)


def _assignees(ctx: _Context, item: Checked, path: Path, step: StepSpec) -> Iterator[Problem]:
    if step.assignees is None:
        return
    if step.assignees.mode == "ratio" and step.assignees.ratio is None:
        where = (*path, "assignees")
        yield problem("ratio_needs_value", item.doc.file, item.doc.line(where), where)
    for j, party in enumerate(step.assignees.parties):
        yield from _party_codes(ctx, item, (*path, "assignees", "parties", j), party)


def _assignee_rule(ctx: _Context, item: Checked, path: Path, step: StepSpec,
                   names: Mapping[str, str] | None) -> Iterator[Problem]:
    """A template's dispatch rule reads the start form of the process that uses it."""
    template = ctx.find("TaskTemplate", step.task)
    rule = template.coordination.assignee.rule if template is not None else None
    if rule is not None and names is not None:
        yield from _expression(item, (*path, "task"), rule, names)


def _returns_go_back(item: Checked, process: ProcessSpec,
                     graph: Mapping[str, set[str]]) -> Iterator[Problem]:
    for i, step in enumerate(process.steps):
        earlier = ancestors(graph, step.id)
        for j, target in enumerate(step.can_return_to):
            path: Path = ("steps", i, "can_return_to", j)
            if target in graph and target not in earlier:
                yield problem("return_not_earlier", item.doc.file, item.doc.line(path), path,
                              name=target, step=step.id)


# --- Rules ------------------------------------------------------------------------------

def _check_ruleset(ctx: _Context, item: Checked) -> Iterator[Problem]:
    ruleset = item.spec
    assert isinstance(ruleset, RuleSetSpec)
    yield from ctx.ref(item, ("form",), "Form", ruleset.form)
    fields = _form_fields(ctx, ruleset.form)
    rule_ids = {r.id for r in ruleset.rules}
    names = None if fields is None else {**fields, **{r: "any" for r in rule_ids}}
    yield from _duplicates(item, ((("rules", i, "id"), r.id) for i, r in enumerate(ruleset.rules)))
    for i, rule in enumerate(ruleset.rules):
        yield from _expression(item, ("rules", i, "expression"), rule.expression, names)
    graph = {r.id: set(_names_used(r.expression)) & rule_ids for r in ruleset.rules}
    yield from _cycle_problems(item, ("rules",), graph)


def _check_decision_table(ctx: _Context, item: Checked) -> Iterator[Problem]:
    table = item.spec
    assert isinstance(table, DecisionTableSpec)
    yield from ctx.ref(item, ("form",), "Form", table.form)
    names = _form_fields(ctx, table.form)
    outputs = [o.id for o in table.outputs]
    yield from _duplicates(item, ((("outputs", i, "id"), o) for i, o in enumerate(outputs)))
    for i, row in enumerate(table.rows):
        yield from _expression(item, ("rows", i, "when"), row.when, names)
        for key in row.then:
            yield from _within(item, ("rows", i, "then", key), "output", key, outputs)
    for key in table.default:
        yield from _within(item, ("default", key), "output", key, outputs)


# --- Views ------------------------------------------------------------------------------

def _check_view(ctx: _Context, item: Checked) -> Iterator[Problem]:
    view = item.spec
    assert isinstance(view, ViewSpec)
    yield from ctx.ref(item, ("form",), "Form", view.form)
    refs: list[tuple[Path, str | None]] = [(("group_by",), view.group_by)]
    for key in ("columns", "filters", "sort"):
        refs += [((key, i, "field"), entry.field) for i, entry in enumerate(getattr(view, key))]
    yield from _field_refs(ctx, item, view.form, refs)


def _check_dashboard(ctx: _Context, item: Checked) -> Iterator[Problem]:
    dashboard = item.spec
    assert isinstance(dashboard, DashboardSpec)
    yield from _duplicates(item, ((("widgets", i, "id"), w.id)
                                  for i, w in enumerate(dashboard.widgets)))
    for i, widget in enumerate(dashboard.widgets):
        path: Path = ("widgets", i)
        yield from ctx.ref(item, (*path, "form"), "Form", widget.form)
        yield from ctx.ref(item, (*path, "view"), "View", widget.view)
        if widget.indicator:
            yield from _catalog_item(ctx, item, (*path, "indicator"),
                                     widget.indicator.catalog, widget.indicator.item)
        if widget.form:
            measure = widget.measure.field if widget.measure else None
            yield from _field_refs(ctx, item, widget.form, [
                ((*path, "measure", "field"), measure), ((*path, "group_by"), widget.group_by)])


# --- Catalog and Pack -------------------------------------------------------------------

def _check_catalog(ctx: _Context, item: Checked) -> Iterator[Problem]:
    catalog = item.spec
    assert isinstance(catalog, CatalogSpec)
    codes = catalog.codes()
    yield from _duplicates(item, ((("items", i, "code"), e.code)
                                  for i, e in enumerate(catalog.items)))
    for i, entry in enumerate(catalog.items):
        path: Path = ("items", i)
        if entry.parent is not None:
            yield from _within(item, (*path, "parent"), "item", entry.parent, codes)
        yield from ctx.ref(item, (*path, "form"), "Form", entry.form)
        yield from ctx.codes(item, (*path, "department"), "department", entry.department)
        yield from _duplicates(item, (((*path, "clauses", j, "code"), c.code)
                                      for j, c in enumerate(entry.clauses)))
    parents = {e.code: {e.parent} for e in catalog.items if e.parent}
    yield from _cycle_problems(item, ("items",), parents)


def _check_pack(ctx: _Context, item: Checked) -> Iterator[Problem]:
    pack = item.spec
    assert isinstance(pack, PackSpec)
    yield from _duplicates(item, ((("departments", i, "code"), d.code)
                                  for i, d in enumerate(pack.departments)))
    yield from _duplicates(item, ((("roles", i, "code"), r.code)
                                  for i, r in enumerate(pack.roles)))


CHECKS: dict[str, Callable[[_Context, Checked], Iterator[Problem]]] = {
    "Pack": _check_pack, "Form": _check_form, "TaskTemplate": _check_task,
    "Process": _check_process, "RuleSet": _check_ruleset,
    "DecisionTable": _check_decision_table, "View": _check_view,
    "Dashboard": _check_dashboard, "Catalog": _check_catalog,
}

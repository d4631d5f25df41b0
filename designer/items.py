"""The items editor: one page for the kinds whose definition is mostly a list of items - a
rule set's rules, a catalog's items (codes, policy documents and their clauses, service items,
indicators) - and for a task template, whose five elements are one panel with no list. The
list on the left (add, duplicate, delete, move up and down), the selected item's properties on
the right in the panel every editor shares (designer.schemaform, from the kind's JSON Schema),
the checker's problems beside the item and the input they are at, and publishing from the
page. Every button submits the open panel with it, so nothing typed is lost, and every edit
is a save of the working copy on the revision the page showed.
"""

from __future__ import annotations

import copy as copying
import re
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue

from designer import formedit, schemaform
from designer.expressions import widget_args
from designer.schemaform import Prop
from designer.tables import typed_input
from designer.tooling import PERMISSION, Working, save
from designer.toolweb import open_or_deny
from designer.workspace import Refused, publish_copy
from runtime.definitions.checker import Extensions
from runtime.definitions.kinds import builtin_kinds
from runtime.definitions.problems import Problem
from runtime.definitions.spec import CatalogSpec, DecisionTableSpec, RuleSetSpec
from runtime.expressions import ExpressionError, compile_expression
from runtime.i18n import Catalogue
from runtime.lifecycle import canonical_yaml
from runtime.rulesets import Outcome, decide_rules
from runtime.store.designs import CopyConflict
from runtime.web.auth.audit import current_actor
from runtime.web.auth.guard import require
from runtime.web.database import db
from runtime.web.fieldtypes import field_types
from runtime.web.lang import current_lang

bp = Blueprint("designer_items", __name__, url_prefix="/designer/items",
               template_folder="templates")
HEAD = ("kind", "id", "version")  # the page's title and publishing set these, not a panel
NEW = "new_item"  # the id (or code) of an added item; the person names it in its panel


@dataclass(frozen=True)
class ItemsKind:
    """A kind this editor edits: where its items are and what names one."""

    kind: str
    slug: str  # its part of the URL and its endpoint: /designer/items/rules/<id>
    items: str | None  # the key of the definition's list of items; None: no list
    key: str  # the item's property that names it (id or code)
    noun: str  # the TEXT key of what one item is called


ITEM_KINDS = {k.slug: k for k in (
    ItemsKind("RuleSet", "rules", "rules", "id", "rule"),
    ItemsKind("Catalog", "catalogs", "items", "code", "entry"),
    ItemsKind("TaskTemplate", "tasks", None, "id", "entry"),
)}
TEXT = Catalogue({
    "title_RuleSet": ("规则集设计：{id}", "Rule set editor: {id}"),
    "title_Catalog": ("目录设计：{id}", "Catalog editor: {id}"),
    "title_TaskTemplate": ("任务模板设计：{id}", "Task template editor: {id}"),
    "rule": ("规则", "Rule"), "entry": ("条目", "Item"),
    "items": ("{noun}列表", "{noun}s"),
    "head": ("整体属性", "The whole definition"),
    "add": ("添加{noun}", "Add a {noun}"),
    "up": ("上移 {name}", "Move {name} up"), "down": ("下移 {name}", "Move {name} down"),
    "duplicate": ("复制 {name}", "Duplicate {name}"), "delete": ("删除 {name}", "Delete {name}"),
    "copy": ("复制", "Copy"), "remove": ("删除", "Delete"),
    "save": ("保存", "Save"), "publish": ("发布", "Publish"),
    "problems": ("检查发现的问题", "Problems the checker found"),
    "clean": ("检查通过，没有问题", "The checker found no problem"),
    "n_problems": ("{n} 个问题", "{n} problem(s)"),
    "refused": ("未发布：请先解决以下全部问题", "Not published: fix every problem below first"),
    "published": ("已发布第 {version} 版", "Version {version} published"),
    "revision": ("工作副本修订 {n}，{who} 保存", "Working copy revision {n}, saved by {who}"),
    "yaml_error": ("YAML 有错误，请在 YAML 视图中修正后再用此编辑器",
                   "The YAML has an error: fix it in the YAML view to use this editor"),
    "mine": ("你的修改（未保存）", "Your change (not saved)"),
    "test": ("用输入测试", "Test with input"), "run": ("测试", "Test"),
    "test_help": ("填入表单数据，看每条规则的结果和理由（按工作副本，未保存的修改不算）",
                  "Type a form's data to see each rule's result and why (on the working "
                  "copy; unsaved changes do not count)"),
    "not_checked": ("规则集有结构错误，修正后才能测试",
                    "The rule set has schema errors: fix them to test"),
})


def items_text(key: str, /, **params: Any) -> str:
    return TEXT.format(key, current_lang(), **params)


bp.add_app_template_global(items_text, "items_text")


def _kind(slug: str) -> ItemsKind:
    found = ITEM_KINDS.get(slug)
    if found is None:
        abort(404)
    return found


def _items(working: Working, spec: ItemsKind) -> list[dict[str, Any]]:
    found = (working.data or {}).get(spec.items) if spec.items else None
    return [dict(i) if isinstance(i, dict) else {} for i in found] if isinstance(
        found, list) else []


def _selected(raw: str | None, count: int) -> int | None:
    """The item chosen (its index), or None for the definition's own properties."""
    return int(raw) if raw and raw.isdigit() and int(raw) < count else None


# --- the panel and where its inputs write -------------------------------------------------


def item_panel(working: Working, spec: ItemsKind, selected: int | None) -> list[Prop]:
    schema = builtin_kinds()[spec.kind].schema
    if selected is None:
        return schemaform.panel(schema, working.data or {}, "d.",
                                skip=(*HEAD, *([spec.items] if spec.items else [])))
    assert spec.items is not None
    item_schema = schema["properties"][spec.items]["items"]
    return schemaform.panel(item_schema, _items(working, spec)[selected], f"i{selected}.")


def place(spec: ItemsKind, name: str) -> str:
    """The path the checker names for an input of the panel: `i3.basis.0.catalog` is
    `rules[3].basis[0].catalog`, `d.goal.outcome` is `goal.outcome`."""
    head, *rest = name.split(".")
    path = f"{spec.items}[{head[1:]}]" if head.startswith("i") else ""
    for part in rest:
        path += f"[{part}]" if part.isdigit() else f".{part}" if path else part
    return path


def input_of(spec: ItemsKind, path: str) -> str:
    """The panel input a problem's path is at (the inverse of `place`)."""
    found = re.match(rf"^{spec.items}\[(\d+)\](.*)$", path) if spec.items else None
    head, rest = (f"i{found[1]}", found[2]) if found else ("d", f".{path}")
    return head + re.sub(r"\[(\d+)\]", r".\1", rest)


def problems_at(working: Working, spec: ItemsKind, props: list[Prop], selected: int | None
                ) -> tuple[dict[str, list[Problem]], list[Problem]]:
    """The problems of the panel shown, by the input they are at (the nearest one shown: a
    problem in one word of a list of words is at that list), and those at no input of it."""
    shown = _names(props)
    at_input: dict[str, list[Problem]] = {}
    elsewhere = []
    for problem in working.problems:
        parts = input_of(spec, problem.path).split(".")
        while parts and ".".join(parts) not in shown:
            parts.pop()
        if parts:
            at_input.setdefault(".".join(parts), []).append(problem)
        elif _within(spec, problem.path, selected):
            elsewhere.append(problem)
    return at_input, elsewhere


def _names(props: list[Prop]) -> set[str]:
    names = set()
    for prop in props:
        names.add(prop.name)
        names |= _names(prop.children)
        for row in prop.rows:
            names |= _names(row)
    return names


def _within(spec: ItemsKind, path: str, selected: int | None) -> bool:
    """Whether a problem belongs to the panel shown: the item's, or the definition's own."""
    if selected is not None:
        return bool(re.match(rf"^{spec.items}\[{selected}\](\W|$)", path))
    return not (spec.items and re.match(rf"^{spec.items}\[\d+\]", path))


def item_problems(working: Working, spec: ItemsKind) -> dict[int, list[Problem]]:
    found: dict[int, list[Problem]] = {}
    for problem in working.problems:
        match = re.match(rf"^{spec.items}\[(\d+)\]", problem.path) if spec.items else None
        if match:
            found.setdefault(int(match[1]), []).append(problem)
    return found


# --- the page -----------------------------------------------------------------------------


def _render(working: Working, spec: ItemsKind, selected: int | None, *, status: int = 200,
            error: str | None = None, notice: str | None = None, mine: str | None = None,
            refused: list[Problem] | None = None,
            template: str = "designer_items/_editor.html") -> ResponseReturnValue:
    items = _items(working, spec)
    if selected is not None and selected >= len(items):
        selected = None
    props = item_panel(working, spec, selected) if working.data is not None else []
    at_input, elsewhere = problems_at(working, spec, props, selected)
    return render_template(
        template, working=working, spec=spec, items=items, selected=selected, props=props,
        at_input=at_input, unplaced=elsewhere,
        item_problems=item_problems(working, spec), error=error, notice=notice, mine=mine,
        refused=refused, widget_args=widget_args, place=lambda name: place(spec, name),
        test_fields=test_fields(working),
    ), status


def _open(spec: ItemsKind, def_id: str) -> Working:
    return open_or_deny(spec.kind, def_id)


def page(slug: str, def_id: str) -> ResponseReturnValue:
    spec = _kind(slug)
    working = _open(spec, def_id)
    selected = _selected(request.args.get("item"), len(_items(working, spec)))
    if getattr(request, "htmx", False):
        return _render(working, spec, selected)
    return _render(working, spec, selected, template="designer_items/editor.html")


for _spec in ITEM_KINDS.values():  # one endpoint a kind: the designer's lists link by id
    bp.add_url_rule(f"/{_spec.slug}/<def_id>", _spec.slug, require(PERMISSION)(page),
                    defaults={"slug": _spec.slug})

# What this page edits: the designer's lists link a definition of these kinds to it.
EDITORS = {spec.kind: f"{bp.name}.{spec.slug}" for spec in ITEM_KINDS.values()}


# --- edits --------------------------------------------------------------------------------


@bp.post("/<slug>/<def_id>/edit")
@require(PERMISSION)
def edit(slug: str, def_id: str) -> ResponseReturnValue:
    """The open panel as submitted, then the operation its button names (save, add, up:N,
    down:N, dup:N, del:N), written to the working copy."""
    spec = _kind(slug)
    working = _open(spec, def_id)
    if working.data is None:
        return _render(working, spec, None, status=422, error=items_text("yaml_error"))
    items = _items(working, spec)
    selected = _selected(request.form.get("item"), len(items))
    try:
        data = _with_panel(working, spec, selected)
    except formedit.EditError as error:
        return _render(working, spec, selected, status=422, error=error.message(current_lang()))
    if spec.items:
        found = data.get(spec.items)
        items, selected = apply(request.form.get("op", "save"),
                                found if isinstance(found, list) else [], selected, spec.key)
        data[spec.items] = items
    return _save(working, spec, data, selected)


def _with_panel(working: Working, spec: ItemsKind, selected: int | None) -> dict[str, Any]:
    """The definition's data with the submitted panel read into it."""
    data = copying.deepcopy(working.data or {})
    value = schemaform.read(item_panel(working, spec, selected), request.form)
    if selected is not None and spec.items:
        data[spec.items][selected] = value
        return data
    kept = {k: data[k] for k in (*HEAD, *([spec.items] if spec.items else [])) if k in data}
    return {**kept, **value}


def apply(op: str, items: list[Any], selected: int | None, key: str
          ) -> tuple[list[Any], int | None]:
    """`items` after one operation on the list, and the item then selected. An item that is
    no mapping (the checker names it) moves and goes like any other; its duplicate starts
    empty."""
    items = list(items)
    verb, _, number = op.partition(":")
    at = int(number) if number.isdigit() and int(number) < len(items) else None
    taken = {str(i.get(key)) for i in items if isinstance(i, dict)}
    if verb == "add":
        items.append({key: formedit.unique(NEW, taken)})
        return items, len(items) - 1
    if at is None:
        return items, selected
    if verb == "dup":
        original = items[at] if isinstance(items[at], dict) else {}
        twin = {**copying.deepcopy(original), key: formedit.unique(
            f"{original.get(key) or NEW}_copy", taken)}
        items.insert(at + 1, twin)
        return items, at + 1
    if verb == "del":
        del items[at]
        return items, None
    to = at - 1 if verb == "up" else at + 1 if verb == "down" else at
    if 0 <= to < len(items):
        items[at], items[to] = items[to], items[at]
    return items, to if 0 <= to < len(items) else at


def _save(working: Working, spec: ItemsKind, data: dict[str, Any], selected: int | None
          ) -> ResponseReturnValue:
    try:
        saved = save(db(), working, data, request.form.get("revision", type=int) or 0,
                     current_actor(), field_types())
    except CopyConflict as conflict:
        # the newest copy is shown; what this person submitted stays on the page to copy
        return _render(_open(spec, working.def_id), spec, selected, status=409,
                       error=conflict.message(current_lang()), mine=canonical_yaml(data))
    return _render(saved, spec, selected)


@bp.post("/<slug>/<def_id>/publish")
@require(PERMISSION)
def publish(slug: str, def_id: str) -> ResponseReturnValue:
    """The full checker on the copy at the revision shown, then a new published version; a
    refusal lists every problem at its place."""
    spec = _kind(slug)
    selected = request.form.get("item")
    _open(spec, def_id)
    try:
        done = publish_copy(db(), spec.kind, def_id, request.form.get("revision", type=int) or 0,
                            Extensions(builtin_kinds(), field_types()), current_actor())
    except CopyConflict as conflict:
        return _render(_open(spec, def_id), spec, None, status=409,
                       error=conflict.message(current_lang()))
    except Refused as refused:
        working = _open(spec, def_id)
        return _render(working, spec, _selected(selected, len(_items(working, spec))),
                       status=422, error=items_text("refused"), refused=refused.problems)
    return _render(_open(spec, def_id), spec, None,
                   notice=items_text("published", version=done.version))


# --- a rule set tried on data -------------------------------------------------------------


def test_fields(working: Working) -> list[str]:
    """The form's fields the rules read: what a test of the set asks for."""
    names = working.names() or {}
    rules = (working.data or {}).get("rules") if working.kind == "RuleSet" else None
    read: list[str] = []
    for rule in rules if isinstance(rules, list) else []:
        try:
            found = compile_expression(str(rule.get("expression", ""))).names if isinstance(
                rule, dict) else frozenset()
        except ExpressionError:  # the checker names it; the test asks for the rest
            continue
        read += sorted(n for n in found if n in names and n not in read)
    return read


@bp.post("/rules/<def_id>/test")
@require(PERMISSION)
def test(def_id: str) -> ResponseReturnValue:
    """Every rule of the working copy decided on the data typed, the way a submission is:
    each result, and its explanation clause by clause (runtime.rulesets)."""
    working = _open(ITEM_KINDS["rules"], def_id)
    ruleset = working.checked.spec if working.checked else None
    if not isinstance(ruleset, RuleSetSpec):
        return render_template("designer_items/_rules_test.html", outcome=None,
                               error=items_text("not_checked")), 422
    names = working.names() or {}
    data = {n: typed_input(request.form.get(f"t.{n}", ""), names.get(n, "any"))
            for n in test_fields(working)}
    return render_template("designer_items/_rules_test.html", error=None,
                           outcome=_decide(working, ruleset, data))


def _decide(working: Working, ruleset: RuleSetSpec, data: dict[str, Any]) -> Outcome:
    """The set on `data`, reading the tables on its form and citing its pack's catalogs."""
    index = working.context.index
    tables = {i: s for i, s in index.get("DecisionTable", {}).items()
              if isinstance(s, DecisionTableSpec) and s.form == ruleset.form}
    catalogs = {i: s for i, s in index.get("Catalog", {}).items() if isinstance(s, CatalogSpec)}
    return decide_rules([ruleset], data, tables=tables, catalogs=catalogs)

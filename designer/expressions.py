"""The expression editor: a small fragment for any property panel that checks an expression as
the user types, with the checker's own messages (unknown names with did-you-mean, wrong types,
cycles), its result type, and completions (fields, `decisions.` and `rules.` members, the
function catalogue with signatures).

An expression at a place in the definition (`steps[2].when`) is checked the way publishing
would check it: put at that place in the working copy's data, the definition checked among its
pack, and the problems at that place (and any cycle) shown. Without a place, the expression is
checked alone against the definition's names. Nothing is saved here.
"""

from __future__ import annotations

import copy as copying
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue

from designer.tooling import PERMISSION, Working, examine_data
from designer.toolweb import open_or_deny
from runtime.expressions import FUNCTIONS, check_expression
from runtime.expressions.analysis import infer_type
from runtime.expressions.errors import ExpressionError
from runtime.i18n import Catalogue
from runtime.web.auth.guard import require
from runtime.web.database import db
from runtime.web.fieldtypes import field_types
from runtime.web.lang import current_lang

bp = Blueprint("designer_expressions", __name__, url_prefix="/designer/expressions",
               template_folder="templates")
KINDS = ("Form", "Process", "DecisionTable", "RuleSet", "TaskTemplate")
MAX_COMPLETIONS = 8
TEXT = Catalogue({
    "ok": ("表达式正确", "The expression is correct"),
    "type": ("结果类型：{type}", "Result type: {type}"),
    "suggest": ("补全", "Complete"),
    "field": ("字段", "field"), "function": ("函数", "function"),
    "member": ("成员", "member"),
    "empty": ("（空）", "(empty)"),
})
_TAIL = re.compile(r"((?:[A-Za-z_]\w*\.)*)([A-Za-z_]\w*)?$")
_PATH = re.compile(r"([A-Za-z_]\w*)|\[(\d+)\]")


def tool_text(key: str, /, **params: Any) -> str:
    return TEXT.format(key, current_lang(), **params)


bp.add_app_template_global(tool_text, "tool_text")


@dataclass(frozen=True)
class Completion:
    insert: str  # the whole expression once chosen
    label: str
    detail: str
    what: str


@dataclass
class Feedback:
    source: str
    messages: list[tuple[str, str]] = field(default_factory=list)  # (zh, en)
    type: str | None = None
    completions: list[Completion] = field(default_factory=list)


def feedback(working: Working, source: str, path: str | None) -> Feedback:
    """What the editor shows under an expression."""
    found = Feedback(source)
    if not source.strip():
        return found
    names = working.names()
    placed = _placed(working, source, path) if path else None
    if placed is not None:
        found.messages = placed
    else:
        found.messages = [(e.message("zh"), e.message("en")) for e in check_expression(
            source, names or {}, allow_unknown_names=names is None, members=working.members())]
    if not found.messages:
        try:
            found.type = infer_type(source, names)
        except ExpressionError:
            found.type = None
    found.completions = completions(source, names or {}, working.members() or {})
    return found


def _placed(working: Working, source: str, path: str) -> list[tuple[str, str]] | None:
    """The checker's problems at `path` with `source` put there (and every cycle), or None
    when the place is not in the copy's data."""
    if working.data is None:
        return None
    data = copying.deepcopy(working.data)
    if not _put(data, path, source):
        return None
    checked = examine_data(db(), working, data, field_types())
    return [(p.zh, p.en) for p in checked.problems
            if p.path == path or p.path.startswith(path + ".") or p.code == "cycle"]


def _put(data: Any, path: str, value: str) -> bool:
    parts: list[str | int] = [name or int(index) for name, index in _PATH.findall(path)]
    target = data
    for part in parts[:-1]:
        if isinstance(part, int) and isinstance(target, list) and part < len(target):
            target = target[part]
        elif isinstance(part, str) and isinstance(target, dict):
            target = target.setdefault(part, {})
        else:
            return False
    last = parts[-1] if parts else None
    if isinstance(last, str) and isinstance(target, dict):
        target[last] = value
        return True
    return False


def completions(source: str, names: Mapping[str, str],
                members: Mapping[str, Any]) -> list[Completion]:
    """What the word being typed at the end of `source` may become."""
    tail = _TAIL.search(source)
    if tail is None or not (tail.group(1) or tail.group(2)):
        return []
    owner, prefix = tail.group(1), tail.group(2) or ""
    head = source[:tail.start()]
    if owner:
        tree: Any = members
        for part in owner.rstrip(".").split("."):
            tree = tree.get(part) if isinstance(tree, Mapping) else None
        options = [(name, str(kind) if not isinstance(kind, Mapping) else "object", "member")
                   for name, kind in (tree or {}).items()] if isinstance(tree, Mapping) else []
    else:
        options = [(name, kind, "field") for name, kind in names.items()]
        lang = current_lang()
        options += [(f.name + "(", f"{f.signature} — {f.en if lang == 'en' else f.zh}",
                     "function") for f in FUNCTIONS.values()]
    lowered = prefix.lower()
    chosen = [o for o in options if o[0].lower().startswith(lowered) and o[0] != prefix]
    chosen.sort(key=lambda o: (o[2] == "function", o[0]))
    return [Completion(head + owner + name, name, detail, what)
            for name, detail, what in chosen[:MAX_COMPLETIONS]]


def _working(kind: str, def_id: str) -> Working:
    if kind not in KINDS:
        abort(404)
    return open_or_deny(kind, def_id)


def _widget_args() -> dict[str, str]:
    form = request.form
    return {key: form.get(key, "")[:200] for key in ("kind", "def_id", "path", "field", "wid")}


@bp.post("/check")
@require(PERMISSION)
def check() -> ResponseReturnValue:
    """The feedback under an expression input (htmx, on input, debounced)."""
    args = _widget_args()
    source = request.form.get(args["field"] or "expression", "")
    working = _working(args["kind"], args["def_id"])
    return render_template("designer_tools/_expression_feedback.html", args=args,
                           feedback=feedback(working, source, args["path"] or None))


@bp.post("/complete")
@require(PERMISSION)
def complete() -> ResponseReturnValue:
    """The whole widget again, its value the completion chosen."""
    args = _widget_args()
    source = request.form.get("completed", "")
    working = _working(args["kind"], args["def_id"])
    return render_template("designer_tools/_expression_widget.html", args=args, value=source,
                           feedback=feedback(working, source, args["path"] or None))


def widget_args(working: Working, field_name: str, path: str, wid: str) -> dict[str, str]:
    """What a panel passes to `designer_tools/_expression_widget.html`."""
    return {"kind": working.kind, "def_id": working.def_id, "path": path,
            "field": field_name, "wid": wid}


